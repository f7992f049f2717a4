# tests/cli/helpers.bash: loaded by every tests/cli/*.bats with `load helpers`.
#
# ctest runs each .bats file with STRATA_BIN (the binary under test) and
# STRATA_SOURCE_DIR (the repository) set; `make check` also exports the
# throwaway PostgreSQL cluster's PGHOST/PGPORT/PGUSER and STRATA_TEST_PG_URL
# (see tests/pg.sh). Run by hand, `bats tests/cli/up.bats` falls back to
# ./build/strata.
#
# What a test gets:
#   $STRATA, strata ...      the binary (`run strata up` reads like a session)
#   setup                    cd into $BATS_TEST_TMPDIR, fresh for every test
#   teardown                 on failure, print the last run's output/stderr
#                            (a file that defines its own setup or teardown
#                            replaces ours; call strata_setup/strata_teardown
#                            from it to keep this behaviour)
#   require_pg               PostgreSQL tests start with it: it skips loudly
#                            without a cluster, and fails instead when CI=true
#   make_pg_db [NAME [OWNER]] a fresh database on the cluster; prints its URL
#   pg_url NAME              the URL of database NAME on the test cluster
#   pg_sql DB SQL            run SQL on DB (a name or a URL), print rows as a|b
#   sqlite_sql FILE SQL      the same for an SQLite file (FILE or sqlite:FILE)
#   require_mysql            as require_pg, for the MariaDB server of tests/mysql.sh
#                            (STRATA_TEST_MYSQL_URL, _SOCKET, _PORT)
#   make_my_db [NAME]        a fresh MariaDB database; prints its URL
#   my_sql DB SQL            run SQL on MariaDB database DB, print rows tab-separated
#   write_migration DIR VERSION NAME UP [DOWN]
#                            write a golang-migrate pair into DIR
#
# `run --separate-stderr` and `run -N` need bats 1.5; Debian 12 has 1.8.2.

bats_require_minimum_version 1.5.0

STRATA_SOURCE_DIR=${STRATA_SOURCE_DIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
STRATA=${STRATA_BIN:-$STRATA_SOURCE_DIR/build/strata}
export STRATA_SOURCE_DIR STRATA

# A test never sees the developer's own configuration by accident.
unset DATABASE_URL STRATA_PATH STRATA_TABLE

strata() {
	"$STRATA" "$@"
}

strata_setup() {
	if [ ! -x "$STRATA" ]; then
		echo "strata binary not found at $STRATA (set STRATA_BIN or build first)" >&2
		return 1
	fi
	cd "$BATS_TEST_TMPDIR" || return 1
}

# When a test fails, show what its last `run` captured: an assertion on
# $status alone would otherwise hide the error message or sanitizer report.
strata_teardown() {
	if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		if [ -n "${output:-}" ]; then
			printf 'last run output:\n%s\n' "$output"
		fi
		if [ -n "${stderr:-}" ]; then
			printf 'last run stderr:\n%s\n' "$stderr"
		fi
	fi
	return 0
}

# bats predefines empty setup and teardown functions; replace only those,
# never a file's own.
_bats_default_fn() {
	[ "$(declare -f "$1" | tail -n +2 | tr -d ' \t\n')" = "{return0}" ]
}
if _bats_default_fn setup; then
	setup() {
		strata_setup
	}
fi
if _bats_default_fn teardown; then
	teardown() {
		strata_teardown
	}
fi

# require_pg: call first in every test that needs PostgreSQL.
require_pg() {
	if [ -n "${STRATA_TEST_PG_URL:-}" ]; then
		return 0
	fi
	if [ "${CI:-}" = true ]; then
		echo "STRATA_TEST_PG_URL is not set but CI=true: PostgreSQL tests must not be skipped." >&2
		echo "Run the suite through 'make check', which starts a cluster with tests/pg.sh." >&2
		return 1
	fi
	echo "# WARNING: skipped '${BATS_TEST_DESCRIPTION:-$BATS_TEST_NAME}': no PostgreSQL (STRATA_TEST_PG_URL unset; 'make check' starts one)" >&3
	skip "no PostgreSQL test cluster (STRATA_TEST_PG_URL unset)"
}

# pg_url NAME: the URL of database NAME on the test cluster.
pg_url() {
	printf '%s/%s\n' "${STRATA_TEST_PG_URL%/*}" "$1"
}

# A database name unique to this file and test, so that files can run in parallel.
_pg_default_db_name() {
	local file
	file=$(basename "$BATS_TEST_FILENAME" .bats)
	printf 't_%s_%s\n' "${file//[^A-Za-z0-9]/_}" "$BATS_TEST_NUMBER"
}

# make_pg_db [NAME [OWNER]]: drop NAME if it exists, create it (owned by OWNER,
# e.g. strata_pw, when given) and print its URL. NAME defaults to one unique
# to the test. Call require_pg first: a skip inside $(...) would not stop the test.
make_pg_db() {
	local name=${1:-$(_pg_default_db_name)} owner=${2:-}
	if [ -z "${STRATA_TEST_PG_URL:-}" ]; then
		echo "make_pg_db: STRATA_TEST_PG_URL is not set (call require_pg first)" >&2
		return 1
	fi
	PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -d "$STRATA_TEST_PG_URL" \
		-c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" \
		-c "CREATE DATABASE \"$name\"${owner:+ OWNER \"$owner\"}" >/dev/null || return 1
	pg_url "$name"
}

# pg_sql DB SQL: run SQL (stop at the first error) and print the rows unaligned.
pg_sql() {
	local db=$1
	shift
	case $db in
	postgres://* | postgresql://*) ;;
	*) db=$(pg_url "$db") ;;
	esac
	PGOPTIONS='-c client_min_messages=warning' psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" -c "$*"
}

# require_mysql: call first in every test that needs MariaDB; skips loudly without
# a server, and fails instead when CI=true.
require_mysql() {
	if [ -n "${STRATA_TEST_MYSQL_URL:-}" ]; then
		return 0
	fi
	if [ "${CI:-}" = true ]; then
		echo "STRATA_TEST_MYSQL_URL is not set but CI=true: MariaDB tests must not be skipped." >&2
		echo "Run the suite through 'make check', which starts a server with tests/mysql.sh." >&2
		return 1
	fi
	echo "# WARNING: skipped '${BATS_TEST_DESCRIPTION:-$BATS_TEST_NAME}': no MariaDB (STRATA_TEST_MYSQL_URL unset; 'make check' starts one)" >&3
	skip "no MariaDB test server (STRATA_TEST_MYSQL_URL unset)"
}

# my_url NAME: the URL of MariaDB database NAME on the test server.
my_url() {
	printf '%s/%s\n' "${STRATA_TEST_MYSQL_URL%/*}" "$1"
}

# make_my_db [NAME]: drop and create database NAME (default: one unique to the test); print its URL.
make_my_db() {
	local name=${1:-$(_pg_default_db_name)}
	if [ -z "${STRATA_TEST_MYSQL_URL:-}" ]; then
		echo "make_my_db: STRATA_TEST_MYSQL_URL is not set (call require_mysql first)" >&2
		return 1
	fi
	my_sql "" "DROP DATABASE IF EXISTS \`$name\`; CREATE DATABASE \`$name\`" || return 1
	my_url "$name"
}

# my_sql DB SQL: run SQL on database DB (a name, or "" for none), rows tab-separated, no headers.
my_sql() {
	local db=$1
	shift
	mariadb --no-defaults -uroot --socket="$STRATA_TEST_MYSQL_SOCKET" -N -B ${db:+"$db"} -e "$*"
}

# sqlite_sql FILE SQL: the same for an SQLite database file.
sqlite_sql() {
	local file=${1#sqlite:}
	shift
	sqlite3 -batch -bail "$file" "$*"
}

# write_migration DIR VERSION NAME UP [DOWN]: DIR/VERSION_NAME.up.sql (+ .down.sql).
write_migration() {
	local dir=$1 version=$2 name=$3
	mkdir -p "$dir" || return 1
	printf '%s\n' "$4" >"$dir/${version}_$name.up.sql" || return 1
	if [ $# -ge 5 ]; then
		printf '%s\n' "$5" >"$dir/${version}_$name.down.sql" || return 1
	fi
}

# hold_sqlite FILE SECONDS [KIND [SQL]]: an sqlite3 process that runs BEGIN KIND
# (IMMEDIATE by default; EXCLUSIVE shuts readers out too) and SQL, holds the
# lock for SECONDS and rolls back. Returns once the lock is really taken;
# $holder is its pid, to `wait` for.
hold_sqlite() {
	local file=$1 secs=$2 kind=${3:-IMMEDIATE} sql=${4:-} i
	( (echo "BEGIN $kind;"; [ -z "$sql" ] || echo "$sql"; echo "SELECT 'held';"; sleep "$secs"; echo 'ROLLBACK;') |
		sqlite3 "$file" >holder.out 2>&1) 3>&- &
	holder=$!
	for i in $(seq 100); do
		grep -q held holder.out 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# old_strata_build: export OLD_STRATA, a strata 0.1 binary (commit 40966f9,
# before versions were exact and durations sub-millisecond) for the upgrade
# tests: STRATA_OLD_BIN when set, else built once from the repository's
# history beside the binary under test. Test files that need it run in
# parallel under ctest: one builds under a lock while the others wait for it.
old_strata_build() {
	local dir
	if [ -n "${STRATA_OLD_BIN:-}" ]; then
		export OLD_STRATA=$STRATA_OLD_BIN
		return 0
	fi
	dir=$(cd "$(dirname "$STRATA")" && pwd)/strata-0.1
	(
		flock 9
		[ -x "$dir/build/strata" ] && exit 0
		rm -rf "$dir" && mkdir -p "$dir/src" &&
			git -C "$STRATA_SOURCE_DIR" archive 40966f9 | tar -x -C "$dir/src" &&
			cmake -S "$dir/src" -B "$dir/build" -DSTRATA_TESTS=OFF >/dev/null &&
			make -C "$dir/build" -j2 strata >/dev/null
	) 9>"$dir.lock" || return 1
	export OLD_STRATA=$dir/build/strata
}
