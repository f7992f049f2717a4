#!/usr/bin/env bash
# setup.sh: the README's first two commands on a machine that may have nothing
# but apt and this clone (a bare Debian 12 image has no make). Installs make
# when it is missing (one `apt-get update`, as root or through sudo), then
# runs the make target, which installs the rest itself:
#
#   bash setup.sh demo     build dependencies, build, the demo on SQLite
#   bash setup.sh check    test dependencies (PostgreSQL 15 included), every test
#
# Any other arguments are passed to make as they are (bash setup.sh build JOBS=4).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

if [ $# -eq 0 ]; then
	echo "usage: bash setup.sh demo | bash setup.sh check | bash setup.sh MAKE-ARGS..." >&2
	exit 2
fi

if ! command -v make >/dev/null 2>&1; then
	sudo=
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "setup: make is missing; as root, run: apt-get update && apt-get install -y make" >&2
			exit 1
		fi
		sudo=sudo
	fi
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "setup: make is missing and there is no apt-get here: install make, then run make $*" >&2
		exit 1
	fi
	echo "setup: installing make"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends make </dev/null
	# the Makefile's own apt step then skips a second `apt-get update`
	export STRATA_APT_UPDATED=1
fi

exec make "$@"
