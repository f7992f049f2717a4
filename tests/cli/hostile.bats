#!/usr/bin/env bats
# Hostile input and a hostile environment: broken, huge, binary or looping
# migration files; SQLite files that are read-only, locked, on a full disk or
# corrupt; table and schema names made to inject SQL; passwords that must not
# show. Each gives a clear error or a correct result, never a crash, a
# sanitizer report or damage to the database.
#
# Not here (see their files): invalid UTF-8, a 30-digit version and a
# directory named like a migration (layouts.bats); connection refused, DNS,
# wrong password, no database, redaction of ordinary URLs (connect.bats);
# 0600 backups (safety.bats); a SQLite write lock held during up (lock.bats).
#
# The big cases have a short form by default and their full size with
# STRATA_LONG_TESTS=1: a 10 MB migration (100 MB), 20,000 files (100,000).
#
# The read-only and full-disk cases mount small tmpfs file systems (as root;
# skipped otherwise) and unmount them in teardown. "Read-only" is a tmpfs
# remounted ro (EROFS: even root cannot write, which chmod 444 would not
# achieve), and chattr +i on the file where the file system supports it.

load helpers

if [ "${STRATA_LONG_TESTS:-}" = 1 ]; then
	BIG_MB=100
	MANY_FILES=100000
else
	BIG_MB=10
	MANY_FILES=20000
fi

setup() {
	strata_setup
	MOUNTS=()
	IMMUTABLE=()
	SHM_DIR=
}

teardown() {
	local m f
	for f in "${IMMUTABLE[@]}"; do
		chattr -i "$f" 2>/dev/null || true
	done
	for m in "${MOUNTS[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	if [ -n "${SHM_DIR:-}" ]; then
		rm -rf "$SHM_DIR"
	fi
	strata_teardown
}

# no_sanitizer_report: the last run printed no ASan/UBSan/LSan report.
no_sanitizer_report() {
	if [[ "$output${stderr:-}" == *"Sanitizer"* || "$output${stderr:-}" == *"runtime error:"* ]]; then
		echo "sanitizer report in the output" >&2
		return 1
	fi
}

# strata_run ARGS...: run strata with stderr separate, and check for sanitizer reports.
strata_run() {
	run --separate-stderr "$STRATA" "$@"
	no_sanitizer_report
}

# one_line: stderr is exactly one line.
one_line() {
	[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ] || {
		echo "expected one line on stderr, got:" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	}
}

# sum FILE: checksum of FILE's bytes.
sum() {
	sha256sum <"$1" | cut -d' ' -f1
}

# tmpfs DIR SIZE: mount a tmpfs of SIZE on DIR (skip the test when we cannot mount).
tmpfs() {
	mkdir -p "$1"
	if ! mount -t tmpfs -o "size=$2" tmpfs "$1" 2>/dev/null; then
		skip "cannot mount a tmpfs here (needs root)"
	fi
	MOUNTS+=("$(readlink -f "$1")")
}

# three SQLite migrations (the second can be made to fail)
three_migrations() {
	write_migration migrations 000001 one "CREATE TABLE one (id integer PRIMARY KEY, v text);" "DROP TABLE one;"
	write_migration migrations 000002 two "CREATE TABLE two (id integer PRIMARY KEY, v text);" "DROP TABLE two;"
	write_migration migrations 000003 three "CREATE TABLE three (id integer PRIMARY KEY);" "DROP TABLE three;"
}

# ------------------------------------------------------------------ files

@test "unterminated quotes, comments and identifiers (SQLite): exit 2 naming file:line, the database untouched" {
	write_migration migrations 000001 ok "CREATE TABLE ok (x text);" "DROP TABLE ok;"
	strata -d sqlite:app.db up >/dev/null
	before=$(sum app.db)
	for body in "SELECT 1;\nINSERT INTO ok VALUES ('never closed);\n" \
		"SELECT 1;\n/* never closed\nSELECT 2;\n" \
		'SELECT 1;\nSELECT "never closed FROM ok;\n' \
		"SELECT 1;\nSELECT [never closed FROM ok;\n" \
		"SELECT 1;\nSELECT \`never closed FROM ok;\n"; do
		rm -f migrations/000002_*
		printf "$body" >migrations/000002_broken.up.sql
		strata_run -d sqlite:app.db up
		[ "$status" -eq 2 ]
		[[ "$stderr" == *"000002_broken.up.sql:2:"*"unterminated"* ]]
		strata_run -d sqlite:app.db validate
		[ "$status" -eq 2 ]
		[[ "$stderr" == *"000002_broken.up.sql:2:"*"unterminated"* ]]
	done
	[ "$(sum app.db)" = "$before" ]
}

@test "PostgreSQL: unterminated dollar quotes, E'' strings, nested comments: exit 2 before anything runs" {
	require_pg
	url=$(make_pg_db)
	write_migration migrations 000001 ok "CREATE TABLE ok (x text);" "DROP TABLE ok;"
	strata -d "$url" up >/dev/null
	for body in 'CREATE TABLE t (x int);\nCREATE FUNCTION f() RETURNS int AS $fn$\nSELECT 1;\n' \
		'CREATE TABLE t (x int);\nSELECT $$ never closed;\n' \
		"CREATE TABLE t (x int);\nSELECT E'it\\\\'s never closed;\n" \
		'CREATE TABLE t (x int);\n/* nested /* comment */ still open;\n' \
		"CREATE TABLE t (x int);\nSELECT U&'never closed;\n"; do
		rm -f migrations/000002_*
		printf "$body" >migrations/000002_broken.up.sql
		strata_run -d "$url" up
		[ "$status" -eq 2 ]
		[[ "$stderr" == *"000002_broken.up.sql:2:"*"unterminated"* ]]
		[ "$(pg_sql "$url" "SELECT to_regclass('t') IS NULL")" = t ]
		[ "$(pg_sql "$url" "SELECT count(*) FROM strata_migrations")" = 1 ]
	done
	[ "$(pg_sql "$url" "SELECT count(*) FROM strata_migrations_log")" = 1 ]
}

@test "a bad migration file leaves a new database uncreated" {
	mkdir migrations
	printf 'SELECT 1;\n/* never closed\n' >migrations/000001_bad.up.sql
	strata_run -d sqlite:new.db up
	[ "$status" -eq 2 ]
	[ ! -e new.db ]
}

@test "random bytes, a NUL byte, printable garbage: refused naming the file, or a clean SQL error" {
	mkdir migrations
	RANDOM=42
	for i in $(seq 1 20); do
		rm -f migrations/*
		head -c $((64 + RANDOM % 8192)) /dev/urandom >migrations/000001_noise.up.sql
		strata_run -d sqlite:app.db up
		[ "$status" -eq 2 ]
		[[ "$stderr" == *"000001_noise.up.sql"* ]]
	done
	rm -f migrations/*
	printf 'CREATE TABLE a (x);\0CREATE TABLE b (x);\n' >migrations/000001_nul.up.sql
	strata_run -d sqlite:app.db up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"000001_nul.up.sql"*"NUL"* ]]
	# valid UTF-8 that is not SQL: the database says so, with file and line, and rolls back
	rm -f migrations/*
	printf 'CREATE TABLE a (x);\n%s\n' "$(head -c 3000 /dev/urandom | base64 -w 80 | tr '/+' '_-')" >migrations/000001_garbage.up.sql
	strata_run -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000001_garbage.up.sql:"[0-9]* ]]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name = 'a'")" ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations")" = 0 ]
}

@test "empty files and comment-only files are empty migrations: applied and recorded" {
	mkdir migrations
	: >migrations/000001_empty.up.sql
	: >migrations/000001_empty.down.sql
	printf -- '-- nothing here\n/* nor here */\n' >migrations/000002_comments.up.sql
	: >migrations/20240101000000_empty_single.sql
	printf -- '-- migrate:up\n-- migrate:down\n' >migrations/20240101000001_markers_only.sql
	strata_run -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations")" = 4 ]
	# an empty down section undoes nothing, as dbmate runs it: only the record goes
	strata_run -d sqlite:app.db down -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"down 20240101000001 markers_only"*"(no statements: only the record is removed)"* ]]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations")" = 3 ]
	# a single file without a down section has no down: refused
	strata_run -d sqlite:app.db down -y
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"20240101000000 empty_single cannot be rolled back: its down script is missing (there is no 20240101000000_empty_single.down.sql)"* ]]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations")" = 3 ]
	# an empty directory is a mistake to report, never "nothing to do"
	rm -f migrations/*
	strata_run -d sqlite:app.db up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"migrations: no migrations found"* ]]
	[[ "$output" != *"nothing to do"* ]]
}

@test "conflicting markers in a dbmate file: exit 2 naming file and line, no database created" {
	mkdir migrations
	for case in "-- migrate:up\nCREATE TABLE a (x);\n-- migrate:up\nCREATE TABLE b (x);\n|:3:" \
		"-- migrate:down\nDROP TABLE a;\n-- migrate:up\nCREATE TABLE a (x);\n|:1:" \
		"-- migrate:up\nCREATE TABLE a (x);\n-- migrate:down\nDROP TABLE a;\n-- migrate:down\nDROP TABLE a;\n|:5:" \
		"-- migrate:up\nCREATE TABLE a (x);\n-- +goose Down\nDROP TABLE a;\n|:3:" \
		"-- migrate:down\nDROP TABLE a;\n|:1:" \
		"-- +goose Up\nCREATE TABLE a (x);\n-- +goose Up\nCREATE TABLE b (x);\n|:3:"; do
		rm -f migrations/*
		printf -- "${case%|*}" >migrations/20240101000000_conflict.sql
		strata_run -d sqlite:app.db up
		[ "$status" -eq 2 ]
		[[ "$stderr" == *"20240101000000_conflict.sql${case##*|}"* ]]
		[ ! -e app.db ]
	done
}

@test "symlink loops named like migrations: refused naming them" {
	mkdir migrations
	ln -s 000001_self.up.sql migrations/000001_self.up.sql
	strata_run -d sqlite:app.db up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"000001_self.up.sql"* ]]
	[ ! -e app.db ]
	rm migrations/*
	ln -s 000002_b.up.sql migrations/000001_a.up.sql
	ln -s 000001_a.up.sql migrations/000002_b.up.sql
	strata_run -d sqlite:app.db up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"000001_a.up.sql"* || "$stderr" == *"000002_b.up.sql"* ]]
	rm migrations/*
	# a Diesel-style directory that is a link to its own parent
	ln -s . migrations/2024-01-01-000001_loop
	strata_run -d sqlite:app.db up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"2024-01-01-000001_loop"* ]]
	rm migrations/*
	# a directory link back up the tree, named like a single-file migration
	ln -s .. migrations/000001_up.sql
	strata_run -d sqlite:app.db up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"000001_up.sql"* ]]
	[ ! -e app.db ]
}

# big_migration FILE MB: CREATE TABLE big + INSERTs, about MB megabytes; prints the row count.
big_migration() {
	awk -v mb="$2" 'BEGIN {
		print "CREATE TABLE big (id integer PRIMARY KEY, v text);"
		size = 0; i = 0
		while (size < mb * 1048576) {
			i++
			line = sprintf("INSERT INTO big VALUES (%d, '\''row %d of a big migration, with some text to make it longer'\'');", i, i)
			print line
			size += length(line) + 1
		}
		print i > "/dev/stderr"
	}' >"$1" 2>big.count
}

@test "SQLite: a ${BIG_MB} MB migration applies, in reasonable time" {
	mkdir migrations
	big_migration migrations/000001_big.up.sql "$BIG_MB"
	echo "DROP TABLE big;" >migrations/000001_big.down.sql
	start=$(date +%s)
	run --separate-stderr timeout 120 "$STRATA" -d sqlite:app.db up
	no_sanitizer_report
	[ "$status" -eq 0 ]
	[ $(($(date +%s) - start)) -lt 60 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM big")" = "$(cat big.count)" ]
}

@test "PostgreSQL: a ${BIG_MB} MB migration applies" {
	require_pg
	url=$(make_pg_db)
	mkdir migrations
	big_migration migrations/000001_big.up.sql "$BIG_MB"
	echo "DROP TABLE big;" >migrations/000001_big.down.sql
	run --separate-stderr timeout 600 "$STRATA" -d "$url" up
	no_sanitizer_report
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM big")" = "$(cat big.count)" ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM strata_migrations")" = 1 ]
}

@test "a 3 MB line: one statement with a 3 MB literal, on SQLite and PostgreSQL" {
	mkdir migrations
	{
		printf 'CREATE TABLE wide (v text);\nINSERT INTO wide VALUES ('\'
		head -c 3145728 /dev/zero | tr '\0' 'x'
		printf "'); INSERT INTO wide VALUES ('after');\n"
	} >migrations/000001_wide.up.sql
	echo "DROP TABLE wide;" >migrations/000001_wide.down.sql
	strata_run -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT length(v) FROM wide ORDER BY length(v)")" = "$(printf '5\n3145728')" ]
	# an error after the long line is still placed on its line
	printf "SELECT 1;\nSELECT nosuchcolumn FROM wide;\n" >>migrations/000002_after.up.sql
	strata_run -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"000002_after.up.sql:2:"* ]]
	if [ -n "${STRATA_TEST_PG_URL:-}" ]; then
		url=$(make_pg_db)
		rm migrations/000002_after.up.sql
		strata_run -d "$url" up
		[ "$status" -eq 0 ]
		[ "$(pg_sql "$url" "SELECT length(v) FROM wide ORDER BY length(v)")" = "$(printf '5\n3145728')" ]
	fi
}

@test "$MANY_FILES files: validate, up, status and down on SQLite" {
	mkdir migrations
	# pairs: half the files are ups, half downs; each up adds its number to a ledger
	awk -v n=$((MANY_FILES / 2)) 'BEGIN {
		for (i = 1; i <= n; i++) {
			f = sprintf("migrations/%06d_step_%d.up.sql", i, i)
			if (i == 1)
				print "CREATE TABLE ledger (k integer NOT NULL);" > f
			printf "INSERT INTO ledger VALUES (%d);\n", i > f
			close(f)
			f = sprintf("migrations/%06d_step_%d.down.sql", i, i)
			printf "DELETE FROM ledger WHERE k = %d;\n", i > f
			close(f)
		}
	}'
	n=$((MANY_FILES / 2))
	# the database in memory-backed /dev/shm when there is one: the test is about
	# the number of files, not about $n fsyncs on a busy disk
	db=app.db
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then
		SHM_DIR=$(mktemp -d /dev/shm/strata-hostile.XXXXXX)
		db=$SHM_DIR/app.db
	fi
	[ "$(ls migrations | wc -l)" -eq "$MANY_FILES" ]
	strata_run validate
	[ "$status" -eq 0 ]
	[[ "$stderr$output" == *"$n migrations"* ]]
	strata_run -d sqlite:$db up -q
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql $db "SELECT count(*), count(DISTINCT k), min(k), max(k) FROM ledger")" = "$n|$n|1|$n" ]
	[ "$(sqlite_sql $db "SELECT count(*) FROM strata_migrations")" = "$n" ]
	strata_run -d sqlite:$db status
	[ "$status" -eq 0 ]
	[[ "$output" == *"$n applied, 0 pending"* ]]
	strata_run -d sqlite:$db down 100 -y -q
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql $db "SELECT count(*) FROM ledger")" = $((n - 100)) ]
}

@test "a 254-byte file name" {
	mkdir migrations
	title=$(head -c 240 /dev/zero | tr '\0' a)
	echo "CREATE TABLE long_one (x integer);" >"migrations/000001_$title.up.sql"
	strata_run -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT length(name) FROM strata_migrations")" = 240 ]
	strata_run -d sqlite:app.db status --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.migrations[0].name | length' <<<"$output")" = 240 ]
}

# ------------------------------------------------------------------ SQLite environment

@test "SQLite: a read-only file system: up and down fail clearly without writing, status still reads" {
	three_migrations
	tmpfs ro 1m
	strata -d sqlite:ro/app.db up 1 >/dev/null
	before=$(sum ro/app.db)
	mount -o remount,ro "$(readlink -f ro)"
	run touch ro/probe
	[ "$status" -ne 0 ]
	strata_run -d sqlite:ro/app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"readonly database"* ]]
	strata_run -d sqlite:ro/app.db down -y
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"readonly database"* ]]
	strata_run -d sqlite:ro/app.db status
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 applied, 2 pending"* ]]
	strata_run -d sqlite:ro/app.db version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^0*1$ ]]
	# a new database where nothing can be created: one line
	strata_run -d sqlite:ro/new.db up
	[ "$status" -eq 1 ]
	one_line
	[[ "$stderr" == *"ro/new.db"* ]]
	[ "$(sum ro/app.db)" = "$before" ]
	[ ! -e ro/new.db ]
}

@test "SQLite: an immutable file (chattr +i, which binds root too): up fails clearly without writing" {
	three_migrations
	strata -d sqlite:app.db up 1 >/dev/null
	before=$(sum app.db)
	if ! chattr +i app.db 2>/dev/null; then
		skip "chattr +i is not supported on this file system"
	fi
	IMMUTABLE+=("$BATS_TEST_TMPDIR/app.db")
	strata_run -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"readonly database"* ]]
	strata_run -d sqlite:app.db status
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 applied, 2 pending"* ]]
	chattr -i app.db
	[ "$(sum app.db)" = "$before" ]
	strata_run -d sqlite:app.db up
	[ "$status" -eq 0 ]
}

@test "SQLite: errors that are not the migration's fault (read-only, disk full) do not say to fix the file" {
	three_migrations
	tmpfs ro 1m
	strata -d sqlite:ro/app.db up 1 >/dev/null
	mount -o remount,ro "$(readlink -f ro)"
	strata_run -d sqlite:ro/app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" != *"Fix the file"* ]]
	[[ "$stderr" != *"000002_two.up.sql:1:"* ]]
}

@test "SQLite: a database another writer holds exclusively: status, version and up give up after --lock-wait, exit 3, no damage" {
	three_migrations
	strata -d sqlite:app.db up 1 >/dev/null
	before=$(sum app.db)
	hold_sqlite app.db 5 EXCLUSIVE "INSERT INTO one (v) VALUES ('held');"
	for cmd in status version up; do
		start=$(date +%s%N)
		strata_run -d sqlite:app.db $cmd --lock-wait 1
		elapsed=$((($(date +%s%N) - start) / 1000000))
		[ "$status" -eq 3 ]
		[[ "$stderr" == *"database is locked"* ]]
		[ "$elapsed" -lt 3000 ]
	done
	wait "$holder"
	[ "$(sum app.db)" = "$before" ]
	strata_run -d sqlite:app.db up --lock-wait 1
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM one")" = 0 ]
}

@test "SQLite: a full disk: the migration that does not fit is rolled back, the others stay, a re-run after freeing space works" {
	write_migration migrations 000001 one "CREATE TABLE one (x integer);" "DROP TABLE one;"
	write_migration migrations 000002 fill "CREATE TABLE fill (v text);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000)
INSERT INTO fill SELECT hex(randomblob(200)) FROM c;" "DROP TABLE fill;"
	write_migration migrations 000003 three "CREATE TABLE three (x integer);" "DROP TABLE three;"
	tmpfs full 256k
	strata_run -d sqlite:full/app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"ERR  000002 fill"* ]]
	[[ "$stderr" == *"database or disk is full"* ]]
	[[ "$stderr" == *"the database is at 000001"* ]]
	[ "$(sqlite_sql full/app.db "PRAGMA integrity_check")" = ok ]
	[ "$(sqlite_sql full/app.db "SELECT group_concat(version) FROM strata_migrations")" = 1 ]
	[ -z "$(sqlite_sql full/app.db "SELECT name FROM sqlite_master WHERE name IN ('fill', 'three')")" ]
	[ ! -e full/app.db-journal ] || [ ! -s full/app.db-journal ]
	# a backup that does not fit stops everything before the change
	head -c 1M /dev/zero >full/filler 2>/dev/null || true
	strata_run -d sqlite:full/app.db down -y --backup full/backups
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"nothing was changed"* ]]
	[ "$(sqlite_sql full/app.db "SELECT count(*) FROM strata_migrations")" = 1 ]
	rm full/filler
	# room again: the same command finishes
	mount -o remount,size=8m "$(readlink -f full)"
	strata_run -d sqlite:full/app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql full/app.db "SELECT group_concat(version) FROM strata_migrations")" = 1,2,3 ]
	[ "$(sqlite_sql full/app.db "SELECT count(*) FROM fill")" = 3000 ]
}

@test "SQLite: corrupt files (truncated, zeroed header, a page of noise in the tracking table): a clear error, no byte changed" {
	three_migrations
	strata -d sqlite:good.db up 1 >/dev/null
	sqlite_sql good.db "CREATE TABLE pad (v text);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300) INSERT INTO pad SELECT hex(randomblob(100)) FROM c;"
	[ "$(stat -c %s good.db)" -ge 32768 ]
	cp good.db truncated.db
	truncate -s 8192 truncated.db
	cp good.db zeroed.db
	dd if=/dev/zero of=zeroed.db bs=100 count=1 conv=notrunc 2>/dev/null
	# the tracking table's root page, overwritten with noise
	page=$(sqlite_sql good.db "SELECT rootpage FROM sqlite_master WHERE name = 'strata_migrations'")
	cp good.db noise.db
	head -c 4096 /dev/urandom | dd of=noise.db bs=4096 seek=$((page - 1)) count=1 conv=notrunc 2>/dev/null
	for db in truncated zeroed noise; do
		before=$(sum $db.db)
		for cmd in up status version validate "down -y" "goto 3" "force 2 -y" history; do
			strata_run -d sqlite:$db.db $cmd
			if [ $db = noise ] && [ "$cmd" = history ] && [ "$status" -eq 0 ]; then
				# the log table is intact: reading it is a correct result
				[[ "$output" == *" up "*"one"*" ok"* ]]
				continue
			fi
			[ "$status" -eq 1 ] || {
				echo "$db: $cmd exited $status" >&2
				false
			}
			[[ "$stderr" == *"malformed"* || "$stderr" == *"not a database"* ]] || {
				echo "$db: $cmd: $stderr" >&2
				false
			}
		done
		[ "$(sum $db.db)" = "$before" ]
	done
}

# ------------------------------------------------------------------ security

@test "SQLite: --table names with quotes and semicolons are quoted identifiers, never SQL" {
	three_migrations
	sqlite_sql app.db "CREATE TABLE y (v text); INSERT INTO y VALUES ('still here')"
	for t in 'x; DROP TABLE y' 'x"; DROP TABLE y; --' "x'); DROP TABLE y; --" 'main.x"y'; do
		strata_run -d sqlite:app.db --table "$t" up
		[ "$status" -eq 0 ]
		strata_run -d sqlite:app.db --table "$t" status
		[ "$status" -eq 0 ]
		[[ "$output" == *"3 applied, 0 pending"* ]]
		strata_run -d sqlite:app.db --table "$t" history
		[ "$status" -eq 0 ]
		strata_run -d sqlite:app.db --table "$t" down --all -y
		[ "$status" -eq 0 ]
		[ "$(sqlite_sql app.db "SELECT v FROM y")" = "still here" ]
	done
	# the tables really carry those names
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'x; DROP TABLE y'")" = 1 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'x\"; DROP TABLE y; --_log'")" = 1 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'x''); DROP TABLE y; --'")" = 1 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM sqlite_master WHERE name = 'x\"y'")" = 1 ]
	# and in the URL (golang-migrate's x-migrations-table)
	strata_run -d "sqlite:app.db?x-migrations-table=z%3B%20DROP%20TABLE%20y" up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT v FROM y")" = "still here" ]
}

@test "PostgreSQL: table and schema names with quotes and semicolons are quoted everywhere" {
	require_pg
	url=$(make_pg_db)
	pg_sql "$url" "CREATE TABLE y (v text); INSERT INTO y VALUES ('still here');
		CREATE SCHEMA \"we\"\"ird; DROP TABLE y; --\"; CREATE SCHEMA \"tenant_a'b\"; CREATE SCHEMA \"tenant_x; DROP TABLE y\""
	write_migration migrations 000001 one "CREATE TABLE one (id int);" "DROP TABLE one;"
	write_migration migrations 000002 two "CREATE TABLE two (id int);" "DROP TABLE two;"
	for t in 'x; DROP TABLE y' 'x"; DROP TABLE y; --' "x'); DROP TABLE y; --" 'we"ird; DROP TABLE y; --.tr"k'; do
		strata_run -d "$url" --table "$t" up
		[ "$status" -eq 0 ]
		strata_run -d "$url" --table "$t" status --json
		[ "$status" -eq 0 ]
		[ "$(jq '.counts.applied' <<<"$output")" = 2 ]
		strata_run -d "$url" --table "$t" history
		[ "$status" -eq 0 ]
		strata_run -d "$url" --table "$t" down --all -y
		[ "$status" -eq 0 ]
		[ "$(pg_sql "$url" "SELECT v FROM y")" = "still here" ]
	done
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_tables WHERE tablename = 'x; DROP TABLE y'")" = 1 ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_tables WHERE schemaname = 'we\"ird; DROP TABLE y; --' AND tablename = 'tr\"k'")" = 1 ]
	# a schema fleet over schemas with hostile names
	strata_run -d "$url" --schemas 'tenant_*' up
	[ "$status" -eq 0 ]
	strata_run -d "$url" --schemas 'we*' up
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_tables WHERE tablename = 'two' AND schemaname IN
		('tenant_a''b', 'tenant_x; DROP TABLE y', 'we\"ird; DROP TABLE y; --')")" = 3 ]
	[ "$(pg_sql "$url" "SELECT v FROM y")" = "still here" ]
}

@test "PostgreSQL: the password is never in status --json, history, version, validate, dry runs, --sql, errors or backup names" {
	require_pg
	make_pg_db t_hostile_pw strata_pw >/dev/null
	pw="postgresql://strata_pw:s3cret-pw@127.0.0.1:${PGPORT}/t_hostile_pw"
	kv="host=127.0.0.1 port=${PGPORT} user=strata_pw password=s3cret-pw dbname=t_hostile_pw"
	write_migration migrations 000001 one "CREATE TABLE one (id int);" "DROP TABLE one;"
	write_migration migrations 000002 two "CREATE TABLE two (id int);" "DROP TABLE two;"
	write_migration migrations 000003 bad "SELECT nosuchcolumn FROM one;" "SELECT 1;"
	all=""
	for d in "$pw" "$kv"; do
		for cmd in "up 1" "status" "status --json" "history" "history --json" "version" "version --json" \
			"validate" "validate --json" "up --dry-run" "up --sql" "up 1 --backup backups" "up" "down -y"; do
			strata_run -d "$d" $cmd
			all+="$output$stderr"
		done
	done
	[[ "$all" == *"password hidden"* ]]
	[[ "$all" != *"s3cret"* ]]
	# the failing migration was reported (so errors were part of what was checked)
	[[ "$all" == *"nosuchcolumn"* ]]
	ls backups | grep -q .
	[ -z "$(ls backups | grep s3cret)" ]
	# and never on the command line of a child process (pg_dump) either: see safety.bats
}

@test "a password with '?' or '#' in a URL's user:password@ part is hidden" {
	strata_run -d "postgresql://strata_pw:wrong?pw-x@127.0.0.1:1/db" status
	[[ "$output$stderr" != *"wrong?pw-x"* ]]
	[[ "$output$stderr" != *"pw-x"* ]]
}

@test "a key=value string whose values contain :// still has its password hidden" {
	strata_run -d "host=127.0.0.1 port=1 password=ab://cd-secret dbname=x" status
	[[ "$output$stderr" != *"cd-secret"* ]]
}

@test "nothing goes through a shell: a backup directory full of shell syntax is just a name" {
	three_migrations
	strata -d sqlite:app.db up 1 >/dev/null
	dir='bk;touch PWNED;$(touch PWNED2)`touch PWNED3`|touch PWNED4'
	strata_run -d sqlite:app.db up --backup "$dir"
	[ "$status" -eq 0 ]
	ls "$dir"/app-*.db
	[ ! -e PWNED ] && [ ! -e PWNED2 ] && [ ! -e PWNED3 ] && [ ! -e PWNED4 ]
	if [ -n "${STRATA_TEST_PG_URL:-}" ]; then
		url=$(make_pg_db)
		write_migration pgm 000001 one "CREATE TABLE one (id int);" "DROP TABLE one;"
		write_migration pgm 000002 two "CREATE TABLE two (id int);" "DROP TABLE two;"
		strata -d "$url" -p pgm up 1 >/dev/null
		# pg_dump is run with execvp: the directory and the URL stay arguments
		strata_run -d "$url" -p pgm up --backup "$dir"
		[ "$status" -eq 0 ]
		ls "$dir"/*.dump
		[ ! -e PWNED ] && [ ! -e PWNED2 ] && [ ! -e PWNED3 ] && [ ! -e PWNED4 ]
	fi
}

# ------------------------------------------------------------------ numbers

@test "durations that are not numbers (nan, inf) are refused" {
	three_migrations
	for opt in "--lock-wait nan" "--lock-wait inf" "--statement-timeout nan" "--lock-timeout inf"; do
		strata_run -d sqlite:app.db $opt status
		[ "$status" -eq 2 ]
	done
	printf -- '-- strata:timeout nan\nSELECT 1;\n' >migrations/000004_t.up.sql
	strata_run validate
	[ "$status" -eq 2 ]
}

@test "PostgreSQL: a timeout the server refuses: one clear error, exit 1, nothing leaked" {
	require_pg
	url=$(make_pg_db)
	three_migrations
	# 10^8 s is more milliseconds than statement_timeout takes
	strata_run -d "$url" --statement-timeout 100000000 status
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"statement_timeout"* ]]
	[[ "$stderr" == *"cannot set timeouts"* ]]
}
