#!/usr/bin/env bash
# tests/pg.sh: a throwaway PostgreSQL 15 cluster for the tests.
#
#   tests/pg.sh start DIR   initdb + start; prints `export` lines on stdout
#   tests/pg.sh stop DIR    stop the cluster and remove DIR
#
# The cluster trusts every connection except two roles: strata_pw (password
# s3cret-pw) and strata_secret (created by secrets.bats with the passwords a
# secret manager makes) must authenticate with scram-sha-256 over 127.0.0.1, so
# that the tests can check that a password never shows up in strata's output. It listens
# on a unix socket inside DIR and on 127.0.0.1 at the first free port from
# 55432 up; fsync is off because the data is thrown away.
#
# Run as root, the server runs as the `postgres` user. When that user cannot
# reach DIR (say DIR is under /root) or DIR is too long for a unix socket path,
# the data lives in a directory under /tmp and DIR is a symlink to it.
#
# Everything but the export lines goes to stderr, so that
#   tests/pg.sh start build/pg > build/pg.env && . build/pg.env
# works. If the cluster cannot start, the script says why and exits non-zero.
set -euo pipefail

MARKER=.strata-test-cluster
FIRST_PORT=${STRATA_TEST_PG_FIRST_PORT:-55432}

die() {
	printf 'pg.sh: %s\n' "$*" >&2
	exit 1
}

usage() {
	printf 'usage: %s start|stop DIR\n' "$0" >&2
	exit 2
}

find_bindir() {
	local d
	if command -v pg_config >/dev/null 2>&1; then
		d=$(pg_config --bindir 2>/dev/null || true)
		if [ -n "$d" ] && [ -x "$d/initdb" ]; then
			printf '%s\n' "$d"
			return
		fi
	fi
	d=/usr/lib/postgresql/15/bin
	[ -x "$d/initdb" ] ||
		die "no PostgreSQL server binaries (initdb) found via pg_config --bindir or in $d; install postgresql-15 (make test-deps)"
	printf '%s\n' "$d"
}

# as_pg CMD...: run CMD as the cluster's owner (postgres when we are root).
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# cluster_dir DIR: the absolute real directory behind DIR (DIR or its symlink target).
cluster_dir() {
	readlink -m "$1"
}

cmd_stop() {
	local dir=$1 real bindir
	if [ ! -e "$dir" ] && [ ! -L "$dir" ]; then
		return 0
	fi
	real=$(cluster_dir "$dir")
	if [ -d "$real" ] && [ ! -e "$real/$MARKER" ]; then
		# An empty directory (made by hand, or by a start that failed early) is fine.
		rmdir "$real" 2>/dev/null && return 0
		die "$dir was not made by tests/pg.sh (no $MARKER); not removing it"
	fi
	if [ -f "$real/data/postmaster.pid" ]; then
		bindir=$(find_bindir)
		as_pg "$bindir/pg_ctl" stop -D "$real/data" -m fast -w >&2 ||
			printf 'pg.sh: pg_ctl stop failed; removing %s anyway\n' "$dir" >&2
	fi
	rm -rf "$real"
	[ -L "$dir" ] && rm -f "$dir"
	return 0
}

# reachable_by_postgres DIR: can the postgres user create files in DIR?
reachable_by_postgres() {
	[ "$(id -u)" -ne 0 ] && return 0
	runuser -u postgres -- test -w "$1" -a -x "$1" 2>/dev/null
}

cmd_start() {
	local dir=$1 real bindir port tries pgpid log
	bindir=$(find_bindir)
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		die "running as root but there is no 'postgres' user to run the server; install postgresql-15 (make test-deps)"
	fi

	# A cluster left behind by an interrupted run: stop it, start afresh.
	cmd_stop "$dir"

	mkdir -p "$dir"
	dir=$(readlink -f "$dir")
	real=$dir
	chmod 755 "$real"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$real"
	# The socket path is $real/sock/.s.PGSQL.NNNNN and must fit in 107 bytes.
	if ! reachable_by_postgres "$real" || [ ${#real} -gt 80 ]; then
		rmdir "$real"
		real=$(mktemp -d /tmp/strata-pg.XXXXXX)
		chmod 755 "$real"
		[ "$(id -u)" -eq 0 ] && chown postgres: "$real"
		ln -s "$real" "$dir"
		printf 'pg.sh: cluster data in %s (symlinked from %s)\n' "$real" "$dir" >&2
	fi
	touch "$real/$MARKER"
	as_pg mkdir -m 755 "$real/sock"

	log=$real/initdb.log
	if ! as_pg "$bindir/initdb" -D "$real/data" -U postgres --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8 --no-sync >"$log" 2>&1; then
		cat "$log" >&2
		die "initdb failed (log above)"
	fi

	# First match wins: strata_pw and strata_secret over TCP need their password, all else is trusted.
	as_pg tee "$real/data/pg_hba.conf" >/dev/null <<-'EOF'
		# TYPE  DATABASE  USER       ADDRESS       METHOD
		local   all       all                      trust
		host    all       strata_pw  127.0.0.1/32  scram-sha-256
		host    all       strata_secret  127.0.0.1/32  scram-sha-256
		host    all       all        127.0.0.1/32  trust
	EOF

	port=$FIRST_PORT
	tries=0
	while :; do
		while port_in_use "$port"; do
			port=$((port + 1))
		done
		as_pg tee -a "$real/data/postgresql.conf" >/dev/null <<-EOF

			# tests/pg.sh (attempt $((tries + 1)))
			listen_addresses = '127.0.0.1'
			port = $port
			unix_socket_directories = '$real/sock'
			max_connections = 200
			fsync = off
			synchronous_commit = off
			full_page_writes = off
			password_encryption = 'scram-sha-256'
		EOF
		if as_pg "$bindir/pg_ctl" start -D "$real/data" -l "$real/postgres.log" -w -t 60 >/dev/null 2>&1; then
			break
		fi
		tries=$((tries + 1))
		# Someone took the port between the check and the start: try the next one.
		if [ $tries -lt 5 ] && grep -q 'could not bind\|Address already in use' "$real/postgres.log" 2>/dev/null; then
			port=$((port + 1))
			continue
		fi
		tail -n 30 "$real/postgres.log" >&2 2>/dev/null || true
		die "PostgreSQL did not start in $real (server log above)"
	done

	if ! as_pg "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$real/sock" -p "$port" -U postgres -d postgres \
		-c "CREATE ROLE strata_pw LOGIN PASSWORD 's3cret-pw'" >&2; then
		die "could not create the role strata_pw"
	fi
	printf '%s\n' "$port" >"$real/port"
	pgpid=$(head -n 1 "$real/data/postmaster.pid")
	printf 'pg.sh: PostgreSQL %s running (pid %s) on 127.0.0.1:%s and %s\n' \
		"$("$bindir/postgres" --version | awk '{print $3}')" "$pgpid" "$port" "$real/sock" >&2

	printf 'export PGHOST=%q\n' "$real/sock"
	printf 'export PGPORT=%q\n' "$port"
	printf 'export PGUSER=postgres\n'
	printf 'export STRATA_TEST_PG_URL=%q\n' "postgresql://postgres@127.0.0.1:$port/postgres"
}

[ $# -eq 2 ] || usage
case $1 in
start) cmd_start "$2" ;;
stop) cmd_stop "$2" ;;
*) usage ;;
esac
