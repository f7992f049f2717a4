#!/usr/bin/env bats
# envfile.bats - --env-file FILE and env_file= in strata.ini: DATABASE_URL
# and friends from the dotenv file dbmate users keep them in; the flags and
# the real environment beat it; errors name the line, never a value.

load helpers

setup() {
	strata_setup
	write_migration migrations 000001 create_projects "CREATE TABLE projects (id integer);" "DROP TABLE projects;"
}

teardown() {
	strata_teardown
}

@test "--env-file loads DATABASE_URL: comments, export, quotes" {
	cat >.env <<-'EOF'
		# the app's settings
		export DATABASE_URL="sqlite:from env.db"   # quoted, with a blank
		STRATA_TABLE = 'my_migrations'
		OTHER=plain value # a comment

	EOF
	run strata --env-file .env up
	[ "$status" -eq 0 ]
	[[ "$output" == *"from env.db - 1 to run"* ]]
	[ "$(sqlite_sql "from env.db" "SELECT count(*) FROM my_migrations")" = 1 ]
}

@test "the flags and the real environment beat the env file" {
	printf 'DATABASE_URL=sqlite:file.db\n' >.env
	run strata --env-file .env -d sqlite:flag.db up
	[ "$status" -eq 0 ]
	[ -e flag.db ] && [ ! -e file.db ]
	DATABASE_URL=sqlite:real.db run strata --env-file .env up
	[ "$status" -eq 0 ]
	[ -e real.db ] && [ ! -e file.db ]
}

@test "env_file= in strata.ini names the file; --env-file beats it" {
	printf 'DATABASE_URL=sqlite:ini.db\n' >ini.env
	printf 'DATABASE_URL=sqlite:flag.db\n' >flag.env
	printf '[strata]\nenv_file = ini.env\n' >strata.ini
	run strata up
	[ "$status" -eq 0 ]
	[ -e ini.db ]
	run strata --env-file flag.env up
	[ "$status" -eq 0 ]
	[ -e flag.db ]
}

@test "a missing or malformed env file is an error naming the line, never the value" {
	run --separate-stderr strata --env-file nope.env status
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata: --env-file nope.env: No such file or directory" ]
	printf 'DATABASE_URL=sqlite:a.db\nthis is s3cret-value\n' >bad.env
	run --separate-stderr strata --env-file bad.env status
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata: bad.env:2: expected KEY=VALUE (a variable name, '=', a value)" ]
	printf 'PGPASSWORD="s3cret-value\n' >open.env
	run --separate-stderr strata --env-file open.env -d sqlite:a.db status
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata: open.env:1: the value of PGPASSWORD is not closed by its quote or is too long" ]
	[ ! -e a.db ]
}

@test "PostgreSQL: DATABASE_URL and PGPASSWORD from the env file; the password never shows" {
	require_pg
	make_pg_db t_envfile strata_pw >/dev/null
	port=${STRATA_TEST_PG_URL##*:}
	port=${port%%/*}
	printf 'DATABASE_URL=postgres://strata_pw@127.0.0.1:%s/t_envfile\nPGPASSWORD="s3cret-pw"\n' "$port" >.env
	run --separate-stderr strata --env-file .env up
	[ "$status" -eq 0 ]
	[ "$(pg_sql t_envfile "SELECT count(*) FROM strata_migrations")" = 1 ]
	[[ "$output$stderr" != *s3cret* ]]
	printf 'DATABASE_URL=postgres://strata_pw@127.0.0.1:%s/t_envfile\nPGPASSWORD=wr0ng-Pa55\n' "$port" >.env
	run --separate-stderr strata --env-file .env status
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'password authentication failed for user "strata_pw"' ]]
	[[ "$output$stderr" != *wr0ng* ]]
}
