#!/usr/bin/env bats
# A migration may change search_path (every `pg_dump -s` file starts by
# emptying it): strata's bookkeeping keeps to the schema the session started
# in, so the record, the no-transaction progress journal and the log are still
# written, and status, version and history read the same table.

load helpers

PG_DUMP_HEAD="SELECT pg_catalog.set_config('search_path', '', false);"

@test "postgres: a pg_dump -s initial migration that empties search_path is recorded, and up goes on after it" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 000001 init "$PG_DUMP_HEAD
CREATE TABLE public.users (id integer PRIMARY KEY);"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok   000001 init"* ]]
	[ "$(pg_sql "$url" "SELECT string_agg(version || ':' || state, ',') FROM public.strata_migrations")" = "1:applied" ]
	[ "$(pg_sql "$url" "SELECT string_agg(action || ':' || result, ',') FROM public.strata_migrations_log")" = "up:ok" ]

	write_migration migrations 000002 posts "CREATE TABLE posts (id int);" "DROP TABLE posts;"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok   000002 posts"* ]]
	[ "$(pg_sql "$url" "SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY table_name) FROM information_schema.tables
		WHERE table_schema = 'public'")" = "public.posts,public.strata_migrations,public.strata_migrations_log,public.users" ]
	run --separate-stderr strata -d "$url" version
	[ "$output" = 2 ]
	run --separate-stderr strata -d "$url" status
	[ "$status" -eq 0 ]
	[[ "$output" == *"2 applied, 0 pending; at 000002" ]]
	run --separate-stderr strata -d "$url" history
	[ "$status" -eq 0 ]
	[ "$(grep -c ' ok$' <<<"$output")" -eq 2 ]
	run --separate-stderr strata -d "$url" down -y
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT string_agg(version::text, ',') FROM public.strata_migrations")" = 1 ]
}

@test "postgres: a no-transaction migration that moves search_path and then fails is recorded partial and resumes" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 000001 app "-- strata:no-transaction
CREATE SCHEMA app;
SET search_path TO app;
CREATE TABLE nope.t (id int);"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"statement 3 of 3 failed; statements 1-2 ran outside a transaction and are recorded: 000001 is partial."* ]]
	[ "$(pg_sql "$url" "SELECT version || ':' || state || ':' || statements_done FROM public.strata_migrations")" = "1:partial:2" ]
	[[ "$(pg_sql "$url" "SELECT result FROM public.strata_migrations_log")" == 'failed: 000001_app.up.sql:4: schema "nope" does not exist' ]]
	run --separate-stderr strata -d "$url" status
	[[ "$output" =~ 000001\ +app\ +partial.*2\ statements\ done ]]

	sed -i 's/nope\.t/app.t/' migrations/000001_app.up.sql
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok   000001 app"* ]]
	[ "$(pg_sql "$url" "SELECT version || ':' || state FROM public.strata_migrations")" = "1:applied" ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM app.t")" = 0 ]
	# nothing of strata's landed in the schema the migration moved to
	[ "$(pg_sql "$url" "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'app'")" = 1 ]
}

@test "postgres: a file that sets search_path and runs its own BEGIN/COMMIT is recorded in the schema strata started in" {
	require_pg
	url=$(make_pg_db)
	pg_sql "$url" "CREATE SCHEMA other"
	write_migration migrations 000001 own "SET search_path TO other;
BEGIN;
CREATE TABLE t (id int);
COMMIT;"
	write_migration migrations 000002 next "CREATE TABLE u (id int);"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok   000002 next"* ]]
	[ "$(pg_sql "$url" "SELECT string_agg(version::text, ',' ORDER BY version) FROM public.strata_migrations")" = "1,2" ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM public.strata_migrations_log")" = 2 ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM other.t")" = 0 ]
}

@test "postgres: a session with no schema at all is told where the tracking table could go" {
	require_pg
	url=$(make_pg_db)
	pg_sql "$url" "ALTER DATABASE $(_pg_default_db_name) SET search_path = ''"
	write_migration migrations 000001 init "CREATE TABLE public.users (id int);"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 2 ]
	[ "$stderr" = "strata: no schema to keep strata_migrations in: set search_path or use --table schema.name" ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")" = 0 ]
	run --separate-stderr strata -d "$url" up --table public.strata_migrations
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT string_agg(version::text, ',') FROM public.strata_migrations")" = 1 ]
}

@test "postgres: the migration lock keeps its key, so runners from before the pinned schema still exclude this one" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 000001 slow "SELECT pg_sleep(3);"
	# FNV-1a of strata:"strata_migrations", the key strata has always used for the bare name
	expected=$(python3 -c '
h = 14695981039346656037
for c in b"strata:\"strata_migrations\"":
    h = ((h ^ c) * 1099511628211) % (1 << 64)
print(h - (1 << 64) if h >= 1 << 63 else h)')
	(strata -d "$url" up >first.out 2>&1) 3>&- &
	first=$!
	# every advisory lock the runner's lock session holds, polled while it runs
	seen=
	for i in $(seq 150); do
		keys=$(pg_sql "$url" "SELECT string_agg(((l.classid::bigint << 32) | l.objid::bigint)::text, ' ')
			FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE '% (lock)'")
		seen="$seen $keys"
		[[ " $keys " != *" $expected "* ]] || break
		sleep 0.1
	done
	wait "$first"
	[[ "$seen " == *" $expected "* ]] || { echo "lock keys seen:$seen; expected $expected"; false; }
}

@test "postgres: a tracking table the bare name finds stays where it is when a schema named like the user appears" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 000001 t "CREATE TABLE t (id int);"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 0 ]
	# search_path is "$user", public: a schema named like the user now comes first
	user=$(pg_sql "$url" "SELECT current_user")
	write_migration migrations 000002 own_schema "CREATE SCHEMA \"$user\";"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT current_schema()")" = "$user" ]
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to do"* ]]
	run --separate-stderr strata -d "$url" status
	[[ "$output" == *"2 applied, 0 pending; at 000002" ]]
	[ "$(pg_sql "$url" "SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY table_name) FROM information_schema.tables
		WHERE table_name LIKE 'strata%'")" = "public.strata_migrations,public.strata_migrations_log" ]
}
