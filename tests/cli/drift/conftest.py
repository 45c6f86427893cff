"""Fixtures of the ``changegate drift`` CLI tests: one real Terraform apply for the session.

The working directory is applied once (``terraform_data`` only, about half a second) and only
read afterwards, by path and through ``terraform state pull``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.terraform_support import (
    require_terraform,
    run_terraform,
    terraform_env,
    use_terraform_env,
)

from .drift_support import MAIN_TF, drifted_items, live_items, write_snapshot


@pytest.fixture(scope="session")
def tf_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Terraform working directory with ``MAIN_TF`` applied (CLI config in ``.tfcli``)."""
    require_terraform()
    root = tmp_path_factory.mktemp("tfdrift")
    (root / "main.tf").write_text(MAIN_TF, encoding="utf-8")
    env = terraform_env(root / ".tfcli")
    run_terraform(root, "init", "-input=false", "-no-color", env=env)
    run_terraform(root, "apply", "-auto-approve", "-input=false", "-no-color", env=env)
    return root


@pytest.fixture
def state(tf_workdir: Path) -> Path:
    """The applied state file."""
    return tf_workdir / "terraform.tfstate"


@pytest.fixture
def tf_env(tf_workdir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The private Terraform CLI config in this process (python-terraform copies os.environ)."""
    return use_terraform_env(monkeypatch, tf_workdir / ".tfcli")


@pytest.fixture
def in_sync(state: Path, tmp_path: Path) -> Path:
    """A live snapshot equal to the state."""
    return write_snapshot(tmp_path / "in-sync.json", live_items(state))


@pytest.fixture
def drifted(state: Path, tmp_path: Path) -> Path:
    """A live snapshot with one changed, one missing and one unmanaged resource."""
    return write_snapshot(tmp_path / "drifted.json", drifted_items(state))


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A real moto server (S3 + IAM) on 127.0.0.1 for the session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
