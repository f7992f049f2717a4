#!/usr/bin/env bats
# Versions as other tools write them: of any length (pop's and Ory's 20-digit
# versions above 2^64, and longer), ordered numerically, stored exactly; and
# tracking tables made by strata 0.1 (signed 64-bit versions) upgraded in place.

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
	[ "$(tr -d ' \t\n' <<<"$output")" = '{"version":123456789012345678901234567890,"partial":false}' ]
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
	[ "$(sqlite_sql app.db "SELECT DISTINCT typeof(version) FROM strata_migrations")" = text ]
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
