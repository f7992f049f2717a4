#!/usr/bin/env bats
# strata create NAME --from-schema schema.sql: the up and the down that turn
# the schema of a directory's migrations into the one a schema file makes,
# written in the directory's own layout, on both engines, for every layout
# create writes (golang-migrate's pairs, dbmate, goose, Diesel, Flyway, pop,
# Prisma, Drizzle). Each round is a user's session: two migrations applied,
# a desired schema that renames a column (-- strata:renamed-from), adds a
# column, an index, a foreign key and a view and widens a type; create;
# up; check --against says equal; the oracle, which knows nothing of strata
# (pg_dump -s, or SQLite's own pragmas through Python's sqlite3), finds the
# database's schema equal to that of the schema file applied alone; the row
# written before keeps its value through the rename; down returns to the
# schema before (the oracle again); a second create says "no changes" and
# writes nothing. Then the refusals: destructive steps, a schema file that
# does not run; and --online's no-transaction part on PostgreSQL.

load helpers

PG_DUMP=/usr/lib/postgresql/15/bin/pg_dump

# strata, with the pid of each run kept, to find the scratch databases it left behind (none).
strata() {
	"$STRATA" "$@" &
	local pid=$!
	echo "$pid" >>"$BATS_TEST_TMPDIR/strata.pids"
	wait "$pid"
}

no_scratch_left() {
	local pids p cond=""
	pids=$(cat "$BATS_TEST_TMPDIR/strata.pids" 2>/dev/null)
	for p in $pids; do
		cond="$cond OR datname LIKE 'strata\\_scratch\\_${p}\\_%'"
	done
	[ -n "$cond" ] || return 0
	[ -z "$(pg_sql postgres "SELECT datname FROM pg_database WHERE false $cond")" ]
}

INIT_UP='CREATE TABLE users (id integer PRIMARY KEY, name text);'
INIT_DOWN='DROP TABLE users;'
POSTS_UP='CREATE TABLE posts (id integer PRIMARY KEY, user_id integer, title varchar(100));'
POSTS_DOWN='DROP TABLE posts;'

# the desired schema: a rename (hinted), a new column, an index, a foreign key, a wider type, a view
write_schema() {
	cat >schema.sql <<-'EOF'
	CREATE TABLE users (
	    id integer PRIMARY KEY,
	    full_name text, -- strata:renamed-from name
	    email text
	);
	CREATE INDEX users_email ON users (email);
	CREATE TABLE posts (
	    id integer PRIMARY KEY,
	    user_id integer REFERENCES users (id),
	    title text
	);
	CREATE VIEW post_titles AS SELECT p.title, u.full_name FROM posts p JOIN users u ON u.id = p.user_id;
	EOF
}

# layout_dir LAYOUT ENGINE: the two migrations in LAYOUT's shape; sets DIR (the -p of the directory)
layout_dir() {
	local layout=$1 engine=$2 d
	DIR=migrations
	mkdir -p migrations
	case $layout in
	pair)
		write_migration migrations 001 init "$INIT_UP" "$INIT_DOWN"
		write_migration migrations 002 posts "$POSTS_UP" "$POSTS_DOWN"
		;;
	dbmate)
		printf -- '-- migrate:up\n%s\n\n-- migrate:down\n%s\n' "$INIT_UP" "$INIT_DOWN" >migrations/20240101000000_init.sql
		printf -- '-- migrate:up\n%s\n\n-- migrate:down\n%s\n' "$POSTS_UP" "$POSTS_DOWN" >migrations/20240102000000_posts.sql
		;;
	goose)
		printf -- '-- +goose Up\n%s\n\n-- +goose Down\n%s\n' "$INIT_UP" "$INIT_DOWN" >migrations/00001_init.sql
		printf -- '-- +goose Up\n%s\n\n-- +goose Down\n%s\n' "$POSTS_UP" "$POSTS_DOWN" >migrations/00002_posts.sql
		;;
	diesel)
		mkdir -p migrations/2024-01-01-000000_init migrations/2024-01-02-000000_posts
		echo "$INIT_UP" >migrations/2024-01-01-000000_init/up.sql
		echo "$INIT_DOWN" >migrations/2024-01-01-000000_init/down.sql
		echo "$POSTS_UP" >migrations/2024-01-02-000000_posts/up.sql
		echo "$POSTS_DOWN" >migrations/2024-01-02-000000_posts/down.sql
		;;
	flyway)
		echo "$INIT_UP" >migrations/V1__init.sql
		echo "$INIT_DOWN" >migrations/U1__init.sql
		echo "$POSTS_UP" >migrations/V2__posts.sql
		echo "$POSTS_DOWN" >migrations/U2__posts.sql
		;;
	pop)
		[ "$engine" = pg ] && d=postgres || d=sqlite3
		echo "$INIT_UP" >"migrations/20240101000000_init.$d.up.sql"
		echo "$INIT_DOWN" >"migrations/20240101000000_init.$d.down.sql"
		echo "$POSTS_UP" >"migrations/20240102000000_posts.$d.up.sql"
		echo "$POSTS_DOWN" >"migrations/20240102000000_posts.$d.down.sql"
		;;
	prisma)
		[ "$engine" = pg ] && d=postgresql || d=sqlite
		printf 'provider = "%s"\n' "$d" >migrations/migration_lock.toml
		mkdir -p migrations/20240101000000_init migrations/20240102000000_posts
		echo "$INIT_UP" >migrations/20240101000000_init/migration.sql
		echo "$INIT_DOWN" >migrations/20240101000000_init/down.sql
		echo "$POSTS_UP" >migrations/20240102000000_posts/migration.sql
		echo "$POSTS_DOWN" >migrations/20240102000000_posts/down.sql
		;;
	drizzle)
		[ "$engine" = pg ] && d=postgresql || d=sqlite
		rmdir migrations
		DIR=drizzle
		mkdir -p drizzle/meta
		cat >drizzle/meta/_journal.json <<-EOF
		{
		  "version": "7",
		  "dialect": "$d",
		  "entries": [
		    {
		      "idx": 0,
		      "version": "7",
		      "when": 1715334238443,
		      "tag": "0000_init",
		      "breakpoints": true
		    },
		    {
		      "idx": 1,
		      "version": "7",
		      "when": 1715871797713,
		      "tag": "0001_posts",
		      "breakpoints": true
		    }
		  ]
		}
		EOF
		echo "$INIT_UP" >drizzle/0000_init.sql
		echo "$POSTS_UP" >drizzle/0001_posts.sql
		;;
	esac
}

# schema_of ENGINE DB: the schema as the oracle sees it
schema_of() {
	if [ "$1" = pg ]; then
		"$PG_DUMP" -s --exclude-table='public.strata_migrations*' -d "$2" |
			grep -v -e '^\\restrict ' -e '^\\unrestrict ' -e '^--' -e '^$'
	else
		python3 "$BATS_TEST_DIRNAME/autogen_sqlite_schema.py" "${2#sqlite:}"
	fi
}

# new_db ENGINE [SUFFIX]: a fresh, empty database's URL
new_db() {
	if [ "$1" = pg ]; then
		make_pg_db "$(_pg_default_db_name)${2:-}"
	else
		rm -f "app${2:-}.db"
		echo "sqlite:app${2:-}.db"
	fi
}

# apply_alone ENGINE URL FILE: the schema file run by the engine's own client, nothing of strata
apply_alone() {
	if [ "$1" = pg ]; then
		PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -d "$2" -f "$3" >/dev/null
	else
		sqlite3 -bail "${2#sqlite:}" <"$3"
	fi
}

sql_on() {
	if [ "$1" = pg ]; then
		pg_sql "$2" "$3"
	else
		sqlite_sql "$2" "$3"
	fi
}

files() {
	find "$DIR" -type f | sort
}

# round LAYOUT ENGINE: the whole session described at the top
round() {
	local layout=$1 engine=$2 db ref before after written created_err
	layout_dir "$layout" "$engine"
	write_schema
	db=$(new_db "$engine")
	ref=$(new_db "$engine" _ref)
	apply_alone "$engine" "$ref" schema.sql
	run --separate-stderr strata -p "$DIR" -d "$db" up
	[ "$status" -eq 0 ]
	sql_on "$engine" "$db" "INSERT INTO users (id, name) VALUES (1, 'ann')"
	before=$(schema_of "$engine" "$db")
	after=$(files)

	run --separate-stderr strata -p "$DIR" -d "$db" create "Change users" --from-schema schema.sql
	[ "$status" -eq 0 ]
	written=$(comm -13 <(echo "$after") <(files))
	[ -n "$written" ]
	# what was written is printed, path by path (Drizzle's journal is rewritten, not new)
	for f in $written; do
		[[ "$output" == *"$f"* ]]
	done
	# and what it does, step by step
	[[ "$stderr" == *"up ("*"full_name"* ]]
	[[ "$stderr" == *"down ("* || "$layout" = drizzle ]]
	created_err=$stderr

	run --separate-stderr strata -p "$DIR" -d "$db" up
	[ "$status" -eq 0 ]
	run --separate-stderr strata -p "$DIR" -d "$db" check --against schema.sql
	[ "$status" -eq 0 ]
	[ "$(schema_of "$engine" "$db")" = "$(schema_of "$engine" "$ref")" ]
	# the rename kept the row's value
	[ "$(sql_on "$engine" "$db" "SELECT full_name FROM users WHERE id = 1")" = ann ]

	if [ "$layout" = drizzle ]; then
		[[ "$created_err" == *"Drizzle Kit has no down migrations: the down is not written"* ]]
	else
		run --separate-stderr strata -p "$DIR" -d "$db" down -y
		[ "$status" -eq 0 ]
		[ "$(schema_of "$engine" "$db")" = "$before" ]
		[ "$(sql_on "$engine" "$db" "SELECT name FROM users WHERE id = 1")" = ann ]
	fi

	# the directory now makes the schema file's schema: nothing to write
	after=$(files)
	run --separate-stderr strata -p "$DIR" -d "$db" create again --from-schema schema.sql
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"no changes"* ]]
	[ -z "$output" ]
	[ "$(files)" = "$after" ]
	if [ "$engine" = pg ]; then
		no_scratch_left
	fi
}

@test "sqlite: golang-migrate pairs" {
	round pair sqlite
}

@test "sqlite: dbmate" {
	round dbmate sqlite
}

@test "sqlite: goose" {
	round goose sqlite
}

@test "sqlite: Diesel" {
	round diesel sqlite
}

@test "sqlite: Flyway (V and U files)" {
	round flyway sqlite
}

@test "sqlite: pop" {
	round pop sqlite
}

@test "sqlite: Prisma (migration.sql and down.sql)" {
	round prisma sqlite
}

@test "sqlite: Drizzle (no down: said)" {
	round drizzle sqlite
}

@test "postgres: golang-migrate pairs" {
	require_pg
	round pair pg
}

@test "postgres: dbmate" {
	require_pg
	round dbmate pg
}

@test "postgres: goose" {
	require_pg
	round goose pg
}

@test "postgres: Diesel" {
	require_pg
	round diesel pg
}

@test "postgres: Flyway (V and U files)" {
	require_pg
	round flyway pg
}

@test "postgres: pop" {
	require_pg
	round pop pg
}

@test "postgres: Prisma (migration.sql and down.sql)" {
	require_pg
	round prisma pg
}

@test "postgres: Drizzle (no down: said)" {
	require_pg
	round drizzle pg
}

# refusals: nothing is written, on either engine
refusals() {
	local engine=$1 db after
	layout_dir pair "$engine"
	db=$(new_db "$engine")
	after=$(files)
	# a table dropped: destructive, named, refused
	echo "$INIT_UP" >schema.sql
	run --separate-stderr strata -d "$db" create drop_posts --from-schema schema.sql
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"destructive"*"posts"* ]]
	[[ "$stderr" == *"--allow-destructive"* ]]
	[[ "$stderr" == *"nothing written"* ]]
	[ -z "$output" ]
	[ "$(files)" = "$after" ]
	# allowed: written, and it runs
	run --separate-stderr strata -d "$db" create drop_posts --from-schema schema.sql --allow-destructive
	[ "$status" -eq 0 ]
	[[ "$(cat migrations/*_drop_posts.up.sql)" == *"-- DESTRUCTIVE: "*"posts"* ]]
	run --separate-stderr strata -d "$db" up
	[ "$status" -eq 0 ]
	rm migrations/*_drop_posts.*
	# a schema file that does not run: its statement named, nothing written
	printf 'CREATE TABLE ok (id integer);\nCREATE INDEX bad_ix ON nosuch (id);\n' >schema.sql
	run --separate-stderr strata -d "$db" create broken --from-schema schema.sql
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"schema.sql:2"* ]]
	[ -z "$output" ]
	[ "$(files)" = "$after" ]
	# not a .sql file
	run --separate-stderr strata -d "$db" create x --from-schema migrations
	[ "$status" -eq 2 ]
	[ "$(files)" = "$after" ]
	# diff's plan options without a schema to plan to; diff's own --to and --down
	run --separate-stderr strata -d "$db" create x --online
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"give the desired schema with --from-schema FILE"* ]]
	run --separate-stderr strata -d "$db" create x --from-schema schema.sql --down
	[ "$status" -eq 2 ]
	[ "$(files)" = "$after" ]
}

@test "sqlite: destructive steps and a schema file that fails are refused, nothing written" {
	refusals sqlite
}

@test "postgres: destructive steps and a schema file that fails are refused, nothing written" {
	require_pg
	refusals pg
	no_scratch_left
}

@test "no migration yet: the first one is the whole schema file" {
	write_schema
	sed -i 's/ -- strata:renamed-from name//' schema.sql
	DIR=migrations
	run --separate-stderr strata -d sqlite:app.db create init --from-schema schema.sql
	[ "$status" -eq 0 ]
	[[ "$output" == migrations/*_init.up.sql* ]]
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	sqlite3 ref.db <schema.sql
	[ "$(schema_of sqlite sqlite:app.db)" = "$(schema_of sqlite sqlite:ref.db)" ]
}

@test "postgres --online: the index is built CONCURRENTLY in a no-transaction migration of its own, each part with its down" {
	require_pg
	layout_dir pair pg
	db=$(new_db pg)
	ref=$(new_db pg _ref)
	cat >schema.sql <<-'EOF'
	CREATE TABLE users (id integer PRIMARY KEY, name text, email text);
	CREATE INDEX users_email ON users (email);
	CREATE TABLE posts (id integer PRIMARY KEY, user_id integer, title varchar(100));
	EOF
	apply_alone pg "$ref" schema.sql
	strata -d "$db" up -q
	before=$(schema_of pg "$db")
	run --separate-stderr strata -d "$db" create add_email --from-schema schema.sql --online
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	tx=$(ls migrations/*_add_email.up.sql)
	notx=$(ls migrations/*_add_email_no_transaction.up.sql)
	[[ "$(cat "$tx")" == *"ADD COLUMN email"* ]]
	[[ "$(cat "$tx")" != *"CONCURRENTLY"* ]]
	[[ "$(head -1 "$notx")" == "-- strata:no-transaction" ]]
	[[ "$(cat "$notx")" == *"CREATE INDEX CONCURRENTLY"* ]]
	[[ "$stderr" == *"golang-migrate has no way to say"* ]]
	run --separate-stderr strata -d "$db" up
	[ "$status" -eq 0 ]
	[ "$(schema_of pg "$db")" = "$(schema_of pg "$ref")" ]
	# the no-transaction part's down leaves the column; the other's drops it
	run --separate-stderr strata -d "$db" down -y
	[ "$status" -eq 0 ]
	[ -n "$(pg_sql "$db" "SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email'")" ]
	[ -z "$(pg_sql "$db" "SELECT 1 FROM pg_indexes WHERE indexname = 'users_email'")" ]
	run --separate-stderr strata -d "$db" down -y
	[ "$status" -eq 0 ]
	[ "$(schema_of pg "$db")" = "$before" ]
	no_scratch_left
}

@test "postgres --online in dbmate and goose: their own no-transaction markers" {
	require_pg
	for layout in dbmate goose; do
		rm -rf migrations
		layout_dir "$layout" pg
		db=$(new_db pg)
		printf '%s\n%s\nCREATE INDEX posts_title ON posts (title);\n' "$INIT_UP" "$POSTS_UP" >schema.sql
		run --separate-stderr strata -d "$db" create idx --from-schema schema.sql --online
		[ "$status" -eq 0 ]
		f=$(ls migrations/*_idx.sql)
		if [ "$layout" = dbmate ]; then
			[ "$(head -1 "$f")" = "-- migrate:up transaction:false" ]
		else
			[ "$(head -1 "$f")" = "-- +goose NO TRANSACTION" ]
			# each step one statement to goose
			[[ "$(cat "$f")" == *$'-- +goose StatementBegin\nCREATE INDEX CONCURRENTLY'*$';\n-- +goose StatementEnd'* ]]
		fi
		run --separate-stderr strata -d "$db" up
		[ "$status" -eq 0 ]
		[ -n "$(pg_sql "$db" "SELECT 1 FROM pg_indexes WHERE indexname = 'posts_title'")" ]
		run --separate-stderr strata -d "$db" down -y
		[ "$status" -eq 0 ]
		[ -z "$(pg_sql "$db" "SELECT 1 FROM pg_indexes WHERE indexname = 'posts_title'")" ]
	done
	no_scratch_left
}

@test "sqlite: a rebuild is a migration that manages its own transaction; up runs it, child rows kept" {
	layout_dir pair sqlite
	strata -d sqlite:app.db up -q
	sqlite_sql app.db "INSERT INTO users VALUES (1, 'ann'); INSERT INTO posts VALUES (10, 1, 'hello');"
	cat >schema.sql <<-'EOF'
	CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL DEFAULT '');
	CREATE TABLE posts (id integer PRIMARY KEY, user_id integer REFERENCES users (id) ON DELETE CASCADE, title varchar(100));
	EOF
	run --separate-stderr strata -d sqlite:app.db create tighten --from-schema schema.sql
	[ "$status" -eq 0 ]
	up=$(ls migrations/*_tighten.up.sql)
	[[ "$(cat "$up")" == *"manages its own transaction"* ]]
	[[ "$(cat "$up")" == *"PRAGMA foreign_keys"* ]]
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM posts")" = 1 ]
	[ -z "$(sqlite_sql app.db "PRAGMA foreign_key_check")" ]
	run --separate-stderr strata -d sqlite:app.db check --against schema.sql
	[ "$status" -eq 0 ]
	run --separate-stderr strata -d sqlite:app.db down -y
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM posts")" = 1 ]
}

@test "postgres --online with --scratch-setup: what the setup makes is in both schemas, and the parts still come out" {
	require_pg
	db=$(new_db pg)
	echo 'CREATE TABLE tenants (id integer PRIMARY KEY);' >setup.sql
	pg_sql "$db" 'CREATE TABLE tenants (id integer PRIMARY KEY)'
	write_migration migrations 001 init 'CREATE TABLE users (id integer PRIMARY KEY, tenant_id integer REFERENCES tenants (id), email text);' \
		'DROP TABLE users;'
	cat >schema.sql <<-'EOF2'
	CREATE TABLE users (id integer PRIMARY KEY, tenant_id integer REFERENCES tenants (id), email text, name text);
	CREATE INDEX users_email ON users (email);
	EOF2
	run --separate-stderr strata -d "$db" create more --from-schema schema.sql --online --scratch-setup setup.sql
	[ "$status" -eq 0 ]
	[ -f migrations/*_more.up.sql ]
	[ -f migrations/*_more_no_transaction.up.sql ]
	[[ "$(cat migrations/*_more.up.sql)" != *tenants* ]]
	run --separate-stderr strata -d "$db" up
	[ "$status" -eq 0 ]
	run --separate-stderr strata -d "$db" check --against schema.sql --scratch-setup setup.sql
	[ "$status" -eq 0 ]
	run --separate-stderr strata -d "$db" down 2 -y
	[ "$status" -eq 0 ]
	[ -z "$(pg_sql "$db" "SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'")" ]
	no_scratch_left
}

@test "a rename hint the migrations applied already stays in the schema file: the next create goes on" {
	layout_dir pair sqlite
	write_schema
	strata -d sqlite:app.db create first --from-schema schema.sql -q >/dev/null
	# the schema file keeps its hint and grows a column
	sed -i 's/^    email text$/    email text,\n    phone text/' schema.sql
	grep -q phone schema.sql
	run --separate-stderr strata -d sqlite:app.db create second --from-schema schema.sql
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"phone"* ]]
	[[ "$(cat migrations/*_second.up.sql)" != *"RENAME COLUMN"* ]]
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	run --separate-stderr strata -d sqlite:app.db check --against schema.sql
	[ "$status" -eq 0 ]
}
