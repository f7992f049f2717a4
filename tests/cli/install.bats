#!/usr/bin/env bats
# install.bats - `make install` from a fresh copy of the sources (it builds
# first) into a prefix that needs no root, then what a user does with the
# installed files: run the binary on SQLite and PostgreSQL (also when copied
# alone into an empty directory: it needs only the system's libpq.so.5, opened
# when a PostgreSQL target is used and never for SQLite), build
# examples/embed.c against libstrata through pkg-config (shared and static),
# and complete commands, options and versions in bash.

load helpers

setup_file() {
	export SRC="$BATS_FILE_TMPDIR/src" PREFIX_DIR="$BATS_FILE_TMPDIR/prefix"
	mkdir -p "$SRC"
	# a fresh clone: the sources, no build directory
	tar -C "$STRATA_SOURCE_DIR" --exclude=./.git --exclude='./build*' -cf - . | tar -C "$SRC" -xf -
	# as the README says: PREFIX from the environment, no root
	PREFIX="$PREFIX_DIR" make -C "$SRC" install STRATA_TESTS=OFF >"$BATS_FILE_TMPDIR/install.log" 2>&1 || {
		tail -n 40 "$BATS_FILE_TMPDIR/install.log" >&3
		return 1
	}
}

setup() {
	strata_setup
	export PKG_CONFIG_PATH="$PREFIX_DIR/lib/pkgconfig"
	write_migration migrations 000001 create_users "CREATE TABLE users (id integer PRIMARY KEY);" "DROP TABLE users;"
	write_migration migrations 000002 create_orders "CREATE TABLE orders (id integer PRIMARY KEY);" "DROP TABLE orders;"
}

@test "make install builds first and installs the binary, man page, libraries, header, strata.pc, completions" {
	grep -q 'cmake --build' "$BATS_FILE_TMPDIR/install.log"
	[ -x "$PREFIX_DIR/bin/strata" ]
	# no driver module beside it: every driver is in the binary and the library
	[ ! -e "$PREFIX_DIR/lib/strata" ]
	[ -f "$PREFIX_DIR/lib/libstrata.a" ]
	[ -L "$PREFIX_DIR/lib/libstrata.so" ]
	[ -f "$PREFIX_DIR/lib/libstrata.so.0" ]
	[ -f "$PREFIX_DIR/include/strata.h" ]
	[ -f "$PREFIX_DIR/share/man/man1/strata.1" ]
	[ -f "$PREFIX_DIR/lib/pkgconfig/strata.pc" ]
	[ -f "$PREFIX_DIR/share/bash-completion/completions/strata" ]
	[ -f "$PREFIX_DIR/share/zsh/site-functions/_strata" ]
	[ -f "$PREFIX_DIR/share/fish/vendor_completions.d/strata.fish" ]
	# the shared library exports the API, the static archive holds it too
	nm -D --defined-only "$PREFIX_DIR/lib/libstrata.so" | grep -q ' T strata_run$'
	nm "$PREFIX_DIR/lib/libstrata.a" 2>/dev/null | grep -q ' T strata_run$'
	run "$PREFIX_DIR/bin/strata" --version
	[ "$status" -eq 0 ]
	[ "$output" = "strata $(pkg-config --modversion strata)" ]
}

@test "the binary is not linked with libpq: it opens libpq.so.5 for a PostgreSQL target, never for SQLite" {
	! ldd "$PREFIX_DIR/bin/strata" | grep -q libpq
	! readelf -d "$PREFIX_DIR/bin/strata" | grep NEEDED | grep -q libpq
	! readelf -d "$PREFIX_DIR/lib/libstrata.so" | grep NEEDED | grep -q libpq
	# the dynamic loader's own account of what a command on SQLite maps
	LD_DEBUG=libs "$PREFIX_DIR/bin/strata" -d sqlite:app.db up >/dev/null 2>ld.log
	grep -q 'calling init: .*libsqlite3' ld.log
	! grep -q libpq ld.log
	LD_DEBUG=libs "$PREFIX_DIR/bin/strata" -d sqlite:app.db status >/dev/null 2>ld.log
	! grep -q libpq ld.log
	require_pg
	url=$(make_pg_db)
	LD_DEBUG=libs "$PREFIX_DIR/bin/strata" -d "$url" status >/dev/null 2>ld.log
	grep -q 'calling init: .*libpq\.so\.5' ld.log
}

@test "the installed binary, copied alone into an empty directory, migrates SQLite and PostgreSQL" {
	mkdir -p alone/bin
	cp "$PREFIX_DIR/bin/strata" alone/bin/
	[ "$(ls -A alone/bin)" = strata ]
	run alone/bin/strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations")" = 2 ]
	require_pg
	url=$(make_pg_db)
	run alone/bin/strata -d "$url" up
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM strata_migrations")" = 2 ]
	run alone/bin/strata -d "$url" status
	[ "$status" -eq 0 ]
	[[ "$output" == *"2 applied, 0 pending; at 000002"* ]]
}

@test "without libpq.so.5 a PostgreSQL target says which package provides it (exit 2); SQLite still works" {
	lib=$(ldconfig -p | awk '/libpq\.so\.5 / { print $NF; exit }')
	[ -n "$lib" ] || skip "no libpq.so.5 in the loader's cache"
	# a private mount namespace where the system's libpq.so.5 is an empty file
	unshare -m --propagation private true 2>/dev/null || skip "cannot make a mount namespace here"
	run unshare -m --propagation private sh -c '
		mount --bind /dev/null "$1" || exit 99
		"$2" -d "postgres://u@127.0.0.1:1/db" status
	' hide "$lib" "$PREFIX_DIR/bin/strata"
	[ "$status" -ne 99 ] || skip "cannot bind-mount here"
	[ "$status" -eq 2 ]
	[[ "$output" == *"PostgreSQL support needs libpq.so.5, which cannot be loaded"* ]]
	[[ "$output" == *"apt-get install libpq5"* ]]
	run unshare -m --propagation private sh -c '
		mount --bind /dev/null "$1" || exit 99
		"$2" -d sqlite:app.db up
	' hide "$lib" "$PREFIX_DIR/bin/strata"
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations")" = 2 ]
}

@test "pkg-config strata points into the prefix" {
	run pkg-config --cflags strata
	[ "$status" -eq 0 ]
	[[ "$output" == "-I$PREFIX_DIR/lib/pkgconfig/../../include"* ]]
	run pkg-config --libs strata
	[ "${output% }" = "-L$PREFIX_DIR/lib/pkgconfig/../../lib -lstrata" ]
	run pkg-config --static --libs strata
	[[ "$output" == *"-lsqlite3"* ]]
}

@test "examples/embed.c, built with pkg-config, migrates its SQLite database on start-up" {
	# shellcheck disable=SC2046
	cc -Wall -Wextra -Werror -o embed "$STRATA_SOURCE_DIR/examples/embed.c" $(pkg-config --cflags --libs strata) \
		-Wl,-rpath,"$(pkg-config --variable=libdir strata)"
	ldd ./embed | grep -q "libstrata.so.0 => $PREFIX_DIR"
	run ./embed app.db migrations
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "migrated 000001 create_users ("*" ms)" ]]
	[[ "${lines[1]}" == "migrated 000002 create_orders ("*" ms)" ]]
	[ "${lines[2]}" = "database at version 000002 (2 migrations applied now)" ]
	[ "$(sqlite_sql app.db "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('users', 'orders') ORDER BY name)")" = "orders users" ]
	run ./embed app.db migrations
	[ "$status" -eq 0 ]
	[ "$output" = "database at version 000002 (0 migrations applied now)" ]
	# the CLI sees what the program did
	run "$PREFIX_DIR/bin/strata" -d sqlite:app.db status
	[[ "$output" == *"2 applied, 0 pending; at 000002"* ]]
	# a broken migration stops the start-up with the file and line
	write_migration migrations 000003 broken "CREATE TABLE x (id integer);
SELEC 1;"
	run ./embed app.db migrations
	[ "$status" -eq 1 ]
	[[ "$output" == "embed: migrating: "*"(000003_broken.up.sql, line 2)"* ]]
}

@test "embed.c links statically too (pkg-config --static)" {
	# shellcheck disable=SC2046
	cc -o embed-static "$STRATA_SOURCE_DIR/examples/embed.c" $(pkg-config --cflags strata) \
		"$(pkg-config --variable=libdir strata)/libstrata.a" $(pkg-config --static --libs-only-l strata | sed 's/-lstrata//')
	! ldd ./embed-static | grep -q libstrata
	run ./embed-static app.db migrations
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations")" = 2 ]
}

@test "a program on libstrata.so reaches PostgreSQL (libstrata opens libpq.so.5 itself)" {
	require_pg
	url=$(make_pg_db)
	cat >pg.c <<'C'
#include <stdio.h>
#include <strata.h>
int main(int argc, char **argv)
{
	struct strata_target *t = NULL;
	struct strata_db *db = NULL;
	struct strata_opts o;
	struct strata_err err;

	(void)argc;
	strata_err_clear(&err);
	strata_opts_init(&o);
	if (strata_target_parse(argv[1], &t, &err) || strata_db_open(t, &o, &db, &err)) {
		fprintf(stderr, "%s | %s\n", err.message, err.hint);
		return 1;
	}
	printf("%s\n", strata_db_engine(db));
	strata_db_close(db);
	strata_target_free(t);
	return 0;
}
C
	# shellcheck disable=SC2046
	cc -o pg pg.c $(pkg-config --cflags --libs strata) -Wl,-rpath,"$(pkg-config --variable=libdir strata)"
	run ./pg "$url"
	[ "$status" -eq 0 ]
	[ "$output" = "postgres" ]
}

# complete WORDS...: what bash completion offers for the command line WORDS (the last one is being typed).
complete_words() {
	bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_strata
		printf "%s\n" "${COMPREPLY[@]}"
	' complete "$PREFIX_DIR/share/bash-completion/completions/strata" "$@"
}

@test "bash completion: commands, options, and the versions of the migrations directory" {
	run complete_words strata st
	[ "$output" = $'status\nstamp' ] || [ "$output" = $'stamp\nstatus' ]
	run complete_words strata --dry
	[ "$output" = "--dry-run" ]
	run complete_words strata goto ""
	[ "$output" = $'000001\n000002' ]
	mkdir other
	write_migration other 20240101120000 a "SELECT 1;"
	run complete_words strata -p other force 2024
	[ "$output" = "20240101120000" ]
	run complete_words strata --path other stamp ""
	[ "$output" = $'head\n20240101120000' ]
	run complete_words strata downgrade ""
	[ "$output" = $'base\n-1\n000001\n000002' ]
}

@test "every command and option of strata help is in each completion script" {
	for cmd in $("$PREFIX_DIR/bin/strata" help | awk '/^Commands:/ { on = 1; next } /^Options/ { on = 0 } on && /^  [a-z]/ { print $1 }'); do
		for f in "$STRATA_SOURCE_DIR"/completions/*; do
			grep -qw -- "$cmd" "$f" || { echo "$f lacks the command $cmd"; return 1; }
		done
	done
	for opt in $("$PREFIX_DIR/bin/strata" help | grep -oE '^  (-[a-z], )?--[a-z-]+' | sed 's/.*--//'); do
		for f in "$STRATA_SOURCE_DIR"/completions/*; do
			grep -q -- "$opt" "$f" || { echo "$f lacks the option --$opt"; return 1; }
		done
	done
}
