#!/usr/bin/python3
"""bench/bench.py - time strata, its peers and the raw database client.

bench/run calls this; it can be run by hand too (see bench/README.md):

    bench.py measure --work DIR --strata BIN --dbmate BIN --pg-port PORT [--ns 100,1000]
                     [--runs 3] [--engines pg,sqlite] [--workloads ddl,ins]
                     [--tools strata,...] [--timeout SECONDS] [--results FILE]
    bench.py report  --results FILE [--readme FILE]

`measure` merges what it measured into the results file (cells measured
earlier and not measured now are kept), `report` prints the tables and
rewrites the generated part of the README.

Each cell: a fresh database (PostgreSQL: DROP/CREATE DATABASE and a
CHECKPOINT; SQLite: a new file), then the tool's `up` timed as a cold process,
wall clock from spawn to exit; then, with everything applied, the tool's
`status` as another cold process. The tools of a cell take turns within a
round (the order rotates from round to round), so slow drift of the machine
spreads over all of them. Every command runs under GNU time, whose %M is the
peak RSS (the largest of the process and the children it waited for, so
sqitch's psql processes count); time's own start-up is in every measurement,
as it is in the spawn floor the report states.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PSQL = "/usr/lib/postgresql/15/bin/psql"   # not /usr/bin/psql: a Perl wrapper, ~20 ms a call
SQLITE3 = "/usr/bin/sqlite3"
PY = "/usr/bin/python3"                     # Debian's, the one python3-alembic is installed for
TIME = "/usr/bin/time"                      # GNU time, for peak RSS (%M)
RSS_FILE = "/tmp/strata-bench-rss.%d" % os.getpid()

UP_TOOLS = ["raw-onetx", "raw-session", "strata-1tx", "strata", "dbmate", "alembic", "sqitch"]
STATUS_TOOLS = ["strata", "dbmate", "alembic", "sqitch"]
LABEL = {
    "raw-onetx": "raw, one transaction",
    "raw-session": "raw, per-migration tx, one session",
    "strata-1tx": "strata `--single-transaction`",
    "strata": "strata (per-migration tx)",
    "dbmate": "dbmate",
    "alembic": "Alembic",
    "sqitch": "sqitch",
    "raw-status": "raw: client selects the tracking table",
    "strata-status": "strata `status`",
    "strata-version": "strata `version`",
    "dbmate-status": "dbmate `status`",
    "alembic-status": "Alembic `current`",
    "sqitch-status": "sqitch `status`",
}
ENGINE = {"pg": "PostgreSQL", "sqlite": "SQLite"}
WORKLOAD = {"ddl": "realistic DDL", "ins": "bookkeeping-bound (one small INSERT per migration)"}


# ---------------------------------------------------------------- running

class Result:
    def __init__(self, secs, rss_kb, rc, timed_out):
        self.secs, self.rss_kb, self.rc, self.timed_out = secs, rss_kb, rc, timed_out


def run_timed(argv, timeout, cwd=None, env=None, stdin_path=None, log=None):
    """Run argv as a cold process; wall time, peak RSS (KB), exit code, timed out?"""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    errf = open(log, "ab") if log else subprocess.DEVNULL
    # Peak RSS from GNU time, not from our own wait4(): Linux keeps a process's
    # RSS high-water mark across execve, so a child forked from this Python
    # would start at Python's RSS. time is small, so its child starts small.
    rssf = RSS_FILE
    argv = [TIME, "-f", "%M", "-o", rssf, "--"] + list(argv)
    try:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, cwd=cwd, env=env, stdin=stdin, stdout=subprocess.DEVNULL,
                             stderr=errf, start_new_session=True)
        fired = []

        def kill():
            fired.append(1)
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        _, status, ru = os.wait4(p.pid, 0)
        t1 = time.perf_counter()
        if timer:
            timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
        if fired:
            # whatever it left behind (sqitch's psql) goes too
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        rss = 0
        if not fired:
            with open(rssf) as f:
                lines = f.read().split()
            rss = int(lines[-1]) if lines and lines[-1].isdigit() else 0
        return Result(t1 - t0, rss, p.returncode, bool(fired))
    finally:
        if stdin_path:
            stdin.close()
        if log:
            errf.close()


def quiet(argv, **kw):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)
    if r.returncode != 0:
        raise SystemExit("bench: %s failed:\n%s" % (" ".join(argv), r.stdout.decode(errors="replace")))
    return r.stdout.decode(errors="replace")


class Bench:
    def __init__(self, a):
        self.a = a
        self.work = os.path.abspath(a.work)
        self.port = a.pg_port
        self.env = dict(os.environ)
        for k in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "DATABASE_URL", "STRATA_PATH", "PGOPTIONS"):
            self.env.pop(k, None)
        self.env["NO_COLOR"] = "1"
        self.log = os.path.join(self.work, "tools.log")

    # -- databases

    def pg_admin(self, *sql):
        args = [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
                "-U", "postgres", "-d", "postgres"]
        for s in sql:
            args += ["-c", s]
        quiet(args, env=self.env)

    def sqlite_dir(self):
        return os.path.join(self.work, "db")

    def fresh(self, engine):
        if engine == "pg":
            self.pg_admin("DROP DATABASE IF EXISTS bench WITH (FORCE)", "CREATE DATABASE bench", "CHECKPOINT")
        else:
            d = self.sqlite_dir()
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
        # let the checkpoint / unlink settle before the clock starts
        subprocess.run(["sync"])

    def url(self, engine, tool):
        p = self.port
        db = os.path.join(self.sqlite_dir(), "bench.db")
        if engine == "pg":
            return {
                "strata": "postgresql://postgres@127.0.0.1:%d/bench" % p,
                "dbmate": "postgres://postgres@127.0.0.1:%d/bench?sslmode=disable" % p,
                "alembic": "postgresql+psycopg2://postgres@127.0.0.1:%d/bench" % p,
                "sqitch": "db:pg://postgres@127.0.0.1:%d/bench" % p,
            }[tool]
        return {
            "strata": "sqlite:" + db,
            "dbmate": "sqlite:" + db,
            "alembic": "sqlite:///" + db,
            "sqitch": "db:sqlite:" + db,
            "raw": db,
        }[tool]

    # -- commands: (argv, cwd, env, stdin)

    def up_cmd(self, tool, engine, gdir):
        env = self.env
        if tool in ("raw-session", "raw-onetx"):
            f = os.path.join(gdir, "raw", "session.sql" if tool == "raw-session" else "onetx.sql")
            if engine == "pg":
                argv = [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
                        "-U", "postgres", "-d", "bench"]
                if tool == "raw-onetx":
                    argv.append("-1")
                return argv + ["-f", f], None, env, None
            return [SQLITE3, "-bail", self.url(engine, "raw")], None, env, f
        if tool in ("strata", "strata-1tx"):
            argv = [self.a.strata, "-d", self.url(engine, "strata"), "-p", os.path.join(gdir, "strata"), "up"]
            if tool == "strata-1tx":
                argv.append("--single-transaction")
            return argv, None, env, None
        if tool == "dbmate":
            return [self.a.dbmate, "--url", self.url(engine, "dbmate"), "--migrations-dir",
                    os.path.join(gdir, "dbmate"), "--no-dump-schema", "migrate"], None, env, None
        if tool == "alembic":
            e = dict(env, BENCH_DB_URL=self.url(engine, "alembic"))
            return [PY, "-m", "alembic", "-c", os.path.join(gdir, "alembic", "alembic.ini"),
                    "upgrade", "head"], None, e, None
        if tool == "sqitch":
            return ["sqitch", "deploy", "--target", self.url(engine, "sqitch")], \
                os.path.join(gdir, "sqitch"), env, None
        raise ValueError(tool)

    def status_cmds(self, tool, engine, gdir):
        """[(cell name, argv, cwd, env)] to run once everything is applied."""
        env = self.env
        if tool == "strata":
            base = [self.a.strata, "-d", self.url(engine, "strata"), "-p", os.path.join(gdir, "strata")]
            q = "SELECT * FROM strata_migrations ORDER BY version"
            if engine == "pg":
                raw = [PSQL, "-X", "-q", "-A", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                       "-d", "bench", "-c", q]
            else:
                raw = [SQLITE3, self.url(engine, "raw"), q]
            return [("strata-status", base + ["status"], None, env),
                    ("strata-version", base + ["version"], None, env),
                    ("raw-status", raw, None, env)]
        if tool == "dbmate":
            return [("dbmate-status", [self.a.dbmate, "--url", self.url(engine, "dbmate"), "--migrations-dir",
                                       os.path.join(gdir, "dbmate"), "status"], None, env)]
        if tool == "alembic":
            e = dict(env, BENCH_DB_URL=self.url(engine, "alembic"))
            return [("alembic-status", [PY, "-m", "alembic", "-c", os.path.join(gdir, "alembic", "alembic.ini"),
                                        "current"], None, e)]
        if tool == "sqitch":
            return [("sqitch-status", ["sqitch", "status", "--target", self.url(engine, "sqitch")],
                     os.path.join(gdir, "sqitch"), env)]
        return []

    # -- one (engine, workload, N) cell

    def generate(self, engine, workload, n):
        gdir = os.path.join(self.work, "gen", "%s-%s-%d" % (engine, workload, n))
        stamp = os.path.join(gdir, ".done")
        if not os.path.exists(stamp):
            quiet([PY, os.path.join(HERE, "gen.py"), "--engine", engine, "--workload", workload,
                   "--n", str(n), gdir])
            # Alembic imports every revision file: compile them once, as a deployed app would have
            quiet([PY, "-m", "compileall", "-q", os.path.join(gdir, "alembic")])
            open(stamp, "w").close()
        return gdir

    def measure_cell(self, engine, workload, n, tools, results, gave_up):
        gdir = self.generate(engine, workload, n)
        a = self.a
        cells = {}
        active = [t for t in tools if not gave_up.get((engine, workload, t))]
        for t in tools:
            if t not in active:
                prev = gave_up[(engine, workload, t)]
                cells[t] = {"times": [], "rss": [], "timeout": a.timeout, "skipped": "timed out at N=%d" % prev}
        for r in range(a.runs):
            order = active[r % len(active):] + active[:r % len(active)] if active else []
            for t in order:
                c = cells.setdefault(t, {"times": [], "rss": []})
                if c.get("timeout") or c.get("failed"):
                    continue
                self.fresh(engine)
                argv, cwd, env, stdin = self.up_cmd(t, engine, gdir)
                with open(self.log, "ab") as lf:
                    lf.write(("\n### %s %s N=%d %s run %d: %s\n" % (engine, workload, n, t, r + 1,
                                                                     " ".join(argv))).encode())
                res = run_timed(argv, a.timeout, cwd=cwd, env=env, stdin_path=stdin, log=self.log)
                if res.timed_out:
                    c["timeout"] = a.timeout
                    gave_up[(engine, workload, t)] = n
                    say("  %-12s run %d: > %g s (timeout)" % (t, r + 1, a.timeout))
                    continue
                if res.rc != 0:
                    c["failed"] = "exit %d (see %s)" % (res.rc, self.log)
                    say("  %-12s run %d: FAILED, exit %d (see %s)" % (t, r + 1, res.rc, self.log))
                    continue
                c["times"].append(res.secs)
                c["rss"].append(res.rss_kb)
                say("  %-12s run %d: %8.3f s  %6.1f MB" % (t, r + 1, res.secs, res.rss_kb / 1024))
                if t == "strata-1tx" or t not in STATUS_TOOLS:
                    continue
                for name, sargv, scwd, senv in self.status_cmds(t, engine, gdir):
                    reps = a.version_reps if name == "strata-version" else 1
                    sc = cells.setdefault(name, {"times": [], "rss": []})
                    for _ in range(reps):
                        sres = run_timed(sargv, a.timeout, cwd=scwd, env=senv, log=self.log)
                        if sres.timed_out:
                            sc["timeout"] = a.timeout
                            break
                        if sres.rc != 0:
                            sc["failed"] = "exit %d" % sres.rc
                            break
                        sc["times"].append(sres.secs)
                        sc["rss"].append(sres.rss_kb)
                    if sc["times"]:
                        say("  %-12s   %-15s %8.4f s  %6.1f MB" % ("", name, sc["times"][-1],
                                                                  sc["rss"][-1] / 1024))
        now = datetime.datetime.now().isoformat(timespec="seconds")
        for t, c in cells.items():
            metric = "status" if t.endswith("-status") or t.endswith("-version") else "up"
            c["when"] = now
            results["cells"]["%s/%s/%d/%s/%s" % (engine, workload, n, metric, t)] = c

    def floor(self):
        """What spawning and reaping a trivial process costs through run_timed."""
        ts = [run_timed(["/bin/true"], 10).secs for _ in range(20)]
        return min(ts), statistics.median(ts)


def say(msg):
    print(msg, flush=True)


def machine_info(a):
    def out(argv, **kw):
        try:
            r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60, **kw)
            return r.stdout.decode(errors="replace").strip().splitlines()[0] if r.stdout else "?"
        except Exception as e:  # noqa: BLE001 - a version string is best effort
            return "? (%s)" % e
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = "%.1f GiB" % (int(line.split()[1]) / 1024 / 1024)
    osname = "?"
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    osname = line.split("=", 1)[1].strip().strip('"')
    fs = out(["sh", "-c", "df --output=fstype '%s' | tail -n 1" % a.work])
    return {
        "cpu": cpu, "nproc": os.cpu_count(), "memory": mem, "os": osname, "kernel": platform.release(),
        "work_fs": fs,
        "versions": {
            "strata": os.environ.get("STRATA_DESC") or "%s (binary %s; source tree at commit %s%s)" % (
                out([a.strata, "--version"]),
                os.path.relpath(a.strata, os.path.dirname(HERE))
                if os.path.abspath(a.strata).startswith(os.path.dirname(HERE) + os.sep)
                else os.path.basename(a.strata),
                out(["git", "-C", os.path.dirname(HERE), "rev-parse", "--short", "HEAD"]),
                ", with uncommitted changes" if out(["sh", "-c", "git -C '%s' status --porcelain -- src include "
                                                     "| head -n 1" % os.path.dirname(HERE)]).strip() not in ("", "?")
                else ""),
            "PostgreSQL server": out(["/usr/lib/postgresql/15/bin/postgres", "--version"]),
            "psql": out([PSQL, "--version"]),
            "libpq": out(["sh", "-c", "dpkg-query -W -f='${Version}' libpq5"]),
            "sqlite3 CLI": out([SQLITE3, "--version"]).split(" ")[0],
            "libsqlite3": out(["sh", "-c", "dpkg-query -W -f='${Version}' libsqlite3-0"]),
            "dbmate": out([a.dbmate, "--version"]),
            "Alembic": out([PY, "-m", "alembic", "--version"]),
            "SQLAlchemy": out([PY, "-c", "import sqlalchemy; print(sqlalchemy.__version__)"]),
            "psycopg2": out([PY, "-c", "import psycopg2; print(psycopg2.__version__)"]),
            "Python": out([PY, "--version"]),
            "sqitch": out(["sqitch", "--version"]),
            "DBD::Pg": out(["perl", "-MDBD::Pg", "-e", "print $DBD::Pg::VERSION"]),
            "DBD::SQLite": out(["perl", "-MDBD::SQLite", "-e", "print $DBD::SQLite::VERSION"]),
        },
        "pg_settings": a.pg_settings or "",
    }


def cmd_measure(a):
    os.makedirs(a.work, exist_ok=True)
    results = load(a.results)
    b = Bench(a)
    fl_best, fl_med = b.floor()
    ns = [int(x) for x in a.ns.split(",")]
    tools = [t for t in UP_TOOLS if t in a.tools.split(",")]
    gave_up = {}
    load0 = os.getloadavg()
    if load0[0] > 0.5:
        say("bench: warning: load average %.2f before the run; other work on this machine will show "
            "in the numbers" % load0[0])
    for n in sorted(ns):
        for engine in a.engines.split(","):
            for workload in a.workloads.split(","):
                say("== %s, %s, N=%d" % (ENGINE[engine], workload, n))
                b.measure_cell(engine, workload, n, tools, results, gave_up)
                save(a.results, results)
    results["machine"] = machine_info(a)
    results["machine"]["spawn_floor"] = [fl_best, fl_med]
    results["machine"]["measured"] = datetime.datetime.now().isoformat(timespec="seconds")
    results["machine"]["load"] = [round(load0[0], 2), round(os.getloadavg()[0], 2)]
    save(a.results, results)
    if os.path.exists(RSS_FILE):
        os.unlink(RSS_FILE)
    return 0


def load(path):
    if path and os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return {"cells": {}, "machine": {}}


def save(path, results):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


# ---------------------------------------------------------------- report

def fmt_t(s):
    if s >= 100:
        return "%.0f s" % s
    if s >= 10:
        return "%.1f s" % s
    if s >= 1:
        return "%.2f s" % s
    if s >= 0.1:
        return "%.3f s" % s
    return "%.1f ms" % (s * 1000)


class Cells:
    def __init__(self, results):
        self.c = results["cells"]

    def get(self, engine, workload, n, metric, tool):
        return self.c.get("%s/%s/%d/%s/%s" % (engine, workload, n, metric, tool))

    def med(self, *k):
        c = self.get(*k)
        if not c or not c["times"] or c.get("timeout") or c.get("failed"):
            return None
        return statistics.median(c["times"])

    def best(self, *k):
        """The time ratios are made of: the fastest run (see the README for why)."""
        c = self.get(*k)
        if not c or not c["times"] or c.get("timeout") or c.get("failed"):
            return None
        return min(c["times"])

    def text(self, *k):
        c = self.get(*k)
        if not c:
            return "–"
        if c.get("skipped"):
            return "> %g s (%s)" % (c["timeout"], c["skipped"])
        if c.get("timeout"):
            return "> %g s (timeout)" % c["timeout"]
        if c.get("failed"):
            return "failed (%s)" % c["failed"].split(" (")[0]
        if not c["times"]:
            return "–"
        t = c["times"]
        return "%s (med %s)" % (fmt_t(min(t)), fmt_t(statistics.median(t)))

    def ns(self):
        return sorted({int(k.split("/")[2]) for k in self.c})

    def has(self, engine, workload):
        return any(k.startswith("%s/%s/" % (engine, workload)) for k in self.c)


def ratio(x, y):
    if x is None or y is None or y == 0:
        return None
    return x / y


def fmt_r(r):
    if r is None:
        return "–"
    return "%.2f×" % r if r >= 0.1 else "%.2g×" % r


def report(results):
    C = Cells(results)
    ns = C.ns()
    out = []
    w = out.append

    def table_head(first, ratio_col):
        """The two header lines of a table with a time and a ratio column per N, then peak RSS."""
        w("| %s |" % first + "".join(" N=%s | %s |" % (format(n, ","), ratio_col) for n in ns) + " peak RSS |")
        w("|---|" + "---:|---:|" * len(ns) + "---:|")

    m = results.get("machine", {})
    w("Measured %s on %s CPU(s) (%s), %s memory, %s, kernel %s; databases on %s."
      % (m.get("measured", "?"), m.get("nproc", "?"), m.get("cpu", "?"), m.get("memory", "?"),
         m.get("os", "?"), m.get("kernel", "?"), m.get("work_fs", "?")))
    if m.get("pg_settings"):
        w("PostgreSQL settings: %s." % m["pg_settings"])
    if m.get("load"):
        w("Load average (1 min) before / after the last measuring run: %.2f / %.2f." % tuple(m["load"]))
    if m.get("spawn_floor"):
        w("Starting and reaping `/bin/true` through the harness (under GNU time, as every command is) costs %.2f ms (median %.2f ms): "
          "the floor under every time below." % (m["spawn_floor"][0] * 1000, m["spawn_floor"][1] * 1000))
    w("")
    if m.get("versions"):
        w("| component | version |")
        w("|---|---|")
        for k, v in m["versions"].items():
            w("| %s | %s |" % (k, v.replace("|", "/")))
        w("")
    w("Each time is `best (med median)` of the runs, and every ratio is of best times. Raw rows are the limit "
      "and have no ratio; strata's rows are divided by their raw limit (per-migration by the raw session, "
      "`--single-transaction` by the raw single transaction); each peer is divided by strata per-migration, "
      "so above 1× means slower than strata. Peak RSS is the largest of the runs at the largest N measured. "
      "A dash is a cell that was not measured.")
    w("")
    for engine in ("pg", "sqlite"):
        for workload in ("ddl", "ins"):
            if not C.has(engine, workload):
                continue
            w("### `up`: %s, %s" % (ENGINE[engine], WORKLOAD[workload]))
            w("")
            table_head("tool", "ratio")
            for t in UP_TOOLS:
                if not any(C.get(engine, workload, n, "up", t) for n in ns):
                    continue
                row = "| %s |" % LABEL[t]
                rss = None
                for n in ns:
                    row += " %s |" % C.text(engine, workload, n, "up", t)
                    me = C.best(engine, workload, n, "up", t)
                    if t == "strata":
                        r = ratio(me, C.best(engine, workload, n, "up", "raw-session"))
                    elif t == "strata-1tx":
                        r = ratio(me, C.best(engine, workload, n, "up", "raw-onetx"))
                    elif t.startswith("raw"):
                        r = None
                    else:
                        r = ratio(me, C.best(engine, workload, n, "up", "strata"))
                    row += " %s |" % ("" if t.startswith("raw") else fmt_r(r))
                    c = C.get(engine, workload, n, "up", t)
                    if c and c["rss"]:
                        rss = (n, max(c["rss"]))
                row += " %s |" % ("%.1f MB (N=%s)" % (rss[1] / 1024, format(rss[0], ",")) if rss else "–")
                w(row)
            w("")
            # status, with everything applied
            if any(C.get(engine, workload, n, "status", t + "-status") for n in ns for t in STATUS_TOOLS):
                w("`status` with all N applied, each a cold process; the ratio is strata `status` ÷ the row's command:")
                w("")
                table_head("command", "strata ÷ it")
                for name in ("raw-status", "strata-status", "strata-version", "dbmate-status", "alembic-status",
                             "sqitch-status"):
                    if not any(C.get(engine, workload, n, "status", name) for n in ns):
                        continue
                    row = "| %s |" % LABEL[name]
                    rss = None
                    for n in ns:
                        row += " %s |" % C.text(engine, workload, n, "status", name)
                        if name.startswith("strata"):
                            row += " |"
                        else:
                            r = ratio(C.best(engine, workload, n, "status", "strata-status"),
                                      C.best(engine, workload, n, "status", name))
                            row += " %s |" % fmt_r(r)
                        c = C.get(engine, workload, n, "status", name)
                        if c and c["rss"]:
                            rss = (n, max(c["rss"]))
                    row += " %s |" % ("%.1f MB (N=%s)" % (rss[1] / 1024, format(rss[0], ",")) if rss else "–")
                    w(row)
                w("")
    # linearity
    w("### Time per migration (best run ÷ N)")
    w("")
    hdr = "| engine, workload | mode |" + "".join(" N=%s |" % format(n, ",") for n in ns)
    w(hdr)
    w("|---|---|" + "---:|" * len(ns))
    for engine in ("pg", "sqlite"):
        for workload in ("ddl", "ins"):
            for t in ("strata", "strata-1tx", "raw-session"):
                vals = [C.best(engine, workload, n, "up", t) for n in ns]
                if not any(v is not None for v in vals):
                    continue
                row = "| %s, %s | %s |" % (ENGINE[engine], workload, LABEL[t])
                for n, v in zip(ns, vals):
                    row += " %s |" % ("–" if v is None else "%.0f µs" % (v / n * 1e6))
                w(row)
    w("")
    w("### Targets")
    w("")
    w("| target | measured | holds? |")
    w("|---|---|---|")
    for line in targets(C):
        w(line)
    w("")
    return "\n".join(out)


def targets(C):
    rows = []

    def both(f, *args):
        """Ratio of best times, with the ratio of medians beside it."""
        rb = f(C.best, *args)
        rm = f(C.med, *args)
        return rb, "%s (medians: %s)" % (fmt_r(rb), fmt_r(rm))

    def verdict(ok):
        return "–" if ok is None else ("yes" if ok else "**no**")

    for engine in ("pg", "sqlite"):
        for n in (1000, 10000):
            for t, lim, bound in (("strata", "raw-session", 1.05), ("strata-1tx", "raw-onetx", 1.03)):
                r, txt = both(lambda g, t, lim: ratio(g(engine, "ddl", n, "up", t), g(engine, "ddl", n, "up", lim)),
                              t, lim)
                rows.append("| %s `up` ≤ %.2f× %s (%s, DDL, N=%s) | %s | %s |"
                            % (LABEL[t], bound, LABEL[lim], ENGINE[engine], format(n, ","), txt,
                               verdict(None if r is None else r <= bound)))
    for engine in ("pg", "sqlite"):
        n = 10000
        r, txt = both(lambda g: ratio(g(engine, "ins", n, "up", "strata"), g(engine, "ins", n, "up", "raw-session")))
        rows.append("| strata ≤ 1.2× raw session (%s, bookkeeping-bound, N=10,000) | %s | %s |"
                    % (ENGINE[engine], txt, verdict(None if r is None else r <= 1.2)))
        for p in ("dbmate", "alembic", "sqitch"):
            c = C.get(engine, "ins", n, "up", p)
            me = C.best(engine, "ins", n, "up", "strata")
            if c and (c.get("timeout") or c.get("skipped")) and me is not None:
                rows.append("| strata faster than %s (%s, bookkeeping-bound, N=10,000) | %s > %g s | yes |"
                            % (p, ENGINE[engine], p, c["timeout"]))
                continue
            r, txt = both(lambda g: ratio(g(engine, "ins", n, "up", p), g(engine, "ins", n, "up", "strata")))
            rows.append("| strata faster than %s (%s, bookkeeping-bound, N=10,000) | %s ÷ strata = %s | %s |"
                        % (p, ENGINE[engine], p, txt, verdict(None if r is None else r > 1)))
    for engine in ("pg", "sqlite"):
        for p, bound in (("dbmate-status", 0.5), ("alembic-status", 0.05)):
            for workload in ("ddl", "ins"):
                r, txt = both(lambda g: ratio(g(engine, workload, 10000, "status", "strata-status"),
                                              g(engine, workload, 10000, "status", p)))
                rows.append("| strata `status` ≤ %s× %s (%s, %s, N=10,000) | %s | %s |"
                            % (bound, LABEL[p], ENGINE[engine], workload, txt,
                               verdict(None if r is None else r <= bound)))
    for workload in ("ddl", "ins"):
        v = C.best("sqlite", workload, 10000, "status", "strata-version")
        vm = C.med("sqlite", workload, 10000, "status", "strata-version")
        fl = C.best("sqlite", workload, 10000, "status", "raw-status")
        rows.append("| cold strata `version` on SQLite < 5 ms (%s, N=10,000) | %s (median %s; sqlite3 reading "
                    "the table: %s) | %s |"
                    % (workload, "–" if v is None else fmt_t(v), "–" if vm is None else fmt_t(vm),
                       "–" if fl is None else fmt_t(fl), verdict(None if v is None else v < 0.005)))
    for engine in ("pg", "sqlite"):
        worst = None
        for workload in ("ddl", "ins"):
            for metric, t in (("up", "strata"), ("up", "strata-1tx"), ("status", "strata-status")):
                c = C.get(engine, workload, 10000, metric, t)
                if c and c["rss"]:
                    worst = max(worst or 0, max(c["rss"]))
        rows.append("| strata peak RSS < 20 MB (%s, N=10,000, up and status) | %s | %s |"
                    % (ENGINE[engine], "–" if worst is None else "%.1f MB" % (worst / 1024),
                       verdict(None if worst is None else worst < 20 * 1024)))
    for engine in ("pg", "sqlite"):
        for workload in ("ddl", "ins"):
            a = C.best(engine, workload, 1000, "up", "strata")
            b = C.best(engine, workload, 10000, "up", "strata")
            r = ratio(b, None if a is None else 10 * a)
            ra = C.best(engine, workload, 1000, "up", "raw-session")
            rb = C.best(engine, workload, 10000, "up", "raw-session")
            rr = ratio(rb, None if ra is None else 10 * ra)
            rows.append("| strata time linear in N (%s, %s): t(10,000) ÷ 10·t(1,000) ≤ 1.2 | %s (raw session: %s) | %s |"
                        % (ENGINE[engine], workload, fmt_r(r), fmt_r(rr), verdict(None if r is None else r <= 1.2)))
    return rows


BEGIN = "<!-- bench:results:begin (written by bench/run; edit the text outside these markers) -->"
END = "<!-- bench:results:end -->"


def cmd_report(a):
    results = load(a.results)
    text = report(results)
    print(text)
    if a.readme:
        body = ""
        if os.path.exists(a.readme):
            with open(a.readme) as f:
                body = f.read()
        block = BEGIN + "\n\n" + text + "\n" + END
        if BEGIN in body and END in body:
            pre, rest = body.split(BEGIN, 1)
            post = rest.split(END, 1)[1]
            body = pre + block + post
        else:
            body = body + ("\n" if body else "") + "## Results\n\n" + block + "\n"
        with open(a.readme, "w") as f:
            f.write(body)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--work", required=True)
    m.add_argument("--strata", required=True)
    m.add_argument("--dbmate", required=True)
    m.add_argument("--pg-port", type=int, required=True)
    m.add_argument("--pg-settings", default="")
    m.add_argument("--ns", default="100,1000,10000")
    m.add_argument("--runs", type=int, default=3)
    m.add_argument("--version-reps", type=int, default=5)
    m.add_argument("--engines", default="pg,sqlite")
    m.add_argument("--workloads", default="ddl,ins")
    m.add_argument("--tools", default=",".join(UP_TOOLS))
    m.add_argument("--timeout", type=float, default=300)
    m.add_argument("--results", required=True)
    r = sub.add_parser("report")
    r.add_argument("--results", required=True)
    r.add_argument("--readme")
    a = ap.parse_args()
    return cmd_measure(a) if a.cmd == "measure" else cmd_report(a)


if __name__ == "__main__":
    sys.exit(main())
