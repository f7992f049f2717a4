#!/usr/bin/env bash
# bench/diff_sqlite.sh - the vaultwarden SQLite replay of `strata diff`: for
# every consecutive pair of states of the corpus (state i = migrations 1..i
# applied by `strata up`, to a file; state 0 is an empty database), the diff
# of state i to state i+1, applied to a copy of state i by `strata up` (as a
# migration file, so that a rebuild runs as a file-managed-transaction
# migration), must give state i+1 as sqlite_master holds it (every row's
# type, name, tbl_name and sql, strata's own tables aside), and a second diff
# must be empty. With --data, state i also gets synthetic rows in every table
# first (tests/cli/rows_sqlite.py, FK-consistent as `strata test --data`
# makes them), and a diff not flagged destructive must keep every row and
# every value of every surviving column.
#
# Prints one line per pair that fails, then the figures: pairs passed, the
# time per diff (strata diff, verification on a scratch copy included), and
# the sqlite3 baselines: the time sqlite3 takes to read both schemas
# (`.schema`, the floor for any tool that compares two databases) and to run
# the hand-written migration itself. Exit 1 when a pair fails.
#
#   bench/diff_sqlite.sh [--data] [--pairs N] [--work DIR]
#
# STRATA_BIN: the binary (default ./build/strata); the corpus is
# ../shared/corpus/sqlite-vaultwarden beside the repository, or STRATA_CORPUS_DIR.
set -u

here=$(cd "$(dirname "$0")/.." && pwd)
STRATA=${STRATA_BIN:-$here/build/strata}
CORPUS=${STRATA_CORPUS_DIR:-$here/../shared/corpus}
MIG=$CORPUS/sqlite-vaultwarden/migrations
ROWS=$here/tests/cli/rows_sqlite.py
data=0 pairs= work=

while [ $# -gt 0 ]; do
	case $1 in
	--data) data=1 ;;
	--pairs) pairs=$2; shift ;;
	--work) work=$2; shift ;;
	*) echo "usage: $0 [--data] [--pairs N] [--work DIR]" >&2; exit 2 ;;
	esac
	shift
done
[ -d "$MIG" ] || { echo "no corpus at $MIG" >&2; exit 2; }
if [ -z "$work" ]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/strata-diff-sqlite.XXXXXX")
	trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"

now() { date +%s%N; }

# sqlite_master as the oracle: strata's tables left out, sorted
master() {
	sqlite3 -batch "$1" "SELECT type || '|' || name || '|' || tbl_name || '|' || coalesce(sql, '') FROM sqlite_master
		WHERE name NOT LIKE 'strata\_%' ESCAPE '\\' AND tbl_name NOT LIKE 'strata\_%' ESCAPE '\\' ORDER BY type, name"
}

# a copy of a state without strata's tracking tables
clean_copy() {
	cp "$1" "$2"
	local t
	for t in $(sqlite3 "$2" "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'strata\_%' ESCAPE '\\'"); do
		sqlite3 "$2" "DROP TABLE \"$t\""
	done
}

ups=("$MIG"/*.up.sql)
n=${#ups[@]}
[ -n "$pairs" ] && [ "$pairs" -lt "$n" ] && n=$pairs

# the states
sqlite3 "$work/full_0.db" "VACUUM"
for ((i = 1; i <= n; i++)); do
	cp "$work/full_$((i - 1)).db" "$work/full_$i.db"
	"$STRATA" -q -d "sqlite:$work/full_$i.db" -p "$MIG" up 1 >/dev/null 2>"$work/up_$i.err" ||
		{ echo "state $i: strata up failed: $(cat "$work/up_$i.err")" >&2; exit 1; }
done
for ((i = 0; i <= n; i++)); do
	clean_copy "$work/full_$i.db" "$work/s_$i.db"
done

passed=0 failed=0 destructive=0 rebuilds=0 data_ok=0 data_failed=0 data_checked=0 data_refused=0
diff_ns=0 schema_ns=0 mig_ns=0
for ((i = 0; i < n; i++)); do
	a=$work/s_$i.db b=$work/s_$((i + 1)).db d=$work/pair_$i
	rm -rf "$d"
	mkdir -p "$d/migrations"
	t0=$(now)
	"$STRATA" -d "sqlite:$d/scratch.db" diff --from "sqlite:$a" --to "sqlite:$b" --allow-destructive \
		>"$d/migrations/001_diff.up.sql" 2>"$d/diff.err"
	rc=$?
	t1=$(now)
	diff_ns=$((diff_ns + t1 - t0))
	# baselines: sqlite3 reads both schemas; sqlite3 runs the migration as written
	t0=$(now)
	sqlite3 "$a" .schema >/dev/null
	sqlite3 "$b" .schema >/dev/null
	t1=$(now)
	schema_ns=$((schema_ns + t1 - t0))
	cp "$a" "$d/hand.db"
	t0=$(now)
	sqlite3 "$d/hand.db" <"${ups[$i]}" >/dev/null 2>&1
	t1=$(now)
	mig_ns=$((mig_ns + t1 - t0))
	label="pair $i -> $((i + 1)) ($(basename "${ups[$i]}" .up.sql))"
	if [ $rc -ne 0 ]; then
		echo "$label: diff failed: $(cat "$d/diff.err")"
		failed=$((failed + 1))
		continue
	fi
	grep -q '^-- DESTRUCTIVE' "$d/migrations/001_diff.up.sql" && is_destr=1 || is_destr=0
	destructive=$((destructive + is_destr))
	rebuilds=$((rebuilds + $(grep -c '^-- rebuild table' "$d/migrations/001_diff.up.sql")))
	ok=1
	if [ -s "$d/migrations/001_diff.up.sql" ]; then
		cp "$a" "$d/app.db"
		"$STRATA" -q -d "sqlite:$d/app.db" -p "$d/migrations" up >/dev/null 2>"$d/up.err" ||
			{ echo "$label: strata up of the diff failed: $(cat "$d/up.err")"; ok=0; }
	else
		cp "$a" "$d/app.db"
	fi
	if [ $ok = 1 ] && [ "$(master "$d/app.db")" != "$(master "$b")" ]; then
		echo "$label: sqlite_master differs:"
		diff <(master "$b") <(master "$d/app.db") | sed 's/^/    /' | head -20
		ok=0
	fi
	if [ $ok = 1 ]; then
		again=$("$STRATA" -d "sqlite:$d/scratch.db" diff --from "sqlite:$d/app.db" --to "sqlite:$b" 2>"$d/again.err")
		if [ $? -ne 0 ] || [ -n "$again" ]; then
			echo "$label: a second diff is not empty: $again $(cat "$d/again.err")"
			ok=0
		fi
	fi
	if [ $ok = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
	# the data: rows in every table of state i, the diff applied, nothing lost unless flagged destructive
	if [ $data = 1 ] && [ $ok = 1 ] && [ $is_destr = 0 ]; then
		data_checked=$((data_checked + 1))
		cp "$a" "$d/rows.db"
		python3 "$ROWS" fill "$d/rows.db" 2>"$d/fill.err"
		python3 "$ROWS" snapshot "$d/rows.db" "$d/rows.json"
		mkdir -p "$d/migrations_rows"
		cp "$d/migrations/001_diff.up.sql" "$d/migrations_rows/"
		if ! "$STRATA" -q -d "sqlite:$d/rows.db" -p "$d/migrations_rows" up >/dev/null 2>"$d/rows_up.err"; then
			# loud is allowed (a new NOT NULL column the rows have no value for), silent loss is not:
			# the failed diff must leave every row and the schema as they were
			if python3 "$ROWS" compare "$d/rows.json" "$d/rows.db" >/dev/null && [ "$(master "$d/rows.db")" = "$(master "$a")" ]; then
				echo "$label: data: the diff fails on rows, loudly, and rolls back whole: $(grep -m1 -o '[^ ]*constraint failed[^;]*' "$d/rows_up.err")"
				data_refused=$((data_refused + 1))
			else
				echo "$label: data: the diff fails on rows and leaves them changed: $(head -3 "$d/rows_up.err")"
				data_failed=$((data_failed + 1))
			fi
		elif ! lost=$(python3 "$ROWS" compare "$d/rows.json" "$d/rows.db"); then
			echo "$label: data lost: $lost"
			data_failed=$((data_failed + 1))
		elif [ -n "$(sqlite3 "$d/rows.db" "PRAGMA foreign_key_check")" ]; then
			echo "$label: data: foreign_key_check is not empty after the diff"
			data_failed=$((data_failed + 1))
		else
			data_ok=$((data_ok + 1))
		fi
	fi
done

ms() { awk -v ns="$1" -v k="$2" 'BEGIN { printf "%.1f", (k ? ns / k : 0) / 1e6 }'; }
echo "vaultwarden (SQLite): $passed/$n pairs exact (sqlite_master equal, second diff empty); $failed failed"
echo "  plans: $destructive flagged destructive, $rebuilds table rebuilds in all"
if [ $data = 1 ]; then
	echo "  data: $data_ok/$data_checked non-destructive pairs keep every row and value on populated tables; $data_refused refuse the rows loudly and roll back whole; $data_failed lose or change data"
fi
echo "  strata diff: $(ms $diff_ns $n) ms per pair (read both, plan, verify on a scratch copy)"
echo "  sqlite3 baseline: $(ms $schema_ns $n) ms to read both schemas (.schema); $(ms $mig_ns $n) ms to run the hand-written migration"
[ $failed -eq 0 ] && { [ $data = 0 ] || [ $data_failed -eq 0 ]; }
