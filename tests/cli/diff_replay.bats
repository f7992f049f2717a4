#!/usr/bin/env bats
# The replay of crates.io's history through strata's diff
# (tests/replay/diff_replay.c): a database migrated forward one migration at
# a time, each pair's plan (from the schema before to the schema after)
# applied to a second database that holds the earlier state, graded by
# pg_dump -s of both (an oracle strata did not write), a second plan that
# must be empty, and synthetic rows that no plan without a destructive step
# may lose. The first 40 pairs always; the whole history (285) with
# STRATA_LONG_TESTS=1.

load helpers

CORPUS=${STRATA_CORPUS_DIR:-$STRATA_SOURCE_DIR/../shared/corpus}
CRATES=$CORPUS/pg-cratesio
REPLAY=${DIFF_REPLAY_BIN:-$(dirname "$STRATA")/tests/diff_replay}
MIGRA=${MIGRA_BIN:-$STRATA_SOURCE_DIR/build/migra/node_modules/.bin/migra}

require_replay() {
	require_pg
	if [ ! -x "$REPLAY" ]; then
		echo "no diff_replay at $REPLAY (build with STRATA_TESTS=ON, or set DIFF_REPLAY_BIN)" >&2
		return 1
	fi
	if [ -d "$CRATES" ]; then
		return 0
	fi
	if [ "${CI:-}" = true ]; then
		echo "corpus not found at $CORPUS (set STRATA_CORPUS_DIR)" >&2
		return 1
	fi
	echo "# WARNING: skipped '$BATS_TEST_DESCRIPTION': no corpus at $CORPUS" >&3
	skip "no corpus at $CORPUS"
}

# field NAME: the value of NAME= on the replay's summary line.
field() {
	printf '%s\n' "$output" | awk -v k="$1" '/^summary / { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }'
}

@test "diff replay: crates.io's first 40 pairs, each plan gives exactly the next state, with rows kept" {
	require_replay
	run nice "$REPLAY" -d "$STRATA_TEST_PG_URL" -p "$CRATES/migrations" --last 40 --data \
		--failures "$BATS_TEST_TMPDIR/failures.md"
	[ "$(field pairs)" = 40 ]
	[ "$(field identical)" = 40 ]
	[ "$(field second_empty)" = 40 ]
	[ "$(field data_lost)" = 0 ]
	[ "$status" -eq 0 ]
	grep -q 'No pair failed' "$BATS_TEST_TMPDIR/failures.md"
	# no scratch database stays behind
	[ -z "$(pg_sql postgres "SELECT datname FROM pg_database WHERE datname LIKE 'strata\_scratch\_%'")" ]
}

@test "diff replay: a rename is planned as a RENAME, and the column keeps its values" {
	require_replay
	write_migration m 001 create "CREATE TABLE crates (id serial PRIMARY KEY, name text NOT NULL, downloads int DEFAULT 0);"
	write_migration m 002 rename_column "ALTER TABLE crates RENAME COLUMN downloads TO total_downloads;"
	write_migration m 003 rename_table "ALTER TABLE crates RENAME TO packages; CREATE INDEX ix_name ON packages (name);"
	run "$REPLAY" -d "$STRATA_TEST_PG_URL" -p m --data -v
	[ "$status" -eq 0 ]
	[ "$(field identical)" = 3 ]
	[ "$(field renames)" = 2/2 ]
	[ "$(field data_checked)" = 3 ]
	[ "$(field data_lost)" = 0 ]
}

@test "diff replay: the oracle is pg_dump, not strata's model (migra's sequence types are caught)" {
	require_replay
	[ -x "$MIGRA" ] || skip "no migra at $MIGRA (bench/diff.sh installs it)"
	write_migration m 001 create "CREATE TABLE t (id serial PRIMARY KEY);"
	write_migration m 002 seq "CREATE SEQUENCE s AS integer;"
	run "$REPLAY" -d "$STRATA_TEST_PG_URL" -p m --migra "$MIGRA" -v
	[ "$status" -eq 0 ]
	[ "$(field identical)" = 2 ]
	[ "$(field migra_identical)" -lt 2 ]
	[[ $output == *"migra FAIL 0002"*"AS integer"* ]]
}

@test "diff replay (long): every pair of crates.io's 285, with rows" {
	[ "${STRATA_LONG_TESTS:-}" = 1 ] || skip "STRATA_LONG_TESTS=1 replays the whole history"
	require_replay
	run nice "$REPLAY" -d "$STRATA_TEST_PG_URL" -p "$CRATES/migrations" --data
	[ "$(field pairs)" = 285 ]
	[ "$(field identical)" = 285 ]
	[ "$(field second_empty)" = 285 ]
	[ "$(field data_lost)" = 0 ]
	[ "$status" -eq 0 ]
}
