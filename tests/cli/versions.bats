#!/usr/bin/env bats
# File names and versions as the other tools read them: golang-migrate pairs
# by version alone, dbmate's hyphenated names, versions of any length (pop's
# and Ory's 20-digit versions above 2^64, and longer) ordered numerically and
# stored exactly; tracking tables made by strata 0.1 (signed 64-bit versions)
# upgraded in place.

load helpers

# pop/Ory-style pairs beyond 64 bits, with a 14-digit one first and a 30-digit one last.
long_versions() {
	write_migration migrations 20200101000000 first "CREATE TABLE first (id INTEGER PRIMARY KEY);" "DROP TABLE first;"
	write_migration migrations 20210410175418000001 identities \
		"CREATE TABLE identities (id INTEGER PRIMARY KEY);" "DROP TABLE identities;"
	write_migration migrations 20210410175418000002 credentials \
		"CREATE TABLE credentials (id INTEGER PRIMARY KEY);" "DROP TABLE credentials;"
	write_migration migrations 123456789012345678901234567890 long \
		"CREATE TABLE long (id INTEGER PRIMARY KEY);" "DROP TABLE long;"
}

# The session on one database; $1 the URL, $2 a function printing the recorded versions in order.
long_versions_session() {
	local url=$1 recorded=$2
	long_versions
	run strata -d "$url" up
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok   20210410175418000001 identities"* ]]
	[[ "$output" == *"ok   123456789012345678901234567890 long"* ]]
	[ "$($recorded)" = "20200101000000,20210410175418000001,20210410175418000002,123456789012345678901234567890" ]
	run --separate-stderr strata -d "$url" version
	[ "$status" -eq 0 ]
	[ "$output" = 123456789012345678901234567890 ]
	run strata -d "$url" version --json
	[ "$(tr -d ' \t\n' <<<"$output")" = '{"version":"123456789012345678901234567890","partial":false}' ]
	run strata -d "$url" status
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == "20200101000000 "*"first"*"applied"* ]]
	[[ "${lines[2]}" == "20210410175418000001 "*"identities"*"applied"* ]]
	[[ "${lines[3]}" == "20210410175418000002 "*"credentials"*"applied"* ]]
	[[ "${lines[4]}" == "123456789012345678901234567890 "*"long"*"applied"* ]]
	[[ "$output" == *"4 applied, 0 pending; at 123456789012345678901234567890"* ]]
	run strata -d "$url" goto 20210410175418000001 -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"down 123456789012345678901234567890 long"* ]]
	[[ "$output" == *"down 20210410175418000002 credentials"* ]]
	[ "$($recorded)" = "20200101000000,20210410175418000001" ]
	run strata -d "$url" down -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"down 20210410175418000001 identities"* ]]
	[ "$($recorded)" = "20200101000000" ]
	run strata -d "$url" goto 123456789012345678901234567890
	[ "$status" -eq 0 ]
	[ "$($recorded)" = "20200101000000,20210410175418000001,20210410175418000002,123456789012345678901234567890" ]
	run strata -d "$url" history
	[ "$status" -eq 0 ]
	[[ "$output" == *"down      20210410175418000001  identities"* ]]
	run strata -d "$url" force 20210410175418000002 -y
	[ "$status" -eq 0 ]
	[ "$($recorded)" = "20200101000000,20210410175418000001,20210410175418000002" ]
	run --separate-stderr strata -d "$url" goto 99999999999999999999999 -y
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"no migration has version 99999999999999999999999; \`strata status\` lists them"* ]]
}

sqlite_recorded() {
	sqlite_sql app.db "SELECT group_concat(version) FROM (SELECT version FROM strata_migrations
		ORDER BY length(version), version)"
}

pg_recorded() {
	pg_sql "$url" "SELECT string_agg(version::text, ',' ORDER BY version) FROM strata_migrations"
}

@test "20-digit and longer versions apply, show, go to and roll back on SQLite" {
	long_versions_session sqlite:app.db sqlite_recorded
	# below 10^18 an INTEGER as always (ORDER BY version works), longer ones TEXT, exact
	[ "$(sqlite_sql app.db "SELECT group_concat(typeof(version)) FROM (SELECT version FROM strata_migrations
		ORDER BY version)")" = integer,text,text ]
}

@test "20-digit and longer versions apply, show, go to and roll back on PostgreSQL" {
	require_pg
	url=$(make_pg_db)
	long_versions_session "$url" pg_recorded
	[ "$(pg_sql "$url" "SELECT pg_typeof(version) FROM strata_migrations LIMIT 1")" = numeric ]
}

@test "versions compare as numbers: leading zeros do not count, longer is later" {
	write_migration migrations 0009 nine "SELECT 9;" "SELECT -9;"
	write_migration migrations 10 ten "SELECT 10;" "SELECT -10;"
	write_migration migrations 000000000000000000000000000011 eleven "SELECT 11;" "SELECT -11;"
	run strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_recorded)" = "9,10,11" ]
	run strata -d sqlite:app.db status
	[[ "${lines[3]}" == "000000000000000000000000000011 "*"eleven"*"applied"* ]]
	run --separate-stderr strata -d sqlite:app.db version
	[ "$output" = 11 ]
	run strata -d sqlite:app.db goto 0010 -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"down 000000000000000000000000000011 eleven"* ]]
}

@test "create --seq continues past 2^64" {
	write_migration migrations 18446744073709551615 max "SELECT 1;"
	run strata create --seq next
	[ "$status" -eq 0 ]
	[ -e migrations/18446744073709551616_next.up.sql ]
}

# strata 0.1 for the upgrade tests (old_strata_build in helpers.bash).
setup_file() {
	old_strata_build
}

# Directory "old" as strata 0.1 can read it (9300000000000000000 is above 2^63:
# 0.1 stored it negative), "new" the same plus a pop version 0.1 refused.
old_and_new() {
	write_migration old 000001 create_a "CREATE TABLE a (id INTEGER PRIMARY KEY);" "DROP TABLE a;"
	write_migration old 000002 create_b "CREATE TABLE b (id INTEGER PRIMARY KEY);" "DROP TABLE b;"
	write_migration old 9300000000000000000 create_c "CREATE TABLE c (id INTEGER PRIMARY KEY);" "DROP TABLE c;"
	cp -r old new
	write_migration new 20210410175418000001 create_d "CREATE TABLE d (id INTEGER PRIMARY KEY);" "DROP TABLE d;"
}

# $1 URL, $2 a function printing the SQL type of the version columns ("tracking|log"),
# $3 one printing the recorded versions in order, $4 one printing the log's versions,
# $5 the types 0.1 made.
upgrade_session() {
	local url=$1 types=$2 recorded=$3 logged=$4 old_types=$5
	old_and_new
	run "$OLD_STRATA" -d "$url" -p old up
	[ "$status" -eq 0 ]
	run "$OLD_STRATA" -d "$url" -p old down -y
	[ "$status" -eq 0 ]
	run "$OLD_STRATA" -d "$url" -p old up
	[ "$status" -eq 0 ]
	[ "$($types)" = "$old_types" ]
	# reading leaves 0.1's tables as they are, and understands them
	run --separate-stderr strata -d "$url" -p new version
	[ "$status" -eq 0 ]
	[ "$output" = 9300000000000000000 ]
	run strata -d "$url" -p new status
	[ "$status" -eq 0 ]
	[[ "${lines[3]}" == "9300000000000000000 "*"create_c"*"applied"* ]]
	[[ "$output" == *"3 applied, 1 pending; at 9300000000000000000"* ]]
	run strata -d "$url" -p new history
	[ "$status" -eq 0 ]
	[[ "$output" == *"down      9300000000000000000  create_c"* ]]
	[ "$($types)" = "$old_types" ]
	# the first command that writes upgrades them, and applies
	run strata -d "$url" -p new up
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok   20210410175418000001 create_d"* ]]
	[ "$($recorded)" = "1,2,9300000000000000000,20210410175418000001" ]
	[ "$($logged)" = "1,2,9300000000000000000,9300000000000000000,9300000000000000000,20210410175418000001" ]
	run strata -d "$url" -p new status
	[[ "$output" == *"4 applied, 0 pending; at 20210410175418000001"* ]]
	run strata -d "$url" -p new down 2 -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"down 20210410175418000001 create_d"* ]]
	[[ "$output" == *"down 9300000000000000000 create_c"* ]]
	[ "$($recorded)" = "1,2" ]
	run --separate-stderr strata -d "$url" -p new version
	[ "$output" = 2 ]
	run strata -d "$url" -p new history
	[ "$status" -eq 0 ]
	[[ "$output" == *"up        9300000000000000000  create_c"* ]]
	[[ "$output" != *"-9146744073709551616"* ]]
	run strata -d "$url" -p new up
	[ "$status" -eq 0 ]
	[ "$($recorded)" = "1,2,9300000000000000000,20210410175418000001" ]
}

sqlite_types() {
	sqlite_sql app.db "SELECT (SELECT type FROM pragma_table_info('strata_migrations') WHERE name = 'version')
		|| '|' || (SELECT type FROM pragma_table_info('strata_migrations_log') WHERE name = 'version')"
}

sqlite_logged() {
	sqlite_sql app.db "SELECT group_concat(version) FROM (SELECT version FROM strata_migrations_log ORDER BY id)"
}

pg_types() {
	pg_sql "$url" "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attname = 'version'
		AND attrelid IN ('strata_migrations'::regclass, 'strata_migrations_log'::regclass) ORDER BY attrelid::regclass::text" |
		paste -sd'|'
}

pg_logged() {
	pg_sql "$url" "SELECT string_agg(version::text, ',' ORDER BY id) FROM strata_migrations_log"
}

@test "SQLite tracking tables made by strata 0.1 keep working and are upgraded in place" {
	upgrade_session sqlite:app.db sqlite_types sqlite_recorded sqlite_logged "INTEGER|INTEGER"
	[ "$(sqlite_types)" = "|" ] # untyped: integers below 10^18, TEXT above
	# the old tables are gone, the index that keeps `version` one indexed query is there
	[ "$(sqlite_sql app.db "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master
		WHERE name LIKE '%strata%' AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name)")" = \
		"strata_migrations,strata_migrations_log,strata_migrations_version_order" ]
}

@test "PostgreSQL tracking tables made by strata 0.1 keep working and are upgraded in place" {
	require_pg
	url=$(make_pg_db)
	upgrade_session "$url" pg_types pg_recorded pg_logged "bigint|bigint"
	[ "$(pg_types)" = "numeric|numeric" ]
}

@test "golang-migrate pairs by version: an up and a down named differently are one migration" {
	mkdir migrations
	echo "CREATE TABLE a (id INTEGER PRIMARY KEY);" > migrations/30_add_magic_metadata.up.sql
	echo "ALTER TABLE a ADD COLUMN magic TEXT;" >> migrations/30_add_magic_metadata.up.sql
	echo "DROP TABLE a;" > migrations/30_drop_magic_metadata.down.sql
	echo "CREATE INDEX a_magic ON a (magic);" > migrations/31_add_index..up.sql
	echo "DROP INDEX a_magic;" > migrations/31_add_index.down.sql
	touch app.db # only up creates a database; validate checks an existing one
	run --separate-stderr strata -d sqlite:app.db validate
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"strata: note: migrations/30_drop_magic_metadata.down.sql is the down of migrations/30_add_magic_metadata.up.sql: same version, different names (paired by version, as golang-migrate does; the migration is named after the up)"* ]]
	[[ "$stderr" == *"strata: note: migrations/31_add_index.down.sql is the down of migrations/31_add_index..up.sql"* ]]
	[[ "$output" == *"2 migrations valid"* ]]
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok   30 add_magic_metadata"* ]]
	[[ "$output" == *"ok   31 add_index."* ]]
	[[ "$stderr" != *"note"* ]] # said by validate, not by every command
	run strata -d sqlite:app.db status
	[[ "${lines[1]}" == "30 "*"add_magic_metadata"*"applied"* ]]
	run strata -d sqlite:app.db down --all -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"down 31 add_index."* ]]
	[[ "$output" == *"down 30 add_magic_metadata"* ]]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name IN ('a', 'a_magic')")" ]
}

# dbmate's own layout: hyphenated names, an initial schema at version 0.
dbmate_dir() {
	mkdir migrations
	printf -- '-- migrate:up\nCREATE TABLE accounts (id INTEGER PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE accounts;\n' \
		> migrations/00000000000000-initial-schema.sql
	printf -- '-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE users;\n' \
		> migrations/20240101120000-add-users.sql
}

dbmate_session() {
	local url=$1 tables=$2
	dbmate_dir
	run strata -d "$url" up
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok   00000000000000 initial-schema"* ]]
	[[ "$output" == *"ok   20240101120000 add-users"* ]]
	run strata -d "$url" status
	[[ "${lines[1]}" == "00000000000000 "*"initial-schema"*"applied"* ]]
	[[ "${lines[2]}" == "20240101120000 "*"add-users"*"applied"* ]]
	# version 0 is a migration here: goto 0 goes to it, -1 (golang-migrate's "none") below it
	run strata -d "$url" goto 0 -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"down 20240101120000 add-users"* ]]
	[[ "$output" != *"initial-schema"* ]]
	run --separate-stderr strata -d "$url" version
	[ "$output" = 0 ]
	[ "$($tables)" = accounts ]
	run strata -d "$url" goto -1 -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"down 00000000000000 initial-schema"* ]]
	[ -z "$($tables)" ]
	run --separate-stderr strata -d "$url" version
	[ "$stderr" = "strata: no migration applied" ]
}

@test "dbmate's hyphenated names, with an initial schema at version 0, on SQLite" {
	sqlite_tables() { sqlite_sql app.db "SELECT group_concat(name) FROM sqlite_master WHERE name IN ('accounts', 'users')"; }
	dbmate_session sqlite:app.db sqlite_tables
}

@test "dbmate's hyphenated names, with an initial schema at version 0, on PostgreSQL" {
	require_pg
	url=$(make_pg_db)
	pg_tables() { pg_sql "$url" "SELECT string_agg(tablename, ',') FROM pg_tables WHERE tablename IN ('accounts', 'users')"; }
	dbmate_session "$url" pg_tables
}

@test "adopt reads 20-digit versions from dbmate's varchar and golang-migrate's bigint tables" {
	require_pg
	long_versions
	url=$(make_pg_db)
	pg_sql "$url" "CREATE TABLE first (id int); CREATE TABLE identities (id int);
		CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
		INSERT INTO schema_migrations VALUES ('20200101000000'), ('20210410175418000001');"
	run strata -d "$url" adopt
	[ "$status" -eq 0 ]
	[[ "$output" == *"adopted dbmate's state from schema_migrations: 2 migrations recorded as applied, at 20210410175418000001"* ]]
	[ "$(pg_recorded)" = "20200101000000,20210410175418000001" ]
	# golang-migrate's bigint holds up to 2^63: everything up to it is applied
	url=$(make_pg_db t_versions_adopt_gm)
	pg_sql "$url" "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);
		INSERT INTO schema_migrations VALUES (20200101000000, false);"
	run strata -d "$url" adopt
	[ "$status" -eq 0 ]
	[[ "$output" == *"adopted golang-migrate's state from schema_migrations: 1 migration recorded as applied, at 20200101000000"* ]]
	sqlite_sql app.db "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL);
		INSERT INTO __diesel_schema_migrations (version) VALUES ('20210410175418000002');"
	run strata -d sqlite:app.db adopt
	[ "$status" -eq 0 ]
	[[ "$output" == *"adopted diesel's state from __diesel_schema_migrations: 1 migration recorded as applied, at 20210410175418000002"* ]]
	[ "$(sqlite_recorded)" = "20210410175418000002" ]
}

@test "the upgrade of 0.1's tables is one transaction: a failure leaves both as they were" {
	require_pg
	url=$(make_pg_db)
	old_and_new
	run "$OLD_STRATA" -d "$url" -p old up
	[ "$status" -eq 0 ]
	# something of the user's that depends on the log's version column stops its ALTER
	pg_sql "$url" "CREATE VIEW recent AS SELECT version FROM strata_migrations_log"
	run --separate-stderr strata -d "$url" -p new up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'cannot upgrade the tracking tables "public"."strata_migrations" and "public"."strata_migrations_log" to exact versions: '*'view recent depends on column "version"'* ]]
	[[ "$stderr" == *"both tables were left as they were"* ]]
	[ "$(pg_types)" = "bigint|bigint" ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM strata_migrations")" = 3 ]
	pg_sql "$url" "DROP VIEW recent"
	run strata -d "$url" -p new up
	[ "$status" -eq 0 ]
	[ "$(pg_types)" = "numeric|numeric" ]
	[ "$(pg_recorded)" = "1,2,9300000000000000000,20210410175418000001" ]
}
