#!/usr/bin/env bats
# The vaultwarden SQLite replay of strata diff (bench/diff_sqlite.sh): for
# each consecutive pair of states of the corpus, the diff applied by strata up
# to a copy of the earlier state gives the later one, sqlite_master for
# sqlite_master, and a second diff is empty; with synthetic rows in every
# table of the earlier state, a diff not flagged destructive keeps every row
# and value, or fails loudly and rolls back whole. The first 20 pairs always
# run; all 56 with STRATA_LONG_TESTS=1.

load helpers

CORPUS=${STRATA_CORPUS_DIR:-$STRATA_SOURCE_DIR/../shared/corpus}

replay() {
	[ -d "$CORPUS/sqlite-vaultwarden/migrations" ] || skip "no corpus at $CORPUS"
	run env STRATA_BIN="$STRATA" STRATA_CORPUS_DIR="$CORPUS" bash "$STRATA_SOURCE_DIR/bench/diff_sqlite.sh" --data --work "$BATS_TEST_TMPDIR/replay" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "vaultwarden: the first 20 pairs of states, diffed and applied, give the next state; rows are kept" {
	replay --pairs 20
	[[ "$output" == *"20/20 pairs exact"* ]]
	[[ "$output" == *"0 lose or change data"* ]]
}

@test "vaultwarden: all 56 pairs (STRATA_LONG_TESTS=1)" {
	[ "${STRATA_LONG_TESTS:-}" = 1 ] || skip "the whole replay runs with STRATA_LONG_TESTS=1"
	replay
	[[ "$output" == *"56/56 pairs exact"* ]]
	[[ "$output" == *"0 lose or change data"* ]]
}
