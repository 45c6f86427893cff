"""Redaction canaries: a secret planted anywhere in a body never reaches the canonical JSON.

Ansible's vault types are imitated by classes with the same names (the redactor detects them by
name and never calls ``str()`` on them, which for the real types decrypts); the real classes are
checked in tests/integration/ledger/test_ledger_redact_ansible.py.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from change_control.ledger.events import canonical_json
from change_control.ledger.redact import CENSORED, MASK, is_vaulted, redact

CANARY = "CANARY-s3cr3t-7f1e"


class AnsibleVaultEncryptedUnicode:
    """Stands in for Ansible's pre-2.19 vault type: ``str()`` yields the plaintext."""

    def __str__(self) -> str:
        return CANARY

    __repr__ = __str__


class EncryptedString:
    """Stands in for Ansible 2.19's vault type (decrypts on ``str()``)."""

    def __str__(self) -> str:
        return CANARY


class VaultedValue:
    """The tag type Ansible 2.19 puts on plaintext decrypted from a vault."""


class TaggedStr(str):
    """A str carrying Ansible-style tags."""

    _ansible_tags_mapping: dict[type, object]


def vaulted_plaintext() -> TaggedStr:
    value = TaggedStr(CANARY)
    value._ansible_tags_mapping = {VaultedValue: VaultedValue()}
    return value


def leaks(cleaned: dict[str, Any]) -> bool:
    return CANARY in canonical_json(cleaned)


@pytest.mark.parametrize(
    "body",
    [
        {"password": CANARY},
        {"DB_Password": CANARY},
        {"ansible_ssh_pass": "x", "become_passwd": CANARY},
        {"client_secret": CANARY},
        {"X-Auth-Token": CANARY},
        {"api_key": {"nested": CANARY}},
        {"ssh_private_key": [CANARY]},
        {"headers": {"Authorization": f"Bearer {CANARY}"}},
        {"result": {"invocation": {"module_args": {"login_password": CANARY}}}},
        {"ansible_env": {"HOME": "/root", "AWS_SECRET": CANARY}},
        {"ansible_facts": {"env": {"VAULT_TOKEN": CANARY}, "hostname": "web1"}},
        {"vaulted": AnsibleVaultEncryptedUnicode()},
        {"vaulted": EncryptedString()},
        {"vaulted": vaulted_plaintext()},
        {"list": ["ok", EncryptedString(), vaulted_plaintext()]},
        {"cipher": "$ANSIBLE_VAULT;1.1;AES256\n" + CANARY},
        {"cipher": b"$ANSIBLE_VAULT;1.2;AES256;dev\n" + CANARY.encode()},
    ],
    ids=lambda body: next(iter(body)),
)
def test_a_canary_in_a_secret_place_never_survives(body: dict[str, Any]) -> None:
    assert not leaks(redact(body))


def test_secret_keys_keep_their_place_with_a_mask() -> None:
    cleaned = redact({"user": "alice", "password": CANARY, "nested": {"token": 42}})
    assert cleaned == {"user": "alice", "password": MASK, "nested": {"token": MASK}}


def test_ansible_env_and_vault_values_are_dropped_not_masked() -> None:
    cleaned = redact({"ansible_env": {}, "v": EncryptedString(), "keep": [1, EncryptedString()]})
    assert cleaned == {"keep": [1]}


def test_the_policys_redaction_list_adds_key_fragments() -> None:
    cleaned = redact({"customer_ssn": CANARY, "pin_code": CANARY, "ok": 1}, ["SSN", "pin"])
    assert cleaned == {"customer_ssn": MASK, "pin_code": MASK, "ok": 1}


def test_known_secret_values_are_masked_inside_any_text() -> None:
    body = {"cmd": f"mysql -p{CANARY} -e 'select 1'", "stdout_lines": [f"using {CANARY}"]}
    cleaned = redact(body, secrets=[CANARY])
    assert cleaned == {"cmd": f"mysql -p{MASK} -e 'select 1'", "stdout_lines": [f"using {MASK}"]}


def test_very_short_secret_values_are_not_masked_everywhere() -> None:
    assert redact({"msg": "a bad day"}, secrets=["a", "bad"]) == {"msg": "a bad day"}


def test_a_no_log_result_is_only_the_censored_marker() -> None:
    cleaned = redact({"stdout": CANARY, "changed": True, "rc": 0}, no_log=True)
    assert cleaned == dict(CENSORED)
    assert cleaned["censored"] == (
        "the output has been hidden due to the fact that 'no_log: true' was specified for this "
        "result"
    )


def test_redaction_does_not_modify_its_input() -> None:
    body = {"password": CANARY, "inner": {"token": CANARY}}
    redact(body)
    assert body == {"password": CANARY, "inner": {"token": CANARY}}


def test_the_output_is_plain_json_data_ready_for_canonical_json() -> None:
    cleaned = redact(
        {
            1: "int key",
            "tuple": (1, 2),
            "set": {"b", "a"},
            "nan": math.nan,
            "bytes": b"caf\xc3\xa9",
            "surrogate": "bad \udcff byte",
            "tagged": TaggedStr("plain"),
            "object": object.__new__(VaultedValue),
        }
    )
    assert cleaned["1"] == "int key"
    assert cleaned["tuple"] == [1, 2]
    assert cleaned["set"] == ["a", "b"]
    assert cleaned["nan"] == "nan"
    assert cleaned["bytes"] == "café"
    assert cleaned["surrogate"] == "bad ? byte"
    assert type(cleaned["tagged"]) is str
    assert cleaned["object"].startswith("<")
    canonical_json(cleaned).encode("utf-8")


@pytest.mark.parametrize(
    ("value", "vaulted"),
    [
        ("plain text", False),
        ("  $ANSIBLE_VAULT;1.1;AES256\n6162", True),
        (AnsibleVaultEncryptedUnicode(), True),
        (EncryptedString(), True),
        (vaulted_plaintext(), True),
        (TaggedStr("not from a vault"), False),
        (42, False),
    ],
)
def test_vault_detection(value: object, vaulted: bool) -> None:
    assert is_vaulted(value) is vaulted
