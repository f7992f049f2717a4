#!/usr/bin/env bash
# tests/mysql.sh: a throwaway MariaDB server for the tests, as tests/pg.sh is
# for PostgreSQL.
#
#   tests/mysql.sh start DIR   install a data directory + start; prints `export` lines on stdout
#   tests/mysql.sh stop DIR    stop the server and remove DIR
#
# The server (mariadb-server-core: mariadb-install-db and mariadbd, no system
# service) reads no option file (--no-defaults), listens on a unix socket
# inside DIR and on 127.0.0.1 at the first free port from 53306 up, speaks
# utf8mb4, and trusts root over the socket and from 127.0.0.1 without a
# password. A second account, strata_pw with the password s3cret-pw, lets
# tests check that a password never shows up in strata's output. Durability
# is off: the data is thrown away.
#
# Run as root, the server runs as root too (--user=root): mariadb-install-db
# and mariadbd refuse nothing then, and the data directory needs no chown.
# When DIR is too long for a unix socket path the data lives under /tmp and
# DIR is a symlink to it.
#
# Everything but the export lines goes to stderr, so that
#   tests/mysql.sh start build/mysql > build/mysql.env && . build/mysql.env
# works. If the server cannot start, the script says why and exits non-zero.
set -euo pipefail

MARKER=.strata-test-mysql
FIRST_PORT=${STRATA_TEST_MYSQL_FIRST_PORT:-53306}

die() {
	printf 'mysql.sh: %s\n' "$*" >&2
	exit 1
}

usage() {
	printf 'usage: %s start|stop DIR\n' "$0" >&2
	exit 2
}

find_bin() {
	local name
	for name in "$@"; do
		if command -v "$name" >/dev/null 2>&1; then
			command -v "$name"
			return
		fi
		for d in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin; do
			[ -x "$d/$name" ] && { printf '%s\n' "$d/$name"; return; }
		done
	done
	die "none of $* found; install mariadb-server-core and mariadb-client-core (make test-deps)"
}

port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

cmd_stop() {
	local dir=$1 real pid i
	if [ ! -e "$dir" ] && [ ! -L "$dir" ]; then
		return 0
	fi
	real=$(readlink -m "$dir")
	if [ -d "$real" ] && [ ! -e "$real/$MARKER" ]; then
		rmdir "$real" 2>/dev/null && return 0
		die "$dir was not made by tests/mysql.sh (no $MARKER); not removing it"
	fi
	if [ -f "$real/mariadbd.pid" ]; then
		pid=$(cat "$real/mariadbd.pid")
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
			for i in $(seq 1 100); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
		fi
	fi
	rm -rf "$real"
	[ -L "$dir" ] && rm -f "$dir"
	return 0
}

cmd_start() {
	local dir=$1 real installdb server client port tries log pid asuser=()
	installdb=$(find_bin mariadb-install-db mysql_install_db)
	server=$(find_bin mariadbd mysqld)
	client=$(find_bin mariadb mysql)
	[ "$(id -u)" -eq 0 ] && asuser=(--user=root)

	cmd_stop "$dir"
	mkdir -p "$dir"
	dir=$(readlink -f "$dir")
	real=$dir
	# the socket path $real/mysql.sock must fit in 107 bytes
	if [ ${#real} -gt 90 ]; then
		rmdir "$real"
		real=$(mktemp -d /tmp/strata-mysql.XXXXXX)
		ln -s "$real" "$dir"
		printf 'mysql.sh: server data in %s (symlinked from %s)\n' "$real" "$dir" >&2
	fi
	touch "$real/$MARKER"
	log=$real/install.log
	if ! "$installdb" --no-defaults "${asuser[@]}" --datadir="$real/data" --auth-root-authentication-method=normal \
		--skip-test-db >"$log" 2>&1; then
		cat "$log" >&2
		die "mariadb-install-db failed (log above)"
	fi

	port=$FIRST_PORT
	tries=0
	while :; do
		while port_in_use "$port"; do
			port=$((port + 1))
		done
		"$server" --no-defaults "${asuser[@]}" --datadir="$real/data" --socket="$real/mysql.sock" \
			--port="$port" --bind-address=127.0.0.1 --pid-file="$real/mariadbd.pid" \
			--log-error="$real/server.log" --character-set-server=utf8mb4 \
			--collation-server=utf8mb4_general_ci --innodb-flush-log-at-trx-commit=0 \
			--innodb-doublewrite=0 --sync-binlog=0 --skip-name-resolve --max-connections=300 \
			--innodb-buffer-pool-size=64M >/dev/null 2>&1 </dev/null &
		pid=$!
		for _ in $(seq 1 300); do
			"$client" --no-defaults -uroot --socket="$real/mysql.sock" -e 'SELECT 1' >/dev/null 2>&1 && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if "$client" --no-defaults -uroot --socket="$real/mysql.sock" -e 'SELECT 1' >/dev/null 2>&1; then
			break
		fi
		tries=$((tries + 1))
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		if [ $tries -lt 5 ] && grep -q 'Address already in use\|Do you already have another' "$real/server.log" 2>/dev/null; then
			port=$((port + 1))
			continue
		fi
		tail -n 30 "$real/server.log" >&2 2>/dev/null || true
		die "MariaDB did not start in $real (server log above)"
	done
	# root from 127.0.0.1 as over the socket; strata_pw needs its password
	"$client" --no-defaults -uroot --socket="$real/mysql.sock" >&2 <<-'EOF' ||
		CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
		GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
		CREATE USER IF NOT EXISTS 'strata_pw'@'%' IDENTIFIED BY 's3cret-pw';
		GRANT ALL ON *.* TO 'strata_pw'@'%';
		CREATE DATABASE IF NOT EXISTS strata_test;
	EOF
		die "could not create the test accounts"
	printf '%s\n' "$port" >"$real/port"
	printf 'mysql.sh: MariaDB %s running (pid %s) on 127.0.0.1:%s and %s\n' \
		"$("$server" --version | awk '{print $3}')" "$(cat "$real/mariadbd.pid" 2>/dev/null || echo "$pid")" \
		"$port" "$real/mysql.sock" >&2
	printf 'export STRATA_TEST_MYSQL_SOCKET=%q\n' "$real/mysql.sock"
	printf 'export STRATA_TEST_MYSQL_PORT=%q\n' "$port"
	printf 'export STRATA_TEST_MYSQL_URL=%q\n' "mysql://root@127.0.0.1:$port/strata_test"
}

[ $# -eq 2 ] || usage
case $1 in
start) cmd_start "$2" ;;
stop) cmd_stop "$2" ;;
*) usage ;;
esac
