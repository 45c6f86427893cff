"""Read a user-written text or YAML file, with every failure as one ``ConfigError`` line.

Shared by every loader of a user-written file (the policy, policy-baseline rules, CMDB rules,
``.driftignore``), so they all report a missing file, bad encoding or a YAML syntax error the
same way: the file, then the line and column, then the problem.
"""

from __future__ import annotations

from pathlib import Path

from change_control.errors import ConfigError


def read_text(path: Path) -> str:
    """The UTF-8 text of a user-written file; ``ConfigError`` naming the file otherwise."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def read_yaml(path: Path) -> object:
    """The YAML document in ``path`` (``yaml.safe_load``); ``ConfigError`` naming the file."""
    import yaml  # here, not at module level: importing the cores stays cheap

    text = read_text(path)
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = exc.problem or exc.context or "unreadable"
        raise ConfigError(f"{path}: {where}invalid YAML ({problem})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML ({exc})") from None
