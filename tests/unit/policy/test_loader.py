"""Loading ``changegate.yml``: good files become the right ``Policy``; bad ones one clear line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from change_control.errors import ConfigError
from change_control.model import ChangeType, Risk
from change_control.policy import load_policy, parse_policy, policy_schema
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

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "changegate.yml"
CET = timezone(timedelta(hours=1))

GOOD = """\
version: 1
store: {url: "sqlite:///tmp/cg.db"}
gate:
  hosts: ["web*", "db*"]
  exempt_hosts: [web-canary]
  environments: [prod]
  modules: ["*"]
  read_only: [community.general.foo]
  fail_closed: false
approvals:
  - {risk: [low, moderate], count: 1}
  - {risk: [high, very_high], count: 2, groups: [CAB]}
sod: {allow_self_approval: true, executor_may_approve: false}
freeze:
  - {name: year-end, start: "2026-12-20T00:00:00+01:00", end: 2027-01-04T00:00:00+01:00,
     reason: "Year-end"}
  - {name: weekend, weekly: "Fri 18:00-Mon 06:00", tz: Europe/Berlin, reason: "No weekend",
     exempt_types: [emergency], environments: [prod]}
standard_changes:
  restart-nginx:
    description: Restart nginx
    modules: [ansible.builtin.service]
    args:
      name: {equals: nginx}
      state: {one_of: [restarted, reloaded]}
      enabled: {absent: true}
      path: {regex: "/etc/nginx/.*"}
emergency: {approvals: 0, pir_within_hours: 24, bypass_freeze: false}
redact: [password, token]
"""


def write(tmp_path: Path, text: str, name: str = "changegate.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_the_safe_default_policy() -> None:
    assert load_policy(None) == Policy()


def test_a_complete_file_loads_into_exactly_the_policy_it_describes(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)

    policy = load_policy(path)

    assert policy == Policy(
        gate=GateScope(
            hosts=("web*", "db*"),
            exempt_hosts=("web-canary",),
            environments=("prod",),
            modules=("*",),
            read_only_modules=(*DEFAULT_READ_ONLY_MODULES, "community.general.foo"),
        ),
        approvals=(
            ApprovalRule((Risk.LOW, Risk.MODERATE), 1),
            ApprovalRule((Risk.HIGH, Risk.VERY_HIGH), 2, ("CAB",)),
        ),
        sod=SodRules(allow_self_approval=True, executor_may_approve=False),
        freezes=(
            FreezeWindow(
                "Year-end",
                "year-end",
                start=datetime(2026, 12, 20, tzinfo=CET),
                end=datetime(2027, 1, 4, tzinfo=CET),
            ),
            FreezeWindow(
                "No weekend",
                "weekend",
                weekly="Fri 18:00-Mon 06:00",
                tz="Europe/Berlin",
                environments=("prod",),
                exempt_types=(ChangeType.EMERGENCY,),
            ),
        ),
        standard_changes={
            "restart-nginx": StandardTemplate(
                "restart-nginx",
                ("ansible.builtin.service",),
                {
                    "name": ArgConstraint(equals="nginx"),
                    "state": ArgConstraint(one_of=("restarted", "reloaded")),
                    "enabled": ArgConstraint(absent=True),
                    "path": ArgConstraint(regex="/etc/nginx/.*"),
                },
                "Restart nginx",
            )
        },
        emergency=EmergencyRules(approvals=0, pir_within_hours=24, bypass_freeze=False),
        fail_closed=False,
        redact=("password", "token"),
        store_url="sqlite:///tmp/cg.db",
        source=str(path),
    )


def test_the_shipped_example_policy_loads() -> None:
    policy = load_policy(EXAMPLE)

    assert [f.name for f in policy.freezes] == ["year-end", "weekend", "billing-batch"]
    assert sorted(policy.standard_changes) == ["restart-nginx", "rotate-app-logs"]
    assert policy.gate.environments == ("prod", "staging")
    assert policy.source == str(EXAMPLE)


@pytest.mark.parametrize(
    "text",
    [pytest.param("", id="an empty file"), pytest.param("# nothing yet\n", id="only comments")],
)
def test_a_file_without_settings_is_the_default_policy(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)

    assert load_policy(path) == Policy(source=str(path))


def test_a_section_left_empty_counts_as_absent(tmp_path: Path) -> None:
    path = write(tmp_path, "gate:\n  # hosts: [web*]\nfreeze:\n")

    assert load_policy(path) == Policy(source=str(path))


def test_naive_freeze_times_are_read_in_the_freeze_time_zone() -> None:
    doc = {"freeze": [{"start": "2026-07-01T00:00", "end": "2026-07-02", "tz": "Europe/Berlin"}]}
    doc["freeze"][0]["reason"] = "Summer release"

    (freeze,) = parse_policy(doc, "inline").freezes

    assert freeze.start == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    assert freeze.end == datetime(2026, 7, 1, 22, 0, tzinfo=UTC)


def test_the_schema_is_valid_draft_2020_12_and_closed_everywhere() -> None:
    schema = policy_schema()
    Draft202012Validator.check_schema(schema)

    def objects(node: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        if isinstance(node, dict):
            if "properties" in node:
                found.append(node)
            for child in node.values():
                found.extend(objects(child))
        elif isinstance(node, list):
            for child in node:
                found.extend(objects(child))
        return found

    assert objects(schema)
    assert all(node.get("additionalProperties") is False for node in objects(schema))


ALLOWED_GATE = "hosts, exempt_hosts, environments, modules, read_only, fail_closed"
ALLOWED_CONSTRAINT = "equals, one_of, regex, absent"
BAD = [
    (
        "malformed YAML names line and column",
        "gate:\n  hosts: [web*\n  modules: [x]\n",
        "line 3, column 10: invalid YAML (expected ',' or ']', but got ':')",
    ),
    (
        "a tab in YAML names line and column",
        "gate:\n\thosts: []\n",
        "line 2, column 1: invalid YAML (found character '\\t' that cannot start any token)",
    ),
    (
        "an unknown top-level key lists the sections",
        "gates: {}\n",
        "gates: unknown key (allowed: version, store, gate, approvals, sod, freeze, "
        "standard_changes, emergency, redact)",
    ),
    (
        "an unknown key under gate lists the allowed keys",
        "gate: {modulez: [x]}\n",
        f"gate.modulez: unknown key (allowed: {ALLOWED_GATE})",
    ),
    (
        "an unknown key in the second freeze names its index",
        "freeze:\n  - {weekly: 'Sat 00:00-Sun 00:00', reason: a}\n  - {weekly: x, why: b}\n",
        "freeze[1].why: unknown key (allowed: name, start, end, weekly, tz, reason, "
        "exempt_types, environments)",
    ),
    (
        "an unknown key four levels deep names the whole path",
        "standard_changes:\n  restart-nginx:\n    modules: [service]\n"
        "    args: {name: {equal: nginx}}\n",
        "standard_changes.restart-nginx.args.name.equal: "
        f"unknown key (allowed: {ALLOWED_CONSTRAINT})",
    ),
    (
        "an unknown time zone suggests an IANA name",
        "freeze:\n  - {weekly: 'Fri 18:00-Mon 06:00', reason: a}\n"
        "  - {weekly: 'Fri 18:00-Mon 06:00', tz: Europe/Berln, reason: b}\n",
        "freeze[1].tz: unknown time zone 'Europe/Berln' (use an IANA name such as Europe/Berlin)",
    ),
    (
        "a freeze ending before it starts is refused",
        "freeze: [{start: '2026-12-20T00:00:00+01:00', end: '2026-12-19', reason: a}]\n",
        "freeze[0].end: 2026-12-19T00:00:00Z is not after start 2026-12-19T23:00:00Z",
    ),
    (
        "a time that is not ISO 8601 is refused",
        "freeze: [{start: next friday, end: '2026-12-19', reason: a}]\n",
        "freeze[0].start: 'next friday' is not an ISO 8601 time "
        "(for example 2026-11-22T10:00:00+01:00)",
    ),
    (
        "a weekly range with an unknown day is refused",
        "freeze: [{weekly: 'Fry 18:00-Mon 06:00', reason: a}]\n",
        "freeze[0].weekly: unknown day 'Fry' in 'Fry 18:00-Mon 06:00' "
        "(use Mon, Tue, Wed, Thu, Fri, Sat or Sun)",
    ),
    (
        "a weekly range without times is refused",
        "freeze: [{weekly: 'Fri-Mon', reason: a}]\n",
        "freeze[0].weekly: 'Fri-Mon' is not a weekly range "
        "(use 'Ddd HH:MM-Ddd HH:MM', for example 'Fri 18:00-Mon 06:00')",
    ),
    (
        "a freeze with both forms is refused",
        "freeze: [{weekly: 'Fri 18:00-Mon 06:00', start: '2026-01-01', reason: a}]\n",
        "freeze[0]: give either start and end (an absolute freeze) or weekly, not both",
    ),
    (
        "a freeze with neither form is refused",
        "freeze: [{reason: a}]\n",
        "freeze[0]: give start and end (an absolute freeze) or weekly (a recurring one)",
    ),
    (
        "a freeze with a start and no end is refused",
        "freeze: [{start: '2026-01-01', reason: a}]\n",
        "freeze[0]: start without end: an absolute freeze needs both",
    ),
    (
        "a freeze without a reason is refused",
        "freeze: [{weekly: 'Fri 18:00-Mon 06:00'}]\n",
        "freeze[0]: missing required key 'reason'",
    ),
    (
        "a regex that does not compile is refused",
        "standard_changes: {x: {modules: [file], args: {path: {regex: '(*'}}}}\n",
        "standard_changes.x.args.path.regex: invalid regular expression '(*' "
        "(nothing to repeat at position 1)",
    ),
    (
        "an absent constraint combined with another is refused",
        "standard_changes: {x: {modules: [file], args: {mode: {absent: true, equals: '0644'}}}}\n",
        "standard_changes.x.args.mode: absent: true cannot be combined with equals",
    ),
    (
        "an empty constraint is refused",
        "standard_changes: {x: {modules: [file], args: {mode: {}}}}\n",
        f"standard_changes.x.args.mode: must set at least one of {ALLOWED_CONSTRAINT}",
    ),
    (
        "a template module that is not a module name is refused",
        "standard_changes: {x: {modules: [ansible.service]}}\n",
        "standard_changes.x.modules[0]: 'ansible.service' is not a module name (use a short "
        "name such as service or a fully-qualified one such as ansible.builtin.service)",
    ),
    (
        "a list given as text is the wrong type",
        "gate: {hosts: 'web*'}\n",
        "gate.hosts: expected a list (got the text 'web*')",
    ),
    (
        "a count given as text is the wrong type",
        "approvals: [{risk: [high], count: two}]\n",
        "approvals[0].count: expected a whole number (got the text 'two')",
    ),
    (
        "a yes/no given as text is the wrong type",
        "sod: {allow_self_approval: 'no'}\n",
        "sod.allow_self_approval: expected true or false (got the text 'no')",
    ),
    (
        "an unknown risk lists the risks",
        "approvals: [{risk: [critical]}]\n",
        "approvals[0].risk[0]: 'critical' is not one of low, moderate, high, very_high",
    ),
    (
        "fewer approvals than groups can never be met",
        "approvals: [{risk: [high], count: 1, groups: [CAB, Security]}]\n",
        "approvals[0].count: 1 approval(s) cannot cover 2 groups (CAB, Security); "
        "set count to at least 2",
    ),
    (
        "a negative number is refused",
        "emergency: {pir_within_hours: 0}\n",
        "emergency.pir_within_hours: must be at least 1 (got 0)",
    ),
    ("another version is refused", "version: 2\n", "version: must be 1 (got 2)"),
    (
        "a list at the top level is refused",
        "- gate\n",
        "the policy must be a mapping of sections (got a list)",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in BAD])
def test_a_bad_policy_is_one_line_naming_file_key_and_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, text)

    with pytest.raises(ConfigError) as caught:
        load_policy(Path("changegate.yml"))

    assert str(caught.value) == f"changegate.yml: {expected}"
    assert caught.value.code == "config.invalid"
    assert "\n" not in str(caught.value)


def test_a_missing_file_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    with pytest.raises(ConfigError, match=r"^changegate\.yml: no such file$"):
        load_policy(Path("changegate.yml"))


def test_a_file_that_is_not_utf8_says_so(tmp_path: Path) -> None:
    path = tmp_path / "changegate.yml"
    path.write_bytes(b"gate: {hosts: [\xff]}\n")

    with pytest.raises(ConfigError, match=r"changegate\.yml: not UTF-8 text$"):
        load_policy(path)


def test_a_directory_instead_of_a_file_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "changegate.yml").mkdir()

    with pytest.raises(ConfigError, match=r"changegate\.yml: cannot be read \(Is a directory\)$"):
        load_policy(tmp_path / "changegate.yml")


def test_parsed_data_names_the_given_source_in_errors() -> None:
    with pytest.raises(ConfigError, match=r"^ansible\.cfg \[changegate\]: gate\.x: unknown key"):
        parse_policy({"gate": {"x": 1}}, "ansible.cfg [changegate]")
