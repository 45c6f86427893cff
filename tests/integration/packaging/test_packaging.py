"""The repo root builds as both an Ansible collection and a Python wheel, with the right files."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run a command, failing the test with its output when it fails."""
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def collection_tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("galaxy")
    run(
        str(BIN / "ansible-galaxy"),
        "collection",
        "build",
        "--force",
        "--output-path",
        str(out),
        ".",
    )
    (tarball,) = out.glob("changegate-itsm-*.tar.gz")
    return tarball


def test_the_collection_tarball_ships_plugins_and_metadata_but_not_the_python_cores(
    collection_tarball: Path,
) -> None:
    with tarfile.open(collection_tarball) as tar:
        names = set(tar.getnames())
    assert {"MANIFEST.json", "FILES.json", "meta/runtime.yml", "README.md"} <= names
    assert any(n.startswith("plugins/") for n in names)
    leaked = [
        n
        for n in names
        if n.split("/")[0]
        in {"change_control", "drift", "cmdb_sync", "collections", "benchmarks", ".venv"}
    ]
    assert leaked == []


def test_the_collection_tarball_installs_with_ansible_galaxy(
    collection_tarball: Path, tmp_path: Path
) -> None:
    run(
        str(BIN / "ansible-galaxy"),
        "collection",
        "install",
        "--force",
        "-p",
        str(tmp_path),
        str(collection_tarball),
    )
    installed = tmp_path / "ansible_collections" / "changegate" / "itsm"
    assert (installed / "MANIFEST.json").is_file()
    assert (installed / "meta" / "runtime.yml").is_file()
    listed = run(
        str(BIN / "ansible-galaxy"), "collection", "list", "changegate.itsm", "-p", str(tmp_path)
    )
    assert "changegate.itsm" in listed.stdout


def test_the_wheel_carries_the_cores_their_data_files_and_the_console_script(
    tmp_path: Path,
) -> None:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH (make test installs it); cannot build the wheel offline")
    run(uv, "build", "--wheel", "--out-dir", str(tmp_path), str(ROOT))
    (wheel,) = tmp_path.glob("changegate-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        scripts = zf.read(entry_points).decode()
    assert "changegate = drift.cli.main:run" in scripts
    for required in (
        "change_control/py.typed",
        "drift/py.typed",
        "cmdb_sync/py.typed",
        "change_control/store/schema.py",
        "change_control/policy/schema.json",
        "drift/schemas/audit-report-1.json",
        "drift/schemas/live-snapshot-1.json",
    ):
        assert required in names
    assert any(n.startswith("change_control/store/migrations/versions/") for n in names)
    assert not any(n.startswith(("tests/", "plugins/", "benchmarks/")) for n in names)
