"""``drift.audit`` without Click: views, plans, scope keys, baselines, new/resolved in the store."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from change_control.errors import ConfigError, InputError, NotFoundError
from change_control.model import Change, ChangeState, ChangeType, Scope, Window
from change_control.store.engine import Store
from drift.audit import (
    AuditPlan,
    AuditRequest,
    SourcePlan,
    load_views,
    plan_audit,
    run_audit,
    scope_key,
)
from drift.ignore import Filter, IgnoreRules
from drift.model import Finding, FindingKind, Resource, View
from drift.persist.baselines import BaselineRepository
from drift.persist.storage import SqlAuditStorage
from tests.integration.drift.audit.audit_support import T0, T1, FakeSource, res

D, L = View.DECLARED, View.LIVE


def audit_plan(sources: SourcePlan, baseline: str = "latest") -> AuditPlan:
    """An ``AuditPlan`` over fake sources (what ``plan_audit`` builds from flags)."""
    return AuditPlan(
        request=AuditRequest(baseline=baseline),
        sources=sources,
        ignore=IgnoreRules(),
        filter=Filter(),
        rules=(),
        scope_key="test",
    )


def kinds(findings: Iterable[Finding]) -> dict[str, str]:
    return {f.resource_id: str(f.kind) for f in findings}


# ---------------------------------------------------------------- views and plans


def test_a_plan_alone_yields_only_its_drifted_pairs() -> None:
    plan = FakeSource("plan.json", (res("a", D, size=1), res("a", L, size=2), res("gone", D)))

    views = load_views(SourcePlan(plans=(plan,)))

    assert [(r.id, r.view) for r in views.declared] == [("a", D), ("gone", D)]
    assert [(r.id, r.attributes["size"]) for r in views.live or ()] == [("a", 2)]


def test_a_state_with_a_plan_counts_resources_the_plan_omits_as_in_sync() -> None:
    state = FakeSource("s.tfstate", (res("a", D, size=1), res("b", D), res("gone", D)))
    plan = FakeSource("plan.json", (res("a", D, size=1), res("a", L, size=2), res("gone", D)))

    result = run_audit(
        audit_plan(SourcePlan(declared=(state,), plans=(plan,))), now=T0, audit_id="A1"
    )

    assert kinds(result.result.findings) == {"a": "changed", "gone": "missing"}
    assert result.result.summary.in_sync == 1
    assert result.result.alerts == ()


def test_with_a_snapshot_the_snapshot_wins_over_a_plan_for_the_same_resource() -> None:
    state = FakeSource("s.tfstate", (res("a", D, size=1), res("b", D)))
    live = FakeSource("live.json", (res("a", L, size=1),))
    plan = FakeSource("plan.json", (res("a", D, size=1), res("a", L, size=2), res("b", D)))

    views = load_views(SourcePlan(declared=(state,), live=(live,), plans=(plan,)))

    assert [(r.id, r.attributes.get("size")) for r in views.live or ()] == [("a", 1)]
    assert [r.id for r in views.declared] == ["a", "b"]


def test_records_keep_each_sources_view_and_digest_and_never_attributes() -> None:
    state = FakeSource("s.tfstate", (res("a", D, password="x"),), {"lineage": "l", "serial": 4})

    views = load_views(SourcePlan(declared=(state,)))

    assert views.records == [
        {"spec": "s.tfstate", "view": "declared", "location": "s.tfstate", "resources": 1,
         "sha256": "0" * 64, "lineage": "l", "serial": 4}
    ]  # fmt: skip
    assert views.live is None


def test_rule_files_are_read_before_any_source_so_their_errors_come_first(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text("rules: [{name: r}]\n", encoding="utf-8")

    with pytest.raises(ConfigError, match=r"rules\.yml"):
        plan_audit(AuditRequest(states=("missing.tfstate",), policy_baselines=(str(rules),)))


def test_an_audit_needs_at_least_one_source() -> None:
    with pytest.raises(InputError, match="nothing to audit"):
        plan_audit(AuditRequest())


# ---------------------------------------------------------------- scope keys


def test_the_default_scope_key_depends_on_the_sources_not_their_order() -> None:
    one = scope_key(None, ["declared:/a", "live:/b"])

    assert one == scope_key(None, ["live:/b", "declared:/a", "live:/b"])
    assert one != scope_key(None, ["declared:/a", "live:/c"])
    assert one.startswith("sources:") and len(one) == len("sources:") + 16


def test_relative_paths_resolve_so_two_checkouts_do_not_share_a_scope(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "live.json").write_text("{}", encoding="utf-8")
        monkeypatch.chdir(tmp_path / name)
        keys.append(plan_audit(AuditRequest(live=("live.json",))).scope_key)

    assert keys[0] != keys[1]


@pytest.mark.parametrize("bad", ["", "  ", "x" * 129, "sources:abc"])
def test_a_scope_name_must_be_short_and_not_look_like_a_derived_key(bad: str) -> None:
    with pytest.raises(InputError, match="--scope"):
        scope_key(bad, [])


# ---------------------------------------------------------------- with the store


def test_new_resolved_and_first_seen_follow_the_previous_audit_of_the_scope(store: Store) -> None:
    storage = SqlAuditStorage(store)
    state = FakeSource("s", (res("a", D, size=1), res("b", D)))
    first_live = FakeSource("l", (res("a", L, size=2),))
    second_live = FakeSource("l", (res("a", L, size=2), res("b", L), res("new", L)))

    first = run_audit(
        audit_plan(SourcePlan((state,), (first_live,))), now=T0, storage=storage, audit_id="A1"
    )
    storage.save(first.record(2))
    second = run_audit(
        audit_plan(SourcePlan((state,), (second_live,))), now=T1, storage=storage, audit_id="A2"
    )

    by_id = {f.resource_id: f for f in second.result.findings}
    assert second.previous_id == "A1"
    assert second.result.new_finding_ids == {by_id["new"].id}
    assert second.result.resolved_finding_ids == {
        f.id for f in first.result.findings if f.resource_id == "b"
    }
    assert (by_id["a"].first_seen, by_id["a"].last_seen) == (T0, T1)
    assert by_id["new"].first_seen == T1


def test_without_a_store_every_finding_is_new(tmp_path: Path) -> None:
    plan = audit_plan(SourcePlan((FakeSource("s", (res("a", D),)),), (FakeSource("l", ()),)))

    outcome = run_audit(plan, now=T0)

    assert outcome.result.new_finding_ids == {f.id for f in outcome.result.findings}
    assert outcome.previous_id is None


def _capture(store: Store, change: str, *resources: Resource) -> None:
    with store.begin() as conn:
        BaselineRepository(conn).add_capture(change, resources, source="live", at=T0)


def test_baselines_apply_only_to_resources_the_audit_sees(store: Store) -> None:
    _capture(store, "CHG1", res("a", L, size=1), res("elsewhere", L, size=1))
    state = FakeSource("s", (res("a", D, size=1),))
    plan = audit_plan(SourcePlan((state,), (FakeSource("l", (res("a", L, size=3),)),)))

    outcome = run_audit(plan, now=T1, storage=SqlAuditStorage(store))

    violations = [f for f in outcome.result.findings if f.kind is FindingKind.BASELINE_VIOLATION]
    assert [(f.resource_id, f.rule) for f in violations] == [("a", "baseline:CHG1-b1")]


def test_a_secret_withheld_from_a_baseline_is_not_drift_but_other_changes_are(
    store: Store,
) -> None:
    secret = frozenset({("input", "password")})
    _capture(store, "CHG1", res("a", L, sensitive=secret, input={"user": "u", "password": "p1"}))
    live = res("a", L, input={"user": "v", "password": "p2"})
    plan = audit_plan(SourcePlan((), (FakeSource("l", (live,)),)))

    outcome = run_audit(plan, now=T1, storage=SqlAuditStorage(store))

    (violation,) = [f for f in outcome.result.findings if f.kind is FindingKind.BASELINE_VIOLATION]
    assert [(d.path, d.expected, d.actual) for d in violation.differences] == [
        (("input", "user"), "u", "v")
    ]


def test_an_unknown_baseline_selector_is_not_found(store: Store) -> None:
    plan = audit_plan(SourcePlan((), (FakeSource("l", (res("a", L),)),)), baseline="CHG404")

    with pytest.raises(NotFoundError, match="CHG404"):
        run_audit(plan, now=T1, storage=SqlAuditStorage(store))


def test_no_live_view_means_no_baseline_comparison(store: Store) -> None:
    _capture(store, "CHG1", res("a", L, size=1))
    plan = audit_plan(SourcePlan((FakeSource("s", (res("a", D, size=9),)),)))

    outcome = run_audit(plan, now=T1, storage=SqlAuditStorage(store))

    assert outcome.result.findings == ()


def test_findings_in_an_approved_changes_scope_and_window_are_authorized() -> None:
    change = Change(
        id="CHG7", type=ChangeType.STANDARD, state=ChangeState.SCHEDULED, summary="s",
        requested_by="alice", created_at=T0, window=Window(T0, T1),
        scope=Scope(terraform_addresses=("terraform_data.web*",)),
    )  # fmt: skip
    state = FakeSource("s", (res("a", D, address="terraform_data.web", size=1),
                             res("b", D, address="terraform_data.db")))  # fmt: skip
    live = FakeSource("l", (res("a", L, size=2), res("b", L, size=2)))
    plan = audit_plan(SourcePlan((state,), (live,)))

    outcome = run_audit(plan, now=T0, changes=[change])

    status = {f.resource_id: (str(f.attribution.status), f.attribution.change_id)
              for f in outcome.result.findings}  # fmt: skip
    assert status == {"a": ("authorized", "CHG7"), "b": ("unauthorized", None)}
