"""Fixtures for the real ansible-playbook tests; helpers live in ansible_support.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.ansible.ansible_support import Lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """One controller per test module (changes differ per test, so they do not interfere)."""
    made = Lab(tmp_path_factory.mktemp("ansible-lab"))
    yield made
    if made._provider is not None:
        made._provider.close()
