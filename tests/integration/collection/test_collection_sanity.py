"""``ansible-test sanity`` passes offline on exactly what ships, and it bites.

The script builds the collection tarball, installs it into a throw-away
``ansible_collections/changegate/itsm`` and runs every sanity test there. The Python cores are
not collection content (galaxy.yml's build_ignore keeps them out of the tarball); ruff, mypy
and the rest of this suite check them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.integration.collection.collection_support import BIN, ROOT, run, source_copy, tool_env

pytestmark = [pytest.mark.ansible, pytest.mark.slow]

SCRIPT = ROOT / "scripts" / "ansible_test_sanity.sh"
IGNORE_FILE = ROOT / "tests" / "sanity" / "ignore-2.19.txt"


def sanity(*args: str, expect: int | None = 0) -> str:
    """Run the sanity script with this venv's ansible-core; its combined output."""
    proc = run(["bash", SCRIPT, *args], env=tool_env(PYTHON=str(BIN / "python")), expect=expect)
    return proc.stdout + proc.stderr


def test_ansible_test_sanity_passes_offline_on_the_built_collection() -> None:
    output = sanity()
    assert 'Running sanity test "validate-modules"' in output
    assert 'Running sanity test "pylint"' in output
    assert "ERROR:" not in output


def test_a_broken_plugin_doc_in_a_copy_makes_the_sanity_step_fail(tmp_path: Path) -> None:
    copy = source_copy(tmp_path / "src")
    module = copy / "plugins" / "modules" / "gate.py"
    text = module.read_text()
    broken = re.sub(r"(?m)^short_description: .*\n", "", text, count=1)
    assert broken != text, "the gate module's DOCUMENTATION has no short_description line"
    module.write_text(broken)

    output = sanity(
        "--src",
        str(copy),
        "--",
        "--test",
        "validate-modules",
        "--test",
        "ansible-doc",
        expect=None,
    )

    assert re.search(r"ERROR: plugins/modules/gate\.py:\d+:\d+: .*short_description", output), (
        output[-4000:]
    )
    assert "validate-modules" in output


def test_the_sanity_ignore_file_justifies_every_line_in_a_comment() -> None:
    lines = IGNORE_FILE.read_text().splitlines() if IGNORE_FILE.exists() else []
    unjustified = [line for line in lines if "#" not in line or not line.split("#", 1)[1].strip()]
    assert unjustified == []


def test_the_repo_python_cores_are_not_part_of_the_collection_tarball(dist: Path) -> None:
    import tarfile

    (tarball,) = dist.glob("changegate-itsm-*.tar.gz")
    with tarfile.open(tarball) as tar:
        tops = {name.split("/")[0] for name in tar.getnames()}
    assert not tops & {"change_control", "drift", "cmdb_sync", "scripts", "mk", "collections"}
    assert {"plugins", "meta", "docs", "changelogs", "tests"} <= tops
