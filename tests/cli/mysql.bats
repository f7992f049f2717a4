#!/usr/bin/env bats
# MySQL/MariaDB: every command on the throwaway MariaDB server of
# tests/mysql.sh, and what MySQL's implicit commits make strata do: each
# migration with DDL runs through the statement journal (a failure or a kill
# leaves the exact statement), a crash between a DDL and its record is
# decided from the catalog, a migration of DML alone is one transaction with
# its record. Kill trials: MYSQL_TRIALS (10; 60 with STRATA_LONG_TESTS=1).

load helpers

if [ -n "${STRATA_CRASH_TRIALS:-}" ]; then
	MYSQL_TRIALS=$STRATA_CRASH_TRIALS
elif [ "${STRATA_LONG_TESTS:-}" = 1 ]; then
	MYSQL_TRIALS=60
else
	MYSQL_TRIALS=10
fi

teardown() {
	local p
	for p in $(jobs -p); do
		kill -KILL "$p" 2>/dev/null || true
	done
	strata_teardown
}

# three migrations: a table, a column and an index on it, rows
three() {
	write_migration m 1 users 'CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100));' 'DROP TABLE users;'
	write_migration m 2 nick "ALTER TABLE users ADD COLUMN nick VARCHAR(20);
CREATE INDEX users_nick ON users (nick);" 'DROP INDEX users_nick ON users;
ALTER TABLE users DROP COLUMN nick;'
	write_migration m 3 rows "INSERT INTO users VALUES (1, 'a@x', 'a');
INSERT INTO users VALUES (2, 'b@x', 'b');" 'DELETE FROM users;'
}

@test "MariaDB: up, status, version, history; versions of 20+ digits stay exact" {
	require_mysql
	url=$(make_my_db)
	three
	write_migration m 20261201120000123456789 big 'CREATE TABLE big (id INT);' 'DROP TABLE big;'
	run strata -d "$url" -p m up
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok   20261201120000123456789 big"* ]]
	run strata -d "$url" -p m version
	[ "$status" -eq 0 ]
	[ "$output" = 20261201120000123456789 ]
	[ "$(my_sql "${url##*/}" "SELECT COUNT(*) FROM users")" = 2 ]
	[ "$(my_sql "${url##*/}" "SELECT version FROM strata_migrations ORDER BY version DESC LIMIT 1")" = 20261201120000123456789 ]
	[ "$(my_sql "${url##*/}" "SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'strata_migrations' AND COLUMN_NAME = 'version'")" = decimal ]
	run strata -d "$url" -p m status
	[ "$status" -eq 0 ]
	[[ "$output" == *"4 applied, 0 pending; at 20261201120000123456789"* ]]
	run strata -d "$url" -p m history
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c ' up ')" -eq 4 ]
}

@test "MariaDB: down, goto, redo" {
	require_mysql
	url=$(make_my_db)
	three
	strata -d "$url" -p m up
	run strata -d "$url" -p m down --yes
	[ "$status" -eq 0 ]
	[ "$(my_sql "${url##*/}" "SELECT COUNT(*) FROM users")" = 0 ]
	run strata -d "$url" -p m goto 1 --yes
	[ "$status" -eq 0 ]
	[ "$(my_sql "${url##*/}" "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users' AND COLUMN_NAME = 'nick'")" = 0 ]
	run strata -d "$url" -p m goto 3
	[ "$status" -eq 0 ]
	run strata -d "$url" -p m redo --yes
	[ "$status" -eq 0 ]
	[ "$(my_sql "${url##*/}" "SELECT COUNT(*) FROM users")" = 2 ]
	[ "$(strata -d "$url" -p m version)" = 3 ]
}

@test "MariaDB: validate refuses an edited migration, accept records it, force and baseline record without running" {
	require_mysql
	url=$(make_my_db)
	three
	strata -d "$url" -p m up 2
	run strata -d "$url" -p m validate
	[ "$status" -eq 0 ]
	echo '-- a comment changes nothing' >>m/1_users.up.sql
	sed -i 's/VARCHAR(100)/VARCHAR(200)/' m/1_users.up.sql
	run strata -d "$url" -p m validate
	[ "$status" -ne 0 ]
	[[ "$output" == *"1_users.up.sql: changed after it was applied"* ]]
	run strata -d "$url" -p m accept 1
	[ "$status" -eq 0 ]
	run strata -d "$url" -p m validate
	[ "$status" -eq 0 ]
	run strata -d "$url" -p m baseline 3
	[ "$status" -eq 0 ]
	[ "$(my_sql "${url##*/}" "SELECT COUNT(*) FROM users")" = 0 ]
	[ "$(strata -d "$url" -p m version)" = 3 ]
	run strata -d "$url" -p m force 1 --yes
	[ "$status" -eq 0 ]
	[ "$(strata -d "$url" -p m version)" = 1 ]
}

@test "MariaDB: adopt golang-migrate's schema_migrations and dbmate's" {
	require_mysql
	three
	url=$(make_my_db)
	# golang-migrate's MySQL driver: version bigint, dirty boolean
	my_sql "${url##*/}" "CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY, dirty BOOLEAN NOT NULL);
		INSERT INTO schema_migrations VALUES (2, 0);
		CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100), nick VARCHAR(20));"
	run strata -d "$url" -p m adopt
	[ "$status" -eq 0 ]
	[[ "$output" == *golang-migrate* ]]
	[ "$(strata -d "$url" -p m version)" = 2 ]
	run strata -d "$url" -p m up
	[ "$status" -eq 0 ]
	[ "$(my_sql "${url##*/}" "SELECT COUNT(*) FROM users")" = 2 ]
	# a dirty golang-migrate version is refused
	url=$(make_my_db t_mysql_dirty)
	my_sql t_mysql_dirty "CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY, dirty BOOLEAN NOT NULL);
		INSERT INTO schema_migrations VALUES (2, 1);"
	run strata -d "$url" -p m adopt
	[ "$status" -ne 0 ]
	[[ "$output" == *"left version 2 dirty"* ]]
	# dbmate's MySQL table: version varchar(128) primary key
	url=$(make_my_db t_mysql_dbmate)
	my_sql t_mysql_dbmate "CREATE TABLE schema_migrations (version VARCHAR(128) NOT NULL PRIMARY KEY);
		INSERT INTO schema_migrations VALUES ('1'), ('2');"
	run strata -d "$url" -p m adopt
	[ "$status" -eq 0 ]
	[[ "$output" == *dbmate* ]]
	[ "$(strata -d "$url" -p m version)" = 2 ]
}

@test "MariaDB: drop removes every table, view and routine of the database, and only of it" {
	require_mysql
	url=$(make_my_db)
	other=$(make_my_db t_mysql_other)
	three
	strata -d "$url" -p m up
	my_sql "${url##*/}" "CREATE TABLE child (id INT, u INT, FOREIGN KEY (u) REFERENCES users (id));
		CREATE VIEW v AS SELECT id FROM users;
		CREATE PROCEDURE p() SELECT 1;"
	my_sql t_mysql_other "CREATE TABLE keep (id INT)"
	run strata -d "$url" -p m drop --yes
	[ "$status" -eq 0 ]
	[ "$(my_sql "${url##*/}" "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")" = 0 ]
	[ "$(my_sql "${url##*/}" "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()")" = 0 ]
	[ "$(my_sql t_mysql_other "SELECT COUNT(*) FROM keep")" = 0 ]
	run strata -d "$other" -p m status
	[ "$status" -eq 0 ]
}

@test "MariaDB: --backup writes a mariadb-dump of the database before changing it" {
	require_mysql
	if ! command -v mariadb-dump >/dev/null && ! command -v mysqldump >/dev/null; then
		[ "${CI:-}" != true ] || { echo "no mariadb-dump but CI=true (make test-deps installs mariadb-client)" >&2; return 1; }
		skip "no mariadb-dump (mariadb-client)"
	fi
	url=$(make_my_db)
	three
	strata -d "$url" -p m up 1
	run strata -d "$url" -p m up --backup bk
	[ "$status" -eq 0 ]
	f=$(ls bk/*.sql)
	grep -q 'CREATE TABLE `users`' "$f"
	[ "$(stat -c %a "$f")" = 600 ]
}

@test "MariaDB: fleets, over --targets and over the databases --schemas matches" {
	require_mysql
	three
	a=$(make_my_db t_mysql_fleet_a)
	b=$(make_my_db t_mysql_fleet_b)
	printf '%s\n%s\n' "$a" "$b" >targets.txt
	run strata --targets targets.txt -p m up
	[ "$status" -eq 0 ]
	[ "$(my_sql t_mysql_fleet_a "SELECT COUNT(*) FROM users")" = 2 ]
	[ "$(my_sql t_mysql_fleet_b "SELECT COUNT(*) FROM users")" = 2 ]
	make_my_db t_mysql_tenant_1 >/dev/null
	make_my_db t_mysql_tenant_2 >/dev/null
	run strata -d "$a" -p m --schemas 't_mysql_tenant_*' up -j 2
	[ "$status" -eq 0 ]
	[ "$(my_sql t_mysql_tenant_1 "SELECT COUNT(*) FROM users")" = 2 ]
	[ "$(my_sql t_mysql_tenant_2 "SELECT version FROM strata_migrations ORDER BY version DESC LIMIT 1")" = 3 ]
	run strata -d "$a" -p m --schemas 't_mysql_tenant_*' status
	[ "$status" -eq 0 ]
}

@test "MariaDB: --dry-run changes nothing; --sql prints the script" {
	require_mysql
	url=$(make_my_db)
	three
	run strata -d "$url" -p m up --dry-run
	[ "$status" -eq 0 ]
	[ "$(my_sql "${url##*/}" "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users'")" = 0 ]
	run --separate-stderr strata -d "$url" -p m up --sql
	[ "$status" -eq 0 ]
	[[ "$output" == *"CREATE TABLE users"* ]]
	[[ "$output" == *'INSERT INTO `strata_migrations`'* ]]
	[ "$(my_sql "${url##*/}" "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users'")" = 0 ]
}

@test "MariaDB: a DDL migration failing at statement 3 is partial at 2; the fixed file resumes at 3; edits above it are refused" {
	require_mysql
	url=$(make_my_db)
	write_migration m 1 t "CREATE TABLE a (id INT);
CREATE TABLE b (id INT);
CREATE TABLE b (id INT);
CREATE TABLE c (id INT);" 'DROP TABLE a, b, c;'
	run strata -d "$url" -p m up
	[ "$status" -ne 0 ]
	[[ "$output" == *"1_t.up.sql:3: Table 'b' already exists"* ]]
	[[ "$output" == *"statement 3 of 4 failed; statements 1-2 ran"* ]]
	[ "$(my_sql "${url##*/}" "SELECT state, statements_done FROM strata_migrations")" = "partial	2" ]
	# an edit of a statement that ran is refused
	sed -i '1s/INT/BIGINT/' m/1_t.up.sql
	run strata -d "$url" -p m up
	[ "$status" -ne 0 ]
	[[ "$output" == *"statements 1-2 already ran, and have been edited since"* ]]
	sed -i '1s/BIGINT/INT/' m/1_t.up.sql
	sed -i '3s/CREATE TABLE b/CREATE TABLE b2/' m/1_t.up.sql
	run strata -d "$url" -p m up
	[ "$status" -eq 0 ]
	[ "$(my_sql "${url##*/}" "SELECT state, statements_done FROM strata_migrations")" = "applied	0" ]
	[ "$(my_sql "${url##*/}" "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('a', 'b', 'b2', 'c')")" = 4 ]
}

@test "MariaDB: a migration of DML alone is one transaction with its record: a failure leaves nothing" {
	require_mysql
	url=$(make_my_db)
	write_migration m 1 t 'CREATE TABLE a (id INT PRIMARY KEY);'
	write_migration m 2 rows 'INSERT INTO a VALUES (1);
INSERT INTO a VALUES (2);
INSERT INTO a VALUES (1);'
	run strata -d "$url" -p m up
	[ "$status" -ne 0 ]
	[[ "$output" == *"Duplicate entry '1'"* ]]
	[ "$(my_sql "${url##*/}" "SELECT COUNT(*) FROM a")" = 0 ]
	[ "$(my_sql "${url##*/}" "SELECT version, state FROM strata_migrations")" = "1	applied" ]
}

@test "MariaDB: killed between a DDL's implicit commit and its record, the next run reads the catalog" {
	require_mysql
	url=$(make_my_db)
	write_migration m 1 t "CREATE TABLE a (id INT);
ALTER TABLE a ADD COLUMN b INT;
CREATE INDEX a_b ON a (b);
ALTER TABLE a MODIFY b BIGINT;
CREATE TABLE c (id INT);"
	for k in 1 2 3; do
		my_sql "${url##*/}" "DROP TABLE IF EXISTS a, c, strata_migrations, strata_migrations_log"
		rm -f paused
		STRATA_TEST_PAUSE_UNRECORDED="$k:$PWD/paused" "$STRATA" -d "$url" -p m up >run.out 2>&1 &
		pid=$!
		for _ in $(seq 200); do [ -e paused ] && break; sleep 0.05; done
		[ -e paused ]
		kill -KILL "$pid"
		wait "$pid" || true
		[ "$(my_sql "${url##*/}" "SELECT state, statements_done FROM strata_migrations")" = "partial	$((k - 1))" ]
		run strata -d "$url" -p m up
		[ "$status" -eq 0 ]
		[[ "$output" == *"statement $k (line $k) ran before the last run stopped (the catalog shows it)"* ]]
		[ "$(my_sql "${url##*/}" "SELECT state FROM strata_migrations")" = applied ]
		[ "$(my_sql "${url##*/}" "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = 'a_b'")" = 1 ]
	done
	# MODIFY: the catalog cannot tell; strata says so and what to do
	my_sql "${url##*/}" "DROP TABLE IF EXISTS a, c, strata_migrations, strata_migrations_log"
	rm -f paused
	STRATA_TEST_PAUSE_UNRECORDED="4:$PWD/paused" "$STRATA" -d "$url" -p m up >run.out 2>&1 &
	pid=$!
	for _ in $(seq 200); do [ -e paused ] && break; sleep 0.05; done
	kill -KILL "$pid"
	wait "$pid" || true
	run strata -d "$url" -p m up
	[ "$status" -ne 0 ]
	[[ "$output" == *"1_t.up.sql:4: 1 t stopped while statement 4 (line 4) ran, before strata could record it, and the catalog cannot tell whether \`ALTER TABLE a MODIFY b BIGINT;\` ran"* ]]
	[[ "$output" == *'record the migration with `strata force 1`'* ]]
	# killed before the statement ran: the catalog says it did not, and it runs
	my_sql "${url##*/}" "DROP TABLE IF EXISTS a, c, strata_migrations, strata_migrations_log"
	my_sql "${url##*/}" "$(strata -d "$url" -p m up --sql | sed -n '/^CREATE TABLE IF NOT EXISTS `strata_migrations`/,/;$/p')" 2>/dev/null || true
}

# kill_trials DIR URL N: N runs of up killed at random moments, each followed by a check and a finishing run
kill_trials() {
	local url=$1 n=$2 db=${1##*/} i delay pid kills=0 landed=0 caught=0 out
	for i in $(seq "$n"); do
		my_sql "$db" "DROP TABLE IF EXISTS t1, t2, t3, t4, t5, t6, strata_migrations, strata_migrations_log"
		delay=$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", (r % 400) / 1000 }')
		"$STRATA" -d "$url" -p k up >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -KILL "$pid" 2>/dev/null && kills=$((kills + 1))
		wait "$pid" || true
		# the journal names exactly the statements that ran (or the one running)
		out=$(my_sql "$db" "SELECT version, state, statements_done FROM strata_migrations WHERE state = 'partial'" 2>/dev/null || true)
		if [ -n "$out" ]; then
			landed=$((landed + 1))
			set -- $out
			# tables 1..done of that migration exist; those after done+1 do not
			local v=$1 done=$3 j
			for j in $(seq 1 "$done"); do
				[ "$(my_sql "$db" "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't$(((v - 1) * 3 + j))'")" = 1 ]
			done
			for j in $(seq $((done + 2)) 3); do
				[ "$(my_sql "$db" "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't$(((v - 1) * 3 + j))'")" = 0 ]
			done
		fi
		run strata -d "$url" -p k up
		[ "$status" -eq 0 ]
		[[ "$output" != *"(the catalog shows it)"* ]] || caught=$((caught + 1))
		[ "$(my_sql "$db" "SELECT COUNT(*) FROM strata_migrations WHERE state = 'applied'")" = 2 ]
		[ "$(my_sql "$db" "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 't_'")" = 6 ]
		[ "$(my_sql "$db" "SELECT COUNT(*) FROM t3")" = 3 ]
	done
	echo "# MariaDB kill trials: $n, kills $kills, left partial $landed, of which $caught with the last statement landed but unrecorded (the catalog told)" >&3
}

@test "MariaDB: SIGKILL at random points of multi-statement DDL migrations: the journal names what ran, up completes" {
	require_mysql
	url=$(make_my_db)
	write_migration k 1 first "CREATE TABLE t1 (id INT);
CREATE TABLE t2 (id INT);
CREATE TABLE t3 (id INT);
INSERT INTO t3 VALUES (1), (2), (3);"
	write_migration k 2 second "CREATE TABLE t4 (id INT);
CREATE TABLE t5 (id INT);
CREATE TABLE t6 (id INT);"
	kill_trials "$url" "$MYSQL_TRIALS"
}

@test "MariaDB: two runners at once: each migration runs exactly once, the waiter names the holder" {
	require_mysql
	url=$(make_my_db)
	write_migration m 1 slow "CREATE TABLE ledger (v INT);
INSERT INTO ledger VALUES (1);
DO SLEEP(1.5);"
	write_migration m 2 next "INSERT INTO ledger VALUES (2);"
	"$STRATA" -d "$url" -p m up >a.out 2>&1 &
	a=$!
	sleep 0.3
	run strata -d "$url" -p m up
	wait "$a"
	[ "$status" -eq 0 ]
	[ "$(my_sql "${url##*/}" "SELECT GROUP_CONCAT(v ORDER BY v) FROM ledger")" = "1,2" ]
	run --separate-stderr strata -d "$url" -p m up --lock-wait 0 2>/dev/null
	[ "$status" -eq 0 ]
	# a holder is named while waiting
	my_sql "${url##*/}" "DROP TABLE ledger, strata_migrations, strata_migrations_log"
	"$STRATA" -d "$url" -p m up >a.out 2>&1 &
	a=$!
	sleep 0.3
	run strata -d "$url" -p m up --lock-wait 0.2
	wait "$a"
	[ "$status" -eq 3 ]
	[[ "$output" == *"another runner holds the migration lock on"*"held by connection "*"(user root from "* ]]
}

@test "MariaDB: golang-migrate's tcp(host:port) DSN, mariadb://, MYSQL_PWD; a password never shows" {
	require_mysql
	make_my_db t_mysql_dsn >/dev/null
	three
	run strata -d "mysql://strata_pw:s3cret-pw@tcp(127.0.0.1:$STRATA_TEST_MYSQL_PORT)/t_mysql_dsn?x-migrations-table=gm_migrations" -p m up
	[ "$status" -eq 0 ]
	[[ "$output" != *s3cret* ]]
	[ "$(my_sql t_mysql_dsn "SELECT COUNT(*) FROM gm_migrations")" = 3 ]
	run strata -d "mariadb://strata_pw:wrong-pw@127.0.0.1:$STRATA_TEST_MYSQL_PORT/t_mysql_dsn" -p m status
	[ "$status" -ne 0 ]
	[[ "$output" == *"Access denied"* ]]
	[[ "$output" != *wrong-pw* ]]
	MYSQL_PWD=s3cret-pw run strata -d "mariadb://strata_pw@127.0.0.1:$STRATA_TEST_MYSQL_PORT/t_mysql_dsn" -p m status
	[ "$status" -eq 0 ]
	MYSQL_HOST=127.0.0.1 MYSQL_TCP_PORT=$STRATA_TEST_MYSQL_PORT run strata -d "mysql://root@/t_mysql_dsn" -p m status
	[ "$status" -eq 0 ]
}

@test "MariaDB: vaultwarden's 55 Diesel migrations apply with ?foreign_key_checks=0 and give upstream's schema" {
	require_mysql
	corpus=$STRATA_SOURCE_DIR/../shared/corpus/mysql-vaultwarden-diesel
	[ -d "$corpus" ] || corpus=/work/shared/corpus/mysql-vaultwarden-diesel
	[ -d "$corpus" ] || { [ "${CI:-}" != true ] || return 1; skip "no shared/corpus"; }
	url=$(make_my_db t_mysql_vw)
	# without it the first migration references a table made after it
	run strata -d "$url" -p "$corpus/migrations" up
	[ "$status" -ne 0 ]
	[[ "$output" == *"Foreign key constraint is incorrectly formed"* ]]
	make_my_db t_mysql_vw >/dev/null
	run strata -d "$url?foreign_key_checks=0" -p "$corpus/migrations" up
	[ "$status" -eq 0 ]
	[ "$(my_sql t_mysql_vw "SELECT COUNT(*) FROM strata_migrations WHERE state = 'applied'")" = 55 ]
	python3 - "$corpus/expected_schema.sql" "$STRATA_TEST_MYSQL_SOCKET" <<-'EOF'
	import re, subprocess, sys
	exp = open(sys.argv[1]).read()
	want = {m.group(1): m.group(0) for m in re.finditer(r'CREATE TABLE `([^`]+)` \(.*?\n\)[^;]*', exp, re.S)}
	cli = ['mariadb', '--no-defaults', '-uroot', '--socket=' + sys.argv[2], '-N', '--raw', 't_mysql_vw', '-e']
	out = subprocess.run(cli + ['SHOW TABLES'], capture_output=True, text=True, check=True).stdout
	tables = [t for t in out.split() if not t.startswith('strata_migrations')]
	assert sorted(tables) == sorted(want), (sorted(tables), sorted(want))
	for t in tables:
	    q = 'SHOW CREATE TABLE `%s`' % t
	    got = subprocess.run(cli + [q], capture_output=True, text=True, check=True).stdout
	    assert got.split('\t', 1)[1].rstrip('\n') == want[t], t
	print(len(tables), 'tables as upstream')
	EOF
}

@test "MariaDB: DELIMITER, # comments, version comments and backslash escapes run as the mysql client runs them; errors name their line" {
	require_mysql
	url=$(make_my_db)
	mkdir m
	cat >m/1_proc.up.sql <<-'EOF'
		CREATE TABLE n (v INT, s VARCHAR(20));
		DELIMITER $$
		CREATE PROCEDURE addn(IN x INT)
		BEGIN
		  INSERT INTO n VALUES (x, 'a;b'); # a comment; with a semicolon
		  INSERT INTO n VALUES (x + 1, 'it\'s');
		END$$
		DELIMITER ;
		CALL addn(1);
		/*!40101 SET @x = 1 */;
		CALL nosuch();
	EOF
	run strata -d "$url" -p m up
	[ "$status" -ne 0 ]
	[[ "$output" == *"1_proc.up.sql:11: PROCEDURE ${url##*/}.nosuch does not exist"* ]]
	[[ "$output" == *"statement 5 of 5 failed; statements 1-4 ran"* ]]
	sed -i 's/CALL nosuch();/SELECT 1;/' m/1_proc.up.sql
	run strata -d "$url" -p m up
	[ "$status" -eq 0 ]
	[ "$(my_sql "${url##*/}" "SELECT GROUP_CONCAT(s ORDER BY v SEPARATOR '|') FROM n")" = "a;b|it's" ]
}

@test "MariaDB: --lock lease: four runners at once, each migration exactly once, the waiters name the lease's holder" {
	require_mysql
	url=$(make_my_db)
	write_migration m 1 slow "CREATE TABLE ledger (v INT);
INSERT INTO ledger VALUES (1);
DO SLEEP(1.5);"
	write_migration m 2 next "INSERT INTO ledger VALUES (2);"
	for i in 1 2 3 4; do
		"$STRATA" -d "$url" -p m up --lock lease >"run$i.out" 2>&1 &
	done
	wait
	[ "$(my_sql "${url##*/}" "SELECT GROUP_CONCAT(v ORDER BY v) FROM ledger")" = "1,2" ]
	[ "$(cat run*.out | grep -c 'nothing to do')" -eq 3 ]
	grep -q 'waiting for the migration lock on .*: lease held by ' run*.out
	[ "$(my_sql "${url##*/}" "SELECT COUNT(*) FROM strata_migrations_lock")" = 0 ]
}
