# Makefile: a thin wrapper over CMake, so that a fresh Debian 12 machine needs
# only `make demo` or `make check`. CMakeLists.txt stays the build; this file
# installs the Debian packages, starts the PostgreSQL cluster the tests use and
# chains the test stages in the order CI wants them:
#
#   make deps        build dependencies (apt, as root or through sudo)
#   make test-deps   deps + what the tests need, PostgreSQL 15 included
#   make build       configure and build in build/
#   make demo        deps + build, then the example migrations on SQLite
#   make check       test-deps + build + ctest with a throwaway PostgreSQL and MariaDB,
#                    fuzz smoke run, the whole ctest suite again under ASan/UBSan
#   make install     build, then cmake --install build (PREFIX=/some/dir to
#                    install elsewhere, no root needed; default /usr/local)
#   make clean
#
# The check output ends with ctest's summary line; any failing stage makes the
# target fail.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := build

BUILD ?= build
ASAN_BUILD ?= build-asan
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
FUZZ_SECONDS ?= 20
PREFIX ?=
CMAKE_FLAGS ?=
# ON/OFF; empty: ON when cmocka is installed. `make demo` needs only the build
# dependencies, and tests/CMakeLists.txt requires cmocka.
STRATA_TESTS ?=

DEPS := build-essential cmake pkg-config libpq-dev libsqlite3-dev libssl-dev \
	libinih-dev libcjson-dev sqlite3 libmariadb-dev
TEST_DEPS := $(DEPS) libcmocka-dev bats postgresql-15 libpg-query-dev clang \
	libclang-rt-14-dev valgrind jq python3 git zlib1g-dev \
	mariadb-server-core mariadb-client-core mariadb-client

DEMO_DB := $(BUILD)/demo.db
DEMO := ./$(BUILD)/strata -d sqlite:$(DEMO_DB) -p examples/migrations

# apt_install PACKAGES: install the PACKAGES that dpkg does not list as
# installed, with one `apt-get update` first; nothing at all when every one is
# there, so repeated runs are fast and work offline.
define apt_install
	missing=
	if ! command -v dpkg-query >/dev/null 2>&1; then
		echo "deps: no dpkg here; make sure these (Debian names) are installed: $(1)"
		exit 0
	fi
	for p in $(1); do
		dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -qx 'install ok installed' ||
			missing="$$missing $$p"
	done
	if [ -z "$$missing" ]; then
		echo "deps: all installed"
		exit 0
	fi
	if [ "$$(id -u)" -eq 0 ]; then
		sudo=
	elif command -v sudo >/dev/null 2>&1; then
		sudo=sudo
	else
		echo "deps: missing:$$missing" >&2
		echo "deps: as root, run: apt-get update && apt-get install -y --no-install-recommends$$missing" >&2
		exit 1
	fi
	echo "deps: installing$$missing"
	# .ci/run may have run apt-get update already (to get make itself): once is enough
	[ "$${STRATA_APT_UPDATED:-}" = 1 ] || $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
	export STRATA_APT_UPDATED=1
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing </dev/null
endef

.PHONY: all deps test-deps build demo check install clean

all: build

deps:
	@$(call apt_install,$(DEPS))

test-deps:
	@$(call apt_install,$(TEST_DEPS))

build:
	@tests=$(STRATA_TESTS)
	if [ -z "$$tests" ]; then
		if pkg-config --exists cmocka 2>/dev/null; then tests=ON; else tests=OFF; fi
	fi
	run() { printf '%s\n' "$$*"; "$$@"; }
	run cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSTRATA_TESTS=$$tests $(CMAKE_FLAGS)
	run cmake --build $(BUILD) -j$(JOBS)

demo: deps
	@$(MAKE) --no-print-directory build
	rm -f $(DEMO_DB) $(DEMO_DB)-journal $(DEMO_DB)-wal $(DEMO_DB)-shm
	run() { printf '\n$$ %s\n' "$$*"; "$$@"; }
	run $(DEMO) up
	run $(DEMO) status
	run $(DEMO) down 2 --yes
	run $(DEMO) status
	run $(DEMO) up

# The cluster lives in $(BUILD)/pg and its environment in $(BUILD)/pg.env, the
# MariaDB server in $(BUILD)/mysql and $(BUILD)/mysql.env; both are stopped on
# every way out (the trap), quietly, so that the last line printed is ctest's
# summary.
check: test-deps
	@$(MAKE) --no-print-directory build STRATA_TESTS=ON
	summary() { grep -E '^[0-9]+% tests passed' "$$1" | tail -n 1; }
	stage() { printf '\n==== %s\n' "$$*"; }

	stage "PostgreSQL test cluster"
	stop_servers() {
		bash tests/pg.sh stop $(BUILD)/pg >/dev/null 2>&1 || true
		bash tests/mysql.sh stop $(BUILD)/mysql >/dev/null 2>&1 || true
	}
	trap stop_servers EXIT
	bash tests/pg.sh start $(BUILD)/pg >$(BUILD)/pg.env
	cat $(BUILD)/pg.env
	. $(BUILD)/pg.env

	stage "MariaDB test server"
	bash tests/mysql.sh start $(BUILD)/mysql >$(BUILD)/mysql.env
	cat $(BUILD)/mysql.env
	. $(BUILD)/mysql.env

	stage "ctest ($(BUILD))"
	rc=0
	ctest --test-dir $(BUILD) --output-on-failure --no-tests=error -j$(JOBS) 2>&1 |
		tee $(BUILD)/ctest.log || rc=$$?
	if [ $$rc -ne 0 ]; then
		printf '\ncheck: ctest failed in $(BUILD); the sanitizer stage did not run\n'
		summary $(BUILD)/ctest.log
		exit $$rc
	fi

	stage "ASan/UBSan build ($(ASAN_BUILD))"
	$(MAKE) --no-print-directory build BUILD=$(ASAN_BUILD) STRATA_TESTS=ON CMAKE_FLAGS=-DSTRATA_SANITIZE=ON

	stage "fuzz"
	if [ -f fuzz/run.sh ]; then
		bash fuzz/run.sh $(FUZZ_SECONDS) || {
			rc=$$?
			printf '\ncheck: fuzz/run.sh failed (exit %s); the sanitizer ctest did not run\n' $$rc
			exit $$rc
		}
	else
		echo "fuzz/run.sh not there yet: no fuzz run"
	fi

	stage "ctest under ASan/UBSan ($(ASAN_BUILD))"
	export ASAN_OPTIONS=detect_leaks=1$${ASAN_OPTIONS:+:$$ASAN_OPTIONS}
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1$${UBSAN_OPTIONS:+:$$UBSAN_OPTIONS}
	ctest --test-dir $(ASAN_BUILD) --output-on-failure --no-tests=error -j$(JOBS) 2>&1 |
		tee $(ASAN_BUILD)/ctest.log || rc=$$?
	stop_servers
	trap - EXIT
	echo
	summary $(ASAN_BUILD)/ctest.log
	exit $$rc

install:
	@$(MAKE) --no-print-directory build
	cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

clean:
	if [ -e $(BUILD)/pg ]; then bash tests/pg.sh stop $(BUILD)/pg || true; fi
	if [ -e $(BUILD)/mysql ]; then bash tests/mysql.sh stop $(BUILD)/mysql || true; fi
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
