#!/usr/bin/env bats
# flyway.bats - Flyway's layout as it is: V<version>__desc.sql ordered part
# by part as numbers, U<version>__ undos, R__ repeatables run last and again
# when changed, ${placeholders}, the files Flyway ignores, Java migrations,
# create in Flyway's shape, adopting flyway_schema_history; and Marquez's
# real directory (../shared/corpus/pg-marquez-flyway) reaching the schema
# psql gives it in Flyway's order.

load helpers

CORPUS=${STRATA_CORPUS_DIR:-$STRATA_SOURCE_DIR/../shared/corpus}
MARQUEZ=$CORPUS/pg-marquez-flyway
PG_DUMP=/usr/lib/postgresql/15/bin/pg_dump

require_marquez() {
	[ -d "$MARQUEZ/migrations" ] && return 0
	if [ "${CI:-}" = true ]; then
		echo "corpus not found at $CORPUS (set STRATA_CORPUS_DIR)" >&2
		return 1
	fi
	skip "no corpus at $CORPUS"
}

# pg_schema URL: pg_dump -s as the corpus was dumped, without strata's tables, comments, SET lines, blanks
pg_schema() {
	"$PG_DUMP" -s --no-owner --no-privileges --exclude-table='public.strata_migrations*' \
		--exclude-table='public.flyway_schema_history' -d "$1" | schema_filter
}

schema_filter() {
	grep -v -e '^\\restrict ' -e '^\\unrestrict ' -e '^--' -e '^SET ' -e '^SELECT pg_catalog.set_config' -e '^$'
}

# flyway_crc FILE: Flyway's checksum (CRC32 of the lines without their breaks, BOM skipped, signed 32-bit)
flyway_crc() {
	python3 -c '
import sys, zlib
b = open(sys.argv[1], "rb").read()
if b.startswith(b"\xef\xbb\xbf"): b = b[3:]
c = zlib.crc32(b.replace(b"\r", b"").replace(b"\n", b""))
print(c - 2**32 if c >= 2**31 else c)' "$1"
}

small_dir() {
	mkdir -p migrations
	echo 'CREATE TABLE a (x int);' > migrations/V1__a.sql
	echo 'CREATE TABLE b (x int);' > migrations/V1.9__b.sql
	echo 'CREATE TABLE c (x int);' > migrations/V1_10__c.sql
	echo 'DROP TABLE c;' > migrations/U1_10__c.sql
	echo 'CREATE TABLE d (x int);' > migrations/V10__d.sql
	echo 'CREATE TABLE e (x int);' > migrations/V2__e.sql
	printf 'DROP VIEW IF EXISTS v;\nCREATE VIEW v AS SELECT 1 AS one;\n' > migrations/R__v.sql
}

@test "Marquez on PostgreSQL: 81 versioned and 3 repeatables in Flyway's order, the schema psql gives them" {
	require_marquez
	require_pg
	ref=$(make_pg_db marquez_ref)
	while read -r f; do
		# V47 is one CREATE INDEX CONCURRENTLY: outside a transaction, as the corpus was applied
		if [ "$f" = V47__add_lineage_event_indexes.sql ]; then one=; else one=-1; fi
		psql -X -q -v ON_ERROR_STOP=1 $one -d "$ref" -f "$MARQUEZ/migrations/$f" >/dev/null 2>&1
	done < "$MARQUEZ/apply_order.txt"
	url=$(make_pg_db marquez)
	run --separate-stderr strata -p "$MARQUEZ/migrations" -d "$url" up
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" = 84 ]
	# the order of the run is apply_order.txt's
	grep -o 'applying [^ ]*' <<<"$output" | awk '{print $2}' > ran.txt
	sed -E 's/^V([^_]+(_[0-9]+)?)__.*/\1/; s/^(R__[^.]*)\.sql$/\1/' "$MARQUEZ/apply_order.txt" > want.txt
	diff want.txt ran.txt
	pg_schema "$ref" > ref.sql
	pg_schema "$url" > got.sql
	diff ref.sql got.sql
	schema_filter < "$MARQUEZ/expected_schema.sql" > expected.sql
	diff expected.sql got.sql
	# V57__readme.md is said, never read as a migration
	run --separate-stderr strata -p "$MARQUEZ/migrations" -d "$url" validate
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"V57__readme.md is not a migration: Flyway reads only .sql files, and so does strata (ignored)"* ]]
	run --separate-stderr strata -p "$MARQUEZ/migrations" -d "$url" up
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to do"* ]]
	run strata -p "$MARQUEZ/migrations" -d "$url" version
	[ "$output" = 74 ]
}

@test "versions compare part by part as numbers: V1.9 < V1_10 < V2 < V10, and goto takes Flyway's spelling" {
	small_dir
	run --separate-stderr strata -d app.db up
	[ "$status" -eq 0 ]
	[ "$(grep -o 'applying [^ ]*' <<<"$output" | awk '{print $2}' | tr '\n' ' ')" = "1 1.9 1_10 2 10 R__v " ]
	run strata -d app.db version
	[ "$output" = 10 ]
	# V2 and V10 have no undo: goto refuses before anything runs
	run --separate-stderr strata -d app.db goto 1_10 --yes
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"10 d cannot be rolled back: its down script is missing (there is no U10__d.sql)"* ]]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations")" = 6 ]
	# U2.0 is V2's undo: 2.0 is V2's version as well
	printf 'DROP TABLE e;\n' > migrations/U2.0__e.sql
	printf 'DROP TABLE d;\n' > migrations/U10__d.sql
	run --separate-stderr strata -d app.db goto 1.10 --yes
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name IN ('d', 'e')")" = 0 ]
	run strata -d app.db version
	[ "$output" = 1_10 ]
	run --separate-stderr strata -d app.db history
	[[ "$output" == *"down      2 "* ]]
	[[ "$output" == *"up        1_10 "* ]]
	# the repeatable stays: Flyway never undoes one
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'v'")" = 1 ]
}

@test "V2 and V2.0 are one version: a duplicate naming both files" {
	mkdir migrations
	echo 'SELECT 1;' > migrations/V2__a.sql
	echo 'SELECT 1;' > migrations/V2.0__b.sql
	run --separate-stderr strata -d app.db up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"V2.0__b.sql: duplicate version: migrations/V2__a.sql has the same version"* ]]
	rm migrations/*
	echo 'SELECT 1;' > migrations/V1.2.3.4.5__deep.sql
	run --separate-stderr strata -d app.db up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"V1.2.3.4.5__deep.sql: has a version of more than 4 parts"* ]]
}

@test "a repeatable runs again when its file changes, and status says \"repeatable, changed\"" {
	small_dir
	run strata -d app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db 'SELECT * FROM v')" = 1 ]
	run --separate-stderr strata -d app.db up
	[[ "$output" == *"nothing to do"* ]]
	printf 'DROP VIEW IF EXISTS v;\nCREATE VIEW v AS SELECT 2 AS two;\n' > migrations/R__v.sql
	run --separate-stderr strata -d app.db status
	[ "$status" -eq 0 ]
	[[ "$output" == *"R__v     v     repeatable, changed"*"file changed since it ran: \`strata up\` runs it again"* ]]
	run --separate-stderr strata -d app.db status --json
	[ "$(jq -r '.layout.name' <<<"$output")" = flyway ]
	[ "$(jq -r '.migrations[-1].repeatable' <<<"$output")" = true ]
	[ "$(jq -r '.migrations[-1].changed' <<<"$output")" = true ]
	[ "$(jq -r '.migrations[-1].checksum != .migrations[-1].recorded_checksum' <<<"$output")" = true ]
	[ "$(jq -r '.migrations[-1].flyway_checksum' <<<"$output")" = "$(flyway_crc migrations/R__v.sql)" ]
	[ "$(jq -r '.migrations[1].version' <<<"$output")" = 1.9 ]
	run --separate-stderr strata -d app.db up
	[ "$status" -eq 0 ]
	[[ "$output" == *"applying R__v v"* ]]
	[ "$(sqlite_sql app.db 'SELECT * FROM v')" = 2 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations WHERE name = 'v'")" = 1 ]
	run --separate-stderr strata -d app.db status
	[[ "$output" == *"R__v     v     applied"* ]]
	# a new versioned migration after the repeatables ran is not out of order
	echo 'CREATE TABLE f (x int);' > migrations/V11__f.sql
	run --separate-stderr strata -d app.db up
	[ "$status" -eq 0 ]
	[[ "$output" == *"applying 11 f"* ]]
	[[ "$output" != *"R__v"* ]]
}

@test "placeholders: strata.ini's [placeholders], --placeholder, built-ins, an unresolved one names file:line, off leaves them" {
	mkdir migrations
	printf -- '-- owner ${owner}\nCREATE TABLE t_${suffix} (x int);\nCREATE TABLE f_${flyway:defaultSchema} (n text DEFAULT %s);\n' "'\${flyway:filename}'" > migrations/V1__p.sql
	run --separate-stderr strata -d app.db up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"migrations/V1__p.sql:1: no value for the placeholder \${owner}"* ]]
	[[ "$stderr" == *"--placeholder owner=VALUE"* ]]
	[ ! -e app.db ]
	printf '[placeholders]\nowner = me\nsuffix = ini\n' > strata.ini
	run --separate-stderr strata -d app.db up --placeholder suffix=flag
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name LIKE 't_%' OR name LIKE 'f_%' ORDER BY name")" = "f_main
t_flag" ]
	[ "$(sqlite_sql app.db "SELECT sql FROM sqlite_master WHERE name = 'f_main'")" = "CREATE TABLE f_main (n text DEFAULT 'V1__p.sql')" ]
	run strata -d app.db status --json
	[ "$(jq -r '.layout.placeholders' <<<"$output")" = true ]
	# off: as written (Marquez turns replacement off); the checksum is the file's, so nothing changed
	printf 'placeholders = off\n' > strata.ini
	run --separate-stderr strata -d app.db status
	[[ "$output" == *"1        p     applied"* ]]
	printf 'CREATE TABLE lit (s text DEFAULT %s);\n' "'\${x}'" > migrations/V2__lit.sql
	run --separate-stderr strata -d app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT sql FROM sqlite_master WHERE name = 'lit'")" = "CREATE TABLE lit (s text DEFAULT '\${x}')" ]
}

@test "files Flyway ignores are noted, Java migrations are listed and up stops before them" {
	small_dir
	echo '# notes' > migrations/V3__readme.md
	echo 'x' > migrations/V4__notes.txt
	echo 'class V5__Backfill {}' > migrations/V5__Backfill.java
	run --separate-stderr strata validate
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"migrations/V3__readme.md is not a migration: Flyway reads only .sql files, and so does strata (ignored)"* ]]
	[[ "$stderr" == *"migrations/V4__notes.txt is not a migration"* ]]
	[[ "$stderr" == *"V5__Backfill.java: Flyway Java migration: strata cannot run it; \`strata up\` stops before it (run it with Flyway, then \`strata baseline 5\`)"* ]]
	run --separate-stderr strata -d app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"5 Backfill (V5__Backfill.java) is a Flyway Java migration, which strata cannot run: stopped before it; the database is at 2"* ]]
	run strata -d app.db status
	[[ "$output" == *"5        Backfill  pending"*"Flyway Java migration: strata cannot run it"* ]]
	run strata -d app.db baseline 5
	[ "$status" -eq 0 ]
	run strata -d app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'd'")" = 1 ]
}

@test "Flyway's files mix with no other layout" {
	small_dir
	write_migration migrations 000003 other "SELECT 1;" "SELECT 1;"
	run --separate-stderr strata -d app.db up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"000003_other.up.sql: is not named like a Flyway migration, but migrations/"*"is: one history holds one layout"* ]]
}

@test "create NAME in a Flyway directory writes V<next>__name.sql" {
	small_dir
	run strata create "add users"
	[ "$status" -eq 0 ]
	[ "$output" = migrations/V11__add_users.sql ]
	[ -f migrations/V11__add_users.sql ]
	echo 'SELECT 1;' > migrations/V11.5__x.sql
	run strata create more
	[ "$output" = migrations/V12__more.sql ]
}

@test "adopt flyway_schema_history: Marquez migrated by Flyway is taken over with nothing run again" {
	require_marquez
	require_pg
	url=$(make_pg_db marquez_adopt)
	# Flyway's own table (its PostgreSQL DDL), filled as Flyway fills it, with Flyway's checksums
	pg_sql "$url" 'CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, version VARCHAR(50),
		description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT,
		installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT now(),
		execution_time INT NOT NULL, success BOOLEAN NOT NULL);
		CREATE INDEX flyway_schema_history_s_idx ON flyway_schema_history (success);'
	rank=0
	while read -r f; do
		if [ "$f" = V47__add_lineage_event_indexes.sql ]; then one=; else one=-1; fi
		psql -X -q -v ON_ERROR_STOP=1 $one -d "$url" -f "$MARQUEZ/migrations/$f" >/dev/null 2>&1
		rank=$((rank + 1))
		crc=$(flyway_crc "$MARQUEZ/migrations/$f")
		if [[ $f == R__* ]]; then
			ver=NULL
			desc=${f#R__}
		else
			ver=${f#V}
			ver="'${ver%%__*}'"
			ver=${ver//_/.}
			desc=${f#*__}
		fi
		desc=${desc%.sql}
		# Flyway ran R__Runs_view from an older file: its checksum differs, so Flyway would run it again
		[ "$f" = R__Runs_view.sql ] && crc=12345
		echo "INSERT INTO flyway_schema_history VALUES ($rank, $ver, '${desc//_/ }', 'SQL', '$f', $crc, 'flyway', now(), 1, true);"
		# the Java migrations ran in between (not here as files)
		if [ "$f" = V44__runs_add_job_version_uuid.sql ] || [ "$f" = V44__add_job_parent_uuid.sql ]; then :; fi
	done < "$MARQUEZ/apply_order.txt" > rows.sql
	echo "INSERT INTO flyway_schema_history VALUES (100, '44.1', 'BackfillJobs', 'JDBC', 'marquez.db.migrations.V44_1_BackfillJobs', NULL, 'flyway', now(), 1, true);" >> rows.sql
	pg_sql "$url" "$(cat rows.sql)"
	before=$(pg_schema "$url")
	run --separate-stderr strata -p "$MARQUEZ/migrations" -d "$url" adopt
	[ "$status" -eq 0 ]
	[ "$output" = "strata: adopted Flyway's state from flyway_schema_history: 84 migrations recorded as applied, at 74" ]
	[[ "$stderr" == *"1 version recorded by Flyway has no file in $MARQUEZ/migrations (44.1); not recorded"* ]]
	[[ "$stderr" == *"1 of them changed since Flyway ran them"* ]]
	run --separate-stderr strata -p "$MARQUEZ/migrations" -d "$url" status
	[[ "$output" == *"R__Runs_view"*"repeatable, changed"* ]]
	[[ "$output" == *"2.1 "*"adopted"* ]]
	# up runs only what Flyway would: the changed repeatable
	run --separate-stderr strata -p "$MARQUEZ/migrations" -d "$url" up
	[ "$status" -eq 0 ]
	[ "$(grep -c 'applying' <<<"$output")" = 1 ]
	[[ "$output" == *"applying R__Runs_view Runs_view"* ]]
	[ "$(pg_schema "$url")" = "$before" ]
}

@test "adopt refuses a failed Flyway row, as Flyway stops until repair" {
	require_pg
	url=$(make_pg_db)
	small_dir
	pg_sql "$url" "CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, version VARCHAR(50),
		description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT,
		installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT now(),
		execution_time INT NOT NULL, success BOOLEAN NOT NULL);
		INSERT INTO flyway_schema_history VALUES (1, '1', 'a', 'SQL', 'V1__a.sql', 0, 'me', now(), 1, true),
			(2, '1.9', 'b', 'SQL', 'V1.9__b.sql', 0, 'me', now(), 1, false);"
	run --separate-stderr strata -d "$url" adopt
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"Flyway records a failed migration in flyway_schema_history: V1.9__b.sql, version 1.9 (installed_rank 2) did not finish"* ]]
	[[ "$stderr" == *"flyway repair"* ]]
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_tables WHERE tablename = 'strata_migrations'")" = 0 ]
}
