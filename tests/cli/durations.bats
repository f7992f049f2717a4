#!/usr/bin/env bats
# Durations: recorded to the microsecond, so that status, history and their
# JSON show what up and down printed; tables made before (integer
# duration_ms) are read as they are and upgraded by the first writing command.

load helpers

setup() {
	strata_setup
	write_migration migrations 1 create_a "CREATE TABLE a (id INTEGER PRIMARY KEY);" "DROP TABLE a;"
	write_migration migrations 2 create_b "CREATE TABLE b (id INTEGER PRIMARY KEY);" "DROP TABLE b;"
	write_migration migrations 3 create_c "CREATE TABLE c (id INTEGER PRIMARY KEY);" "DROP TABLE c;"
}

# strata 0.1 for the upgrade tests (old_strata_build in helpers.bash).
setup_file() {
	old_strata_build
}

# fmt_ms MS: a duration as strata prints it (print_ms in src/cli/output.c).
fmt_ms() {
	awk -v ms="$1" 'BEGIN { if (ms < 10) printf "%.1f ms", ms; else if (ms < 10000) printf "%.0f ms", ms; else printf "%.1f s", ms / 1000 }'
}

# shown_by_run: "version=duration" of each "ok"/"down" line of the last run.
shown_by_run() {
	local line
	for line in "${lines[@]}"; do
		if [[ "$line" =~ ^\ \ (ok\ \ |down)\ ([0-9]+)\ [a-z_]+\ +([0-9.]+\ m?s) ]]; then
			printf '%s=%s\n' "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
		fi
	done
}

# same_everywhere URL VERSIONS-OF-STATUS: what the last `up` printed ($ran)
# is what status, history and both --json show, and history's last entry is
# what the run printed for that migration.
same_everywhere() {
	local url=$1 v shown line
	[ -n "$ran" ]
	for v in $2; do
		shown=$(grep "^$v=" <<<"$ran" | tail -1 | cut -d= -f2)
		[ -n "$shown" ]
		run strata -d "$url" status
		[ "$status" -eq 0 ]
		line=$(grep -E "^$v +[a-z_]+ +applied " <<<"$output")
		[[ "$line" == *" ($shown, "*"@"*")" ]]
		run strata -d "$url" history
		[ "$status" -eq 0 ]
		line=$(grep -E "^[0-9-]+ [0-9:]+  up +$v " <<<"$output" | tail -1)
		[[ "$line" == *" $shown  ok" ]]
		run --separate-stderr strata -d "$url" status --json
		[ "$status" -eq 0 ]
		[ "$(fmt_ms "$(jq -r --arg v "$v" '.migrations[] | select(.version == $v) | .duration_ms' <<<"$output")")" = "$shown" ]
		run --separate-stderr strata -d "$url" history --json
		[ "$status" -eq 0 ]
		[ "$(fmt_ms "$(jq -r --arg v "$v" '[.[] | select(.version == $v and .action == "up")] | last | .duration_ms' <<<"$output")")" = "$shown" ]
	done
}

# down_logged URL: the last `down` printed what history's last entry says.
down_logged() {
	local url=$1 v shown
	v=$(tail -1 <<<"$ran" | cut -d= -f1)
	shown=$(tail -1 <<<"$ran" | cut -d= -f2)
	[ -n "$shown" ]
	run strata -d "$url" history
	[ "$status" -eq 0 ]
	[[ "${lines[${#lines[@]} - 1]}" =~ \ down\ +$v\ .*\ $shown\ \ ok$ ]]
}

@test "SQLite: up's durations are what status, history and --json show, to the microsecond" {
	run strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	ran=$(shown_by_run)
	[ "$(wc -l <<<"$ran")" -eq 3 ]
	same_everywhere sqlite:app.db "1 2 3"
	# kept with their sub-millisecond digits (INTEGER affinity keeps a fraction as REAL)
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations WHERE typeof(duration_ms) = 'real'")" -ge 1 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations WHERE duration_ms <> CAST(duration_ms AS INTEGER)")" -ge 1 ]
	[ "$(sqlite_sql app.db "SELECT group_concat(t.duration_ms = l.duration_ms) FROM strata_migrations t
		JOIN strata_migrations_log l USING (version)")" = "1,1,1" ]
	run strata -d sqlite:app.db down -y
	[ "$status" -eq 0 ]
	ran=$(shown_by_run)
	down_logged sqlite:app.db
}

# pg_same URL [UP-OPTIONS]
pg_same() {
	local url=$1
	shift
	run strata -d "$url" up "$@"
	[ "$status" -eq 0 ]
	ran=$(shown_by_run)
	[ "$(wc -l <<<"$ran")" -eq 3 ]
	same_everywhere "$url" "1 2 3"
	[ "$(pg_sql "$url" "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attname = 'duration_ms'
		AND attrelid IN ('strata_migrations'::regclass, 'strata_migrations_log'::regclass)" | sort -u)" = numeric ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM strata_migrations WHERE duration_ms <> trunc(duration_ms)")" -ge 1 ]
	[ "$(pg_sql "$url" "SELECT bool_and(t.duration_ms = l.duration_ms) FROM strata_migrations t
		JOIN strata_migrations_log l USING (version) WHERE l.action = 'up'")" = t ]
	run strata -d "$url" down -y
	[ "$status" -eq 0 ]
	ran=$(shown_by_run)
	down_logged "$url"
}

@test "PostgreSQL: up's durations (timed by the server, in one round trip) are what status and history show" {
	require_pg
	url=$(make_pg_db)
	pg_same "$url"
}

@test "PostgreSQL: with --single-transaction (bookkeeping held back) durations still agree" {
	require_pg
	url=$(make_pg_db)
	pg_same "$url" --single-transaction
}

@test "PostgreSQL: a no-transaction migration's duration agrees too" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 2 create_b "-- strata:no-transaction
CREATE TABLE b (id INTEGER PRIMARY KEY);
CREATE INDEX CONCURRENTLY b_id ON b (id);" "DROP TABLE b;"
	pg_same "$url"
}

# Tables as the strata before sub-millisecond durations made them (its DDL,
# by hand), with two recorded migrations and their log entries.
pg_tables_before() {
	pg_sql "$1" "CREATE TABLE strata_migrations (
  version numeric PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  down_script text,
  applied_at timestamptz NOT NULL DEFAULT now(),
  duration_ms bigint NOT NULL DEFAULT 0,
  applied_by text NOT NULL,
  state text NOT NULL DEFAULT 'applied',
  statements_done integer NOT NULL DEFAULT 0,
  progress_checksum text
);
CREATE TABLE strata_migrations_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  action text NOT NULL,
  version numeric,
  name text,
  applied_by text NOT NULL,
  duration_ms bigint NOT NULL DEFAULT 0,
  result text NOT NULL
);
CREATE TABLE a (id INTEGER PRIMARY KEY);
CREATE TABLE b (id INTEGER PRIMARY KEY);
INSERT INTO strata_migrations (version, name, checksum, down_script, duration_ms, applied_by)
  VALUES (1, 'create_a', '$(sha256sum migrations/1_create_a.up.sql | cut -c1-64)', 'DROP TABLE a;', 7, 'old@host'),
         (2, 'create_b', '$(sha256sum migrations/2_create_b.up.sql | cut -c1-64)', 'DROP TABLE b;', 12345, 'old@host');
INSERT INTO strata_migrations_log (action, version, name, applied_by, duration_ms, result)
  VALUES ('up', 1, 'create_a', 'old@host', 7, 'ok'), ('up', 2, 'create_b', 'old@host', 12345, 'ok');"
}

pg_duration_types() {
	pg_sql "$1" "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attname = 'duration_ms'
		AND attrelid IN ('strata_migrations'::regclass, 'strata_migrations_log'::regclass) ORDER BY attrelid::regclass::text" |
		paste -sd'|'
}

@test "PostgreSQL: integer durations of tables made before are read as they are, then upgraded in place by up" {
	require_pg
	url=$(make_pg_db)
	pg_tables_before "$url"
	# reading changes nothing, and shows the whole milliseconds recorded
	run strata -d "$url" status
	[ "$status" -eq 0 ]
	[[ "$output" == *"(7.0 ms, old@host)"* ]]
	[[ "$output" == *"(12.3 s, old@host)"* ]]
	[[ "$output" == *"2 applied, 1 pending; at 2"* ]]
	run strata -d "$url" history
	[ "$status" -eq 0 ]
	[[ "$output" == *" 7.0 ms  ok"* ]]
	[ "$(pg_duration_types "$url")" = "bigint|bigint" ]
	# the first writing command retypes both columns, keeping every row
	run strata -d "$url" up
	[ "$status" -eq 0 ]
	ran=$(shown_by_run)
	[ "$(pg_duration_types "$url")" = "numeric|numeric" ]
	[ "$(pg_sql "$url" "SELECT string_agg(version || ':' || duration_ms, ',' ORDER BY version) FROM strata_migrations
		WHERE version < 3")" = "1:7,2:12345" ]
	[ "$(pg_sql "$url" "SELECT string_agg(duration_ms::text, ',' ORDER BY id) FROM strata_migrations_log
		WHERE version < 3")" = "7,12345" ]
	same_everywhere "$url" 3
	[ "$(pg_sql "$url" "SELECT duration_ms::text ~ '^[0-9]+\.[0-9]{3}$' FROM strata_migrations WHERE version = 3")" = t ]
	run strata -d "$url" status
	[[ "$output" == *"(7.0 ms, old@host)"* ]]
	[[ "$output" == *"3 applied, 0 pending; at 3"* ]]
}

@test "PostgreSQL: strata 0.1's tables get exact versions and sub-millisecond durations in one upgrade" {
	require_pg
	url=$(make_pg_db)
	run "$OLD_STRATA" -d "$url" up 2
	[ "$status" -eq 0 ]
	[ "$(pg_duration_types "$url")" = "bigint|bigint" ]
	before=$(pg_sql "$url" "SELECT string_agg(version || ':' || duration_ms, ',' ORDER BY version) FROM strata_migrations")
	run strata -d "$url" up
	[ "$status" -eq 0 ]
	ran=$(shown_by_run)
	[ "$(pg_duration_types "$url")" = "numeric|numeric" ]
	[ "$(pg_sql "$url" "SELECT string_agg(version || ':' || duration_ms, ',' ORDER BY version) FROM strata_migrations
		WHERE version < 3")" = "$before" ]
	[ "$(pg_sql "$url" "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attname = 'version'
		AND attrelid = 'strata_migrations'::regclass")" = numeric ]
	same_everywhere "$url" 3
}

@test "PostgreSQL: the durations' upgrade is one transaction: a failure leaves both tables as they were" {
	require_pg
	url=$(make_pg_db)
	pg_tables_before "$url"
	# something of the user's that depends on the log's duration column stops its ALTER
	pg_sql "$url" "CREATE VIEW slow AS SELECT duration_ms FROM strata_migrations_log"
	run --separate-stderr strata -d "$url" up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"cannot upgrade the tracking tables "*" to sub-millisecond durations: "*'view slow depends on column "duration_ms"'* ]]
	[[ "$stderr" == *"both tables were left as they were"* ]]
	[ "$(pg_duration_types "$url")" = "bigint|bigint" ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM strata_migrations")" = 2 ]
	pg_sql "$url" "DROP VIEW slow"
	run strata -d "$url" up
	[ "$status" -eq 0 ]
	[ "$(pg_duration_types "$url")" = "numeric|numeric" ]
}

@test "SQLite: tables made before keep their INTEGER column, which takes sub-millisecond durations as it is" {
	# the DDL of the strata before sub-millisecond durations, by hand
	sqlite_sql app.db "CREATE TABLE strata_migrations (
  version PRIMARY KEY,
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  down_script TEXT,
  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
  duration_ms INTEGER NOT NULL DEFAULT 0,
  applied_by TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'applied',
  statements_done INTEGER NOT NULL DEFAULT 0,
  progress_checksum TEXT
);
CREATE INDEX strata_migrations_version_order ON strata_migrations (length(version), version);
CREATE TABLE strata_migrations_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
  action TEXT NOT NULL,
  version,
  name TEXT,
  applied_by TEXT NOT NULL,
  duration_ms INTEGER NOT NULL DEFAULT 0,
  result TEXT NOT NULL
);
CREATE TABLE a (id INTEGER PRIMARY KEY);
INSERT INTO strata_migrations (version, name, checksum, down_script, duration_ms, applied_by)
  VALUES (1, 'create_a', '$(sha256sum migrations/1_create_a.up.sql | cut -c1-64)', 'DROP TABLE a;', 7, 'old@host');
INSERT INTO strata_migrations_log (action, version, name, applied_by, duration_ms, result)
  VALUES ('up', 1, 'create_a', 'old@host', 7, 'ok');"
	run strata -d sqlite:app.db status
	[ "$status" -eq 0 ]
	[[ "$output" == *"(7.0 ms, old@host)"* ]]
	run strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	ran=$(shown_by_run)
	same_everywhere sqlite:app.db "2 3"
	# the column is as it was, the old rows too, and the new ones have their fractions
	[ "$(sqlite_sql app.db "SELECT type FROM pragma_table_info('strata_migrations') WHERE name = 'duration_ms'")" = INTEGER ]
	[ "$(sqlite_sql app.db "SELECT duration_ms || ':' || typeof(duration_ms) FROM strata_migrations WHERE version = 1")" = "7:integer" ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations WHERE typeof(duration_ms) = 'real'")" -ge 1 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations_log")" = 3 ]
}
