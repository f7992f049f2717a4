#!/usr/bin/env bash
# bench/dump.sh - `strata dump` on crates.io's final PostgreSQL schema
# (../shared/corpus/pg-cratesio, 285 migrations applied with strata up) next
# to `pg_dump -s` of the same database, the engine's own tool doing the same
# job; and the round trip that makes the dump worth having (dump, psql -f
# into an empty database, dump again: identical bytes).
#
#   bench/dump.sh [--runs N]    (default 5; each figure is the best of N)
#
# Uses the cluster of STRATA_TEST_PG_URL when it is set (with PGHOST etc.
# from tests/pg.sh's env), else starts a throwaway one with tests/pg.sh.
# Needs a built strata (STRATA_BIN, default build/strata) and PostgreSQL 15's
# pg_dump and psql. Nothing is written to the repository.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
RUNS=5
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	*) echo "usage: $0 [--runs N]" >&2; exit 2 ;;
	esac
done
STRATA=${STRATA_BIN:-$root/build/strata}
CRATES=${STRATA_CORPUS_DIR:-$root/../shared/corpus}/pg-cratesio
PG_DUMP=/usr/lib/postgresql/15/bin/pg_dump
PSQL=/usr/lib/postgresql/15/bin/psql
[ -x "$STRATA" ] || { echo "dump.sh: no strata at $STRATA (make build, or set STRATA_BIN)" >&2; exit 2; }
[ -d "$CRATES" ] || { echo "dump.sh: no corpus at $CRATES (set STRATA_CORPUS_DIR)" >&2; exit 2; }
[ -x "$PG_DUMP" ] || { echo "dump.sh: no pg_dump at $PG_DUMP (postgresql-client-15)" >&2; exit 2; }

work=$(mktemp -d /tmp/strata-dump-bench.XXXXXX)
pgdir=
trap '{ [ -n "$pgdir" ] && bash "$root/tests/pg.sh" stop "$pgdir" >/dev/null 2>&1; } || true; rm -rf "$work"' EXIT
if [ -z "${STRATA_TEST_PG_URL:-}" ]; then
	pgdir=$work/pg
	bash "$root/tests/pg.sh" start "$pgdir" >"$work/pg.env"
	# shellcheck disable=SC1091
	. "$work/pg.env"
fi
base=${STRATA_TEST_PG_URL%/*}
db=strata_dump_bench_$$ copy=strata_dump_bench_copy_$$
"$PSQL" -X -q -d "$STRATA_TEST_PG_URL" -c "CREATE DATABASE $db" -c "CREATE DATABASE $copy"
trap '"$PSQL" -X -q -d "$STRATA_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db" -c "DROP DATABASE IF EXISTS $copy" >/dev/null 2>&1 || true; { [ -n "$pgdir" ] && bash "$root/tests/pg.sh" stop "$pgdir" >/dev/null 2>&1; } || true; rm -rf "$work"' EXIT
"$STRATA" -d "$base/$db" -p "$CRATES/migrations" up -q

now() { date +%s%N; }
# best LABEL CMD...: run CMD $RUNS times (one process each), print the best wall time in ms
best() {
	local label=$1 t0 t1 i b=
	shift
	for ((i = 0; i < RUNS; i++)); do
		t0=$(now)
		"$@" >/dev/null
		t1=$(now)
		if [ -z "$b" ] || [ $((t1 - t0)) -lt "$b" ]; then b=$((t1 - t0)); fi
	done
	awk -v l="$label" -v ns="$b" 'BEGIN { printf "%-34s %8.1f ms\n", l, ns / 1e6 }'
	echo "$b" >"$work/last"
}

tables=$("$PSQL" -X -At -d "$base/$db" -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE 'strata\_migrations%'")
echo "crates.io, 285 migrations applied: $tables tables; best of $RUNS runs each"
best "pg_dump -s" "$PG_DUMP" -s -d "$base/$db"
theirs=$(cat "$work/last")
best "strata dump" "$STRATA" -d "$base/$db" dump
mine=$(cat "$work/last")
awk -v a="$mine" -v b="$theirs" 'BEGIN { printf "%-34s %8.2f (below 1: strata is faster)\n", "ratio strata dump / pg_dump -s", a / b }'

# the round trip, timed once end to end
t0=$(now)
"$STRATA" -d "$base/$db" dump -o "$work/a.sql"
"$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$base/$copy" -f "$work/a.sql" >/dev/null
"$STRATA" -d "$base/$copy" dump -o "$work/b.sql"
t1=$(now)
if cmp -s "$work/a.sql" "$work/b.sql"; then same=identical; else same=DIFFERENT; fi
awk -v ns=$((t1 - t0)) -v s="$same" 'BEGIN { printf "%-34s %8.1f ms (%s bytes)\n", "round trip (dump, psql -f, dump)", ns / 1e6, s }'
[ "$same" = identical ]
