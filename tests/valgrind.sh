#!/usr/bin/env bash
# tests/valgrind.sh BUILD_DIR: run strata's main paths under valgrind
# (memcheck, --leak-check=full) and fail on any memory error or leak.
#
#   tests/valgrind.sh build            # a normal (not ASan) build of strata
#
# SQLite: validate, create, up (all, N, --dry-run, --sql, --backup, a failing
# migration), status (text and --json), version, history, down, goto, redo,
# and the usual error paths (bad files, unknown option, a file that is not a
# database). PostgreSQL, when STRATA_TEST_PG_URL is set (tests/pg.sh prints
# it): up, status, status --json, down, a failing migration, a refused
# connection. Every run must end without a valgrind error: memory errors and
# definite, indirect or possible leaks all count (exit 99 from valgrind).
# strata's own exit code is checked too (0, or the code an error path must
# give). Logs of failing runs are kept in $VALGRIND_LOGS (default: a
# temporary directory that is printed). Exit status: 0 all clean, 1 otherwise,
# 2 usage or missing tools.
set -uo pipefail

usage() {
	echo "usage: $0 BUILD_DIR   (a build of strata without -DSTRATA_SANITIZE=ON)" >&2
	exit 2
}

[ $# -eq 1 ] || usage
build=$(cd "$1" 2>/dev/null && pwd) || usage
bin=$build/strata
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

[ -x "$bin" ] || {
	echo "valgrind.sh: no strata binary in $build (build it first)" >&2
	exit 2
}
command -v valgrind >/dev/null || {
	echo "valgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2
	exit 2
}
command -v sqlite3 >/dev/null || {
	echo "valgrind.sh: sqlite3 is not installed" >&2
	exit 2
}
# ASan and valgrind do not mix: an ASan binary refuses to start under valgrind
if grep -aq '__asan_init' "$bin" 2>/dev/null; then
	echo "valgrind.sh: $bin is built with AddressSanitizer; use a build without -DSTRATA_SANITIZE=ON" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/strata-valgrind.XXXXXX")
logs=${VALGRIND_LOGS:-$work/logs}
mkdir -p "$logs"
trap 'rm -rf "$work/run"' EXIT
mkdir -p "$work/run"
cd "$work/run" || exit 2

runs=0
failed=0

# vg EXPECTED_EXIT LABEL ARGS...: strata ARGS under valgrind.
vg() {
	local expect=$1 label=$2 rc log
	shift 2
	runs=$((runs + 1))
	log=$logs/$(printf '%02d' "$runs")-${label//[^A-Za-z0-9_.-]/_}.log
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		--track-origins=yes --log-file="$log" \
		"$bin" "$@" >"$log.out" 2>"$log.err" </dev/null
	rc=$?
	if [ "$rc" -eq 99 ] || [ -s "$log" ]; then
		echo "FAIL $label: valgrind reported errors (strata $*):"
		sed 's/^/    /' "$log"
		failed=$((failed + 1))
	elif [ "$rc" -ne "$expect" ]; then
		echo "FAIL $label: exit $rc, expected $expect (strata $*):"
		sed 's/^/    /' "$log.out" "$log.err"
		failed=$((failed + 1))
	else
		echo "ok   $label"
		rm -f "$log" "$log.out" "$log.err"
	fi
}

cp -r "$root/examples/migrations" migrations
n=$(ls migrations/*.up.sql | wc -l)

echo "== SQLite ($n migrations from examples/migrations)"
vg 0 validate validate
vg 0 up-dry-run -d sqlite:app.db up --dry-run
vg 0 up-sql -d sqlite:app.db up --sql
vg 0 up-3 -d sqlite:app.db up 3
vg 0 status -d sqlite:app.db status
vg 0 status-json -d sqlite:app.db status --json
vg 0 up-backup -d sqlite:app.db up --backup backups
vg 0 version -d sqlite:app.db version
vg 0 version-json -d sqlite:app.db version --json
vg 0 validate-db -d sqlite:app.db validate
vg 0 history -d sqlite:app.db history
vg 0 down-2 -d sqlite:app.db down 2 -y
vg 0 redo -d sqlite:app.db redo -y
vg 0 goto-2 -d sqlite:app.db goto 2 -y
vg 0 down-all -d sqlite:app.db down --all -y
cp -r migrations seq
vg 0 create-seq -p seq create --seq add_things
vg 0 create-ts -p created create first_one
[ "$(ls seq | wc -l)" -eq $((2 * n + 2)) ] || {
	echo "FAIL create-seq wrote $(ls seq | wc -l) files in seq/, expected $((2 * n + 2))"
	failed=$((failed + 1))
}
# a migration that fails: the error path, rollback, the log entry
printf 'CREATE TABLE broken (x integer);\nSELECT nosuchcolumn FROM broken;\n' >migrations/999999_broken.up.sql
echo 'DROP TABLE broken;' >migrations/999999_broken.down.sql
vg 1 up-failing -d sqlite:app.db up
rm -f migrations/999999_broken.*
# bad files, bad usage, a file that is not a database
mkdir bad && printf "SELECT 'never closed;\n" >bad/000001_bad.up.sql
vg 2 bad-file -p bad -d sqlite:bad.db up
vg 2 unknown-option -d sqlite:app.db up --no-such-option
echo "not a database" >notadb.db
vg 1 not-a-database -d sqlite:notadb.db status
# a fleet of three files
for i in 1 2 3; do sqlite3 "fleet_$i.db" 'PRAGMA user_version = 1'; done
vg 0 fleet-up -d 'sqlite:fleet_*.db' up -j 2
vg 0 fleet-status -d 'sqlite:fleet_*.db' status

if [ -n "${STRATA_TEST_PG_URL:-}" ]; then
	db=strata_valgrind_$$
	base=${STRATA_TEST_PG_URL%/*}
	url=$base/$db
	if psql -X -q -d "$STRATA_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1; then
		echo "== PostgreSQL ($url)"
		vg 0 pg-up-3 -d "$url" up 3
		vg 0 pg-status -d "$url" status
		vg 0 pg-up -d "$url" up
		vg 0 pg-status-json -d "$url" status --json
		vg 0 pg-history -d "$url" history
		vg 0 pg-down-2 -d "$url" down 2 -y
		printf 'CREATE TABLE broken (x integer);\nSELECT nosuchcolumn FROM broken;\n' >migrations/999999_broken.up.sql
		vg 1 pg-up-failing -d "$url" up
		rm -f migrations/999999_broken.*
		vg 1 pg-refused -d "postgresql://nobody:pw@127.0.0.1:1/none" status
		psql -X -q -d "$STRATA_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
	else
		echo "FAIL could not create database $db on $STRATA_TEST_PG_URL"
		failed=$((failed + 1))
	fi
else
	echo "== PostgreSQL skipped (STRATA_TEST_PG_URL is not set; tests/pg.sh start DIR prints it)"
fi

echo "valgrind.sh: $runs runs, $failed failed"
if [ "$failed" -ne 0 ]; then
	echo "valgrind.sh: logs in $logs"
	exit 1
fi
rm -rf "$work"
exit 0
