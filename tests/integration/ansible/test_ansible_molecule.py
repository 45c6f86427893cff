"""The molecule scenario (delegated driver, localhost) converges a gated play and verifies it."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.integration.ansible.ansible_support import BIN, ROOT

pytestmark = [pytest.mark.ansible, pytest.mark.slow]


@pytest.mark.skipif(
    not (BIN / "molecule").exists(),
    reason="molecule is not installed in this venv (pip install 'molecule>=26.0')",
)
def test_molecule_test_converges_the_gated_play_and_verifies_the_ledger() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "CHANGEGATE_"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", ANSIBLE_NOCOLOR="1", NO_COLOR="1"
    )
    done = subprocess.run(
        [str(BIN / "molecule"), "test"],
        cwd=ROOT / "extensions",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    for stage in ("prepare", "converge", "idempotence", "verify"):
        assert f"{stage}: Executed: Successful" in output, stage
    assert "gated tasks 2 allowed, 0 denied" in output
