#!/usr/bin/env bats
# strata test against an oracle that knows nothing of strata
# (schema_oracle.py: psql applies each up, a TEMPLATE copy gets the down, and
# pg_dump -s of the copy is compared with pg_dump -s before the up), on
# crates.io's history (../shared/corpus/pg-cratesio; strata reads the
# upstream Diesel layout, pg-cratesio-diesel). Every verdict must agree,
# migration by migration: no miss, no false positive. Migrations 1..40
# always; all 285 with STRATA_LONG_TESTS=1. vaultwarden's 56 on SQLite
# against its own oracle (schema_oracle_sqlite.py: sqlite_master before the
# up and after up+down, Python's sqlite3 applying the files), always.

load helpers

CORPUS=${STRATA_CORPUS_DIR:-$STRATA_SOURCE_DIR/../shared/corpus}
CRATES=$CORPUS/pg-cratesio
CRATES_DIESEL=$CORPUS/pg-cratesio-diesel/migrations
VAULT=$CORPUS/sqlite-vaultwarden/migrations

require_corpus() {
	if [ -d "$CRATES" ] && [ -d "$CRATES_DIESEL" ]; then
		return 0
	fi
	if [ "${CI:-}" = true ]; then
		echo "corpus not found at $CORPUS (set STRATA_CORPUS_DIR)" >&2
		return 1
	fi
	skip "no corpus at $CORPUS"
}

# strata, with the pid of each run kept: its scratch databases are named
# strata_scratch_<pid>_<n>, so that what it left behind is told apart from
# the scratch databases of strata runs of other test files at the same time.
strata() {
	"$STRATA" "$@" &
	local pid=$!
	echo "$pid" >>"$BATS_TEST_TMPDIR/strata.pids"
	wait "$pid"
}

# no_scratch_left [PID...]: no scratch database of this test's strata runs (or of these pids) remains.
no_scratch_left() {
	local pids="$* $(cat "$BATS_TEST_TMPDIR/strata.pids" 2>/dev/null)" p cond=""
	for p in $pids; do
		cond="$cond OR datname LIKE 'strata\\_scratch\\_${p}\\_%'"
	done
	[ -n "$cond" ] || return 0
	run pg_sql postgres "SELECT datname FROM pg_database WHERE false $cond"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

# diesel_version NNNN: the version strata reads for crates.io's NNNN-th migration.
diesel_version() {
	local d
	d=$(awk -F'\t' -v n="$1" '$1 == n { print $2 }' "$CRATES/MANIFEST.tsv")
	d=${d%%_*}
	printf '%s\n' "${d//-/}"
}

# oracle_agrees LAST: strata test ..LAST's verdicts against the oracle's for 1..LAST.
oracle_agrees() {
	local last=$1 url
	url=$(make_pg_db)
	run --separate-stderr strata -d "$url" -p "$CRATES_DIESEL" test "..$(diesel_version "$(printf '%04d' "$last")")" --json
	# findings are expected on crates.io: exit 1, and a JSON array either way
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >strata.json
	run python3 "$BATS_TEST_DIRNAME/schema_oracle.py" "$CRATES/migrations" 1 "$last" strata.json
	echo "$output" >&3
	[ "$status" -eq 0 ]
	no_scratch_left
}

@test "crates.io 1..40: strata test agrees with the pg_dump oracle, migration by migration" {
	require_pg
	require_corpus
	oracle_agrees 40
}

@test "crates.io 1..40 with --data: every table filled, one down loses rows (14's DELETE FROM metadata), the verdicts otherwise unchanged" {
	require_pg
	require_corpus
	local url
	url=$(make_pg_db)
	run --separate-stderr strata -d "$url" -p "$CRATES_DIESEL" test "..$(diesel_version 0040)" --json
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >plain.json
	run --separate-stderr strata -d "$url" -p "$CRATES_DIESEL" test "..$(diesel_version 0040)" --data --json
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >data.json
	run python3 -c 'import json
p = json.load(open("plain.json")); d = json.load(open("data.json"))
assert len(p) == len(d) == 40
for a, b in zip(p, d):
    if b["verdict"] == "data_lost":
        assert a["verdict"] == "ok" and b["name"] == "dumped_migration_14" and b["data_lost"] == ["3 rows of public.metadata lost"], b
    else:
        assert a["verdict"] == b["verdict"], (a, b)
    assert "data:" not in (b.get("note") or ""), b
print(sum(r["verdict"] == "data_lost" for r in d))'
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
	no_scratch_left
}

@test "crates.io, all 285: strata test agrees with the pg_dump oracle (STRATA_LONG_TESTS=1)" {
	require_pg
	require_corpus
	[ "${STRATA_LONG_TESTS:-}" = 1 ] || skip "the whole history with STRATA_LONG_TESTS=1"
	oracle_agrees 285
}

@test "vaultwarden, all 56: strata test agrees with the sqlite_master oracle" {
	[ -d "$VAULT" ] || { [ "${CI:-}" != true ] || return 1; skip "no corpus at $CORPUS"; }
	run --separate-stderr strata -d sqlite:any.db -p "$VAULT" test --json
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >strata.json
	run python3 "$BATS_TEST_DIRNAME/schema_oracle_sqlite.py" "$VAULT" strata.json
	echo "$output" >&3
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 disagreement(s)"* ]]
}
