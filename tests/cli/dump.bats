#!/usr/bin/env bats
# strata dump on PostgreSQL: the schema as an SQL script that psql runs on an
# empty database to give a database that dumps to the same bytes again. On
# every kind of object the model handles (tests/data/schema_pg_kinds.sql)
# and on crates.io's final schema (../shared/corpus/pg-cratesio, applied
# with strata up). Kinds the model does not handle are said, never dropped
# silently; strata's own tables and what belongs to extensions never appear.
# Then -o FILE, up --dump FILE and dump = FILE in strata.ini.

load helpers

CORPUS=${STRATA_CORPUS_DIR:-$STRATA_SOURCE_DIR/../shared/corpus}
CRATES=$CORPUS/pg-cratesio
KINDS=$STRATA_SOURCE_DIR/tests/data/schema_pg_kinds.sql

require_corpus() {
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

psql_file() {
	PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f "$2" >/dev/null
}

# round_trip URL NAME: dump URL into NAME.sql, run it with psql into a new
# empty database NAME, dump that into NAME.again.sql: the same bytes.
round_trip() {
	local url=$1 name=$2 copy
	strata -d "$url" dump -o "$name.sql"
	copy=$(make_pg_db "${name}_$BATS_TEST_NUMBER")
	psql_file "$copy" "$name.sql"
	strata -d "$copy" dump -o "$name.again.sql"
	cmp "$name.sql" "$name.again.sql"
}

# line_of PATTERN FILE: the number of the first line of FILE holding PATTERN (fixed string).
line_of() {
	grep -n -F -m1 -- "$1" "$2" | cut -d: -f1
}

@test "dump: every kind the model handles round-trips through psql to the same bytes" {
	require_pg
	local url
	url=$(make_pg_db)
	psql_file "$url" "$KINDS"
	run --separate-stderr strata -d "$url" dump
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	round_trip "$url" kinds
	# each kind, as the server renders it
	grep -qxF 'CREATE SCHEMA app;' kinds.sql
	grep -qxF "CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');" kinds.sql
	grep -qxF 'CREATE DOMAIN app.posint AS integer DEFAULT 1 NOT NULL;' kinds.sql
	grep -qxF 'ALTER DOMAIN app.posint ADD CONSTRAINT posint_small CHECK ((VALUE < 1000000)) NOT VALID;' kinds.sql
	grep -qxF 'CREATE TYPE app.pair AS (a integer, b text COLLATE pg_catalog."C");' kinds.sql
	grep -qF 'CREATE TYPE app.floatrange AS RANGE (subtype = double precision, subtype_diff = float8mi' kinds.sql
	grep -qxF 'CREATE SEQUENCE app.ticket_seq AS integer START WITH 100 INCREMENT BY 5 MINVALUE 100 MAXVALUE 100000 CACHE 2 CYCLE;' kinds.sql
	grep -qxF 'ALTER SEQUENCE app.ticket_seq OWNED BY app.users.ticket;' kinds.sql
	grep -qF '    id bigint GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME app.users_id_seq START WITH 10 INCREMENT BY 2' kinds.sql
	grep -qxF '    name_upper text GENERATED ALWAYS AS (upper(name)) STORED,' kinds.sql
	grep -qxF '    name text COLLATE pg_catalog."C" NOT NULL,' kinds.sql
	grep -qxF ') WITH (fillfactor=90);' kinds.sql
	grep -qxF ') PARTITION BY RANGE (at);' kinds.sql
	grep -qxF "CREATE TABLE app.events_2025 PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');" kinds.sql
	grep -qxF 'CREATE TABLE app.events_rest PARTITION OF app.events DEFAULT;' kinds.sql
	grep -qxF ') INHERITS (app.animals);' kinds.sql
	grep -qxF 'ALTER TABLE ONLY app.birds ALTER COLUMN legs SET DEFAULT 2;' kinds.sql
	grep -qxF 'CREATE UNLOGGED TABLE app.cache (' kinds.sql
	grep -qxF 'ALTER TABLE app.users FORCE ROW LEVEL SECURITY;' kinds.sql
	grep -qxF 'ALTER TABLE ONLY app.posts ADD CONSTRAINT posts_no_overlap EXCLUDE USING gist (during WITH &&);' kinds.sql
	grep -qxF "ALTER TABLE app.posts ADD CONSTRAINT posts_title_check CHECK (((title)::text <> ''::text)) NOT VALID;" kinds.sql
	grep -qxF 'ALTER TABLE ONLY app.posts ADD CONSTRAINT posts_user_fk FOREIGN KEY (user_id) REFERENCES app.users(id) ON DELETE CASCADE DEFERRABLE;' kinds.sql
	grep -qxF 'ALTER TABLE ONLY app.users ADD CONSTRAINT users_email_key UNIQUE (email) DEFERRABLE INITIALLY DEFERRED;' kinds.sql
	grep -qxF 'CREATE INDEX posts_recent ON app.posts USING btree (created_at DESC) WHERE (body IS NOT NULL);' kinds.sql
	grep -qxF 'CREATE INDEX posts_lower_title ON app.posts USING btree (lower((title)::text)) INCLUDE (user_id);' kinds.sql
	grep -qxF 'CREATE UNIQUE INDEX posts_title_user ON app.posts USING btree (title, user_id) NULLS NOT DISTINCT;' kinds.sql
	grep -qxF 'CREATE INDEX events_kind ON app.events USING btree (kind);' kinds.sql
	grep -qxF 'CREATE VIEW app.checked_users WITH (security_barrier=true, check_option=local) AS' kinds.sql
	grep -qxF 'CREATE MATERIALIZED VIEW app.post_counts AS' kinds.sql
	grep -qxF 'CREATE UNIQUE INDEX post_counts_user ON app.post_counts USING btree (user_id);' kinds.sql
	grep -qxF 'CREATE OR REPLACE FUNCTION app.touch()' kinds.sql
	grep -qxF 'CREATE OR REPLACE PROCEDURE app.reset_cache()' kinds.sql
	grep -qxF "CREATE AGGREGATE app.sum_sq(integer) (SFUNC = int4pl, STYPE = integer, INITCOND = '0');" kinds.sql
	grep -qxF 'CREATE TRIGGER posts_touch BEFORE INSERT OR UPDATE OF title ON app.posts FOR EACH ROW WHEN ((new.title IS NOT NULL)) EXECUTE FUNCTION app.touch();' kinds.sql
	grep -qxF 'ALTER TABLE app.posts DISABLE TRIGGER posts_touch_off;' kinds.sql
	grep -qxF 'CREATE POLICY users_own ON app.users AS PERMISSIVE FOR SELECT TO PUBLIC USING ((tenant = CURRENT_USER));' kinds.sql
	grep -qxF 'CREATE RULE cache_no_delete AS' kinds.sql
	# comments on every kind, as COMMENT ON in the object's own SQL
	local c
	for c in "SCHEMA app" "TYPE app.mood" "DOMAIN app.posint" "SEQUENCE app.ticket_seq" "TABLE app.users" \
		"COLUMN app.users.email" "CONSTRAINT users_name_check ON app.users" "INDEX app.posts_recent" \
		"VIEW app.user_names" "COLUMN app.user_names.name" "MATERIALIZED VIEW app.post_counts" \
		"FUNCTION app.touch()" "PROCEDURE app.reset_cache()" "AGGREGATE app.sum_sq(integer)" \
		"TRIGGER posts_touch ON app.posts" "POLICY users_own ON app.users" "RULE cache_no_delete ON app.cache"; do
		grep -qF "COMMENT ON $c IS " kinds.sql || { echo "no comment on $c" >&2; return 1; }
	done
	# function bodies are not checked while the script runs
	grep -qxF 'SET check_function_bodies = false;' kinds.sql
	# the range type's own constructor functions come with it
	! grep -qF 'FUNCTION app.floatrange(' kinds.sql
	! grep -qF 'FUNCTION app.floatmultirange(' kinds.sql
}

@test "dump: dependencies decide the order: types, sequences and functions before the tables using them, keys before foreign keys, tables before views" {
	require_pg
	local url
	url=$(make_pg_db)
	psql_file "$url" "$KINDS"
	strata -d "$url" dump -o kinds.sql
	[ "$(line_of 'CREATE TYPE app.mood' kinds.sql)" -lt "$(line_of 'CREATE TABLE app.users' kinds.sql)" ]
	[ "$(line_of 'CREATE DOMAIN app.posint' kinds.sql)" -lt "$(line_of 'CREATE TABLE app.users' kinds.sql)" ]
	[ "$(line_of 'CREATE SEQUENCE app.ticket_seq' kinds.sql)" -lt "$(line_of 'CREATE TABLE app.users' kinds.sql)" ]
	[ "$(line_of 'FUNCTION app.add(' kinds.sql)" -lt "$(line_of 'CREATE TABLE public.things' kinds.sql)" ]
	[ "$(line_of 'CREATE TABLE app.animals' kinds.sql)" -lt "$(line_of 'CREATE TABLE app.birds' kinds.sql)" ]
	[ "$(line_of 'CREATE TABLE app.events (' kinds.sql)" -lt "$(line_of 'CREATE TABLE app.events_2025' kinds.sql)" ]
	[ "$(line_of 'CONSTRAINT users_pkey' kinds.sql)" -lt "$(line_of 'CONSTRAINT posts_user_fk' kinds.sql)" ]
	[ "$(line_of 'CREATE TABLE app.users' kinds.sql)" -lt "$(line_of 'CREATE VIEW app.user_names' kinds.sql)" ]
	[ "$(line_of 'FUNCTION app.touch()' kinds.sql)" -lt "$(line_of 'CREATE TRIGGER posts_touch ' kinds.sql)" ]
}

@test "dump: the same database gives the same bytes every time, whatever the session's search_path" {
	require_pg
	local url
	url=$(make_pg_db)
	psql_file "$url" "$KINDS"
	strata -d "$url" dump -o one.sql
	strata -d "$url" dump -o two.sql
	cmp one.sql two.sql
	pg_sql "$url" "ALTER DATABASE $(basename "$url") SET search_path = app, public"
	strata -d "$url" dump -o three.sql
	cmp one.sql three.sql
	# and the session keeps its own search_path for what comes after (up --dump reads, then nothing)
	[ "$(pg_sql "$url" 'SHOW search_path')" = "app, public" ]
}

@test "dump: crates.io's final schema, migrated by strata up, round-trips to the same bytes without strata's own tables" {
	require_pg
	require_corpus
	local url
	url=$(make_pg_db)
	strata -d "$url" -p "$CRATES/migrations" up -q
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" -eq 285 ]
	run --separate-stderr strata -d "$url" dump
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ "$output" != *strata_migrations* ]]
	[[ "$output" == *'CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;'* ]]
	# what belongs to pgcrypto is pgcrypto's
	[[ "$output" != *'FUNCTION public.gen_salt'* ]]
	[[ "$output" == *'CREATE TABLE public.crates ('* ]]
	round_trip "$url" crates
	strata -d "$url" dump -o crates.twice.sql
	cmp crates.sql crates.twice.sql
}

@test "dump: kinds the model does not handle are said on stderr as not handled, exit 0; check fails on them" {
	require_pg
	local url
	url=$(make_pg_db)
	mkdir migrations
	write_migration migrations 000001 odd \
		"CREATE TABLE t (id int PRIMARY KEY);
CREATE FUNCTION int_eq_text(integer, text) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT \$1::text = \$2';
CREATE OPERATOR === (LEFTARG = integer, RIGHTARG = text, FUNCTION = int_eq_text);
CREATE FUNCTION noop_evt() RETURNS event_trigger LANGUAGE plpgsql AS 'BEGIN END';
CREATE EVENT TRIGGER noop_evt ON ddl_command_start EXECUTE FUNCTION noop_evt();" \
		"DROP EVENT TRIGGER noop_evt; DROP FUNCTION noop_evt(); DROP OPERATOR === (integer, text);
DROP FUNCTION int_eq_text(integer, text); DROP TABLE t;"
	strata -d "$url" up -q
	run --separate-stderr strata -d "$url" dump
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"warning:"*"holds objects strata does not handle; they are not in the dump:"* ]]
	[[ "$stderr" == *"-- not handled: 1 event trigger"* ]]
	[[ "$stderr" == *"-- not handled: 1 operator"* ]]
	# the script says so too, as comments, and holds what is handled
	[[ "$output" == *"1 event trigger"* ]]
	[[ "$output" == *"CREATE TABLE public.t ("* ]]
	[[ "$output" != *"CREATE EVENT TRIGGER"* ]]
	pg_sql "$url" "DROP EVENT TRIGGER noop_evt"
	run strata -d "$url" check
	[ "$status" -ne 0 ]
	[[ "$output" == *"not handled"* ]]
}

@test "dump -o FILE writes what stdout gets; -o belongs to dump alone" {
	require_pg
	local url
	url=$(make_pg_db)
	pg_sql "$url" "CREATE TABLE a (id int PRIMARY KEY, note text DEFAULT 'x')"
	strata -d "$url" dump >stdout.sql
	strata -d "$url" dump -o file.sql
	cmp stdout.sql file.sql
	[ ! -e file.sql.tmp ]
	grep -qxF "    note text DEFAULT 'x'::text" file.sql
	run --separate-stderr strata -d "$url" up -o x.sql
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"-o"*"strata dump's"* ]]
	[ ! -e x.sql ]
	run --separate-stderr strata -d "$url" dump extra
	[ "$status" -eq 2 ]
}

@test "dump --grants: the privileges given on tables, sequences, functions and schemas" {
	require_pg
	local url role=strata_dump_reader
	url=$(make_pg_db)
	pg_sql "$url" "DROP ROLE IF EXISTS $role" 2>/dev/null || true
	pg_sql "$url" "CREATE ROLE $role"
	pg_sql "$url" "CREATE SCHEMA s; CREATE TABLE s.t (id serial PRIMARY KEY);
		CREATE FUNCTION s.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
		GRANT USAGE ON SCHEMA s TO $role; GRANT SELECT, INSERT ON s.t TO $role;
		GRANT USAGE ON SEQUENCE s.t_id_seq TO $role WITH GRANT OPTION"
	run --separate-stderr strata -d "$url" dump
	[ "$status" -eq 0 ]
	[[ "$output" != *GRANT* ]]
	run --separate-stderr strata -d "$url" dump --grants
	pg_sql "$url" "DROP OWNED BY $role; DROP ROLE $role" >/dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"GRANT SELECT ON TABLE s.t TO $role;"* ]]
	[[ "$output" == *"GRANT INSERT ON TABLE s.t TO $role;"* ]]
	[[ "$output" == *"GRANT USAGE ON SEQUENCE s.t_id_seq TO $role WITH GRANT OPTION;"* ]]
	[[ "$output" == *"GRANT USAGE ON SCHEMA s TO $role;"* ]]
	# a function's EXECUTE for PUBLIC is PostgreSQL's default, not a grant
	[[ "$output" != *"ON FUNCTION"* ]]
}

@test "up --dump FILE and dump = FILE in strata.ini rewrite the schema after every successful run" {
	require_pg
	local url
	url=$(make_pg_db)
	mkdir migrations
	write_migration migrations 000001 users "CREATE TABLE users (id int PRIMARY KEY);" "DROP TABLE users;"
	write_migration migrations 000002 posts "CREATE TABLE posts (id int PRIMARY KEY);" "DROP TABLE posts;"
	strata -d "$url" up 1 --dump schema.sql -q
	grep -qxF 'CREATE TABLE public.users (' schema.sql
	! grep -qF 'posts' schema.sql
	! grep -qF 'strata_migrations' schema.sql
	strata -d "$url" dump -o direct.sql
	cmp schema.sql direct.sql
	printf 'database = %s\ndump = db/schema.sql\n' "$url" >strata.ini
	mkdir db
	strata up -q
	grep -qxF 'CREATE TABLE public.posts (' db/schema.sql
	strata down -y -q
	! grep -qF 'posts' db/schema.sql
	# a run that fails leaves the file as it was
	cp db/schema.sql before.sql
	write_migration migrations 000003 broken "CREATE TABLE oops (;" "SELECT 1;"
	run strata up -q
	[ "$status" -ne 0 ]
	cmp before.sql db/schema.sql
	# --dry-run writes nothing either
	rm db/schema.sql
	strata up --dry-run -q >/dev/null || true
	[ ! -e db/schema.sql ]
	# --dump is for the commands that change the schema
	run --separate-stderr strata status --dump x.sql
	[ "$status" -eq 2 ]
}

@test "dump on SQLite: the same command, the same round trip" {
	sqlite_sql app.db "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');
		CREATE INDEX a_name ON a (name); CREATE VIEW v AS SELECT name FROM a;"
	strata -d sqlite:app.db dump -o one.sql
	sqlite3 -bail copy.db <one.sql
	strata -d sqlite:copy.db dump -o two.sql
	cmp one.sql two.sql
	grep -qF 'CREATE INDEX a_name ON a (name)' one.sql
}
