"""A real moto server per test module, reset between tests, and AWS settings isolated per test.

The server is moto's threaded WSGI server on 127.0.0.1 (real HTTP, real boto3 signing), so the
collectors, paginators, retries and error mapping run exactly as against AWS. One server per
module keeps start-up cost low; ``POST /moto-api/reset`` empties it before each test that asks
for ``moto``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.integration.drift.aws.support import Moto


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """URL of a moto server started for this test module on a free local port."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def isolate(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Fake credentials and private AWS config files: no test reads the machine's ~/.aws."""
    folder.mkdir(exist_ok=True)
    (folder / "credentials").write_text("", encoding="utf-8")
    (folder / "config").write_text("", encoding="utf-8")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(folder / "config"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_MAX_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)


def reset(url: str) -> Moto:
    """Empty the moto server at ``url``."""
    requests.post(f"{url}/moto-api/reset", timeout=10).raise_for_status()
    return Moto(url)


@pytest.fixture
def moto(moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Moto:
    """The module's moto server, emptied for this test, with isolated AWS settings."""
    isolate(monkeypatch, tmp_path / "aws")
    return reset(moto_url)


@pytest.fixture(scope="module")
def module_moto(moto_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Moto]:
    """The module's moto server, emptied once, for read-only tests sharing one world."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate(monkeypatch, tmp_path_factory.mktemp("aws"))
        yield reset(moto_url)
