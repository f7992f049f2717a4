#!/usr/bin/env bash
# bench/fleet.sh - a fleet of tenants migrated in one command, against the
# ways people do it today: a shell loop over strata, a shell loop over dbmate,
# and the physical limit (a loop of sqlite3 / psql applying the same SQL, each
# migration in its own transaction, one process per target).
#
#   bench/fleet.sh [--files N] [--migrations M] [--schemas S] [--skip-pg]
#
# Defaults (1,000 SQLite files, 200 PostgreSQL schemas, 50 migrations) keep a
# run to a few minutes on 2 cores; the issue's full size is
#   bench/fleet.sh --files 10000 --schemas 1000 --migrations 50
# Needs a built strata (STRATA_BIN, default build/strata), sqlite3, psql and
# /usr/bin/time; dbmate from bench/.npm when bench/run installed it. Every
# variant starts from fresh databases. Prints wall time, targets/s, peak RSS
# and ratios; nothing is written to the repository.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
FILES=1000 MIGRATIONS=50 SCHEMAS=200 SKIP_PG=0
while [ $# -gt 0 ]; do
	case $1 in
	--files) FILES=$2; shift 2 ;;
	--migrations) MIGRATIONS=$2; shift 2 ;;
	--schemas) SCHEMAS=$2; shift 2 ;;
	--skip-pg) SKIP_PG=1; shift ;;
	*) echo "usage: $0 [--files N] [--migrations M] [--schemas S] [--skip-pg]" >&2; exit 2 ;;
	esac
done
STRATA=${STRATA_BIN:-$root/build/strata}
[ -x "$STRATA" ] || { echo "fleet.sh: no strata at $STRATA (make build, or set STRATA_BIN)" >&2; exit 2; }
PSQL=/usr/lib/postgresql/15/bin/psql
DBMATE=$(ls "$here"/.npm/node_modules/@dbmate/linux-x64/bin/dbmate 2>/dev/null || command -v dbmate || true)
[ -x /usr/bin/time ] || { echo "fleet.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d /tmp/strata-fleet.XXXXXX)
# stop the cluster before removing $work: its directory is reached through a link in there
trap '{ [ -n "${pgdir:-}" ] && bash "$root/tests/pg.sh" stop "$pgdir" >/dev/null 2>&1; } || true; rm -rf "$work"' EXIT

# The migrations: small DDL, as tenants' schemas grow (tables, an index, an ALTER).
mkdir -p "$work/migrations" "$work/dbmate"
: >"$work/raw.sql"
for k in $(seq 1 "$MIGRATIONS"); do
	v=$(printf '%06d' "$k")
	case $((k % 3)) in
	1) up="CREATE TABLE t_$k (id INTEGER PRIMARY KEY, name TEXT, created INTEGER);" down="DROP TABLE t_$k;" ;;
	2) up="CREATE INDEX i_$k ON t_$((k - 1)) (name);" down="DROP INDEX i_$k;" ;;
	0) up="ALTER TABLE t_$((k - 2)) ADD COLUMN extra_$k TEXT;" down="ALTER TABLE t_$((k - 2)) DROP COLUMN extra_$k;" ;;
	esac
	printf '%s\n' "$up" >"$work/migrations/${v}_m$k.up.sql"
	printf '%s\n' "$down" >"$work/migrations/${v}_m$k.down.sql"
	printf -- '-- migrate:up\n%s\n\n-- migrate:down\n%s\n' "$up" "$down" >"$work/dbmate/${v}_m$k.sql"
	printf 'BEGIN;\n%s\nCOMMIT;\n' "$up" >>"$work/raw.sql"
done

# measure NAME COMMAND...: wall seconds and peak RSS (KB) of the whole command
declare -A WALL RSS
measure() {
	local name=$1
	shift
	local t0 t1
	t0=$(date +%s.%N)
	/usr/bin/time -f %M -o "$work/rss" "$@" >"$work/$name.out" 2>"$work/$name.err" || {
		echo "fleet.sh: $name failed:" >&2
		tail -5 "$work/$name.err" >&2
		exit 1
	}
	t1=$(date +%s.%N)
	WALL[$name]=$(echo "$t1 - $t0" | bc -l)
	RSS[$name]=$(tail -1 "$work/rss")
}

fresh_files() {
	rm -rf "$work/data"
	mkdir -p "$work/data"
	local i
	for i in $(seq 1 "$FILES"); do : >"$work/data/project_$i.db"; done
}

report() {
	local base=$1 targets=$2
	shift 2
	printf '%-28s %10s %12s %10s %12s\n' variant "wall s" "targets/s" "peak RSS" "vs $base"
	local n
	for n in "$@"; do
		[ -n "${WALL[$n]:-}" ] || continue
		printf '%-28s %10.2f %12.0f %8d KB %11.2fx\n' "$n" "${WALL[$n]}" "$(echo "$targets / ${WALL[$n]}" | bc -l)" \
			"${RSS[$n]}" "$(echo "${WALL[$n]} / ${WALL[$base]}" | bc -l)"
	done
}

echo "== SQLite: $FILES files x $MIGRATIONS migrations ($(nproc) cores)"
cd "$work"
fresh_files
measure raw-sqlite3-loop bash -c 'for f in data/*.db; do sqlite3 -bail "$f" < raw.sql; done'
fresh_files
# the limit for two workers: the same loop split over two processes
measure raw-sqlite3-2-procs bash -c 'ls data/*.db | xargs -P 2 -I{} sh -c "sqlite3 -bail {} < raw.sql"'
fresh_files
measure strata-j1 "$STRATA" -q -p migrations -d 'sqlite:data/project_*.db' up -j 1
fresh_files
measure strata-j2 "$STRATA" -q -p migrations -d 'sqlite:data/project_*.db' up -j 2
fresh_files
measure strata-shell-loop bash -c 'for f in data/*.db; do "$0" -q -p migrations -d "sqlite:$f" up; done' "$STRATA"
if [ -n "$DBMATE" ]; then
	fresh_files
	measure dbmate-shell-loop bash -c 'for f in data/*.db; do "$0" --no-dump-schema -d dbmate --url "sqlite:$f" up >/dev/null; done' "$DBMATE"
fi
report raw-sqlite3-loop "$FILES" raw-sqlite3-loop raw-sqlite3-2-procs strata-j1 strata-j2 strata-shell-loop dbmate-shell-loop
echo
printf 'strata -j2 vs -j1: %.2fx faster (raw sqlite3, 2 processes vs 1: %.2fx)\n' \
	"$(echo "${WALL[strata-j1]} / ${WALL[strata-j2]}" | bc -l)" \
	"$(echo "${WALL[raw-sqlite3-loop]} / ${WALL[raw-sqlite3-2-procs]}" | bc -l)"
[ -n "${WALL[dbmate-shell-loop]:-}" ] &&
	printf 'strata -j2 vs dbmate loop: %.2fx faster\n' "$(echo "${WALL[dbmate-shell-loop]} / ${WALL[strata-j2]}" | bc -l)"

[ "$SKIP_PG" = 1 ] && exit 0
echo
echo "== PostgreSQL: $SCHEMAS schemas x $MIGRATIONS migrations, one database"
pgdir=$work/pg
bash "$root/tests/pg.sh" start "$pgdir" >"$work/pg.env"
. "$work/pg.env"
url=${STRATA_TEST_PG_URL%/*}/fleet
fresh_schemas() {
	"$PSQL" -X -q -d "$STRATA_TEST_PG_URL" -c "DROP DATABASE IF EXISTS fleet" -c "CREATE DATABASE fleet"
	seq 1 "$SCHEMAS" | sed 's/.*/CREATE SCHEMA project_&;/' | "$PSQL" -X -q -d "$url"
}
fresh_schemas
measure raw-psql-loop bash -c 'for i in $(seq 1 "$1"); do PGOPTIONS="-c search_path=project_$i" "$0" -X -q -v ON_ERROR_STOP=1 -d "$2" -f raw.sql; done' "$PSQL" "$SCHEMAS" "$url"
fresh_schemas
measure raw-psql-2-procs bash -c 'seq 1 "$1" | xargs -P 2 -I{} env PGOPTIONS="-c search_path=project_{}" "$0" -X -q -v ON_ERROR_STOP=1 -d "$2" -f raw.sql' "$PSQL" "$SCHEMAS" "$url"
fresh_schemas
measure strata-pg-j1 "$STRATA" -q -p migrations -d "$url" --schemas 'project_*' up -j 1
fresh_schemas
measure strata-pg-j2 "$STRATA" -q -p migrations -d "$url" --schemas 'project_*' up -j 2
fresh_schemas
measure strata-pg-shell-loop bash -c 'for i in $(seq 1 "$1"); do "$0" -q -p migrations -d "$2?options=-csearch_path%3Dproject_$i" up; done' "$STRATA" "$SCHEMAS" "$url"
if [ -n "$DBMATE" ]; then
	fresh_schemas
	measure dbmate-pg-shell-loop bash -c 'for i in $(seq 1 "$1"); do "$0" --no-dump-schema -d dbmate --url "$2?sslmode=disable&search_path=project_$i" up >/dev/null; done' "$DBMATE" "$SCHEMAS" "$url"
fi
report raw-psql-loop "$SCHEMAS" raw-psql-loop raw-psql-2-procs strata-pg-j1 strata-pg-j2 strata-pg-shell-loop dbmate-pg-shell-loop
printf '\nstrata -j2 vs -j1: %.2fx faster (raw psql, 2 processes vs 1: %.2fx)\n' \
	"$(echo "${WALL[strata-pg-j1]} / ${WALL[strata-pg-j2]}" | bc -l)" \
	"$(echo "${WALL[raw-psql-loop]} / ${WALL[raw-psql-2-procs]}" | bc -l)"
[ -n "${WALL[dbmate-pg-shell-loop]:-}" ] &&
	printf 'strata -j2 vs dbmate loop: %.2fx faster\n' "$(echo "${WALL[dbmate-pg-shell-loop]} / ${WALL[strata-pg-j2]}" | bc -l)"
