#!/usr/bin/env bats
# Naming the database: every accepted spelling of a URL, libpq's own
# environment, golang-migrate's flags; passwords that never show; one clear
# line for each way a connection fails; and where settings come from
# (flag > environment > strata.ini).

load helpers

setup() {
	strata_setup
	write_migration migrations 000001 create_projects \
		"CREATE TABLE projects (id integer PRIMARY KEY, name text);" "DROP TABLE projects;"
}

teardown() {
	strata_teardown
}

PASSWORD=s3cret-pw
WRONG=wr0ng-Pa55

# applied DB: the versions recorded in DB's strata_migrations (SQLite file or PG URL)
applied() {
	case $1 in
	postgres://* | postgresql://*) pg_sql "$1" "SELECT string_agg(version::text, ',' ORDER BY version) FROM ${2:-strata_migrations}" ;;
	*) sqlite_sql "$1" "SELECT group_concat(version) FROM ${2:-strata_migrations}" ;;
	esac
}

pg_port() {
	local p=${STRATA_TEST_PG_URL##*:}
	printf '%s\n' "${p%%/*}"
}

# a TCP port on 127.0.0.1 where nothing listens
closed_port() {
	local p
	for p in 1 9 59999 60999 61999; do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	return 1
}

# no_secret TEXT...: none of the passwords appears, raw or percent-encoded
no_secret() {
	local s
	for s in "$@"; do
		[[ "$s" != *"$PASSWORD"* ]] || { echo "password shown: $s"; return 1; }
		[[ "$s" != *"$WRONG"* ]] || { echo "wrong password shown: $s"; return 1; }
		[[ "$s" != *"s3cret%2Dpw"* ]] || { echo "encoded password shown: $s"; return 1; }
	done
}

# ------------------------------------------------------------ spellings

@test "every SQLite spelling: sqlite:PATH, sqlite3://PATH, bare .db, .sqlite, .sqlite3" {
	mkdir abs sub
	for db in sqlite:one.db sqlite3://two.db three.db four.sqlite five.sqlite3 sqlite3://sub/six.db \
		"sqlite:$PWD/abs/seven.db" "sqlite3://$PWD/abs/eight.db"; do
		run --separate-stderr strata -d "$db" up
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		[[ "$output" == *"ok   000001 create_projects"* ]]
	done
	for f in one.db two.db three.db four.sqlite five.sqlite3 sub/six.db abs/seven.db abs/eight.db; do
		[ "$(applied "$f")" = 1 ]
		[ -n "$(sqlite_sql "$f" "SELECT name FROM sqlite_master WHERE name = 'projects'")" ]
	done
	# nothing else was created (no file named after a scheme; bats keeps its separate-stderr-* here)
	[ "$(ls | grep -v '^separate-stderr-' | sort | tr '\n' ' ')" = "abs five.sqlite3 four.sqlite migrations one.db sub three.db two.db " ]
	[ "$(ls -A sub)" = six.db ]
	[ "$(ls -A abs | tr '\n' ' ')" = "eight.db seven.db " ]
}

@test "PostgreSQL: postgres://, postgresql:// and a libpq key=value string" {
	require_pg
	port=$(pg_port)
	u1=$(make_pg_db t_connect_spell_1)
	u2=$(make_pg_db t_connect_spell_2)
	make_pg_db t_connect_spell_3 >/dev/null
	run strata -d "postgres://postgres@127.0.0.1:$port/t_connect_spell_1" up
	[ "$status" -eq 0 ]
	run strata -d "postgresql://postgres@127.0.0.1:$port/t_connect_spell_2?sslmode=disable&connect_timeout=5" up
	[ "$status" -eq 0 ]
	run --separate-stderr strata -d "host=127.0.0.1 port=$port user=postgres dbname=t_connect_spell_3 connect_timeout=5" up
	[ "$status" -eq 0 ]
	[[ "$output" == *"host=127.0.0.1 port=$port user=postgres dbname=t_connect_spell_3"* ]]
	[ "$(applied "$u1")" = 1 ]
	[ "$(applied "$u2")" = 1 ]
	[ "$(applied "$(pg_url t_connect_spell_3)")" = 1 ]
}

@test "PostgreSQL: libpq's PG* environment fills in postgres://, postgresql:///DB and dbname=DB" {
	require_pg
	u1=$(make_pg_db t_connect_env_1)
	u2=$(make_pg_db t_connect_env_2)
	u3=$(make_pg_db t_connect_env_3)
	export PGHOST=127.0.0.1 PGPORT=$(pg_port) PGUSER=postgres
	PGDATABASE=t_connect_env_1 run strata -d postgres:// up
	[ "$status" -eq 0 ]
	run strata -d postgresql:///t_connect_env_2 up
	[ "$status" -eq 0 ]
	run strata -d "dbname=t_connect_env_3" up
	[ "$status" -eq 0 ]
	[ "$(applied "$u1")" = 1 ]
	[ "$(applied "$u2")" = 1 ]
	[ "$(applied "$u3")" = 1 ]
	# and the environment really is what strata used: a wrong PGPORT fails
	PGPORT=$(closed_port) run strata -d "dbname=t_connect_env_3" status
	[ "$status" -eq 1 ]
	[[ "$output" == *"Connection refused"* ]]
}

@test "golang-migrate's -database URL -path DIR and -source file://DIR" {
	mkdir -p db/migrations
	mv migrations/* db/migrations/
	run strata -database sqlite:a.db -path db/migrations up
	[ "$status" -eq 0 ]
	run strata -source file://db/migrations -database sqlite:b.db up
	[ "$status" -eq 0 ]
	run strata -database=sqlite:c.db -source="file://$PWD/db/migrations" up
	[ "$status" -eq 0 ]
	[ "$(applied a.db)" = 1 ]
	[ "$(applied b.db)" = 1 ]
	[ "$(applied c.db)" = 1 ]
	run --separate-stderr strata -database sqlite:d.db -source https://example.com/migrations up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"only file:// sources are supported"* ]]
	[ ! -e d.db ]
}

@test "?x-migrations-table=foo names the tracking table, on SQLite and PostgreSQL" {
	require_pg
	url=$(make_pg_db)
	run strata -database "$url?x-migrations-table=foo&sslmode=disable" -path migrations up
	[ "$status" -eq 0 ]
	[ "$(applied "$url" foo)" = 1 ]
	[ -z "$(pg_sql "$url" "SELECT to_regclass('strata_migrations')")" ]
	run strata -d "$url?x-migrations-table=foo" status
	[ "$status" -eq 0 ]
	[[ "$output" == *"000001"*"applied"* ]]

	run strata -d "sqlite:app.db?x-migrations-table=foo" up
	[ "$status" -eq 0 ]
	[ "$(applied app.db foo)" = 1 ]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name = 'strata_migrations'")" ]
	[ ! -e "app.db?x-migrations-table=foo" ]
}

# ------------------------------------------------------------ passwords

@test "a password in a URL never shows: a successful run and a wrong password" {
	require_pg
	make_pg_db t_connect_pw strata_pw >/dev/null
	port=$(pg_port)
	good="postgres://strata_pw:$PASSWORD@127.0.0.1:$port/t_connect_pw"
	bad="postgres://strata_pw:$WRONG@127.0.0.1:$port/t_connect_pw"

	run --separate-stderr strata -d "$good" up
	[ "$status" -eq 0 ]
	no_secret "$output" "$stderr"
	[[ "$output" == *"postgres://strata_pw@127.0.0.1:$port/t_connect_pw (password hidden)"* ]]
	[ "$(applied "$(pg_url t_connect_pw)")" = 1 ]
	for cmd in "status" "status --json" "version --json" "validate" "up --dry-run" "down --dry-run -y" "down -y" "up -v"; do
		# shellcheck disable=SC2086
		run --separate-stderr strata -d "$good" $cmd
		[ "$status" -eq 0 ]
		no_secret "$output" "$stderr"
	done
	[[ "$output" == *"(password hidden)"* ]]

	run --separate-stderr strata -d "$bad" up
	[ "$status" -eq 1 ]
	no_secret "$output" "$stderr"
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "strata: cannot connect to postgres://strata_pw@127.0.0.1:$port/t_connect_pw: "*'password authentication failed for user "strata_pw"' ]]
}

@test "password= in a key=value string and ?password= in a URL are hidden too" {
	require_pg
	make_pg_db t_connect_pw2 strata_pw >/dev/null
	port=$(pg_port)
	kv="host=127.0.0.1 port=$port user=strata_pw dbname=t_connect_pw2"
	for db in "$kv password=$PASSWORD" "$kv password='$PASSWORD'" "password = $PASSWORD $kv" \
		"postgres://strata_pw@127.0.0.1:$port/t_connect_pw2?password=$PASSWORD" \
		"postgresql://strata_pw@127.0.0.1:$port/t_connect_pw2?sslmode=disable&password=$PASSWORD&connect_timeout=5" \
		"postgres://strata_pw:s3cret%2Dpw@127.0.0.1:$port/t_connect_pw2"; do
		run --separate-stderr strata -d "$db" up -v
		[ "$status" -eq 0 ]
		no_secret "$output" "$stderr"
		[[ "$output" == *"(password hidden)"* ]]
		run --separate-stderr strata -d "$db" down -y
		[ "$status" -eq 0 ]
		no_secret "$output" "$stderr"
	done
	for db in "$kv password=$WRONG" "$kv password='$WRONG x'" "$kv password = $WRONG" \
		"postgres://strata_pw@127.0.0.1:$port/t_connect_pw2?password=$WRONG&sslmode=disable" \
		"postgres://strata_pw:$WRONG%40%3A@127.0.0.1:$port/t_connect_pw2"; do
		run --separate-stderr strata -d "$db" up
		[ "$status" -eq 1 ]
		no_secret "$output" "$stderr"
		[[ "$stderr" != *"@:@"* ]]
		[[ "$stderr" == *'password authentication failed for user "strata_pw"'* ]]
		[ "${#stderr_lines[@]}" -eq 1 ]
	done
	[ -z "$(applied "$(pg_url t_connect_pw2)")" ]
}

@test "a backslash-escaped key=value password is hidden whole" {
	require_pg
	make_pg_db t_connect_pw3 strata_pw >/dev/null
	port=$(pg_port)
	run --separate-stderr strata -d "host=127.0.0.1 port=$port user=strata_pw dbname=t_connect_pw3 password=wr0ng\\ Pa55" up
	[ "$status" -eq 1 ]
	[[ "$stderr" != *"Pa55"* ]]
	run --separate-stderr strata -d "host=127.0.0.1 port=$port user=strata_pw dbname=t_connect_pw3 password='it\\'s Pa55'" up
	[ "$status" -eq 1 ]
	[[ "$stderr" != *"Pa55"* ]]
}

@test "passwords from DATABASE_URL, strata.ini and PGPASSWORD never show either" {
	require_pg
	make_pg_db t_connect_pw4 strata_pw >/dev/null
	port=$(pg_port)
	DATABASE_URL="postgres://strata_pw:$PASSWORD@127.0.0.1:$port/t_connect_pw4" run --separate-stderr strata up
	[ "$status" -eq 0 ]
	no_secret "$output" "$stderr"
	[[ "$output" == *"(password hidden)"* ]]

	printf '[strata]\ndatabase = postgres://strata_pw:%s@127.0.0.1:%s/t_connect_pw4\n' "$WRONG" "$port" >strata.ini
	run --separate-stderr strata status
	[ "$status" -eq 1 ]
	no_secret "$output" "$stderr"
	[[ "$stderr" == *"password authentication failed"* ]]
	rm strata.ini

	PGPASSWORD=$PASSWORD run --separate-stderr strata -d "postgres://strata_pw@127.0.0.1:$port/t_connect_pw4" down -y -v
	[ "$status" -eq 0 ]
	no_secret "$output" "$stderr"
	PGPASSWORD=$WRONG run --separate-stderr strata -d "postgres://strata_pw@127.0.0.1:$port/t_connect_pw4" up
	[ "$status" -eq 1 ]
	no_secret "$output" "$stderr"
	[ -z "$(applied "$(pg_url t_connect_pw4)")" ]
}

# ------------------------------------------------------------ failures

@test "connection refused: one line, exit 1" {
	port=$(closed_port)
	run --separate-stderr strata -d "postgres://strata_pw:$WRONG@127.0.0.1:$port/app" up
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "strata: cannot connect to postgres://strata_pw@127.0.0.1:$port/app: "*"port $port failed: Connection refused"* ]]
	no_secret "$stderr"
}

@test "a host name that does not resolve: one line, exit 1" {
	run --separate-stderr strata -d "postgresql://app:$WRONG@no-such-host.invalid/app?connect_timeout=5" up
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "strata: cannot connect to postgresql://app@no-such-host.invalid/app?connect_timeout=5: "*'could not translate host name "no-such-host.invalid" to address'* ]]
	no_secret "$stderr"
}

@test "a database that does not exist: one line, exit 1, nothing created" {
	require_pg
	port=$(pg_port)
	pg_sql postgres 'DROP DATABASE IF EXISTS t_connect_nodb' >/dev/null
	run --separate-stderr strata -d "postgres://postgres@127.0.0.1:$port/t_connect_nodb" up
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "strata: cannot connect to postgres://postgres@127.0.0.1:$port/t_connect_nodb: "*'database "t_connect_nodb" does not exist' ]]
	[ -z "$(pg_sql postgres "SELECT datname FROM pg_database WHERE datname = 't_connect_nodb'")" ]
}

@test "an unknown scheme is refused, exit 2, listing the accepted forms" {
	run --separate-stderr strata -d "oracle://root:$WRONG@localhost:1521/app" up
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	no_secret "$stderr"
	[[ "$stderr" == *'unknown database "oracle://root@localhost:1521/app"'* ]]
	[[ "$stderr" == *"postgres://"* ]]
	[[ "$stderr" == *'"key=value"'* ]]
	[[ "$stderr" == *"sqlite:PATH"* ]]
	[[ "$stderr" == *".db, .sqlite or .sqlite3"* ]]
	run --separate-stderr strata -d notes.txt up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *'unknown database "notes.txt"'* ]]
	[ ! -e notes.txt ]
}

@test "no database anywhere: exit 2, saying how to give one" {
	# libpq's variables alone do not name a database for strata
	export PGDATABASE=postgres
	for cmd in up status version "down -y"; do
		# shellcheck disable=SC2086
		run --separate-stderr strata $cmd
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "$stderr" = "strata: no database given: use -d URL, DATABASE_URL, or database= in strata.ini" ]
	done
	DATABASE_URL= run --separate-stderr strata up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"no database given"* ]]
	# nothing was created (bats keeps its separate-stderr-* here)
	[ -z "$(ls -A | grep -v -e '^migrations$' -e '^separate-stderr-')" ]
}

# ------------------------------------------------------------ configuration

make_dirs() {
	local d
	for d in m_ini m_env m_flag; do
		write_migration "$d" 000001 "from_$d" "CREATE TABLE from_$d (id integer);" "DROP TABLE from_$d;"
	done
}

@test "strata.ini in the working directory gives database, path and table" {
	make_dirs
	printf 'database = sqlite:ini.db\npath = m_ini\ntable = ini_table\n' >strata.ini
	run strata up
	[ "$status" -eq 0 ]
	[ "$(applied ini.db ini_table)" = 1 ]
	[ -n "$(sqlite_sql ini.db "SELECT name FROM sqlite_master WHERE name = 'from_m_ini'")" ]
	[ -z "$(sqlite_sql ini.db "SELECT name FROM sqlite_master WHERE name = 'strata_migrations'")" ]
}

@test "DATABASE_URL, STRATA_PATH and STRATA_TABLE beat strata.ini; -d, -p and --table beat both" {
	make_dirs
	printf 'database = sqlite:ini.db\npath = m_ini\ntable = ini_table\n' >strata.ini
	export DATABASE_URL=sqlite:env.db STRATA_PATH=m_env STRATA_TABLE=env_table
	run strata up
	[ "$status" -eq 0 ]
	[ "$(applied env.db env_table)" = 1 ]
	[ -n "$(sqlite_sql env.db "SELECT name FROM sqlite_master WHERE name = 'from_m_env'")" ]
	[ ! -e ini.db ]

	run strata -d sqlite:flag.db -p m_flag --table flag_table up
	[ "$status" -eq 0 ]
	[ "$(applied flag.db flag_table)" = 1 ]
	[ -n "$(sqlite_sql flag.db "SELECT name FROM sqlite_master WHERE name = 'from_m_flag'")" ]
	[ ! -e ini.db ]

	# each setting on its own: the flag for one, the environment and the file for the others
	unset DATABASE_URL STRATA_TABLE
	run strata -p m_flag up
	[ "$status" -eq 0 ]
	[ "$(applied ini.db ini_table)" = 1 ]
	[ -n "$(sqlite_sql ini.db "SELECT name FROM sqlite_master WHERE name = 'from_m_flag'")" ]
}

@test "-c FILE is read instead of ./strata.ini, keys in a [strata] section, other sections ignored" {
	make_dirs
	# ./strata.ini would fail: with -c it is not read at all
	printf 'bogus = 1\n' >strata.ini
	mkdir conf
	printf '; shared with other tools\n[other]\ndatabase = sqlite:wrong.db\ncolour = yes\n\n[strata]\ndatabase = sqlite:sec.db\npath = m_ini\n' >conf/app.ini
	run strata -c conf/app.ini up
	[ "$status" -eq 0 ]
	[ "$(applied sec.db)" = 1 ]
	[ ! -e wrong.db ]
	run strata --config conf/app.ini status
	[ "$status" -eq 0 ]
	[[ "$output" == *"000001   from_m_ini"*"applied"* ]]
	[ -n "$(sqlite_sql sec.db "SELECT name FROM sqlite_master WHERE name = 'from_m_ini'")" ]
	run --separate-stderr strata -c conf/missing.ini up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"conf/missing.ini"* ]]
}

@test "an unknown key in strata.ini: exit 2 naming file:line, nothing touched" {
	make_dirs
	printf '# strata settings\n[strata]\ndatabase = sqlite:app.db\n\ncolour = yes\n' >strata.ini
	run --separate-stderr strata -p m_ini up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *'strata.ini:5: unknown setting "colour"'* ]]
	[ ! -e app.db ]
	printf 'database = sqlite:app.db\nlock_wait = soon\n' >bad.ini
	run --separate-stderr strata -c bad.ini -p m_ini up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *'bad.ini:2: bad value "soon" for lock_wait'* ]]
	[ ! -e app.db ]
}

@test "a config error names file:line once" {
	printf '# strata settings\n[strata]\ndatabase = sqlite:app.db\n\ncolour = yes\n' >strata.ini
	run --separate-stderr strata up
	[ "$status" -eq 2 ]
	[[ "$stderr" == 'strata: strata.ini:5: unknown setting "colour"'* ]]
}
