"""Four processes syncing overlapping inputs at once on PostgreSQL.

Each process syncs its own data source (items overlapping its neighbours') plus one source
all of them share, three rounds each, started together behind a barrier. Afterwards: no CI
exists twice, no process's attribute was lost, and every journal row belongs to a run that a
process reported, in the number it reported.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter

import pytest
from sqlalchemy import func, select

from change_control.store.engine import open_store
from change_control.store.schema import ci_history, ci_identifiers, cis
from tests.integration.cmdb.cmdb_support import ROUNDS, concurrent_worker, worker_keys

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
WORKERS = 4


def test_four_processes_syncing_overlapping_inputs_lose_nothing_and_duplicate_nothing(
    postgres_db_url: str,
) -> None:
    open_store(postgres_db_url).dispose()  # migrate once, before the race
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WORKERS)
    results = context.Queue()
    processes = [
        context.Process(target=concurrent_worker, args=(postgres_db_url, n, barrier, results))
        for n in range(WORKERS)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=240) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    failures = [error for _, _, error in outcomes if error]
    assert failures == []

    store = open_store(postgres_db_url)
    try:
        with store.read() as conn:
            expected = {k for n in range(WORKERS) for k in worker_keys(n)}
            values = conn.execute(select(ci_identifiers.c.value)).scalars().all()
            assert sorted(values) == sorted(f"x:{k}" for k in expected)
            rows = {
                r.name: r.attributes for r in conn.execute(select(cis.c.name, cis.c.attributes))
            }
            journal = Counter(conn.execute(select(ci_history.c.run_id)).scalars().all())
            total = conn.execute(select(func.count()).select_from(ci_history)).scalar()
    finally:
        store.dispose()

    assert len(rows) == len(expected)  # no duplicate CI
    for n in range(WORKERS):  # no lost update: every worker's own attribute is there
        for key in worker_keys(n):
            assert rows[key].get(f"seen_by_{n}") is True, (key, n)
            assert rows[key]["round"] == ROUNDS
    reported = Counter()
    for _, reports, _ in outcomes:
        for report in reports:
            if report["journal"]:
                reported[report["run"]] += report["journal"]
    assert journal == reported  # every journal entry accounted for, run by run
    assert total == sum(reported.values())
