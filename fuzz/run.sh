#!/bin/sh
# run.sh [SECONDS] - build every fuzz/fuzz_NAME.c with clang and libFuzzer and
# run each for SECONDS (default 60) on its seeds in fuzz/corpus/NAME/, with
# fuzz/NAME.dict as a dictionary when there is one. New inputs go to
# $BUILD/corpus/NAME (the seeds in the repository are left alone) and crashes
# to $BUILD/artifacts/; the script exits non-zero if any target failed.
# BUILD defaults to build-fuzz at the repository root; JOBS sets parallel jobs.
set -eu

secs=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${BUILD:-$root/build-fuzz}

cmake -S "$here" -B "$build" -DCMAKE_C_COMPILER="${CC:-clang}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null

status=0
for src in "$here"/fuzz_*.c; do
	name=$(basename "$src" .c)
	short=${name#fuzz_}
	seeds="$here/corpus/$short"
	work="$build/corpus/$short"
	mkdir -p "$work" "$build/artifacts" "$seeds"
	set -- -max_total_time="$secs" -artifact_prefix="$build/artifacts/$name-" -print_final_stats=1
	if [ -f "$here/$short.dict" ]; then
		set -- "$@" -dict="$here/$short.dict"
	fi
	if [ -n "${JOBS:-}" ]; then
		set -- "$@" -jobs="$JOBS" -workers="$JOBS"
	fi
	if [ ! -x "$build/$name" ]; then
		echo "== $name: not built: add strata_fuzz_target($short MODULES <modules>) to fuzz/CMakeLists.txt" >&2
		status=1
		continue
	fi
	echo "== $name: ${secs}s on $seeds"
	if ! "$build/$name" "$@" "$work" "$seeds"; then
		echo "== $name FAILED (see $build/artifacts/)" >&2
		status=1
	fi
done
exit $status
