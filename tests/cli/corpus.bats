#!/usr/bin/env bats
# Real migrations written by other projects (../shared/corpus, see its
# README.md): crates.io's 285 Diesel migrations on PostgreSQL, in upstream's
# own layout and as renamed pairs, and vaultwarden's 56 on SQLite. Each must
# reach the schema its project gets with psql / sqlite3, and rolling back must
# stop exactly where the files themselves cannot be undone.

load helpers

CORPUS=${STRATA_CORPUS_DIR:-$STRATA_SOURCE_DIR/../shared/corpus}
CRATES=$CORPUS/pg-cratesio
CRATES_DIESEL=$CORPUS/pg-cratesio-diesel/migrations
VAULT=$CORPUS/sqlite-vaultwarden
# pg_dump itself, not Debian's perl wrapper (which picks a version by cluster)
PG_DUMP=/usr/lib/postgresql/15/bin/pg_dump

# require_corpus: like require_pg, loud when the corpus is not beside the repository.
require_corpus() {
	if [ -d "$CRATES" ] && [ -d "$CRATES_DIESEL" ] && [ -d "$VAULT" ]; then
		return 0
	fi
	if [ "${CI:-}" = true ]; then
		echo "corpus not found at $CORPUS (set STRATA_CORPUS_DIR)" >&2
		return 1
	fi
	echo "# WARNING: skipped '$BATS_TEST_DESCRIPTION': no corpus at $CORPUS" >&3
	skip "no corpus at $CORPUS"
}

# pg_schema URL: pg_dump -s without strata's own tables (strata_migrations
# and any strata_migrations* beside it) and without what differs between two
# dumps of the same schema: the \restrict / \unrestrict lines (a random key
# each time), comment lines and blank lines. Nothing else is normalised.
pg_schema() {
	"$PG_DUMP" -s --exclude-table='public.strata_migrations*' -d "$1" |
		grep -v -e '^\\restrict ' -e '^\\unrestrict ' -e '^--' -e '^$'
}

expected_pg_schema() {
	grep -v -e '^\\restrict ' -e '^\\unrestrict ' -e '^--' -e '^$' "$CRATES/expected_schema.sql"
}

rows() {
	pg_sql "$1" "SELECT count(*) FROM strata_migrations"
}

# diesel_dir NNNN: crates.io's upstream directory name of the NNNN-th migration.
diesel_dir() {
	awk -F'\t' -v n="$1" '$1 == n { print $2 }' "$CRATES/MANIFEST.tsv"
}

# diesel_version NNNN: its version as strata (and Diesel) read it: dashes removed.
diesel_version() {
	local d
	d=$(diesel_dir "$1")
	d=${d%%_*}
	printf '%s\n' "${d//-/}"
}

# sqlite_objects FILE: every schema object's SQL but strata's own, by name
# (.schema lists by creation order, which a down-then-up legitimately changes).
sqlite_objects() {
	sqlite_sql "$1" "SELECT type || ' ' || name || ': ' || sql FROM sqlite_schema
		WHERE tbl_name NOT LIKE 'strata\_migrations%' ESCAPE '\' AND sql IS NOT NULL ORDER BY type, name"
}

# sqlite_dot_schema FILE: sqlite3's .schema, byte for byte, without strata's
# own objects (tables and indexes on strata_migrations*: from their CREATE
# line to the line that ends the statement), and without the sqlite_sequence
# table when only strata's tables have rows in it (SQLite creates it for the
# first AUTOINCREMENT table, here strata's log). Nothing else is normalised.
sqlite_dot_schema() {
	local own_seq=0
	if [ -n "$(sqlite_sql "$1" "SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")" ] &&
		[ "$(sqlite_sql "$1" "SELECT count(*) FROM sqlite_sequence WHERE name NOT LIKE 'strata\_migrations%' ESCAPE '\'")" -eq 0 ]; then
		own_seq=1
	fi
	sqlite3 "$1" .schema | awk -v own_seq="$own_seq" '
		own_seq && $0 == "CREATE TABLE sqlite_sequence(name,seq);" { next }
		skip { if ($0 ~ /\);$/) skip = 0; next }
		/^CREATE [A-Z ]*"?strata_migrations[A-Za-z_]*"? / || /^CREATE [A-Z ]*INDEX .* ON "?strata_migrations/ {
			if ($0 !~ /;$/) skip = 1
			next
		}
		{ print }'
}

@test "crates.io's upstream Diesel directory applies on PostgreSQL and gives upstream's schema" {
	require_pg
	require_corpus
	url=$(make_pg_db)
	run --separate-stderr strata -d "$url" -p "$CRATES_DIESEL" up
	[ "$status" -eq 0 ]
	# a stray data file is named and skipped; the README is not a .sql file and goes unmentioned
	[[ "$stderr" == *"Skipped $CRATES_DIESEL/data_oauth_github.sql: a .sql file whose name does not start with a version number is not a migration."* ]]
	# and nothing else: no error, and no note about the metadata.toml migrations
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$output" == *"285 to run"* ]]
	[ "$(rows "$url")" -eq 285 ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM strata_migrations WHERE state = 'applied'")" -eq 285 ]
	# the directory whose name holds spaces, and the mixed version styles
	[ "$(pg_sql "$url" "SELECT version FROM strata_migrations WHERE name = 'Add email notifications to crate owners'")" = 20191115182353 ]
	[ "$(pg_sql "$url" "SELECT max(version) FROM strata_migrations")" = 202607301400000000 ]

	diff -u <(expected_pg_schema) <(pg_schema "$url")

	# the 7 run_in_transaction = false migrations were applied and recorded ...
	for n in 0219 0222 0228 0235 0256 0258 0285; do
		[ -f "$CRATES_DIESEL/$(diesel_dir "$n")/metadata.toml" ]
		[ "$(pg_sql "$url" "SELECT state FROM strata_migrations WHERE version = $(diesel_version "$n")")" = applied ]
	done
	# ... and CREATE INDEX CONCURRENTLY left valid indexes, DROP INDEX CONCURRENTLY none
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indisvalid AND i.indisready AND c.relname IN ('versions_crate_id_num_no_build_uindex',
		'crate_downloads_downloads_crate_id_index', 'versions_id_yanked_idx', 'background_jobs_priority_id_index',
		'idx_trustpub_configs_github_repo', 'index_users_canon_username')")" -eq 6 ]
	[ -z "$(pg_sql "$url" "SELECT relname FROM pg_class WHERE relname = 'index_follows_user_id'")" ]

	run strata -d "$url" -p "$CRATES_DIESEL" up
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to do"* ]]
	[ "$(rows "$url")" -eq 285 ]
}

@test "crates.io as renamed pairs applies too: CREATE INDEX CONCURRENTLY needs no metadata.toml" {
	require_pg
	require_corpus
	url=$(make_pg_db)
	# strata does not read the NNNN_x.metadata.toml files beside the pairs:
	# the statements themselves tell it to run those 7 outside a transaction,
	# and it says so, once for each
	run --separate-stderr strata -d "$url" -p "$CRATES/migrations" up
	[ "$status" -eq 0 ]
	[ "${#stderr_lines[@]}" -eq 7 ]
	for meta in "$CRATES"/migrations/*.metadata.toml; do
		up_file=$(basename "$meta" .metadata.toml).up.sql
		[[ "$stderr" == *"runs outside a transaction, statement by statement, because $up_file:1 cannot run inside one"* ]]
	done
	[ "$(rows "$url")" -eq 285 ]
	[ "$(pg_sql "$url" "SELECT max(version) FROM strata_migrations")" -eq 285 ]
	diff -u <(expected_pg_schema) <(pg_schema "$url")
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indisvalid AND c.relname IN ('versions_crate_id_num_no_build_uindex',
		'crate_downloads_downloads_crate_id_index', 'versions_id_yanked_idx', 'background_jobs_priority_id_index',
		'idx_trustpub_configs_github_repo', 'index_users_canon_username')")" -eq 6 ]
}

@test "rolling crates.io back goes as far as its downs can: the 50 newest, then the first broken one stops it" {
	require_pg
	require_corpus
	url=$(make_pg_db)
	strata -d "$url" -p "$CRATES_DIESEL" up 2>/dev/null >/dev/null
	[ "$(rows "$url")" -eq 285 ]

	# the 50 newest downs work, DROP INDEX CONCURRENTLY ones (metadata.toml) included;
	# 0235's down drops a constraint, but its up made a unique index
	run --separate-stderr strata -d "$url" -p "$CRATES_DIESEL" down --all -y
	[ "$status" -eq 1 ]
	[ "$(grep -c '^  down ' <<<"$output")" -eq 50 ]
	[[ "$stderr" == *'2024-10-25-112826_make-unique-version-unique/down.sql:1: constraint "versions_crate_id_num_no_build_uindex" of relation "versions" does not exist'* ]]
	[[ "$stderr" == *"the database is at 20241025112826"* ]]
	[ "$(rows "$url")" -eq 235 ]
	[ "$(strata -d "$url" -p "$CRATES_DIESEL" version 2>/dev/null)" = 20241025112826 ]
	[ -z "$(pg_sql "$url" "SELECT relname FROM pg_class WHERE relname IN ('index_users_canon_username', 'background_jobs_priority_id_index', 'idx_trustpub_configs_github_repo')")" ]
	[ "$(pg_sql "$url" "SELECT state FROM strata_migrations WHERE version = 20241025112826")" = applied ]
	[ "$(pg_sql "$url" "SELECT relname FROM pg_class WHERE relname = 'versions_crate_id_num_no_build_uindex'")" = versions_crate_id_num_no_build_uindex ]
}

# A full rollback as `psql -f` of every down file would do it, newest first:
# where a down fails (strata rolls it back), step over it with `force` as
# psql would step over the file. What fails must then be exactly the 8 downs
# of broken_downs.txt, with PostgreSQL's own error at the file's line; the 9
# downs that hold only comments roll back as no-ops, as Diesel runs them.
@test "a full rollback of crates.io, stepping over with force, fails exactly where psql does" {
	require_pg
	require_corpus
	url=$(make_pg_db)
	strata -d "$url" -p "$CRATES_DIESEL" up 2>/dev/null >/dev/null
	[ "$(rows "$url")" -eq 285 ]

	# broken downs: NNNN, then the error strata must report for it (file:line: message)
	declare -A broken=(
		[0235]=':1: constraint "versions_crate_id_num_no_build_uindex" of relation "versions" does not exist'
		[0139]=':1: constraint "fk_crate_downloads_crate_id" of relation "crate_downloads" does not exist'
		[0132]=':2: syntax error at or near "ALTER"'
		[0059]=':1: constraint "fk_version_authors_user_id" of relation "version_authors" does not exist'
		[0050]=':1: constraint "fk_crate_downloads_crate_id" of relation "crate_downloads" does not exist'
		[0045]=':1: column "email" of relation "users" does not exist'
		[0028]=':1: index "index_version_dependencies_depends_on_id" does not exist'
		[0027]=':1: index "index_version_dependencies_version_id" does not exist'
	)
	# the list is the corpus's own
	[ "$(sed 's/_.*//' "$CRATES/broken_downs.txt" | sort | tr '\n' ' ')" = "$(printf '%s\n' "${!broken[@]}" | sort | tr '\n' ' ')" ]
	# downs that hold only comments
	noops="0186 0151 0150 0142 0090 0018 0013 0012 0009"
	all_output=

	at=285
	for k in $(printf '%s\n' "${!broken[@]}" | sort -r); do
		n=$((at - 10#$k))
		if [ "$n" -gt 0 ]; then
			run --separate-stderr strata -d "$url" -p "$CRATES_DIESEL" down "$n" -y
			[ "$status" -eq 0 ]
			all_output+=$output$'\n'
		fi
		[ "$(rows "$url")" -eq $((10#$k)) ]
		version=$(diesel_version "$k")
		[ "$(strata -d "$url" -p "$CRATES_DIESEL" version 2>/dev/null)" = "$version" ]
		down_file="$(diesel_dir "$k")/down.sql"

		run --separate-stderr strata -d "$url" -p "$CRATES_DIESEL" down -y
		[ "$status" -eq 1 ]
		[[ "$stderr" == *"$down_file${broken[$k]}"* ]]
		[[ "$stderr" == *"the database is at $version"* ]]
		[ "$(rows "$url")" -eq $((10#$k)) ]
		[ "$(strata -d "$url" -p "$CRATES_DIESEL" version 2>/dev/null)" = "$version" ]

		prev=$(printf '%04d' $((10#$k - 1)))
		run strata -d "$url" -p "$CRATES_DIESEL" force "$(diesel_version "$prev")" -y
		[ "$status" -eq 0 ]
		at=$((10#$prev))
		[ "$(rows "$url")" -eq "$at" ]
	done
	run --separate-stderr strata -d "$url" -p "$CRATES_DIESEL" down --all -y
	[ "$status" -eq 0 ]
	all_output+=$output
	[ "$(rows "$url")" -eq 0 ]
	# exactly the comment-only downs said they ran no statements
	[ "$(grep '(no statements: only the record is removed)' <<<"$all_output" | awk '{ print $2 }' | tr '\n' ' ')" = \
		"$(for k in $noops; do printf '%s ' "$(diesel_version "$k")"; done)" ]
	# what psql's rollback leaves too: the table of the old migration tool, and pgcrypto
	[ "$(pg_sql "$url" "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class c
		JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = 'public' AND c.relkind = 'r'
		AND c.relname NOT LIKE 'strata\_migrations%'")" = schema_migrations ]
	[ "$(pg_sql "$url" "SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension")" = pgcrypto,plpgsql ]
}

@test "vaultwarden's 56 migrations apply on SQLite and give upstream's .schema" {
	require_corpus
	run --separate-stderr strata -d sqlite:vw.db -p "$VAULT/migrations" up
	[ "$status" -eq 0 ]
	# two of its up scripts are a comment alone ("Integer size in SQLite is already i64")
	[ "${#stderr_lines[@]}" -eq 2 ]
	[ "${stderr_lines[0]}" = "strata: warning: 0044_2024-01-12-210182_change_attachment_size.up.sql holds no SQL, only comments: applying 0044 2024-01-12-210182_change_attachment_size changes nothing but its record" ]
	[[ "${stderr_lines[1]}" == "strata: warning: 0045_2024-02-14-140000_change_time_stamp_data_type.up.sql holds no SQL, only comments: "* ]]
	[ "$(sqlite_sql vw.db 'SELECT count(*) FROM strata_migrations')" -eq 56 ]
	[ "$(sqlite_sql vw.db 'SELECT group_concat(version) FROM (SELECT version FROM strata_migrations ORDER BY version)')" = "$(seq -s, 1 56)" ]
	sqlite3 vw.db .schema | grep -q '"strata_migrations"'
	diff -u "$VAULT/expected_schema.sql" <(sqlite_dot_schema vw.db)
}

@test "rolling vaultwarden back: its 32 comment-only downs are no-ops, as Diesel runs them, and down --all goes all the way" {
	require_corpus
	strata -d sqlite:vw.db -p "$VAULT/migrations" up >/dev/null
	# the 4 newest undo themselves: back to exactly the schema of the first 52
	run strata -d sqlite:vw.db -p "$VAULT/migrations" down 4 -y
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql vw.db 'SELECT max(version) || "/" || count(*) FROM strata_migrations')" = 52/52 ]
	strata -d sqlite:vw52.db -p "$VAULT/migrations" up 52 >/dev/null
	diff -u <(sqlite_objects vw52.db) <(sqlite_objects vw.db)

	# 0052's down holds only comments: only its record goes, the schema stays
	run --separate-stderr strata -d sqlite:vw.db -p "$VAULT/migrations" down -y
	[ "$status" -eq 0 ]
	[[ "$output" == *"down 0052 2025-01-09-172300_add_manage"*"(no statements: only the record is removed)"* ]]
	[ "$(sqlite_sql vw.db 'SELECT count(*) FROM strata_migrations')" -eq 51 ]
	diff -u <(sqlite_objects vw52.db) <(sqlite_objects vw.db)

	run --separate-stderr strata -d sqlite:vw.db -p "$VAULT/migrations" down --all -y
	[ "$status" -eq 0 ]
	[ "$(grep -c '(no statements: only the record is removed)' <<<"$output")" -eq 31 ]
	[ "$(sqlite_sql vw.db 'SELECT count(*) FROM strata_migrations')" -eq 0 ]
	# what the no-op downs leave behind: tables whose ups they do not undo
	[ "$(sqlite_sql vw.db "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'strata\_migrations%' ESCAPE '\' ORDER BY name)")" = auth_requests,folders_ciphers,organization_api_key ]

	# validate names all 32
	run --separate-stderr strata -d sqlite:vw.db -p "$VAULT/migrations" validate
	[ "$status" -eq 0 ]
	[ "$(grep -c '^strata: note: .* holds no statements; rolling it back only removes the record$' <<<"$stderr")" -eq 32 ]
}
