#!/usr/bin/env bats
# pop.bats - gobuffalo pop's and Ory popx's layout as it is:
# VERSION_name[.dialect][.autocommit].up|down.sql with the target's dialect
# file beating the dialect-less one, comment-only files skipped, .autocommit
# outside a transaction, Go templates refused, fizz files listed, create in
# pop's shape, adopting schema_migration; and Ory Hydra's real directory
# (../shared/corpus/pg-hydra-pop) on PostgreSQL (182) and SQLite (up to 78
# with Debian's SQLite 3.40).

load helpers

CORPUS=${STRATA_CORPUS_DIR:-$STRATA_SOURCE_DIR/../shared/corpus}
HYDRA=$CORPUS/pg-hydra-pop
PG_DUMP=/usr/lib/postgresql/15/bin/pg_dump

require_hydra() {
	[ -d "$HYDRA/migrations" ] && return 0
	if [ "${CI:-}" = true ]; then
		echo "corpus not found at $CORPUS (set STRATA_CORPUS_DIR)" >&2
		return 1
	fi
	skip "no corpus at $CORPUS"
}

pg_schema() {
	"$PG_DUMP" -s --no-owner --no-privileges --exclude-table='public.strata_migrations*' \
		--exclude-table='public.schema_migration' -d "$1" |
		grep -v -e '^\\restrict ' -e '^\\unrestrict ' -e '^--' -e '^SET ' -e '^SELECT pg_catalog.set_config' -e '^$'
}

# popx's own table (its migrator's DDL for PostgreSQL and SQLite)
SCHEMA_MIGRATION='CREATE TABLE schema_migration (version VARCHAR(48) NOT NULL, version_self INT NOT NULL DEFAULT 0);
	CREATE UNIQUE INDEX schema_migration_version_idx ON schema_migration (version);
	CREATE INDEX schema_migration_version_self_idx ON schema_migration (version_self);'

dialect_dir() {
	mkdir -p migrations
	echo 'CREATE TABLE t (pg_only int);' > migrations/20200101000000000001_t.postgres.up.sql
	echo 'CREATE TABLE t (lite_only int);' > migrations/20200101000000000001_t.sqlite3.up.sql
	echo 'CREATE TABLE t (anywhere int);' > migrations/20200101000000000001_t.up.sql
	echo 'CREATE TABLE t (my int);' > migrations/20200101000000000001_t.mysql.up.sql
	echo 'DROP TABLE t;' > migrations/20200101000000000001_t.down.sql
	printf -- '-- nothing for SQLite\n\n' > migrations/20200101000000000002_u.sqlite.up.sql
	echo 'CREATE TABLE u (x int);' > migrations/20200101000000000002_u.up.sql
	echo 'DROP TABLE u;' > migrations/20200101000000000002_u.down.sql
	echo 'CREATE INDEX CONCURRENTLY u_x ON t (pg_only);' > migrations/20200101000000000003_idx.postgres.autocommit.up.sql
	echo 'CREATE INDEX u_x ON t (lite_only);' > migrations/20200101000000000003_idx.up.sql
	echo 'DROP INDEX u_x;' > migrations/20200101000000000003_idx.down.sql
	echo 'CREATE TABLE w (x int);' > migrations/20200101000000000004_w.cockroach.up.sql
	echo 'DROP TABLE w;' > migrations/20200101000000000004_w.cockroach.down.sql
}

@test "Hydra on PostgreSQL: the 182 files popx picks, in order, reaching psql's schema" {
	require_hydra
	require_pg
	ref=$(make_pg_db hydra_ref)
	while read -r f; do
		# .autocommit files run outside a transaction, as popx runs them (CREATE INDEX CONCURRENTLY)
		if [[ $f == *.autocommit.* ]]; then one=; else one=-1; fi
		psql -X -q -v ON_ERROR_STOP=1 $one -d "$ref" -f "$HYDRA/migrations/$f" >/dev/null 2>&1
	done < "$HYDRA/selected.postgres.txt"
	url=$(make_pg_db hydra)
	run --separate-stderr strata -p "$HYDRA/migrations" -d "$url" up
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" = 182 ]
	cut -d_ -f1 "$HYDRA/selected.postgres.txt" > want.txt
	pg_sql "$url" 'SELECT version FROM strata_migrations ORDER BY version' > got.txt
	diff want.txt got.txt
	pg_schema "$ref" > ref.sql
	pg_schema "$url" > got.sql
	diff ref.sql got.sql
	grep -v -e '^\\restrict ' -e '^\\unrestrict ' -e '^--' -e '^SET ' -e '^SELECT pg_catalog.set_config' -e '^$' \
		"$HYDRA/expected_schema.sql" > expected.sql
	diff expected.sql got.sql
	run --separate-stderr strata -p "$HYDRA/migrations" -d "$url" status --json
	[ "$(jq -r '.layout.name + " " + .layout.dialect' <<<"$output")" = "pop postgres" ]
	[ "$(jq -r '[.migrations[] | select(.autocommit)] | length' <<<"$output")" = "$(grep -c '\.autocommit\.' "$HYDRA/selected.postgres.txt")" ]
	[ "$(jq -r '.migrations[0].file' <<<"$output")" = 20150101000001000000_networks.postgres.up.sql ]
	run --separate-stderr strata -p "$HYDRA/migrations" -d "$url" validate
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"holds only comments: skipped, as popx skips it"* ]]
}

@test "Hydra on SQLite: the sqlite files, up to where Debian's SQLite 3.40 goes (78: no if())" {
	require_hydra
	run --separate-stderr strata -p "$HYDRA/migrations" -d app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"20251119112639000000_flow_drop_defaults.sqlite.up.sql:"*"no such function: if"* ]]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 78 ]
	head -78 "$HYDRA/selected.sqlite3.txt" | cut -d_ -f1 > want.txt
	sqlite_sql app.db 'SELECT version FROM strata_migrations ORDER BY length(version), version' > got.txt
	diff want.txt got.txt
	run strata -p "$HYDRA/migrations" -d app.db status --json
	[ "$(jq -r '.layout.dialect' <<<"$output")" = sqlite3 ]
}

@test "dialects: the target's file beats the dialect-less one, other engines' files are not run" {
	dialect_dir
	run --separate-stderr strata -d app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT sql FROM sqlite_master WHERE name = 't'")" = "CREATE TABLE t (lite_only int)" ]
	# 2's sqlite file holds only comments: popx skips the version for SQLite, its plain file too
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'u'")" = 0 ]
	[ "$(sqlite_sql app.db "SELECT version FROM strata_migrations ORDER BY version")" = "20200101000000000001
20200101000000000003" ]
	run --separate-stderr strata -d app.db validate
	[[ "$stderr" == *"20200101000000000002_u.sqlite.up.sql holds only comments: skipped, as popx skips it"* ]]
	run strata -d app.db down --all --yes
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations")" = 0 ]
	require_pg
	url=$(make_pg_db)
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT column_name FROM information_schema.columns WHERE table_name = 't'")" = pg_only ]
	# .autocommit: outside a transaction (CREATE INDEX CONCURRENTLY cannot run inside one)
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_indexes WHERE indexname = 'u_x'")" = 1 ]
	run strata -d "$url" status --json
	[ "$(jq -r '.migrations[2].autocommit' <<<"$output")" = true ]
	[ "$(jq -r '.migrations[2].file' <<<"$output")" = 20200101000000000003_idx.postgres.autocommit.up.sql ]
	[ "$(jq -r '.migrations | length' <<<"$output")" = 3 ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_tables WHERE tablename = 'w'")" = 0 ]
}

@test "Go template syntax is refused naming file:line, never run raw; fizz files are listed" {
	mkdir migrations
	printf 'CREATE TABLE a (x int);\n{{ if .IsSQLite }}SELECT 1;{{ end }}\n' > migrations/20200101000000000001_a.sqlite3.up.sql
	echo 'DROP TABLE a;' > migrations/20200101000000000001_a.down.sql
	run --separate-stderr strata -d app.db up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"migrations/20200101000000000001_a.sqlite3.up.sql:2: holds Go template syntax ({{ ... }}), which popx expands and strata cannot: refused rather than run as written"* ]]
	[ ! -e app.db ]
	echo 'CREATE TABLE a (x int);' > migrations/20200101000000000001_a.sqlite3.up.sql
	echo 'create_table("b") { t.Column("x", "int") }' > migrations/20200101000000000002_b.up.fizz
	echo 'drop_table("b")' > migrations/20200101000000000002_b.down.fizz
	run --separate-stderr strata validate
	[[ "$stderr" == *"20200101000000000002_b.up.fizz: pop fizz migration: strata cannot run it"* ]]
	run --separate-stderr strata -d app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"is a pop fizz migration, which strata cannot run: stopped before it"* ]]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations")" = 1 ]
}

@test "create NAME in a pop directory: a 20-digit timestamp version with up and down files" {
	dialect_dir
	run strata create "add users"
	[ "$status" -eq 0 ]
	up=$(ls migrations/*_add_users.up.sql)
	[ -f "${up%.up.sql}.down.sql" ]
	v=$(basename "$up")
	v=${v%%_*}
	[ ${#v} -eq 20 ]
	[[ $v == "$(date -u +%Y%m%d)"* ]]
	[[ $v == *000000 ]]
}

@test "adopt pop's schema_migration: nothing re-run, a 14-digit version counts as popx counts it" {
	dialect_dir
	sqlite_sql app.db "$SCHEMA_MIGRATION"
	sqlite_sql app.db "CREATE TABLE t (lite_only int); CREATE INDEX u_x ON t (lite_only);
		INSERT INTO schema_migration (version) VALUES ('20200101000000'), ('20200101000000000003');"
	run --separate-stderr strata -d app.db status
	[[ "$stderr" == *"this database is managed by pop (table schema_migration)"*"strata adopt"* ]]
	run --separate-stderr strata -d app.db adopt
	[ "$status" -eq 0 ]
	[ "$output" = "strata: adopted pop's state from schema_migration: 2 migrations recorded as applied, at 20200101000000000003" ]
	run --separate-stderr strata -d app.db up
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to do"* ]]
	[ "$(sqlite_sql app.db "SELECT version FROM schema_migration ORDER BY version")" = "20200101000000
20200101000000000003" ]
}

@test "adopt Hydra's schema_migration on PostgreSQL: popx's 182 rows taken over, nothing re-run" {
	require_hydra
	require_pg
	url=$(make_pg_db hydra_adopt)
	pg_sql "$url" "$SCHEMA_MIGRATION"
	while read -r f; do
		if [[ $f == *.autocommit.* ]]; then one=; else one=-1; fi
		psql -X -q -v ON_ERROR_STOP=1 $one -d "$url" -f "$HYDRA/migrations/$f" >/dev/null 2>&1
		echo "INSERT INTO schema_migration (version) VALUES ('${f%%_*}');"
	done < "$HYDRA/selected.postgres.txt" > rows.sql
	pg_sql "$url" "$(cat rows.sql)"
	run --separate-stderr strata -p "$HYDRA/migrations" -d "$url" adopt
	[ "$status" -eq 0 ]
	[[ "$output" == "strata: adopted pop's state from schema_migration: 182 migrations recorded as applied, at 2026"* ]]
	run --separate-stderr strata -p "$HYDRA/migrations" -d "$url" up
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to do"* ]]
}
