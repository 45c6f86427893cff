"""The committed plugin docs are what the plugins say, and antsibull-docs finds them valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.collection.collection_support import BIN, COLLECTIONS, ROOT, run, source_copy

pytestmark = [pytest.mark.ansible]

DOCS = ROOT / "docs" / "plugins"
#: Plugin directories whose files are plugins with their own page (action plugins are
#: documented by the module of the same name; plugin_utils and doc_fragments are not plugins).
DOCUMENTED = {
    "modules": "module",
    "lookup": "lookup",
    "callback": "callback",
    "inventory": "inventory",
}


def expected_pages() -> set[str]:
    """One page per documented plugin, plus the index."""
    pages = {"README.md"}
    for directory, plugin_type in DOCUMENTED.items():
        for path in (ROOT / "plugins" / directory).glob("*.py"):
            if path.stem != "__init__":
                pages.add(f"{path.stem}_{plugin_type}.md")
    return pages


def test_make_docs_output_matches_the_committed_plugin_docs() -> None:
    run(
        [
            "make",
            "--no-print-directory",
            "-f",
            "mk/collection.mk",
            "docs-check",
            f"VENV={BIN.parent}",
            "STAMP=",
        ]
    )


def test_every_plugin_has_a_committed_page_and_nothing_else_does() -> None:
    assert {p.name for p in DOCS.glob("*.md")} == expected_pages()


def test_a_changed_plugin_doc_makes_the_docs_check_fail(tmp_path: Path) -> None:
    copy = source_copy(tmp_path / "ansible_collections" / "changegate" / "itsm")
    module = copy / "plugins" / "modules" / "gate.py"
    module.write_text(module.read_text().replace("Run a module only", "Run a module sometimes", 1))

    render = ROOT / "scripts" / "render_plugin_docs.py"
    args = ["--check", "--collections-path", tmp_path, "--out", DOCS]
    proc = run([BIN / "python", render, *args], expect=1)

    stale = {line.split()[2] for line in proc.stderr.splitlines()}
    # The module's page, and the index that lists its short description; nothing else.
    assert stale == {str(DOCS / "gate_module.md"), str(DOCS / "README.md")}


@pytest.mark.slow
def test_antsibull_docs_lint_collection_docs_passes() -> None:
    collection = COLLECTIONS / "ansible_collections" / "changegate" / "itsm"
    run([BIN / "antsibull-docs", "lint-collection-docs", "--plugin-docs", "."], cwd=collection)


def test_the_readme_links_the_plugin_docs() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "docs/plugins/README.md" in readme
    assert "docs/awx.md" in readme
