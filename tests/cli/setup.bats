#!/usr/bin/env bats
# setup.bats - the README's first two commands on a bare Debian 12 image,
# in CI's own terms: a machine with bash, coreutils and apt, and no make.
# The README's first code block is run line by line with a PATH that holds
# nothing else; apt-get is a stand-in that records what it was asked and
# "installs" a make that records its arguments, so the test shows that the
# path to `make demo` / `make check` needs nothing but apt, run as root.

load helpers

setup() {
	strata_setup
	clone=$BATS_TEST_TMPDIR/clone
	bin=$BATS_TEST_TMPDIR/bin
	mkdir -p "$clone" "$bin"
	cp "$STRATA_SOURCE_DIR/setup.sh" "$clone/"
	# what a minimal image has: bash and coreutils
	for tool in bash dirname env cat; do
		ln -s "$(command -v "$tool")" "$bin/$tool"
	done
	# root, as in a container
	printf '#!%s\n[ "$1" = -u ] && echo 0\n' "$(command -v bash)" >"$bin/id"
	# apt-get: records its arguments; `install ... make` puts a recording make on the PATH
	cat >"$bin/apt-get" <<FAKE
#!$(command -v bash)
echo "apt-get \$* DEBIAN_FRONTEND=\$DEBIAN_FRONTEND" >>"$BATS_TEST_TMPDIR/apt.log"
if [ "\$1" = install ]; then
	printf '#!%s\necho "make \$* in \$(pwd) STRATA_APT_UPDATED=\$STRATA_APT_UPDATED" >>"%s"\n' \
		"$(command -v bash)" "$BATS_TEST_TMPDIR/make.log" >"$bin/make"
	$(command -v chmod) +x "$bin/make"
fi
FAKE
	chmod +x "$bin/id" "$bin/apt-get"
}

teardown() {
	strata_teardown
}

# readme_command N: the Nth command of the README's first code block
readme_command() {
	awk '/^```/ { if (inblock) exit; inblock = 1; next } inblock && NF { print }' \
		"$STRATA_SOURCE_DIR/README.md" | sed -n "${1}p"
}

@test "the README opens with the two set-up commands, and CI runs the second" {
	[ "$(readme_command 1)" = "bash setup.sh demo" ]
	[ "$(readme_command 2)" = "bash setup.sh check" ]
	[ -z "$(readme_command 3)" ]
	grep -qxF "bash setup.sh check </dev/null" "$STRATA_SOURCE_DIR/.ci/run"
	grep -q '^export CI=' "$STRATA_SOURCE_DIR/.ci/run"
}

@test "on a bare image (no make) the README's commands install make with apt, then run the make target" {
	for n in 1 2; do
		rm -f "$BATS_TEST_TMPDIR"/*.log "$bin/make"
		cmd=$(readme_command $n)
		run --separate-stderr env -i PATH="$bin" HOME="$BATS_TEST_TMPDIR" bash -c "cd '$clone' && $cmd </dev/null"
		[ "$status" -eq 0 ]
		[ "$output" = "setup: installing make" ]
		run cat "$BATS_TEST_TMPDIR/apt.log"
		[ "${lines[0]}" = "apt-get update -q DEBIAN_FRONTEND=noninteractive" ]
		[ "${lines[1]}" = "apt-get install -y -q --no-install-recommends make DEBIAN_FRONTEND=noninteractive" ]
		[ "${#lines[@]}" -eq 2 ]
		run cat "$BATS_TEST_TMPDIR/make.log"
		[ "$output" = "make ${cmd#bash setup.sh } in $clone STRATA_APT_UPDATED=1" ]
	done
}

@test "with make already there, setup.sh runs make without apt (offline)" {
	printf '#!%s\necho "make $*" >>"%s"\n' "$(command -v bash)" "$BATS_TEST_TMPDIR/make.log" >"$bin/make"
	chmod +x "$bin/make"
	run env -i PATH="$bin" bash "$clone/setup.sh" check
	[ "$status" -eq 0 ]
	[ ! -e "$BATS_TEST_TMPDIR/apt.log" ]
	[ "$(cat "$BATS_TEST_TMPDIR/make.log")" = "make check" ]
}

@test "setup.sh without make and without root or sudo says what to run" {
	printf '#!%s\n[ "$1" = -u ] && echo 1000\n' "$(command -v bash)" >"$bin/id"
	run --separate-stderr env -i PATH="$bin" bash "$clone/setup.sh" demo
	[ "$status" -eq 1 ]
	[ "$stderr" = "setup: make is missing; as root, run: apt-get update && apt-get install -y make" ]
	[ ! -e "$BATS_TEST_TMPDIR/apt.log" ]
}

@test "setup.sh with no target prints its usage, exit 2" {
	run --separate-stderr env -i PATH="$bin" bash "$clone/setup.sh"
	[ "$status" -eq 2 ]
	[ "$stderr" = "usage: bash setup.sh demo | bash setup.sh check | bash setup.sh MAKE-ARGS..." ]
}
