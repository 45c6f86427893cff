"""Keep secrets out of the ledger before anything is written anywhere.

The ledger is append-only and hash-chained: a secret that reaches it cannot be removed without
breaking the chain. So every body is cleaned here first, and the rules err on the side of hiding:

* values under keys whose name contains a redaction word (case-insensitive substring:
  ``db_password`` matches ``password``) become ``"********"``;
* ``ansible_env`` (and ``env`` inside ``ansible_facts``) is dropped: it carries whatever the
  controller's environment held, tokens included;
* vault-encrypted values are dropped, as are plaintexts that Ansible tagged as decrypted from a
  vault. Detection is by class name and by the ``$ANSIBLE_VAULT`` prefix, never by ``str()``,
  because turning an ``EncryptedString`` into text decrypts it;
* known secret values (extra-var values, say) are masked wherever they appear inside a string;
* a ``no_log`` result is replaced as a whole by Ansible's own censored marker.

The output is plain JSON data (str keys; dict, list, str, int, float, bool, None), ready for
``canonical_json``. Nothing here imports Ansible.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "********"
#: Key-name fragments that always mark a secret.
DEFAULT_KEYS = (
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "private_key",
    "authorization",
)
#: What Ansible shows for a ``no_log`` result, recorded instead of the result.
CENSORED: Mapping[str, str] = {
    "censored": "the output has been hidden due to the fact that 'no_log: true' was specified "
    "for this result"
}
DROPPED_KEYS = frozenset({"ansible_env"})
VAULT_PREFIX = "$ANSIBLE_VAULT"
VAULT_CLASS_NAMES = frozenset({"AnsibleVaultEncryptedUnicode", "EncryptedString"})
#: Ansible 2.19 tags plaintext that came out of a vault with this tag type.
VAULT_TAG_NAME = "VaultedValue"
#: Shorter secret values are not masked inside strings: masking "a" everywhere helps nobody.
MIN_SECRET_LENGTH = 4

_DROP = object()


def redact(
    body: Mapping[str, Any],
    extra_keys: Iterable[str] = (),
    *,
    no_log: bool = False,
    secrets: Iterable[str] = (),
) -> dict[str, Any]:
    """A cleaned copy of ``body`` (see the module docstring); ``body`` is not modified.

    ``extra_keys`` is the policy's ``redact`` list; ``secrets`` are values to mask wherever they
    occur in text; ``no_log`` means the whole body is the censored marker.
    """
    if no_log:
        return dict(CENSORED)
    cleaner = _Cleaner(
        tuple(k.lower() for k in (*DEFAULT_KEYS, *extra_keys) if k),
        tuple(sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)),
    )
    return cleaner.mapping(body, parent=None)


def is_vaulted(value: object) -> bool:
    """Whether ``value`` is vault ciphertext or plaintext Ansible knows came from a vault."""
    kind = type(value)
    if kind in _PLAIN_TYPES:  # the common case, and nothing to inspect
        return kind is str and _starts_with_vault(value)  # type: ignore[arg-type]
    # Leading underscores: 2.19 renamed AnsibleVaultEncryptedUnicode to a private shim.
    if {klass.__name__.lstrip("_") for klass in kind.__mro__} & VAULT_CLASS_NAMES:
        return True
    if isinstance(value, str | bytes) and _starts_with_vault(value):
        return True
    tags = getattr(value, "_ansible_tags_mapping", None)
    if isinstance(tags, Mapping):
        return any(getattr(tag, "__name__", "") == VAULT_TAG_NAME for tag in tags)
    return False


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None), dict, list, tuple})


def _starts_with_vault(value: str | bytes) -> bool:
    if isinstance(value, bytes):
        return value.lstrip().startswith(VAULT_PREFIX.encode())
    return value.lstrip().startswith(VAULT_PREFIX)


class _Cleaner:
    def __init__(self, keys: tuple[str, ...], secrets: tuple[str, ...]) -> None:
        self.keys = keys
        self.secrets = secrets

    def secret_key(self, key: str) -> bool:
        lowered = key.lower()
        return any(word in lowered for word in self.keys)

    def mapping(self, data: Mapping[Any, Any], parent: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for raw_key, value in data.items():
            key = self.text(raw_key if isinstance(raw_key, str) else str(raw_key))
            if key in DROPPED_KEYS or (parent == "ansible_facts" and key == "env"):
                continue
            if self.secret_key(key):
                out[key] = MASK
                continue
            cleaned = self.value(value, key)
            if cleaned is not _DROP:
                out[key] = cleaned
        return out

    def value(self, value: Any, key: str | None) -> Any:
        if is_vaulted(value):
            return _DROP
        if isinstance(value, Mapping):
            return self.mapping(value, key)
        if isinstance(value, list | tuple | set | frozenset):
            items = [self.value(item, key) for item in _ordered(value)]
            return [item for item in items if item is not _DROP]
        return self.scalar(value)

    def scalar(self, value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int):
            return int(value)  # plain int: Ansible's tagged ints are subclasses
        if isinstance(value, float):
            # JSON has no NaN/infinity; keep the fact as text rather than fail the record.
            return float(value) if math.isfinite(value) else str(value)
        if isinstance(value, bytes):
            return self.text(value.decode("utf-8", errors="replace"))
        # A str, or anything else (an Ansible object, a datetime): its text, secrets masked.
        return self.text(value if isinstance(value, str) else _safe_text(value))

    def text(self, value: str) -> str:
        plain = str.__str__(value)  # drop any str subclass (Ansible's tagged strings)
        if not plain.isascii():
            try:
                plain.encode("utf-8")
            except UnicodeEncodeError:  # lone surrogates from undecodable output
                plain = plain.encode("utf-8", errors="replace").decode("utf-8")
        for secret in self.secrets:
            if secret in plain:
                plain = plain.replace(secret, MASK)
        return plain


def _ordered(items: Iterable[Any]) -> list[Any]:
    if isinstance(items, set | frozenset):
        return sorted(items, key=repr)
    return list(items)


def _safe_text(value: object) -> str:
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
