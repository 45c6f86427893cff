"""The audit and baseline repositories on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from change_control.errors import NotFoundError
from change_control.store.engine import Store
from drift.audit import AuditRecord
from drift.model import AuditResult, Summary, View
from drift.persist.audits import AuditRepository
from drift.persist.baselines import BaselineRepository
from tests.integration.drift.audit.audit_support import T0, T1, res

L = View.LIVE


def capture(store: Store, change: str, *ids: str, at: datetime = T0, **attributes: Any) -> str:
    with store.begin() as conn:
        info = BaselineRepository(conn).add_capture(
            change, [res(i, L, **attributes) for i in ids], source="live", at=at
        )
    return info.capture_id


def test_captures_are_numbered_per_change_and_versions_count_per_resource(store: Store) -> None:
    first = capture(store, "CHG1", "a", "b", size=1)
    second = capture(store, "CHG2", "b", at=T1, size=2)
    third = capture(store, "CHG1", "a", at=T1 + timedelta(hours=1), size=3)

    with store.read() as conn:
        repo = BaselineRepository(conn)
        versions = {(e.capture_id, e.resource.id, e.version) for e in repo.entries("CHG1")}
        newest = {r.id: (b.id, r.attributes["size"]) for b in repo.newest() for r in b.resources}
        listed = [(c.capture_id, c.resources) for c in repo.captures()]

    assert (first, second, third) == ("CHG1-b1", "CHG2-b1", "CHG1-b2")
    assert versions == {("CHG1-b1", "a", 1), ("CHG1-b1", "b", 1), ("CHG1-b2", "a", 2)}
    assert newest == {"a": ("CHG1-b2", 3), "b": ("CHG2-b1", 2)}
    assert listed == [("CHG1-b2", 1), ("CHG2-b1", 1), ("CHG1-b1", 2)]


def test_a_capture_id_or_a_change_id_selects_entries_and_unknown_ones_are_not_found(
    store: Store,
) -> None:
    capture(store, "CHG1", "a")
    capture(store, "CHG1", "a", at=T1)

    with store.read() as conn:
        repo = BaselineRepository(conn)
        assert [e.version for e in repo.entries("CHG1-b1")] == [1]
        assert [e.version for e in repo.entries("CHG1")] == [2, 1]
        assert [b.id for b in repo.of("CHG1")] == ["CHG1-b1", "CHG1-b2"]
        before = repo.previous_versions(repo.entries("CHG1-b2"))
        with pytest.raises(NotFoundError, match="CHG9"):
            repo.entries("CHG9")

    assert [(b.id, [r.id for r in b.resources]) for b in before] == [("CHG1-b1", ["a"])]


def test_stored_baselines_hold_no_secret_but_know_where_it_was(store: Store) -> None:
    capture(store, "CHG1", "a", password="hunter2", name="db")

    with store.read() as conn:
        (entry,) = BaselineRepository(conn).entries("CHG1")

    assert entry.resource.attributes == {"id": "a", "name": "db"}
    assert entry.resource.sensitive_paths == frozenset({("password",)})
    assert entry.to_dict()["withheld"] == [["password"]]


def result(audit_id: str, at: datetime = T0) -> AuditResult:
    return AuditResult(audit_id=audit_id, generated_at=at, summary=Summary(managed=1), findings=())


def test_audits_are_listed_newest_first_per_scope(store: Store) -> None:
    with store.begin() as conn:
        repo = AuditRepository(conn)
        for audit_id, scope, at in (("A1", "prod", T0), ("A2", "dev", T1), ("A3", "prod", T1)):
            repo.add(AuditRecord(result(audit_id, at), scope, at, [{"spec": "s"}], 0, {"new": 0}))

    with store.read() as conn:
        repo = AuditRepository(conn)
        assert [a.id for a in repo.history()] == ["A3", "A2", "A1"]
        assert [a.id for a in repo.history("prod")] == ["A3", "A1"]
        assert repo.get("latest", "dev").id == "A2"
        assert repo.get("A1").summary["managed"] == 1
        assert repo.scopes() == ["dev", "prod"]
        with pytest.raises(NotFoundError, match="A9"):
            repo.get("A9")


def test_latest_of_an_empty_store_is_not_found(store: Store) -> None:
    with store.read() as conn, pytest.raises(NotFoundError, match="no audit is stored yet"):
        AuditRepository(conn).get("latest")
