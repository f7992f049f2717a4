#!/usr/bin/env bash
# bench/schema_test.sh: how long `strata test` takes on crates.io's whole
# history (285 migrations: each up, down and up again on a scratch database,
# three schema reads each), the figure issue 14 asks to keep under 60 s on a
# 2-core machine. Prints the wall time, the verdict counts and the load
# average (the machine's other work shows in the figure).
#
# usage: bench/schema_test.sh [URL]   (default $STRATA_TEST_PG_URL; the role must
#                                      be allowed CREATE DATABASE; migration 1
#                                      creates pgcrypto: a superuser)
# environment: STRATA_BIN (default ./build/strata), STRATA_CORPUS_DIR
#              (default ../shared/corpus), RUNS (default 1), PARALLEL (default 2)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
strata=${STRATA_BIN:-$here/build/strata}
corpus=${STRATA_CORPUS_DIR:-$here/../shared/corpus}
url=${1:-${STRATA_TEST_PG_URL:?give a PostgreSQL URL or set STRATA_TEST_PG_URL}}
runs=${RUNS:-1}
out=$(mktemp)
trap 'rm -f "$out" "$out.err"' EXIT
for r in $(seq "$runs"); do
	start=$(date +%s.%N)
	set +e
	"$strata" -d "$url" -p "$corpus/pg-cratesio-diesel/migrations" test --json -v --parallel "${PARALLEL:-2}" >"$out" 2>"$out.err"
	rc=$?
	set -e
	end=$(date +%s.%N)
	[ "$rc" -le 1 ] || { tail -5 "$out.err" >&2; echo "strata test failed (exit $rc)" >&2; exit 1; }
	grep 'running migrations' "$out.err" || true
	python3 - "$out" "$start" "$end" <<'PY'
import collections, json, os, sys
r = json.load(open(sys.argv[1]))
secs = float(sys.argv[3]) - float(sys.argv[2])
c = collections.Counter(x["verdict"] for x in r)
print("strata test, crates.io: %d migrations in %.1f s (%.0f ms each); %s; load average %s" % (
    len(r), secs, 1000 * secs / max(len(r), 1), ", ".join("%d %s" % (n, v) for v, n in sorted(c.items())),
    " ".join("%.1f" % x for x in os.getloadavg())))
PY
done
