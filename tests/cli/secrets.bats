#!/usr/bin/env bats
# secrets.bats - passwords as secret managers make them (+ / % @ : ? # = &)
# never show, in any spelling: in URLs (encoded as they should be, and not),
# key=value strings, PGPASSWORD and strata.ini; on success, on a wrong
# password, on URLs libpq cannot read, and in the server's own messages.
# The role strata_secret must give its password over TCP (tests/pg.sh).

load helpers

# every character a generated password may hold; pieces between them of 3+
PW='Xk9+/q%Tz@wQe:rT9?tYy#uU1=iI2&oO3'
PIECES='Xk9+ q%Tz wQe rT9 tYy uU1 iI2 oO3'
WRONG='Wr0+/n%Gg@pAs:sW0?rDd#xX1=yY2&zZ3'

# enc TEXT: percent-encoded as a URL's userinfo needs it
enc() {
	local s=$1 i ch out=
	for ((i = 0; i < ${#s}; i++)); do
		ch=${s:i:1}
		case $ch in
		[A-Za-z0-9._~-]) out+=$ch ;;
		*) out+=$(printf '%%%02X' "'$ch") ;;
		esac
	done
	printf '%s\n' "$out"
}

# no_secret TEXT...: neither password shows, whole, encoded, or in pieces
no_secret() {
	local s pw piece
	for s in "$@"; do
		for pw in "$PW" "$WRONG" "$(enc "$PW")" "$(enc "$WRONG")" "$(enc "$PW" | tr A-F a-f)"; do
			[[ "$s" != *"$pw"* ]] || { echo "password shown ($pw): $s"; return 1; }
		done
		for piece in $PIECES Wr0+ n%Gg pAs sW0 rDd xX1 yY2 zZ3; do
			[[ "$s" != *"$piece"* ]] || { echo "piece of a password shown ($piece): $s"; return 1; }
		done
	done
}

setup() {
	strata_setup
	write_migration migrations 000001 create_projects \
		"CREATE TABLE projects (id integer PRIMARY KEY, name text);" "DROP TABLE projects;"
	if [ -n "${STRATA_TEST_PG_URL:-}" ]; then
		port=${STRATA_TEST_PG_URL##*:}
		port=${port%%/*}
		pg_sql postgres "DO \$\$ BEGIN
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'strata_secret') THEN
				CREATE ROLE strata_secret LOGIN;
			END IF; END \$\$; ALTER ROLE strata_secret PASSWORD '$PW'" >/dev/null
	fi
}

teardown() {
	strata_teardown
}

@test "a generated password, percent-encoded in the URL: runs, and never shows; a wrong one fails without showing" {
	require_pg
	make_pg_db t_secrets_url strata_secret >/dev/null
	good="postgres://strata_secret:$(enc "$PW")@127.0.0.1:$port/t_secrets_url"
	run --separate-stderr strata -d "$good" up
	[ "$status" -eq 0 ]
	[[ "$output" == "strata: postgres://strata_secret@127.0.0.1:$port/t_secrets_url (password hidden) - 1 to run"* ]]
	no_secret "$output" "$stderr"
	for cmd in "status" "status --json" "history" "version" "validate" "down --dry-run -y" "down -y"; do
		# shellcheck disable=SC2086
		run --separate-stderr strata -d "$good" $cmd
		[ "$status" -eq 0 ]
		no_secret "$output" "$stderr"
	done

	run --separate-stderr strata -d "postgres://strata_secret:$(enc "$WRONG")@127.0.0.1:$port/t_secrets_url" up
	[ "$status" -eq 1 ]
	[ "$stderr" = "strata: cannot connect to postgres://strata_secret@127.0.0.1:$port/t_secrets_url: connection to server at \"127.0.0.1\", port $port failed: FATAL: password authentication failed for user \"strata_secret\"" ]
	no_secret "$output" "$stderr"
}

@test "a password libpq would misread ('/', '@', a stray '%') is refused before libpq sees it, hidden" {
	for url in "postgres://u:otS33+tb/e4=@h/db" "postgres://u:p@ss@h/db" "postgres://u:foo%zz@h/db"; do
		run --separate-stderr strata -d "$url" status
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[[ "${stderr_lines[0]}" == "strata: the password in database URL postgres://u@h/db holds "*", which libpq would misread" ]]
		[ "${stderr_lines[1]}" = "  HINT: percent-encode the password in the URL, or leave it out and set PGPASSWORD" ]
		[[ "$stderr" != *otS33* && "$stderr" != *tb/e4* && "$stderr" != *p@ss* && "$stderr" != *foo%zz* ]]
	done
	run --separate-stderr strata -d "postgres://u:otS33+tb/e4=@h/db" up
	[ "${stderr_lines[0]}" = "strata: the password in database URL postgres://u@h/db holds '/' (write %2F), which libpq would misread" ]
}

@test "the generated password unencoded, and an unclosed [::1: libpq's errors come out scrubbed" {
	require_pg
	make_pg_db t_secrets_bad strata_secret >/dev/null
	for url in "postgres://strata_secret:$PW@127.0.0.1:$port/t_secrets_bad" \
		"postgresql://strata_secret:$WRONG@127.0.0.1:$port/t_secrets_bad" \
		"postgres://strata_secret:$PW@[::1/t_secrets_bad" \
		"postgres://strata_secret:$(enc "$PW")@[::1:$port/t_secrets_bad"; do
		run --separate-stderr strata -d "$url" up
		[ "$status" -ne 0 ]
		[[ "$stderr" == "strata: "* ]]
		no_secret "$output" "$stderr"
	done
	[ "$stderr" = "strata: cannot connect to postgres://strata_secret@[::1:$port/t_secrets_bad: end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"postgres://strata_secret:***@[::1:$port/t_secrets_bad\"" ]
}

@test "key=value strings, PGPASSWORD and strata.ini with a generated password never show it" {
	require_pg
	make_pg_db t_secrets_kv strata_secret >/dev/null
	kv="host=127.0.0.1 port=$port user=strata_secret dbname=t_secrets_kv"
	run --separate-stderr strata -d "$kv password='$PW'" up
	[ "$status" -eq 0 ]
	[[ "$output" == *"(password hidden)"* ]]
	no_secret "$output" "$stderr"
	run --separate-stderr strata -d "$kv password='$WRONG'" down -y
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'password authentication failed for user "strata_secret"' ]]
	no_secret "$output" "$stderr"
	run --separate-stderr strata -d "$kv password=$WRONG" status
	[ "$status" -ne 0 ]
	no_secret "$output" "$stderr"

	PGPASSWORD=$PW run --separate-stderr strata -d "postgres://strata_secret@127.0.0.1:$port/t_secrets_kv" down -y
	[ "$status" -eq 0 ]
	no_secret "$output" "$stderr"
	PGPASSWORD=$WRONG run --separate-stderr strata -d "postgres://strata_secret@127.0.0.1:$port/t_secrets_kv" up
	[ "$status" -eq 1 ]
	no_secret "$output" "$stderr"

	printf '[strata]\ndatabase = postgres://strata_secret:%s@127.0.0.1:%s/t_secrets_kv\n' "$(enc "$PW")" "$port" >strata.ini
	run --separate-stderr strata up
	[ "$status" -eq 0 ]
	[[ "$output" == *"(password hidden)"* ]]
	no_secret "$output" "$stderr"
	printf '[strata]\ndatabase = postgres://strata_secret:%s@127.0.0.1:%s/t_secrets_kv\n' "$PW" "$port" >strata.ini
	run --separate-stderr strata status
	[ "$status" -ne 0 ]
	no_secret "$output" "$stderr"
	[ "$(pg_sql t_secrets_kv "SELECT count(*) FROM strata_migrations")" = 1 ]
}

@test "the password in a server message (a migration that quotes it) is scrubbed too" {
	require_pg
	make_pg_db t_secrets_srv strata_secret >/dev/null
	write_migration migrations 000002 quote_it "SELECT '$PW'::integer;" ""
	PGPASSWORD=$PW run --separate-stderr strata -d "postgres://strata_secret@127.0.0.1:$port/t_secrets_srv" up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'000002_quote_it.up.sql:1: invalid input syntax for type integer: "***"'* ]]
	no_secret "$output" "$stderr"
}

@test "a '?' or '#' before the '/', '@' or '%' of an unencoded password: still refused before libpq, nothing shown" {
	for pw in 'se?cr/et' 'p+a/s%s@w:o?r#d' 'pa@ss#word' 'p/s@w:o?rd'; do
		run --separate-stderr strata -d "postgresql://strata_pw:$pw@127.0.0.1:1/postgres" status
		[ "$status" -eq 2 ]
		[[ "$stderr" == "strata: the password in database URL postgresql://strata_pw@127.0.0.1:1/postgres holds "*", which libpq would misread"* ]]
		[[ "$stderr" != *"$pw"* ]]
		for piece in secr cr/et s%s o?r pa@ss ss#wo; do
			[[ "$stderr" != *"$piece"* ]]
		done
	done
	# an '@' in the query of a URL with or without a password is no password's
	run --separate-stderr strata -d "postgresql://u:pw@127.0.0.1:1/db?application_name=a@b" status
	[ "$status" -eq 1 ]
	[[ "$stderr" == "strata: cannot connect to postgresql://u@127.0.0.1:1/db?application_name=a@b: "* ]]
	run --separate-stderr strata -d "postgresql://127.0.0.1:1/db?application_name=a@b" status
	[ "$status" -eq 1 ]
	[[ "$stderr" == "strata: cannot connect to postgresql://127.0.0.1:1/db?application_name=a@b: "* ]]
}
