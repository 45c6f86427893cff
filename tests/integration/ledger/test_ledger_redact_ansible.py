"""Redaction against Ansible's real vault types (the unit tests use look-alikes).

Ansible stays out of ``change_control``; this test imports it only to build the objects a
callback really receives: a 2.19 ``EncryptedString`` and plaintext tagged ``VaultedValue``.
"""

from __future__ import annotations

import pytest

from change_control.ledger.events import canonical_json
from change_control.ledger.redact import is_vaulted, redact

pytest.importorskip(
    "ansible", reason="ansible-core is a test dependency (pip install -e '.[test]')"
)

CANARY = "CANARY-vault-plaintext-91c2"
CIPHERTEXT = "$ANSIBLE_VAULT;1.1;AES256\n61626364"


def test_ansible_vault_objects_are_detected_without_decrypting_them() -> None:
    from ansible._internal._datatag._tags import VaultedValue
    from ansible.parsing.vault import EncryptedString

    encrypted = EncryptedString(ciphertext=CIPHERTEXT)
    decrypted = VaultedValue(ciphertext=CIPHERTEXT).tag(CANARY)
    assert is_vaulted(encrypted)
    assert is_vaulted(decrypted)
    cleaned = redact({"db": {"pw": decrypted, "enc": encrypted}, "items": [decrypted, "ok"]})
    assert cleaned == {"db": {}, "items": ["ok"]}
    assert CANARY not in canonical_json(cleaned)


def test_the_legacy_vault_type_name_is_still_recognised() -> None:
    from ansible.parsing.yaml.objects import AnsibleVaultEncryptedUnicode

    assert is_vaulted(AnsibleVaultEncryptedUnicode(CIPHERTEXT))
