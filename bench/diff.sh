#!/usr/bin/env bash
# bench/diff.sh - strata's diff on crates.io's real history next to migra's,
# from the same run: the replay of every pair of consecutive states
# (tests/replay/diff_replay.c: each pair's diff applied to the earlier state,
# graded by pg_dump -s of the later one, with synthetic rows in every table),
# then one `strata diff --from URL --to URL` of two crates.io states end to
# end next to migra on the same two databases, and pg_dump -s of one of them,
# the engine's own tool reading a schema, as the raw baseline.
#
#   bench/diff.sh [--runs N] [--last N] [--no-migra]
#
# --runs: the end-to-end figures are the best of N (default 5); --last: replay
# only the first N pairs (default: all 285; 0: no replay, the end-to-end
# figures alone). migra is @pgkit/migra from npm,
# installed into build/migra when it is missing (never into the repository's
# tracked files). Uses the cluster of STRATA_TEST_PG_URL when it is set (with
# PGHOST etc. from tests/pg.sh's env), else starts a throwaway one with
# tests/pg.sh. Needs a build with the tests (make build STRATA_TESTS=ON:
# build/strata and build/tests/diff_replay; STRATA_BIN and DIFF_REPLAY_BIN
# override) and PostgreSQL 15's pg_dump and psql.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
RUNS=5 LAST= MIGRA_ON=1
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--last) LAST=$2; shift 2 ;;
	--no-migra) MIGRA_ON=0; shift ;;
	*) echo "usage: $0 [--runs N] [--last N] [--no-migra]" >&2; exit 2 ;;
	esac
done
STRATA=${STRATA_BIN:-$root/build/strata}
REPLAY=${DIFF_REPLAY_BIN:-$(dirname "$STRATA")/tests/diff_replay}
CRATES=${STRATA_CORPUS_DIR:-$root/../shared/corpus}/pg-cratesio
PG_DUMP=/usr/lib/postgresql/15/bin/pg_dump
PSQL=/usr/lib/postgresql/15/bin/psql
MIGRA_DIR=$root/build/migra
MIGRA=$MIGRA_DIR/node_modules/.bin/migra
[ -x "$STRATA" ] || { echo "diff.sh: no strata at $STRATA (make build, or set STRATA_BIN)" >&2; exit 2; }
[ -x "$REPLAY" ] || { echo "diff.sh: no diff_replay at $REPLAY (make build STRATA_TESTS=ON)" >&2; exit 2; }
[ -d "$CRATES" ] || { echo "diff.sh: no corpus at $CRATES (set STRATA_CORPUS_DIR)" >&2; exit 2; }
[ -x "$PG_DUMP" ] || { echo "diff.sh: no pg_dump at $PG_DUMP (postgresql-client-15)" >&2; exit 2; }
if [ "$MIGRA_ON" = 1 ] && [ ! -x "$MIGRA" ]; then
	mkdir -p "$MIGRA_DIR"
	echo "installing @pgkit/migra into $MIGRA_DIR (npm)" >&2
	(cd "$MIGRA_DIR" && npm install --no-audit --no-fund --silent @pgkit/migra >&2)
fi

work=$(mktemp -d /tmp/strata-diff-bench.XXXXXX)
pgdir=
cleanup() {
	if [ -n "${base:-}" ]; then
		"$PSQL" -X -q -d "$STRATA_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db1" -c "DROP DATABASE IF EXISTS $db2" \
			>/dev/null 2>&1 || true
	fi
	{ [ -n "$pgdir" ] && bash "$root/tests/pg.sh" stop "$pgdir" >/dev/null 2>&1; } || true
	rm -rf "$work"
}
trap cleanup EXIT
if [ -z "${STRATA_TEST_PG_URL:-}" ]; then
	pgdir=$work/pg
	bash "$root/tests/pg.sh" start "$pgdir" >"$work/pg.env"
	# shellcheck disable=SC1091
	. "$work/pg.env"
fi

now() { date +%s%N; }
# best LABEL CMD...: run CMD $RUNS times (one process each), print the best wall time in ms
best() {
	local label=$1 t0 t1 i b=
	shift
	for ((i = 0; i < RUNS; i++)); do
		t0=$(now)
		"$@" >/dev/null 2>"$work/err" || { echo "diff.sh: $label failed:" >&2; cat "$work/err" >&2; exit 1; }
		t1=$(now)
		if [ -z "$b" ] || [ $((t1 - t0)) -lt "$b" ]; then b=$((t1 - t0)); fi
	done
	awk -v l="$label" -v ns="$b" 'BEGIN { printf "%-40s %9.1f ms\n", l, ns / 1e6 }'
	echo "$b" >"$work/last"
}
field() { awk -v k="$1" '/^summary / { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$work/replay.out"; }

# 1. the replay, both tools on the same pairs (--last 0: none, the end-to-end figures alone)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
rrc=0
if [ "$LAST" != 0 ]; then
t0=$(now)
set +e
migra_args=()
[ "$MIGRA_ON" = 1 ] && migra_args=(--migra "$MIGRA")
nice "$REPLAY" -d "$STRATA_TEST_PG_URL" -p "$CRATES/migrations" ${LAST:+--last "$LAST"} --data "${migra_args[@]}" \
	>"$work/replay.out"
rrc=$?
set -e
t1=$(now)
[ "$rrc" -le 1 ] || { cat "$work/replay.out" >&2; echo "diff.sh: the replay failed (exit $rrc)" >&2; exit 1; }
grep -v '^summary ' "$work/replay.out" | grep -v '^  \|^[-+]' || true
pairs=$(field pairs)
echo
echo "replay of crates.io, $pairs pairs (with rows), $(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f s", ns / 1e9 }') wall:"
printf '%-40s %9s %14s\n' "tool" "identical" "time per diff"
printf '%-40s %5s/%-3s %11.2f ms\n' "strata (plan from two models)" "$(field identical)" "$pairs" "$(field plan_ms)"
if [ "$MIGRA_ON" = 1 ]; then
	printf '%-40s %5s/%-3s %11.1f ms\n' "migra (the whole command)" "$(field migra_identical)" "$pairs" "$(field migra_ms)"
fi
echo "strata: second diff empty $(field second_empty)/$pairs, renames recognised $(field renames)," \
	"destructive steps $(field destructive), data lost by non-destructive plans $(field data_lost) of $(field data_checked) pairs checked"
fi

# 2. one diff of two crates.io states end to end: the state before the last migration and the last
n=$(find "$CRATES/migrations" -name '*.up.sql' | wc -l)
base=${STRATA_TEST_PG_URL%/*}
db1=strata_diff_bench_a_$$ db2=strata_diff_bench_b_$$
"$PSQL" -X -q -d "$STRATA_TEST_PG_URL" -c "CREATE DATABASE $db1" -c "CREATE DATABASE $db2"
# a state migrated with strata up; strata's own tables dropped, so both tools diff the project's schema alone
"$STRATA" -d "$base/$db1" -p "$CRATES/migrations" up -q $((n - 1))
"$STRATA" -d "$base/$db2" -p "$CRATES/migrations" up -q
for d in $db1 $db2; do
	"$PSQL" -X -q -d "$base/$d" -c "DROP TABLE IF EXISTS strata_migrations, strata_migrations_log CASCADE"
done
echo
echo "one diff of crates.io's states $((n - 1)) and $n (two live databases), best of $RUNS runs each:"
best "pg_dump -s (one state, the raw baseline)" "$PG_DUMP" -s -d "$base/$db2"
raw=$(cat "$work/last")
best "strata diff --from URL --to URL" "$STRATA" diff --from "$base/$db1" --to "$base/$db2" --allow-destructive
mine=$(cat "$work/last")
awk -v a="$mine" -v b="$raw" 'BEGIN { printf "%-40s %9.2f (strata diff reads two schemas and verifies)\n", "ratio strata diff / pg_dump -s", a / b }'
if [ "$MIGRA_ON" = 1 ]; then
	best "migra" "$MIGRA" "$base/$db1" "$base/$db2" --unsafe
	theirs=$(cat "$work/last")
	awk -v a="$theirs" -v b="$mine" 'BEGIN { printf "%-40s %9.2f (above 1: migra is slower)\n", "ratio migra / strata diff", a / b }'
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$rrc" -eq 0 ]
