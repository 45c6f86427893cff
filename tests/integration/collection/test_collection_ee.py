"""The execution environment definition is valid and brings the collection's requirements.

No container can be built here, so ansible-builder's ``create`` step (which validates the
definition and writes the build context) stands in for ``build``, and its ``introspect`` step,
the one the image build runs, is run on the installed tarball to show what the collection's
meta/execution-environment.yml adds to any execution environment that includes it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.integration.collection.collection_support import BIN, ROOT, run

pytestmark = [pytest.mark.ansible]


def test_ansible_builder_create_accepts_the_execution_environment_definition(
    tmp_path: Path,
) -> None:
    context = tmp_path / "context"
    args = ["create", "-f", ROOT / "execution-environment.yml", "-c", context]
    args += ["--output-filename", "Containerfile"]
    run([BIN / "ansible-builder", *args])

    containerfile = (context / "Containerfile").read_text()
    galaxy = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert "ansible-galaxy collection install" in containerfile
    assert "introspect" in containerfile
    assert {"name": "changegate.itsm", "version": ">=0.1.0"} in galaxy["collections"]
    assert "changegate[postgres]" in (context / "_build" / "requirements.txt").read_text()
    assert "ca-certificates" in (context / "_build" / "bindep.txt").read_text()


def test_the_installed_collection_declares_its_python_and_system_requirements(
    installed_collection: Path,
) -> None:
    proc = run([BIN / "ansible-builder", "introspect", "--sanitize", installed_collection])
    found = yaml.safe_load(proc.stdout)

    assert found["python"] == ["changegate[postgres]>=0.1.0  # from collection changegate.itsm"]
    assert found["system"] == [
        "ca-certificates [platform:rpm platform:dpkg]  # from collection changegate.itsm"
    ]


def test_the_ee_definition_uses_a_python_the_changegate_package_supports() -> None:
    definition = yaml.safe_load((ROOT / "execution-environment.yml").read_text())
    interpreter = definition["dependencies"]["python_interpreter"]
    assert definition["version"] == 3
    assert interpreter["python_path"].endswith(("3.11", "3.12", "3.13"))
