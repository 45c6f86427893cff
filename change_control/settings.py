"""Configuration resolved once, at the edge, into a frozen ``Settings``.

Precedence: defaults < policy file (``store.url``) < environment (``CHANGEGATE_DB``,
``CHANGEGATE_CONFIG``) < explicit values (CLI flags, plugin options). Nothing else in the suite
reads the environment; callers pass ``env`` so tests never have to patch ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_DB = "CHANGEGATE_DB"
ENV_CONFIG = "CHANGEGATE_CONFIG"
DEFAULT_CONFIG_NAME = "changegate.yml"


def default_state_dir(env: Mapping[str, str]) -> Path:
    """``$XDG_STATE_HOME/changegate``, falling back to ``~/.local/state/changegate``."""
    base = env.get("XDG_STATE_HOME") or str(
        Path(env.get("HOME") or Path.home()) / ".local" / "state"
    )
    return Path(base) / "changegate"


def default_db_url(env: Mapping[str, str]) -> str:
    """The embedded SQLite store under the XDG state directory."""
    return f"sqlite:///{default_state_dir(env) / 'changegate.db'}"


@dataclass(frozen=True)
class Settings:
    """Where the store is and which policy file applies, plus where each came from."""

    db_url: str
    config_path: Path | None
    db_url_origin: str = "default"
    config_origin: str = "default"


def resolve_config_path(
    explicit: str | None, env: Mapping[str, str], cwd: Path | None = None
) -> tuple[Path | None, str]:
    """The policy file to use and where that choice came from.

    An explicitly named file (flag or env) must exist; it is checked by the loader, which names
    the file in its error. ``./changegate.yml`` is used when present; else the safe default.
    """
    if explicit:
        return Path(explicit), "option"
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG]), ENV_CONFIG
    candidate = (cwd or Path.cwd()) / DEFAULT_CONFIG_NAME
    if candidate.is_file():
        return candidate, "working directory"
    return None, "default"


def resolve(
    *,
    db: str | None = None,
    config: str | None = None,
    file_db_url: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Resolve settings; ``file_db_url`` is the policy file's ``store.url`` when it has one."""
    environ = os.environ if env is None else env
    config_path, config_origin = resolve_config_path(config, environ, cwd)
    if db:
        url, origin = db, "option"
    elif environ.get(ENV_DB):
        url, origin = environ[ENV_DB], ENV_DB
    elif file_db_url:
        url, origin = file_db_url, "config file"
    else:
        url, origin = default_db_url(environ), "default"
    return Settings(url, config_path, origin, config_origin)
