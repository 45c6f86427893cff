"""How fast ``cmdb sync`` reconciles 100,000 CIs with 200,000 relations, and what it writes.

Run: ``.venv/bin/python benchmarks/cmdb_sync.py [--cis N] [--db sqlite|postgres|both]``.

Each database runs in a child process of its own (so peak memory is per database): a first
sync of N items (each an EC2-like instance with 3 identifiers, 8 attributes and 2
``depends_on`` edges), then

* a no-op re-sync of the identical input (skipped by its watermark: lineage and serial);
* a no-op re-sync of the same items under a new serial (every item's digest is compared in
  memory: no attribute is loaded and no CI, journal or binding row is written);
* a re-sync with 1% of the items changed (exactly those CIs, their journal entries and their
  bindings are written, plus the source's watermark and the run's record).

Items are built in memory (``cmdb_sync.model.Item``), so the figures are the reconciler's: the
cost of parsing a state file is the drift sources' (benchmarks of their own). ``stmts`` counts
the write statements: bulk inserts are multi-row ``INSERT`` statements on SQLite and ``COPY``
statements on PostgreSQL. For PostgreSQL a throw-away server is started the way
``tests/conftest.py`` does (its helpers are imported).

On SQLite the floor of the first sync is measured too (``sqlite_floor``): the same rows,
already converted, written by SQLite alone from one thread. It bounds what any planner can
reach on the machine at hand.

Targets on SQLite: first sync >= 20,000 CIs/s, no-op re-sync >= 100,000 CIs/s with 0 writes,
1% re-sync writing only the changed rows. Wall and CPU time are both printed: the machines are
shared, and CPU time barely moves when other jobs load them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
SOURCE = "tfstate:benchmark"
TARGETS = {"first": 20_000, "noop": 100_000}


def items(count: int, generation: int, changed: float) -> tuple[Any, ...]:
    """``count`` instance-like items; every ``1/changed``-th one differs per generation."""
    from cmdb_sync.model import Item, Ref

    every = max(1, round(1 / changed)) if changed else 0
    out = []
    for n in range(count):
        arn = f"arn:aws:ec2:eu-west-3:123456789012:instance/i-{n:017x}"
        rev = generation if every and n % every == 0 else 0
        attributes = {
            "id": f"i-{n:017x}", "arn": arn, "ami": "ami-0abcdef1234567890",
            "instance_type": "t3.large" if rev else "t3.micro",
            "private_ip": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
            "tags": {"Name": f"web-{n}", "Environment": "prod", "Revision": str(rev)},
            "monitoring": False, "ebs_optimized": True,
        }  # fmt: skip
        refs = (
            Ref(
                "depends_on",
                f"arn:aws:ec2:eu-west-3:123456789012:instance/i-{(n + 1) % count:017x}",
            ),
            Ref(
                "depends_on",
                f"arn:aws:ec2:eu-west-3:123456789012:instance/i-{(n + 7) % count:017x}",
            ),
        )
        identifiers = (
            ("arn", arn), ("provider_id", f"aws_instance:i-{n:017x}"),
            ("tf_address", f"{SOURCE}|aws_instance.web[{n}]"),
        )  # fmt: skip
        out.append(Item(arn, "vm_instance", f"web-{n}", "prod", identifiers, attributes, refs))
    return tuple(out)


def phase(
    store: Any, label: str, count: int, serial: int, generation: int, changed: float
) -> dict[str, Any]:
    """One sync of the generated input; its time, statements and rows written."""
    from cmdb_sync.model import InputBatch
    from cmdb_sync.sync import SyncRequest, sync
    from tests.integration.cmdb.cmdb_support import WriteCounter

    batch = InputBatch(
        SOURCE,
        "tfstate",
        items(count, generation, changed),
        True,
        {"lineage": "bench", "serial": serial},
    )
    with WriteCounter().watching(store) as writes:  # COPY too: bulk inserts on PostgreSQL
        wall, cpu = time.perf_counter(), time.process_time()
        report = sync(store, SyncRequest(()), now=T0 + timedelta(hours=serial), batches=[batch])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    plan = report.plan
    rows = {
        "cis": len(plan.cis), "journal": len(plan.journal), "bindings": len(plan.bindings),
        "relations": len(plan.edges), "identifiers": len(plan.identifiers),
        "sources": len(plan.sources),
    }  # fmt: skip
    summary = report.summary()
    summary.pop("errors")
    return {
        "phase": label, "items": count, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
        "cis_per_s_wall": round(count / wall), "cis_per_s_cpu": round(count / cpu),
        "write_statements": len(writes.statements), "rows_by_table": rows, **summary,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }  # fmt: skip


#: The tables a first sync fills, in the order their foreign keys allow.
FIRST_SYNC_TABLES = ("cis", "ci_identifiers", "cmdb_bindings", "ci_relations", "ci_history")


def sqlite_floor(url: str, count: int) -> dict[str, Any]:
    """What SQLite alone takes to write the first sync's rows: the floor under any planner.

    The rows the first sync wrote are read back, already converted, and inserted into a new
    store (same schema, pragmas and page cache) from one thread, in multi-row ``INSERT``
    statements of ``bulk.PARAMETERS`` values, then committed (the commit includes SQLite's WAL
    checkpoint). No planning, no conversion: ``count`` divided by this time is the most a first
    sync can reach on this machine, whatever the Python side does.
    """
    import sqlite3

    from change_control.store.engine import open_store
    from cmdb_sync.bulk import PARAMETERS

    source = sqlite3.connect(url.removeprefix("sqlite:///"))
    rows: dict[str, tuple[list[str], list[Any]]] = {}
    for table in FIRST_SYNC_TABLES:
        names = [r[1] for r in source.execute(f"PRAGMA table_info({table})")]
        columns = names if table == "cis" else names[1:]  # integer keys: the store assigns them
        query = f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid"
        rows[table] = (columns, source.execute(query).fetchall())
    source.close()
    store = open_store(url.removesuffix(".db") + "-floor.db")
    raw = store.engine.raw_connection()  # the engine's own pragmas (WAL, foreign keys...)
    try:
        conn: Any = raw.driver_connection
        conn.isolation_level = None
        conn.execute("PRAGMA cache_size=-65536")  # as ``cmdb sync`` sets it
        wall = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for table, (columns, values) in rows.items():
            per = PARAMETERS // len(columns)
            group = "(" + ", ".join("?" * len(columns)) + ")"
            head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
            for start in range(0, len(values), per):
                part = values[start : start + per]
                flat = [v for row in part for v in row]
                conn.execute(head + ", ".join([group] * len(part)), flat)
        inserted = time.perf_counter()
        conn.execute("COMMIT")
        done = time.perf_counter()
    finally:
        raw.close()
        store.dispose()
    insert_s, commit_s = inserted - wall, done - inserted
    return {
        "rows": sum(len(v) for _, v in rows.values()), "insert_s": round(insert_s, 3),
        "commit_s": round(commit_s, 3), "ceiling_cis_per_s": round(count / (done - wall)),
    }  # fmt: skip


def child(url: str, count: int, changed: float) -> dict[str, Any]:
    """Every phase against the store at ``url`` (run in a fresh process), and on SQLite the
    floor of the first sync (``sqlite_floor``)."""
    import cmdb_sync.apply
    import cmdb_sync.backends
    import cmdb_sync.finish
    import cmdb_sync.planner
    import cmdb_sync.sources  # noqa: F401  (imported before timing: the figures are the sync's)
    from change_control.store.engine import open_store

    store = open_store(url)
    try:
        phases = [phase(store, "first sync", count, 1, 0, changed)]
        floor = sqlite_floor(url, count) if url.startswith("sqlite") else None
        phases += [
            phase(store, "no-op re-sync (same input: watermark)", count, 1, 0, changed),
            phase(store, "no-op re-sync (new serial: item digests)", count, 2, 0, changed),
            phase(store, f"re-sync, {changed:.0%} changed", count, 3, 1, changed),
        ]
    finally:
        store.dispose()
    return {"phases": phases, "floor": floor}


@contextmanager
def postgres() -> Iterator[str]:
    """A throw-away PostgreSQL (as tests/conftest.py starts one); yields its URL."""
    from tests.conftest import _find_binaries, _free_port

    found = _find_binaries()
    if found is None:
        raise SystemExit("PostgreSQL server binaries not found (apt-get install -y postgresql)")
    initdb, pg_ctl = found
    base = Path(tempfile.mkdtemp(prefix="changegate-bench-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        import pwd

        account = pwd.getpwnam("postgres")
        for path in [base]:
            os.chown(path, account.pw_uid, account.pw_gid)
        prefix = [str(shutil.which("runuser")), "-u", "postgres", "--"]
    data, port = base / "data", _free_port()
    env = {**os.environ, "LC_ALL": "C"}

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, env=env)

    run(
        initdb,
        "-D",
        str(data),
        "-U",
        "postgres",
        "-A",
        "trust",
        "--no-sync",
        "-E",
        "UTF8",
        "--no-locale",
    )
    options = (
        f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
    )
    run(pg_ctl, "-D", str(data), "-w", "-l", str(base / "log"), "-o", options, "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(pg_ctl, "-D", str(data), "stop", "-m", "immediate")
        shutil.rmtree(base, ignore_errors=True)


def measure(database: str, count: int, changed: float) -> dict[str, Any]:
    """Run the phases for ``database`` in a child process; return its figures."""
    scratch = Path(tempfile.mkdtemp(prefix="changegate-bench-"))
    try:
        if database == "sqlite":
            return _spawn(f"sqlite:///{scratch / 'cmdb.db'}", count, changed)
        with postgres() as url:
            return _spawn(url, count, changed)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _spawn(url: str, count: int, changed: float) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, "--cis", str(count), "--changed", str(changed)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


def show(database: str, result: dict[str, Any]) -> None:
    """Print one database's figures as a table, and SQLite's floor where it was measured."""
    figures = result["phases"]
    print(f"\n{database}: {figures[0]['items']:,} CIs, {2 * figures[0]['items']:,} relations")
    print(
        f"{'phase':<44} {'wall s':>8} {'CIs/s wall':>11} {'CIs/s CPU':>10} {'stmts':>6} "
        f"{'rows':>8} {'RSS MB':>7}"
    )
    for f in figures:
        print(
            f"{f['phase']:<44} {f['wall_s']:>8.2f} {f['cis_per_s_wall']:>11,} "
            f"{f['cis_per_s_cpu']:>10,} {f['write_statements']:>6} {f['writes']:>8,} "
            f"{f['peak_rss_mb']:>7}"
        )
    last = figures[-1]
    print(f"  1% re-sync rows by table: {last['rows_by_table']} (updated {last['updated']})")
    floor = result["floor"]
    if floor is not None:
        print(
            f"  SQLite alone, the first sync's {floor['rows']:,} rows pre-converted, one thread: "
            f"{floor['insert_s']:.2f} s insert + {floor['commit_s']:.2f} s commit (checkpoint)"
            f" = at most {floor['ceiling_cis_per_s']:,} CIs/s before any planning"
        )


def main() -> int:
    """Parse the arguments, run the databases asked for, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cis", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.cis, args.changed)))
        return 0
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = {db: measure(db, args.cis, args.changed) for db in databases}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for database, figures in results.items():
        show(database, figures)
    load = os.getloadavg()[0]
    print(f"\nload average at the end: {load:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
