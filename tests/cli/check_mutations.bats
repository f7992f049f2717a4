#!/usr/bin/env bats
# check_mutations.bats - `strata check` finds exactly what changed: random
# single-object mutations (drop an index, change a default, add a column,
# change a function body, a comment, a NOT VALID constraint, drop a
# trigger...) of real schemas, each of which check must report as that
# object and nothing else. The schemas: crates.io's final schema on
# PostgreSQL (../shared/corpus/pg-cratesio, applied with strata up; each
# mutation on a copy made with CREATE DATABASE ... TEMPLATE) and every state
# of vaultwarden's history on SQLite (each mutation on a cp of the state).
# Unmutated, each of those states must check equal. On PostgreSQL one check
# in five rebuilds the schema from the 285 migrations, the others from
# `strata dump` of the unmutated schema (check --against): the same
# comparison, without seconds of migrations for each mutation.
#
# tests/cli/mutate.py draws and applies a mutation from the engine's own
# catalog and checks check's --json against it. Mutations per engine:
# MUTATIONS, 30 by default, 300 with STRATA_LONG_TESTS=1, or
# STRATA_MUTATIONS; STRATA_MUTATION_SEED repeats a run (the seed is printed
# to bats' fd 3, shown in the TAP output).

load helpers

CORPUS=${STRATA_CORPUS_DIR:-$STRATA_SOURCE_DIR/../shared/corpus}
CRATES=$CORPUS/pg-cratesio
VAULT=$CORPUS/sqlite-vaultwarden
MUTATE=$BATS_TEST_DIRNAME/mutate.py

if [ -n "${STRATA_MUTATIONS:-}" ]; then
	MUTATIONS=$STRATA_MUTATIONS
elif [ "${STRATA_LONG_TESTS:-}" = 1 ]; then
	MUTATIONS=300
else
	MUTATIONS=30
fi

setup() {
	strata_setup
	SEED=${STRATA_MUTATION_SEED:-$$}
	RANDOM=$SEED
}

require_corpus() {
	if [ -d "$CRATES" ] && [ -d "$VAULT" ]; then
		return 0
	fi
	if [ "${CI:-}" = true ]; then
		echo "corpus not found at $CORPUS (set STRATA_CORPUS_DIR)" >&2
		return 1
	fi
	echo "# WARNING: skipped '$BATS_TEST_DESCRIPTION': no corpus at $CORPUS" >&3
	skip "no corpus at $CORPUS"
}

# mutation_report FAILURES KINDS: the figures on fd 3, and the failures (if any) on stdout.
mutation_report() {
	echo "# $MUTATIONS mutations (seed $SEED): $(sort "$2" | uniq -c | sort -rn | awk '{n=$1; $1=""; printf "%s%d× %s", sep, n, substr($0, 2); sep=", "}')" >&3
	if [ -s "$1" ]; then
		cat "$1"
		return 1
	fi
}

@test "check: random single-object mutations of every vaultwarden state on SQLite, each reported as exactly that object" {
	require_corpus
	local k i n state seed fails=$BATS_TEST_TMPDIR/fails kinds=$BATS_TEST_TMPDIR/kinds
	n=$(ls "$VAULT"/migrations/*.up.sql | wc -l)
	: >"$fails"
	: >"$kinds"
	# every state of the history, each checked equal unmutated
	for k in $(seq 1 "$n"); do
		run strata -q -d sqlite:vw.db -p "$VAULT/migrations" up 1
		[ "$status" -eq 0 ]
		cp vw.db "state_$k.db"
		run strata -q -d "sqlite:state_$k.db" -p "$VAULT/migrations" check
		if [ "$status" -ne 0 ]; then
			echo "state $k does not check equal unmutated:"
			echo "$output"
			return 1
		fi
	done
	for i in $(seq 1 "$MUTATIONS"); do
		state=$((RANDOM % n + 1))
		seed=$((SEED * 1000 + i))
		cp "state_$state.db" m.db
		if ! python3 "$MUTATE" apply sqlite m.db "$seed" >exp.json 2>err.txt; then
			echo "state $state, seed $seed: $(cat err.txt)" >>"$fails"
			continue
		fi
		jq -r .mutation exp.json >>"$kinds"
		rc=0
		strata -q -d sqlite:m.db -p "$VAULT/migrations" check --json >out.json 2>err.txt || rc=$?
		if [ "$rc" -ne 1 ]; then
			echo "state $state, seed $seed: $(jq -r .what exp.json): check exited $rc: $(cat err.txt)" >>"$fails"
		elif ! python3 "$MUTATE" verify exp.json out.json >why.txt; then
			{ echo "state $state, seed $seed:"; cat why.txt; } >>"$fails"
		fi
	done
	mutation_report "$fails" "$kinds"
}

@test "check: random single-object mutations of crates.io's final schema on PostgreSQL, each reported as exactly that object" {
	require_pg
	require_corpus
	local i seed base url how fails=$BATS_TEST_TMPDIR/fails kinds=$BATS_TEST_TMPDIR/kinds
	: >"$fails"
	: >"$kinds"
	base=$(make_pg_db mut_base)
	run strata -q -d "$base" -p "$CRATES/migrations" up
	[ "$status" -eq 0 ]
	# unmutated, it is what its migrations make, and what its dump makes
	run strata -q -d "$base" -p "$CRATES/migrations" check
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run strata -q -d "$base" dump -o base.sql
	[ "$status" -eq 0 ]
	run strata -q -d "$base" -p "$CRATES/migrations" check --against base.sql
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	python3 "$MUTATE" list pg "$base" mutations.json
	for i in $(seq 1 "$MUTATIONS"); do
		seed=$((SEED * 1000 + i))
		pg_sql "$STRATA_TEST_PG_URL" "DROP DATABASE IF EXISTS mut_copy" >/dev/null
		pg_sql "$STRATA_TEST_PG_URL" "CREATE DATABASE mut_copy TEMPLATE mut_base" >/dev/null
		url=$(pg_url mut_copy)
		if ! python3 "$MUTATE" apply pg "$url" "$seed" mutations.json >exp.json 2>err.txt; then
			echo "seed $seed: $(cat err.txt)" >>"$fails"
			continue
		fi
		jq -r .mutation exp.json >>"$kinds"
		# every fifth against the 285 migrations themselves (a scratch database
		# each time: seconds), the others against the dump of the unmutated schema
		how=()
		[ $((i % 5)) -eq 1 ] || how=(--against base.sql)
		rc=0
		strata -q -d "$url" -p "$CRATES/migrations" check "${how[@]}" --json >out.json 2>err.txt || rc=$?
		if [ "$rc" -ne 1 ]; then
			echo "seed $seed: $(jq -r .what exp.json): check ${how[*]} exited $rc: $(cat err.txt)" >>"$fails"
		elif ! python3 "$MUTATE" verify exp.json out.json >why.txt; then
			{ echo "seed $seed (check ${how[*]}):"; cat why.txt; } >>"$fails"
		fi
	done
	pg_sql "$STRATA_TEST_PG_URL" "DROP DATABASE IF EXISTS mut_copy" >/dev/null
	mutation_report "$fails" "$kinds"
}

@test "mutate.py verify: the mutated object alone passes; a miss, a wrong op or another object fails" {
	cat >exp.json <<'EOF'
{"op": "-", "kind": "index", "object": "ix ON t", "prefix": false, "also": [["table", "t", "definition"]], "what": "drop index ix ON t"}
EOF
	echo '{"equal": false, "differences": [{"op": "removed", "kind": "index", "object": "ix ON t", "line": "- index ix ON t"}]}' >out.json
	run python3 "$MUTATE" verify exp.json out.json
	[ "$status" -eq 0 ]
	# an allowed companion (the table's text) is no other object
	echo '{"equal": false, "differences": [{"op": "-", "kind": "index", "object": "ix ON t"}, {"op": "~", "kind": "table", "object": "t", "attribute": "definition"}]}' >out.json
	run python3 "$MUTATE" verify exp.json out.json
	[ "$status" -eq 0 ]
	# nothing reported
	echo '{"equal": true, "differences": []}' >out.json
	run python3 "$MUTATE" verify exp.json out.json
	[ "$status" -eq 1 ]
	[[ "$output" == *"the mutated object (index ix ON t) is not reported"* ]]
	# reported, but as added
	echo '{"equal": false, "differences": [{"op": "added", "kind": "index", "object": "ix ON t"}]}' >out.json
	run python3 "$MUTATE" verify exp.json out.json
	[ "$status" -eq 1 ]
	[[ "$output" == *"is reported, but not as '-'"* ]]
	# and something else too
	echo '{"equal": false, "differences": [{"op": "-", "kind": "index", "object": "ix ON t"}, {"op": "~", "kind": "column", "object": "t.c", "line": "~ column t.c: default 1 → none"}]}' >out.json
	run python3 "$MUTATE" verify exp.json out.json
	[ "$status" -eq 1 ]
	[[ "$output" == *"other objects are reported too"* ]]
	[[ "$output" == *"reported: ~ column t.c: default 1 → none"* ]]
}
