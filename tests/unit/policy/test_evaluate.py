"""``evaluate`` decides every request as this one table says.

Each row is one request against one change under one policy; it pins the exact reason codes,
the verdict, the obligations and, where the wording matters, fragments of the messages.
Times are UTC unless a row says otherwise; the comments give the wall-clock time that matters.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from change_control.gate import LookupFailure, Request
from change_control.model import (
    Approval,
    ApprovalDecision,
    Change,
    ChangeState,
    ChangeType,
    Risk,
    Scope,
    Window,
)
from change_control.policy import evaluate
from change_control.policy.model import (
    DEFAULT_READ_ONLY_MODULES,
    ApprovalRule,
    ArgConstraint,
    EmergencyRules,
    FreezeWindow,
    GateScope,
    Policy,
    SodRules,
    StandardTemplate,
)
from change_control.timeutil import parse_instant

MISSING, NOT_FOUND, UNREACHABLE = "change.missing", "change.not_found", "provider.unreachable"
WRONG_STATE, NOT_APPROVED, INSUFFICIENT = (
    "change.wrong_state",
    "change.not_approved",
    "approvals.insufficient",
)
SELF, EXECUTOR = "sod.self_approval", "sod.executor_is_approver"
WINDOW, FREEZE, SCOPE_ENV, SCOPE_HOST = (
    "window.outside",
    "freeze.active",
    "scope.environment",
    "scope.host",
)
TEMPLATE, PIR_OVERDUE = "standard.template_mismatch", "emergency.pir_overdue"
PIR_DUE, CHECK, FAIL_OPEN = "emergency.pir_due", "check_mode.recorded", "provider.fail_open"

NOW = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)  # a Wednesday: no weekend freeze applies
HOUR = timedelta(hours=1)


def t(text: str) -> datetime:
    """An instant from ISO text (naive text is UTC)."""
    return parse_instant(text)


def ok(who: str = "bob", group: str | None = None) -> Approval:
    return Approval(who, ApprovalDecision.APPROVED, NOW - 24 * HOUR, group)


def no(who: str, group: str | None = None) -> Approval:
    return Approval(who, ApprovalDecision.REJECTED, NOW - 24 * HOUR, group)


def around(moment: datetime) -> Window:
    """A window of one day either side of ``moment``, so only the rule under test can fire."""
    return Window(moment - 24 * HOUR, moment + 24 * HOUR)


def change(**overrides: Any) -> Change:
    """A scheduled, moderate-risk normal change approved by bob, with a window around NOW."""
    fields: dict[str, Any] = {
        "id": "CHG0001",
        "type": ChangeType.NORMAL,
        "state": ChangeState.SCHEDULED,
        "summary": "Patch nginx",
        "requested_by": "alice",
        "created_at": NOW - 48 * HOUR,
        "risk": Risk.MODERATE,
        "approvals": (ok("bob"),),
        "window": Window(NOW - HOUR, NOW + HOUR),
    }
    fields.update(overrides)
    return Change(**fields)


def standard(**overrides: Any) -> Change:
    """A standard change under template restart-nginx: no approvals, no window."""
    fields: dict[str, Any] = {"type": ChangeType.STANDARD, "template": "restart-nginx"}
    return change(**{"approvals": (), "window": None, **fields, **overrides})


def emergency(**overrides: Any) -> Change:
    """An emergency change created two hours ago with one approval and no window."""
    fields: dict[str, Any] = {"type": ChangeType.EMERGENCY, "created_at": NOW - 2 * HOUR}
    return change(**{"window": None, **fields, **overrides})


NGINX_ARGS = {"name": "nginx", "state": "restarted"}


def request(**overrides: Any) -> Request:
    """carol restarting nginx on web01 in prod at NOW under CHG0001."""
    fields: dict[str, Any] = {
        "change_id": "CHG0001",
        "executor": "carol",
        "host": "web01.example.com",
        "module": "ansible.builtin.service",
        "environment": "prod",
        "at": NOW,
        "args": NGINX_ARGS,
    }
    fields.update(overrides)
    return Request(**fields)


POLICY = Policy(
    approvals=(
        ApprovalRule((Risk.LOW, Risk.MODERATE), 1),
        ApprovalRule((Risk.HIGH, Risk.VERY_HIGH), 2, ("CAB",)),
    ),
    standard_changes={
        "restart-nginx": StandardTemplate(
            "restart-nginx",
            ("ansible.builtin.service",),
            {
                "name": ArgConstraint(equals="nginx"),
                "state": ArgConstraint(one_of=("restarted", "reloaded")),
                "enabled": ArgConstraint(absent=True),
            },
        ),
        "edit-nginx-conf": StandardTemplate(
            "edit-nginx-conf",
            ("ansible.builtin.lineinfile",),
            {"path": ArgConstraint(regex=r"/etc/nginx/.*\.conf"), "backup": ArgConstraint(True)},
        ),
    },
)
CONF_ARGS = {"path": "/etc/nginx/sites/app.conf", "backup": "true", "line": "x"}

YEAR_END = FreezeWindow(
    "Year-end close", "year-end", t("2026-12-20T00:00:00+01:00"), t("2027-01-04T00:00:00+01:00")
)
WEEKEND = FreezeWindow(
    "No weekend changes", "Berlin weekend", weekly="Fri 18:00-Mon 06:00", tz="Europe/Berlin"
)
NEW_YORK = "America/New_York"
NY_FRIDAY = FreezeWindow("Batch", "NY Friday batch", weekly="Fri 23:00-Sat 01:00", tz=NEW_YORK)
NY_SPRING = FreezeWindow("Backups", "NY Sat-night", weekly="Sat 23:00-Sun 03:00", tz=NEW_YORK)
NY_FALL = FreezeWindow("Backups", "NY Sat-night", weekly="Sat 23:00-Sun 01:30", tz=NEW_YORK)


def with_gate(**overrides: Any) -> Policy:
    return replace(POLICY, gate=replace(GateScope(), **overrides))


def frozen(*freezes: FreezeWindow, **overrides: Any) -> Policy:
    return replace(POLICY, freezes=freezes, **overrides)


@dataclass(frozen=True)
class Case:
    change: Change | LookupFailure | None
    request: Request
    policy: Policy
    codes: tuple[str, ...]
    allowed: bool
    obligations: tuple[str, ...]
    says: tuple[str, ...]
    gated: bool


def case(
    name: str,
    subject: Change | LookupFailure | None,
    codes: tuple[str, ...] = (),
    *,
    req: Request | None = None,
    policy: Policy = POLICY,
    allowed: bool | None = None,
    obligations: tuple[str, ...] = (),
    says: tuple[str, ...] = (),
    gated: bool = True,
) -> Any:
    """One row; ``allowed`` defaults to "no reasons"."""
    verdict = (not codes) if allowed is None else allowed
    row = Case(subject, req or request(), policy, codes, verdict, obligations, says, gated)
    return pytest.param(row, id=name)


def frozen_at(
    name: str, when: str, freeze: FreezeWindow, is_frozen: bool, env: str | None = "prod", **kw: Any
) -> Any:
    """A normal change whose window covers ``when``, asked at ``when`` under one freeze."""
    moment = t(when)
    subject = change(window=around(moment))
    req = request(at=moment, environment=env)
    codes = (FREEZE,) if is_frozen else ()
    return case(name, subject, codes, req=req, policy=frozen(freeze), **kw)


def weekly(freeze: FreezeWindow, when: str, is_frozen: bool, local: str, **kw: Any) -> Any:
    """A weekly-freeze row; its id reads "the <freeze> freeze covers <local time>"."""
    verb = "covers" if is_frozen else "leaves free"
    return frozen_at(f"the {freeze.name} freeze {verb} {local}", when, freeze, is_frozen, **kw)


@dataclass(frozen=True)
class Span:
    """A named implementation window for the DST rows."""

    label: str
    start: str
    end: str


def in_window(span: Span, when: str, inside: bool, local: str, **kw: Any) -> Any:
    """A window row; its id reads "<span label> covers|excludes <local time>"."""
    subject = change(window=Window(t(span.start), t(span.end)))
    name = f"{span.label} {'covers' if inside else 'excludes'} {local}"
    return case(name, subject, () if inside else (WINDOW,), req=request(at=t(when)), **kw)


# Europe/Berlin: 2026-03-29 02:00 CET -> 03:00 CEST (an hour short); 2026-10-25 03:00 CEST ->
# 02:00 CET (02:00-03:00 twice). America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT;
# 2026-11-01 02:00 EDT -> 01:00 EST (01:00-02:00 twice).
BERLIN_SPRING = Span(
    "a Berlin window over the spring-forward gap",
    "2026-03-29T01:00+01:00",
    "2026-03-29T04:00+02:00",
)
BERLIN_FALL = Span(
    "a Berlin window in the first 02:00 hour of fall-back night",
    "2026-10-25T02:00+02:00",
    "2026-10-25T03:00+02:00",
)
NY_SPRING_SPAN = Span(
    "a New York window over the spring-forward gap",
    "2026-03-08T01:00-05:00",
    "2026-03-08T04:00-04:00",
)
NY_FALL_SPAN = Span(
    "a New York window in the EDT 01:00 hour", "2026-11-01T01:00-04:00", "2026-11-01T02:00-04:00"
)
PLAIN = Span("a 10:00-12:00 UTC window", "2026-06-10T10:00Z", "2026-06-10T12:00Z")


NOT_FOUND_FAILURE = LookupFailure("not_found", "CHG0404", "no such change")
UNREACHABLE_FAILURE = LookupFailure("unreachable", "CHG0001", "connection refused")
SMITH = change(requested_by="Alice Smith", approvals=(ok("  alice   SMITH "),))
EVERYTHING_WRONG = change(
    state=ChangeState.NEW,
    approvals=(ok("alice"),),
    window=Window(NOW + HOUR, NOW + 2 * HOUR),
    scope=Scope(environments=("staging",), hosts=("db*",)),
)

CASES = [
    # --- the happy path and the state machine
    case("a scheduled approved normal change inside its window is allowed", change()),
    case("a change in state implement is allowed", change(state=ChangeState.IMPLEMENT)),
    case(
        "a change still in authorize is refused for its state",
        change(state=ChangeState.AUTHORIZE),
        (WRONG_STATE,),
        says=("CHG0001 is in state authorize", "scheduled or implement"),
    ),
    case(
        "a closed change is refused for its state", change(state=ChangeState.CLOSED), (WRONG_STATE,)
    ),
    case(
        "a new change with no approval and no window gets all three reasons at once",
        change(state=ChangeState.NEW, approvals=(), window=None),
        (WRONG_STATE, NOT_APPROVED, WINDOW),
    ),
    # --- lookups
    case("a run naming no change is refused as missing", None, (MISSING,), says=("web01",)),
    case(
        "a request without a change id is missing even if a change is passed",
        change(),
        (MISSING,),
        req=request(change_id=None),
    ),
    case(
        "an unknown change id is refused as not found",
        NOT_FOUND_FAILURE,
        (NOT_FOUND,),
        says=("CHG0404", "no such change"),
    ),
    case(
        "an unreachable provider refuses the task when fail-closed",
        UNREACHABLE_FAILURE,
        (UNREACHABLE,),
        says=("connection refused", "fail-closed"),
    ),
    case(
        "an unreachable provider lets the task run with an obligation when fail-open",
        UNREACHABLE_FAILURE,
        policy=replace(POLICY, fail_closed=False),
        obligations=(FAIL_OPEN,),
        says=("fail-open",),
    ),
    # --- what the gate does not guard
    case(
        "a read-only module passes without any change",
        None,
        req=request(module="ansible.builtin.debug"),
        gated=False,
    ),
    case("a read-only module by short name passes", None, req=request(module="ping"), gated=False),
    case(
        "a read-only module by its legacy name passes",
        None,
        req=request(module="ansible.legacy.setup"),
        gated=False,
    ),
    case(
        "a module matching a read-only pattern the policy adds passes",
        None,
        req=request(module="amazon.aws.ec2_instance_info"),
        policy=with_gate(read_only_modules=(*DEFAULT_READ_ONLY_MODULES, "*_info")),
        gated=False,
    ),
    case(
        "a module outside the gated module patterns passes",
        None,
        req=request(module="community.general.ufw"),
        policy=with_gate(modules=("ansible.builtin.*",)),
        gated=False,
    ),
    case(
        "a legacy module name matches a gated short name",
        None,
        (MISSING,),
        req=request(module="ansible.legacy.service"),
        policy=with_gate(modules=("service",)),
    ),
    case(
        "an exempt host passes whatever its case",
        None,
        req=request(host="BASTION01"),
        policy=with_gate(exempt_hosts=("bastion*",)),
        gated=False,
    ),
    case(
        "a host outside the gated hosts passes",
        None,
        req=request(host="db01"),
        policy=with_gate(hosts=("web*",)),
        gated=False,
    ),
    case(
        "a gated host pattern matches ignoring case",
        None,
        (MISSING,),
        req=request(host="WEB01"),
        policy=with_gate(hosts=("web*",)),
    ),
    case(
        "an environment outside the gated environments passes",
        None,
        req=request(environment="dev"),
        policy=with_gate(environments=("prod",)),
        gated=False,
    ),
    case(
        "an unknown environment counts as gated when gated environments are listed",
        None,
        (MISSING,),
        req=request(environment=None),
        policy=with_gate(environments=("prod",)),
    ),
    case(
        "a task the gate does not guard is allowed in check mode without obligations",
        None,
        req=request(module="stat", check_mode=True),
        gated=False,
    ),
    # --- approvals
    case(
        "a rejection refuses a change even next to an approval",
        change(approvals=(ok("bob"), no("dave", "CAB"))),
        (NOT_APPROVED,),
        says=("rejected by dave (group CAB)",),
    ),
    case(
        "a change with only a rejection is not approved",
        change(approvals=(no("dave"),)),
        (NOT_APPROVED,),
    ),
    case(
        "a high-risk change with one CAB approval lacks a second",
        change(risk=Risk.HIGH, approvals=(ok("bob", "CAB"),)),
        (INSUFFICIENT,),
        says=("has 1 of 2 required approvals (a high risk normal change needs 2",),
    ),
    case(
        "a high-risk change with two approvals outside CAB lacks the group",
        change(risk=Risk.HIGH, approvals=(ok("bob"), ok("erin", "Security"))),
        (INSUFFICIENT,),
        says=("no approval from group CAB",),
    ),
    case(
        "a high-risk change with one approval outside CAB lacks count and group",
        change(risk=Risk.HIGH, approvals=(ok("bob"),)),
        (INSUFFICIENT,),
        says=("1 of 2 required approvals; no approval from group CAB",),
    ),
    case(
        "a high-risk change with two approvals incl. CAB is allowed",
        change(risk=Risk.HIGH, approvals=(ok("bob"), ok("erin", "cab"))),
    ),
    case(
        "one person approving twice under another case counts once",
        change(risk=Risk.HIGH, approvals=(ok("bob", "CAB"), ok(" BOB "))),
        (INSUFFICIENT,),
    ),
    case(
        "a rejection and too few approvals give both reasons",
        change(risk=Risk.HIGH, approvals=(ok("bob", "CAB"), no("dave"))),
        (NOT_APPROVED, INSUFFICIENT),
    ),
    case(
        "a risk no rule lists still needs one approval",
        change(risk=Risk.LOW, approvals=()),
        (NOT_APPROVED,),
        policy=replace(POLICY, approvals=(ApprovalRule((Risk.HIGH,), 2),)),
        says=("needs 1 approval",),
    ),
    case(
        "the default policy lets a very high risk change run on one approval",
        change(risk=Risk.VERY_HIGH),
        policy=Policy(),
    ),
    # --- segregation of duties
    case(
        "a self-approval under other case and spacing is refused and does not count",
        SMITH,
        (NOT_APPROVED, SELF),
        says=("'  alice   SMITH '", "'Alice Smith'", "its requester's own does not"),
    ),
    case(
        "a self-approval next to a valid approval is still refused",
        change(approvals=(ok("Alice"), ok("bob"))),
        (SELF,),
    ),
    case(
        "a self-approval is allowed when the policy allows it",
        SMITH,
        policy=replace(POLICY, sod=SodRules(allow_self_approval=True)),
    ),
    case(
        "an executor who approved the change under another case is refused",
        change(),
        (EXECUTOR,),
        req=request(executor="BOB "),
        says=("'BOB ' runs the task on web01.example.com but approved change CHG0001",),
    ),
    case(
        "an executor who approved is allowed when the policy lets executors approve",
        change(),
        req=request(executor="bob"),
        policy=replace(POLICY, sod=SodRules(executor_may_approve=True)),
    ),
    case(
        "an executor who only rejected the change is not an approver",
        change(approvals=(ok("bob"), no("dave"))),
        (NOT_APPROVED,),
        req=request(executor="dave"),
    ),
    # --- implementation windows
    case(
        "a normal change without a window is refused",
        change(window=None),
        (WINDOW,),
        says=("CHG0001 has no implementation window",),
    ),
    in_window(PLAIN, "2026-06-10T09:59Z", False, "09:59 UTC", says=("is outside change CHG0001",)),
    in_window(PLAIN, "2026-06-10T10:00Z", True, "10:00 UTC, its start"),
    in_window(PLAIN, "2026-06-10T12:00Z", False, "12:00 UTC, its excluded end"),
    in_window(BERLIN_SPRING, "2026-03-29T03:30+02:00", True, "03:30 CEST"),
    in_window(BERLIN_SPRING, "2026-03-29T02:00Z", False, "02:00 UTC, two real hours in"),
    in_window(BERLIN_FALL, "2026-10-25T02:30+02:00", True, "the first 02:30 (CEST)"),
    in_window(BERLIN_FALL, "2026-10-25T02:30+01:00", False, "the second 02:30 (CET)"),
    in_window(NY_SPRING_SPAN, "2026-03-08T03:15-04:00", True, "03:15 EDT"),
    in_window(NY_SPRING_SPAN, "2026-03-08T04:30-04:00", False, "04:30 EDT"),
    in_window(NY_FALL_SPAN, "2026-11-01T01:30-04:00", True, "01:30 EDT"),
    in_window(NY_FALL_SPAN, "2026-11-01T01:30-05:00", False, "the repeated 01:30 EST"),
    case(
        "a request without a time is judged at now",
        change(window=Window(NOW - HOUR, NOW + HOUR)),
        req=request(at=None),
    ),
    case(
        "a request's own time wins over now",
        change(window=Window(NOW - HOUR, NOW + HOUR)),
        (WINDOW,),
        req=request(at=NOW + 2 * HOUR),
    ),
    # --- freezes
    frozen_at(
        "a year-end freeze refuses a normal change",
        "2026-12-24T10:00:00+01:00",
        YEAR_END,
        True,
        says=("year-end (Year-end close)", "2026-12-24T09:00:00Z", "CHG0001"),
    ),
    frozen_at(
        "a task at the freeze's end instant is no longer frozen",
        "2027-01-04T00:00:00+01:00",
        YEAR_END,
        False,
    ),
    case(
        "an emergency change bypasses a freeze by default",
        emergency(created_at=t("2026-12-24T09:00:00Z")),
        req=request(at=t("2026-12-24T10:00:00Z")),
        policy=frozen(YEAR_END),
        obligations=(PIR_DUE,),
    ),
    case(
        "an emergency change is frozen when the policy stops emergencies bypassing",
        emergency(created_at=t("2026-12-24T09:00:00Z")),
        (FREEZE,),
        req=request(at=t("2026-12-24T10:00:00Z")),
        policy=frozen(YEAR_END, emergency=EmergencyRules(bypass_freeze=False)),
    ),
    frozen_at(
        "a freeze exempting standard changes does not stop a normal one",
        "2026-12-24T10:00:00Z",
        replace(YEAR_END, exempt_types=(ChangeType.STANDARD,)),
        True,
    ),
    case(
        "a freeze exempting standard changes lets a standard change through",
        standard(),
        req=request(at=t("2026-12-24T10:00:00Z")),
        policy=frozen(replace(YEAR_END, exempt_types=(ChangeType.STANDARD,))),
    ),
    frozen_at(
        "a prod-only freeze does not stop a dev run",
        "2026-12-24T10:00:00Z",
        replace(YEAR_END, environments=("prod",)),
        False,
        env="dev",
    ),
    frozen_at(
        "a prod-only freeze stops a run whose environment is unknown",
        "2026-12-24T10:00:00Z",
        replace(YEAR_END, environments=("prod",)),
        True,
        env=None,
    ),
    # Weekly freezes on wall-clock time: a weekend one over both Berlin DST weekends, one that
    # spans midnight in New York, and New York night freezes on both DST nights.
    weekly(
        WEEKEND,
        "2026-03-27T17:30Z",
        True,
        "Fri 18:30 CET before spring-forward",
        says=("Berlin weekend (No weekend changes)",),
    ),
    weekly(WEEKEND, "2026-03-27T16:30Z", False, "Fri 17:30 CET before spring-forward"),
    weekly(WEEKEND, "2026-03-30T03:30Z", True, "Mon 05:30 CEST after spring-forward"),
    weekly(WEEKEND, "2026-03-30T04:30Z", False, "Mon 06:30 CEST after spring-forward"),
    weekly(WEEKEND, "2026-10-23T16:30Z", True, "Fri 18:30 CEST before fall-back"),
    weekly(WEEKEND, "2026-10-25T01:30Z", True, "the repeated Sun 02:30 CET"),
    weekly(WEEKEND, "2026-10-26T04:30Z", True, "Mon 05:30 CET after fall-back"),
    weekly(WEEKEND, "2026-10-26T05:30Z", False, "Mon 06:30 CET after fall-back"),
    weekly(WEEKEND, "2026-06-10T10:00Z", False, "Wednesday noon"),
    weekly(NY_FRIDAY, "2026-06-13T03:30Z", True, "Fri 23:30 EDT"),
    weekly(NY_FRIDAY, "2026-06-13T04:30Z", True, "Sat 00:30 EDT past midnight"),
    weekly(NY_FRIDAY, "2026-06-13T05:00Z", False, "Sat 01:00 EDT, its end"),
    weekly(NY_FRIDAY, "2026-06-13T02:59Z", False, "Fri 22:59 EDT"),
    weekly(NY_SPRING, "2026-03-08T06:59Z", True, "Sun 01:59 EST on spring-forward night"),
    weekly(NY_SPRING, "2026-03-08T07:00Z", False, "Sun 03:00 EDT, one real minute later"),
    weekly(NY_FALL, "2026-11-01T05:15Z", True, "the first Sun 01:15 (EDT) on fall-back night"),
    weekly(NY_FALL, "2026-11-01T06:15Z", True, "the repeated Sun 01:15 (EST)"),
    weekly(NY_FALL, "2026-11-01T06:45Z", False, "Sun 01:45 EST after its 01:30 end"),
    # --- scope
    case(
        "a host outside the change's host patterns is refused",
        change(scope=Scope(hosts=("web*", "lb*"))),
        (SCOPE_HOST,),
        req=request(host="db01"),
        says=("host db01 matches none of change CHG0001's host patterns (web*, lb*)",),
    ),
    case(
        "a change's host pattern matches ignoring case",
        change(scope=Scope(hosts=("web*",))),
        req=request(host="WEB01.example.com"),
    ),
    case(
        "an environment outside the change's scope is refused",
        change(scope=Scope(environments=("staging",))),
        (SCOPE_ENV,),
        says=("environment 'prod'", "covers only staging"),
    ),
    case(
        "an unknown environment is refused when the change names environments",
        change(scope=Scope(environments=("prod",))),
        (SCOPE_ENV,),
        req=request(environment=None),
        says=("an unknown environment",),
    ),
    case(
        "a change's environment scope matches ignoring case",
        change(scope=Scope(environments=("PROD",))),
    ),
    # --- standard changes
    case("a standard change inside its template runs without approval", standard()),
    case(
        "a standard change run by the short module name stays inside its template",
        standard(),
        req=request(module="service", args={"name": "nginx", "state": "reloaded"}),
    ),
    case(
        "a standard change with no template is refused",
        standard(template=None),
        (TEMPLATE,),
        says=("names no template",),
    ),
    case(
        "a standard change naming an unknown template is refused",
        standard(template="reboot"),
        (TEMPLATE,),
        says=("'reboot'", "known: edit-nginx-conf, restart-nginx"),
    ),
    case(
        "a standard change running a module outside its template is refused",
        standard(),
        (TEMPLATE,),
        req=request(module="ansible.builtin.copy"),
        says=(
            "standard change CHG0001 departs from template restart-nginx: module "
            "ansible.builtin.copy is not one of its modules (ansible.builtin.service)",
        ),
    ),
    case(
        "an equals constraint refuses another value",
        standard(),
        (TEMPLATE,),
        req=request(args={**NGINX_ARGS, "name": "apache2"}),
        says=("argument name is 'apache2' but must equal 'nginx'",),
    ),
    case(
        "an equals constraint refuses a missing argument",
        standard(),
        (TEMPLATE,),
        req=request(args={"state": "restarted"}),
        says=("argument name is missing",),
    ),
    case(
        "a one_of constraint refuses a value outside its list",
        standard(),
        (TEMPLATE,),
        req=request(args={**NGINX_ARGS, "state": "stopped"}),
        says=("argument state is 'stopped' but must be one of 'restarted', 'reloaded'",),
    ),
    case(
        "an absent constraint refuses a given argument",
        standard(),
        (TEMPLATE,),
        req=request(args={**NGINX_ARGS, "enabled": False}),
        says=("argument enabled must not be given",),
    ),
    case(
        "a regex constraint accepts a full match and a boolean's text form",
        standard(template="edit-nginx-conf"),
        req=request(module="lineinfile", args=CONF_ARGS),
    ),
    case(
        "a regex constraint refuses a match that is not full",
        standard(template="edit-nginx-conf"),
        (TEMPLATE,),
        req=request(module="lineinfile", args={**CONF_ARGS, "path": "/tmp/etc/nginx/a.conf"}),
        says=("must fully match the regex",),
    ),
    case(
        "a task breaking two constraints names both in one reason",
        standard(),
        (TEMPLATE,),
        req=request(args={"name": "apache2", "state": "stopped"}),
        says=("argument name is 'apache2'", "; argument state is 'stopped'"),
    ),
    # --- emergency changes
    case(
        "an approved emergency change without a window runs with a review obligation",
        emergency(),
        obligations=(PIR_DUE,),
        says=("review by 2026-06-12T08:00:00Z",),
    ),
    case(
        "a high-risk emergency change needs no CAB",
        emergency(risk=Risk.HIGH),
        obligations=(PIR_DUE,),
    ),
    case(
        "an emergency change's review is overdue counted from its window start",
        emergency(window=Window(NOW - 50 * HOUR, NOW + HOUR)),
        (PIR_OVERDUE,),
        says=("due by 2026-06-10T08:00:00Z (48 h)",),
    ),
    case(
        "an emergency change's review is overdue counted from its creation",
        emergency(created_at=NOW - 49 * HOUR),
        (PIR_OVERDUE,),
    ),
    case(
        "an emergency change exactly at its review deadline is not yet overdue",
        emergency(created_at=NOW - 48 * HOUR),
        obligations=(PIR_DUE,),
    ),
    case(
        "an emergency change without approval is not approved",
        emergency(approvals=()),
        (NOT_APPROVED,),
        says=("has no approval yet; a moderate risk emergency change needs 1 approval",),
    ),
    case(
        "an emergency change runs unapproved when the policy needs no emergency approval",
        emergency(approvals=()),
        policy=replace(POLICY, emergency=EmergencyRules(approvals=0)),
        obligations=(PIR_DUE,),
    ),
    # --- check mode
    case(
        "check mode without a change is allowed and says what is missing",
        None,
        (MISSING,),
        req=request(check_mode=True),
        allowed=True,
        obligations=(CHECK,),
    ),
    case(
        "check mode with an unknown change is allowed and says it was not found",
        NOT_FOUND_FAILURE,
        (NOT_FOUND,),
        req=request(check_mode=True),
        allowed=True,
        obligations=(CHECK,),
    ),
    case(
        "check mode with an unreachable provider is allowed and says so",
        UNREACHABLE_FAILURE,
        (UNREACHABLE,),
        req=request(check_mode=True),
        allowed=True,
        obligations=(CHECK,),
    ),
    case(
        "check mode on a change a real run would refuse is allowed and lists the reasons",
        change(state=ChangeState.ASSESS, window=None),
        (WRONG_STATE, WINDOW),
        req=request(check_mode=True),
        allowed=True,
        obligations=(CHECK,),
        says=("a real run would be refused",),
    ),
    case(
        "check mode on a clean change carries only the recorded obligation",
        change(),
        req=request(check_mode=True),
        obligations=(CHECK,),
    ),
    case(
        "check mode on an emergency change keeps its review obligation",
        emergency(),
        req=request(check_mode=True),
        obligations=(PIR_DUE, CHECK),
    ),
    # --- many reasons at once
    case(
        "a change that breaks every rule lists every reason in order",
        EVERYTHING_WRONG,
        (WRONG_STATE, NOT_APPROVED, SELF, EXECUTOR, WINDOW, SCOPE_ENV, SCOPE_HOST),
        req=request(executor="ALICE"),
    ),
    case(
        "a frozen out-of-scope standard change off its template gives four reasons",
        standard(state=ChangeState.NEW, scope=Scope(hosts=("lb*",))),
        (WRONG_STATE, FREEZE, SCOPE_HOST, TEMPLATE),
        req=request(at=t("2026-12-24T10:00:00Z"), args={}),
        policy=frozen(YEAR_END),
    ),
    case(
        "an overdue emergency change outside its window and state gives three reasons",
        emergency(state=ChangeState.REVIEW, window=Window(NOW - 60 * HOUR, NOW - 50 * HOUR)),
        (WRONG_STATE, WINDOW, PIR_OVERDUE),
    ),
]


@pytest.mark.parametrize("row", CASES)
def test_evaluate_decides_as_the_table_says(row: Case) -> None:
    decision = evaluate(row.change, row.request, row.policy, NOW)

    assert decision.codes == row.codes
    assert decision.allowed is row.allowed
    assert decision.gated is row.gated
    assert tuple(o.code for o in decision.obligations) == row.obligations
    messages = [r.message for r in decision.reasons] + [o.message for o in decision.obligations]
    text = " | ".join(messages)
    for fragment in row.says:
        assert fragment in text


def test_the_table_covers_every_reason_code_and_obligation() -> None:
    from change_control.gate import OBLIGATION_CODES, REASON_CODES

    rows = [param.values[0] for param in CASES]
    assert len(rows) >= 60
    assert {code for row in rows for code in row.codes} == set(REASON_CODES)
    assert {code for row in rows for code in row.obligations} == set(OBLIGATION_CODES)


def test_every_reason_message_names_the_change() -> None:
    for param in CASES:
        row: Case = param.values[0]
        if row.change is None or row.request.change_id is None:
            continue
        decision = evaluate(row.change, row.request, row.policy, NOW)
        for reason in decision.reasons:
            assert "CHG0" in reason.message, (param.id, reason)


def test_an_allowed_emergency_decision_carries_the_review_deadline() -> None:
    decision = evaluate(emergency(), request(), POLICY, NOW)

    assert decision.obligations[0].due == NOW - 2 * HOUR + 48 * HOUR


def test_evaluate_is_pure_and_gives_the_same_decision_twice() -> None:
    first = evaluate(EVERYTHING_WRONG, request(executor="alice"), POLICY, NOW)
    second = evaluate(EVERYTHING_WRONG, request(executor="alice"), POLICY, NOW)

    assert first == second
