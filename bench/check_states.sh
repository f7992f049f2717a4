#!/bin/bash
# check_states.sh - `strata check` on every intermediate state of a history:
# migrate one step at a time with `strata up 1` and run `strata check` after
# each; every state must check equal (exit 0). Prints one line per state that
# does not, then a summary with the time check took.
#
#   bench/check_states.sh postgres URL DIR   (a database of its own: it is migrated from empty)
#   bench/check_states.sh sqlite   FILE DIR
#
# STRATA (default build/strata) is the binary. crates.io:
#   bench/check_states.sh postgres postgresql://postgres@127.0.0.1/states ../shared/corpus/pg-cratesio-diesel/migrations
set -u
engine=$1 target=$2 dir=$3
strata=${STRATA:-build/strata}
case $engine in
postgres) url=$target ;;
sqlite) rm -f "$target"; url=sqlite:$target ;;
*) echo "usage: $0 postgres|sqlite TARGET DIR" >&2; exit 2 ;;
esac
n=0 bad=0 total_ms=0
while :; do
	out=$("$strata" -d "$url" -p "$dir" up 1 2>&1) || { echo "up failed at state $((n + 1)): $out" >&2; exit 1; }
	case $out in *"nothing to do"*|*"no migrations to run"*|*"up to date"*) break ;; esac
	n=$((n + 1))
	t0=$(date +%s%N)
	"$strata" -d "$url" -p "$dir" check >/tmp/check_states.$$ 2>&1
	rc=$?
	t1=$(date +%s%N)
	total_ms=$((total_ms + (t1 - t0) / 1000000))
	if [ $rc -ne 0 ]; then
		bad=$((bad + 1))
		v=$("$strata" -d "$url" -p "$dir" version 2>/dev/null)
		echo "state $n (version $v): check exit $rc"
		sed 's/^/    /' /tmp/check_states.$$ | head -20
	fi
done
rm -f /tmp/check_states.$$
echo "$engine: $n states checked, $bad with differences, check took $total_ms ms in all ($((n ? total_ms / n : 0)) ms each)"
[ $bad -eq 0 ]
