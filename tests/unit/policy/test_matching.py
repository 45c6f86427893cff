"""Matching module and host names the way Ansible and inventories spell them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from change_control.policy.matching import (
    canonical_module,
    host_is_gated,
    host_matches,
    is_module_name,
    module_is_gated,
    module_matches,
)
from change_control.policy.model import DEFAULT_READ_ONLY_MODULES, GateScope, Policy


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("service", "ansible.builtin.service"),
        ("ansible.builtin.service", "ansible.builtin.service"),
        ("ansible.legacy.service", "ansible.builtin.service"),
        (" Ansible.Builtin.Copy ", "ansible.builtin.copy"),
        ("community.general.ufw", "community.general.ufw"),
    ],
)
def test_every_spelling_of_a_module_has_one_canonical_name(name: str, canonical: str) -> None:
    assert canonical_module(name) == canonical


@pytest.mark.parametrize(
    ("module", "patterns", "matched"),
    [
        pytest.param(
            "service", ["ansible.builtin.service"], True, id="a short name matches its FQCN"
        ),
        pytest.param(
            "ansible.legacy.service", ["service"], True, id="a legacy name matches the short name"
        ),
        pytest.param(
            "ansible.builtin.service",
            ["ansible.legacy.service"],
            True,
            id="a legacy pattern matches the FQCN",
        ),
        pytest.param(
            "amazon.aws.ec2_instance_info",
            ["*_info"],
            True,
            id="a dotless pattern matches any collection's short name",
        ),
        pytest.param(
            "community.general.ufw",
            ["ansible.builtin.*"],
            False,
            id="a collection pattern excludes other collections",
        ),
        pytest.param(
            "copy",
            ["ansible.builtin.*"],
            True,
            id="a short name is a builtin for collection patterns",
        ),
        pytest.param(
            "ansible.builtin.copy",
            ["service", "file"],
            False,
            id="no pattern matching means no match",
        ),
        pytest.param("ansible.builtin.copy", [], False, id="an empty pattern list matches nothing"),
    ],
)
def test_module_patterns_match_by_fqcn_or_short_name(
    module: str, patterns: list[str], matched: bool
) -> None:
    assert module_matches(module, patterns) is matched


@pytest.mark.parametrize(
    ("module", "gated"),
    [
        ("ansible.builtin.copy", True),
        ("shell", True),
        ("debug", False),
        ("ansible.legacy.setup", False),
        ("ansible.builtin.stat", False),
        ("changegate.itsm.change", False),
    ],
)
def test_the_default_policy_gates_every_module_except_the_read_only_ones(
    module: str, gated: bool
) -> None:
    assert module_is_gated(Policy(), module) is gated


def test_a_policy_can_add_read_only_modules_and_narrow_gated_ones() -> None:
    gate = GateScope(
        modules=("ansible.builtin.*", "community.general.*"),
        read_only_modules=(*DEFAULT_READ_ONLY_MODULES, "community.general.*_info"),
    )
    policy = replace(Policy(), gate=gate)

    assert module_is_gated(policy, "community.general.ufw")
    assert not module_is_gated(policy, "community.general.pacman_info")
    assert not module_is_gated(policy, "amazon.aws.ec2_instance")


@pytest.mark.parametrize(
    ("host", "patterns", "matched"),
    [
        ("web01.example.com", ["web*"], True),
        ("WEB01.Example.com", ["web*.example.com"], True),
        ("db01", ["web*", "lb?"], False),
        ("lb1", ["web*", "lb?"], True),
        ("lb10", ["lb?"], False),
    ],
)
def test_host_patterns_are_shell_style_and_ignore_case(
    host: str, patterns: list[str], matched: bool
) -> None:
    assert host_matches(host, patterns) is matched


GATE = GateScope(hosts=("web*", "db*"), exempt_hosts=("web-canary*",), environments=("prod",))


@pytest.mark.parametrize(
    ("host", "environment", "gated"),
    [
        pytest.param("web01", "prod", True, id="a gated host in a gated environment is gated"),
        pytest.param("Web01", "PROD", True, id="host and environment ignore case"),
        pytest.param("web-canary-1", "prod", False, id="an exempt host is not gated"),
        pytest.param("lb01", "prod", False, id="a host outside the gated patterns is not gated"),
        pytest.param(
            "web01", "dev", False, id="an environment outside the gated ones is not gated"
        ),
        pytest.param("web01", None, True, id="an unknown environment is gated"),
    ],
)
def test_hosts_are_gated_by_pattern_exemption_and_environment(
    host: str, environment: str | None, gated: bool
) -> None:
    assert host_is_gated(replace(Policy(), gate=GATE), host, environment) is gated


def test_the_default_policy_gates_every_host_in_every_environment() -> None:
    assert host_is_gated(Policy(), "anything.example.com", "dev")
    assert host_is_gated(Policy(), "anything.example.com", None)


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("service", True),
        ("ansible.builtin.service", True),
        ("community.general.ufw", True),
        ("ansible.service", False),
        ("ansible.builtin.*", False),
        ("restart nginx", False),
    ],
)
def test_template_module_names_are_short_names_or_fqcns(name: str, valid: bool) -> None:
    assert is_module_name(name) is valid
