"""ansible-lint's production profile, the changelog and the Galaxy metadata meet the bar.

ansible-lint covers every playbook and YAML file the repo ships (examples/, the molecule
scenario, galaxy.yml, meta/, execution environments, changelog fragments) and, through
scripts/lint_doc_examples.py, the examples inside the docs and the plugins' EXAMPLES.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from tests.integration.collection.collection_support import BIN, ROOT, run

pytestmark = [pytest.mark.ansible]

#: ansible-lint's galaxy[tags] rule: a collection needs at least one of these.
STANDARD_TAGS = {
    "application",
    "cloud",
    "database",
    "eda",
    "infrastructure",
    "linux",
    "monitoring",
    "networking",
    "security",
    "storage",
    "tools",
    "windows",
}


@pytest.mark.slow
def test_ansible_lint_production_profile_passes_on_every_playbook_the_repo_ships() -> None:
    proc = run([BIN / "ansible-lint", "--nocolor"])
    assert "Profile 'production' was required, and it passed" in proc.stdout + proc.stderr


@pytest.mark.slow
def test_the_examples_in_the_docs_and_the_plugins_pass_ansible_lint() -> None:
    proc = run([BIN / "python", ROOT / "scripts" / "lint_doc_examples.py"])
    linted = [ln for ln in proc.stdout.splitlines() if ln.startswith("lint_doc_examples: lint")]
    sources = {line.split()[2].split(":")[0] for line in linted}
    assert "docs/ansible.md" in sources
    assert {"plugins/modules/gate.py", "plugins/modules/change.py"} <= sources


def test_changelog_fragments_pass_antsibull_changelog_lint() -> None:
    run([BIN / "antsibull-changelog", "lint"])


def test_the_committed_changelog_is_what_antsibull_changelog_generates(tmp_path: Path) -> None:
    out = tmp_path / "CHANGELOG.rst"
    run([BIN / "antsibull-changelog", "generate", "--output", out, "--output-format", "rst"])
    assert (ROOT / "CHANGELOG.rst").read_text() == out.read_text()


def test_galaxy_yml_has_links_license_and_a_standard_tag() -> None:
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    for key in ("repository", "documentation", "homepage", "issues"):
        assert str(galaxy[key]).startswith("https://"), key
    assert galaxy["license"] == ["GPL-3.0-or-later"]
    assert STANDARD_TAGS & set(galaxy["tags"])
    assert {"change_control", "drift", "cmdb_sync", "collections", "scripts", "mk"} <= set(
        galaxy["build_ignore"]
    )


def action_plugins() -> set[str]:
    """Every action plugin the collection ships."""
    return {p.stem for p in (ROOT / "plugins" / "action").glob("*.py") if p.stem != "__init__"}


def test_runtime_yml_requires_ansible_and_groups_every_action_plugin() -> None:
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    assert runtime["requires_ansible"] == ">=2.16.0"
    assert set(runtime["action_groups"]["all"]) == action_plugins()


@pytest.mark.parametrize("action", sorted(action_plugins()))
def test_every_action_plugin_has_a_documentation_module_of_the_same_name(action: str) -> None:
    module = ROOT / "plugins" / "modules" / f"{action}.py"
    names = {
        target.id
        for node in ast.parse(module.read_text()).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert {"DOCUMENTATION", "EXAMPLES", "RETURN"} <= names


def doc_examples_script() -> ModuleType:
    """scripts/lint_doc_examples.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "lint_doc_examples", ROOT / "scripts" / "lint_doc_examples.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("example", "kind"),
    [
        ("- name: Play\n  hosts: web\n  tasks: []\n", "playbook"),
        ("- ansible.builtin.import_playbook: site.yml\n", "playbook"),
        ("- name: A task\n  changegate.itsm.gate:\n    module: ansible.builtin.stat\n", "tasks"),
        ("version: 1\ngate:\n  environments: [production]\n", "config"),
        ("- run: changegate drift audit\n- uses: github/codeql-action/upload-sarif@v3\n", "config"),
    ],
)
def test_doc_examples_are_sorted_into_playbooks_tasks_and_other_yaml(
    example: str, kind: str
) -> None:
    assert doc_examples_script().kind_of(yaml.safe_load(example)) == kind


def test_an_unparsable_docs_example_is_an_error_not_a_skip(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```yaml\n# ansible.cfg\n[defaults]\n- name: x\n  hosts: all\n```\n")
    script = doc_examples_script()
    examples = [
        script.Example("page.md", 2, text) for text in script.FENCE.findall(page.read_text())
    ]

    written, problems = script.extract(examples, tmp_path)

    assert written == []
    assert len(problems) == 1 and "not valid YAML" in problems[0]
