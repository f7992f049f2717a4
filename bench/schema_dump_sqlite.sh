#!/usr/bin/env bash
# bench/schema_dump_sqlite.sh - `strata dump` on vaultwarden's final SQLite
# schema (../shared/corpus/sqlite-vaultwarden, 56 migrations) next to
# `sqlite3 DB .schema`, the engine's own client printing the same text, and
# the round trip that makes the dump worth having (dump, apply with sqlite3
# to an empty file, dump again: identical bytes), and `strata test` on the
# whole history.
#
#   bench/schema_dump_sqlite.sh [--runs N]    (default 50)
#
# Needs a built strata (STRATA_BIN, default build/strata) and sqlite3. Each
# figure is the wall time of N runs, one process each, divided by N; nothing
# is written to the repository.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
RUNS=50
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	*) echo "usage: $0 [--runs N]" >&2; exit 2 ;;
	esac
done
STRATA=${STRATA_BIN:-$root/build/strata}
VAULT=${STRATA_CORPUS_DIR:-$root/../shared/corpus}/sqlite-vaultwarden
[ -x "$STRATA" ] || { echo "schema_dump_sqlite.sh: no strata at $STRATA (make build, or set STRATA_BIN)" >&2; exit 2; }
[ -d "$VAULT" ] || { echo "schema_dump_sqlite.sh: no corpus at $VAULT (set STRATA_CORPUS_DIR)" >&2; exit 2; }

work=$(mktemp -d /tmp/strata-dump-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$STRATA" -d "sqlite:$work/vw.db" -p "$VAULT/migrations" up >/dev/null 2>&1

now() { date +%s%N; }
# per_run LABEL CMD...: run CMD $RUNS times, print the mean wall time in ms
per_run() {
	local label=$1 t0 t1 i
	shift
	t0=$(now)
	for ((i = 0; i < RUNS; i++)); do "$@" >/dev/null; done
	t1=$(now)
	awk -v l="$label" -v ns=$((t1 - t0)) -v n="$RUNS" 'BEGIN { printf "%-28s %8.2f ms\n", l, ns / n / 1e6 }'
	echo $((t1 - t0)) >"$work/last"
}

objects=$(sqlite3 "$work/vw.db" "SELECT count(*) FROM sqlite_master WHERE sql IS NOT NULL")
echo "vaultwarden, 56 migrations applied: $objects objects in sqlite_master (strata's included), $RUNS runs each"
per_run "sqlite3 .schema" sqlite3 "$work/vw.db" .schema
base=$(cat "$work/last")
per_run "strata dump" "$STRATA" -d "sqlite:$work/vw.db" dump
mine=$(cat "$work/last")
awk -v a="$mine" -v b="$base" 'BEGIN { printf "%-28s %8.2f (strata dump / sqlite3 .schema)\n", "ratio", a / b }'

# the round trip, timed once end to end
t0=$(now)
"$STRATA" -d "sqlite:$work/vw.db" dump -o "$work/a.sql"
sqlite3 -bail "$work/copy.db" <"$work/a.sql"
"$STRATA" -d "sqlite:$work/copy.db" dump -o "$work/b.sql"
t1=$(now)
if cmp -s "$work/a.sql" "$work/b.sql"; then same=identical; else same=DIFFERENT; fi
awk -v ns=$((t1 - t0)) -v s="$same" 'BEGIN { printf "%-28s %8.2f ms (%s bytes)\n", "round trip (dump, apply, dump)", ns / 1e6, s }'

# strata test on the whole history (exit 1: 0018's down does not restore), in memory
t0=$(now)
"$STRATA" -d "sqlite:$work/scratch.db" -p "$VAULT/migrations" test >/dev/null 2>&1 || true
t1=$(now)
awk -v ns=$((t1 - t0)) 'BEGIN { printf "%-28s %8.2f ms (56 migrations: up, down, up, 4 schema reads each)\n", "strata test", ns / 1e6 }'
[ "$same" = identical ]
