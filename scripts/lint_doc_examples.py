"""Lint the Ansible examples in the docs and in the plugins' EXAMPLES with ansible-lint.

ansible-lint only sees files, so examples that live in Markdown (README.md, docs/*.md) or in a
plugin's EXAMPLES string are extracted into a temporary directory first:

* a YAML list whose items are plays (``hosts:`` or ``import_playbook:``) is a playbook;
* any other YAML list of mappings is a task list, linted inside a one-play playbook on
  localhost, so ``--syntax-check`` also resolves every module name against the collection;
* a YAML mapping (a changegate policy, an inventory source, a molecule file) or a list of CI
  workflow steps is not Ansible content: it is listed as skipped (also when an example holds
  several such YAML documents);
* a YAML block that does not parse is an error.

Each extracted file is named after its source and line (``docs-ansible.md-L120.yml``), so a
finding points back to the example. docs/plugins/ is skipped: it is rendered from the plugins'
EXAMPLES, which are linted at the source.

Usage: python scripts/lint_doc_examples.py [--keep] [PATH ...]   (default: README.md docs/*.md
plugins/*/*.py). Exit: ansible-lint's status (0 clean, 2 findings), 1 on an unparsable example.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```(?:yaml|yml)\s*\n(.*?)^```", re.MULTILINE | re.DOTALL)
PLAY_KEYS = frozenset({"hosts", "import_playbook", "ansible.builtin.import_playbook"})
# Steps of a CI workflow (GitHub Actions ``run``/``uses``, GitLab ``script``) are lists of
# mappings too, but they are not Ansible tasks.
CI_STEP_KEYS = frozenset({"run", "uses", "script"})
LINT_CONFIG = """\
---
profile: production
offline: true
"""
WRAPPER = """\
---
- name: "{source}"
  hosts: localhost
  gather_facts: false
  tasks:
{tasks}"""


@dataclass(frozen=True)
class Example:
    """One YAML example: where it came from and its text."""

    source: str
    line: int
    text: str

    @property
    def file_name(self) -> str:
        """A file name that says where the example came from."""
        return f"{self.source.replace('/', '-')}-L{self.line}.yml"


def markdown_examples(path: Path) -> Iterator[Example]:
    """Fenced ```yaml blocks of a Markdown file."""
    text = path.read_text(encoding="utf-8")
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start(1)) + 1
        yield Example(str(path.relative_to(ROOT)), line, match.group(1))


def plugin_examples(path: Path) -> Iterator[Example]:
    """A plugin's EXAMPLES string (read from the source, not imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "EXAMPLES" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            yield Example(str(path.relative_to(ROOT)), node.lineno, node.value.value)


def default_sources() -> list[Path]:
    """README.md, docs/*.md (not the rendered docs/plugins/) and every plugin file."""
    paths = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return paths + sorted((ROOT / "plugins").glob("*/*.py"))


def examples_of(paths: Sequence[Path]) -> Iterator[Example]:
    """Every example in the given files."""
    for path in paths:
        reader = markdown_examples if path.suffix == ".md" else plugin_examples
        yield from reader(path.resolve())


def kind_of(data: Any) -> str:
    """``playbook``, ``tasks`` or ``config`` (not Ansible content)."""
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        if any(PLAY_KEYS & item.keys() for item in data):
            return "playbook"
        if any(CI_STEP_KEYS & item.keys() for item in data):
            return "config"
        return "tasks"
    return "config"


def as_playbook(example: Example, kind: str) -> str:
    """The file ansible-lint gets: a playbook as written, or tasks inside one play."""
    text = example.text.strip("\n") + "\n"
    if kind == "playbook":
        return text
    body = "".join(f"    {line}\n" if line.strip() else "\n" for line in text.splitlines())
    return WRAPPER.format(source=f"Example from {example.source} line {example.line}", tasks=body)


def extract(examples: Sequence[Example], workdir: Path) -> tuple[list[str], list[str]]:
    """Write the Ansible examples under ``workdir``; return (file names, problems)."""
    written, problems = [], []
    for example in examples:
        where = f"{example.source}:{example.line}"
        try:
            documents = list(yaml.safe_load_all(example.text))
        except yaml.YAMLError as err:
            problems.append(f"{where}: the example is not valid YAML: {err}")
            continue
        kinds = {kind_of(document) for document in documents}
        if len(documents) > 1 and kinds != {"config"}:
            problems.append(f"{where}: several YAML documents; give each play its own example")
            continue
        kind = kinds.pop() if kinds else "config"
        if kind == "config":
            print(f"lint_doc_examples: skip {where} (configuration or CI steps: not Ansible)")
            continue
        (workdir / example.file_name).write_text(as_playbook(example, kind), encoding="utf-8")
        written.append(example.file_name)
        print(f"lint_doc_examples: lint {where} ({kind}) as {example.file_name}")
    return written, problems


def run_ansible_lint(workdir: Path, files: Sequence[str]) -> int:
    """ansible-lint, production profile, offline, with this repo's collection on the path."""
    (workdir / ".ansible-lint").write_text(LINT_CONFIG, encoding="utf-8")
    env = dict(os.environ)
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(ROOT / "collections"))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    command = ["ansible-lint", "--offline", "--profile", "production", "--nocolor", *files]
    return subprocess.run(command, cwd=workdir, env=env, check=False).returncode


def main(argv: Sequence[str] | None = None) -> int:
    """Extract, lint, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="Markdown or plugin files")
    parser.add_argument("--keep", action="store_true", help="keep the extracted files")
    args = parser.parse_args(argv)
    examples = list(examples_of(args.paths or default_sources()))
    workdir = Path(tempfile.mkdtemp(prefix="changegate-doc-examples-"))
    try:
        written, problems = extract(examples, workdir)
        for problem in problems:
            print(f"lint_doc_examples: {problem}", file=sys.stderr)
        if problems:
            return 1
        if not written:
            print("lint_doc_examples: no Ansible examples found", file=sys.stderr)
            return 1
        return run_ansible_lint(workdir, written)
    finally:
        if args.keep:
            print(f"lint_doc_examples: kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
