"""Per-invocation wiring: settings, policy, store and provider, each resolved at most once.

The global options (``--db``, ``--config``, ``-v``, ``-q``) land in the root context's ``obj``
wherever they were given; the first command that asks for a ``CliContext`` turns them into
``Settings`` (defaults < policy file < environment < flags) and keeps the result for the rest of
the invocation. Commands ask only for what they need, so ``policy check`` never opens the
database, and everything heavy (YAML, SQLAlchemy) is imported inside the methods that use it.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from drift.cli.options import root_obj

if TYPE_CHECKING:
    from change_control.policy.model import FreezeWindow, Policy
    from change_control.providers.base import ChangeProvider
    from change_control.settings import Settings
    from change_control.store.engine import Store

#: The ticket provider the CLI talks to. The local register is the only one in this release.
PROVIDER = "local"
_KEY = "_cli_context"
_PASSWORD = re.compile(r"(?<=://)([^:/@]+):[^@]*@")


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, safe to print."""
    return _PASSWORD.sub(r"\1:***@", url)


@dataclass
class CliContext:
    """What one ``changegate`` invocation resolved: built once, shared by its commands."""

    db: str | None = None
    config: str | None = None
    verbose: int = 0
    quiet: bool = False
    _policy: Policy | None = field(default=None, repr=False)
    _settings: Settings | None = field(default=None, repr=False)
    _store: Store | None = field(default=None, repr=False)
    _provider: ChangeProvider | None = field(default=None, repr=False)

    def policy(self) -> Policy:
        """The policy file's content (or the safe default), without the store's freezes."""
        if self._policy is None:
            from change_control.policy import load_policy
            from change_control.settings import resolve_config_path

            path, origin = resolve_config_path(self.config, os.environ)
            self._policy = load_policy(path)
            self.debug(f"policy: {self._policy.source} (from {origin})")
        return self._policy

    def settings(self) -> Settings:
        """Resolved settings; the policy file's ``store.url`` counts below env and ``--db``."""
        if self._settings is None:
            from change_control.settings import resolve

            self._settings = resolve(
                db=self.db, config=self.config, file_db_url=self.policy().store_url
            )
            self.debug(
                f"store: {redact_url(self._settings.db_url)} (from {self._settings.db_url_origin})"
            )
        return self._settings

    def store(self, *, migrate: bool = True) -> Store:
        """The opened store; migrated to head on first use unless ``migrate`` is False."""
        if self._store is None:
            from change_control.store.engine import Store, open_store

            # The local provider already holds an open, migrated store: share its pool.
            shared = getattr(self._provider, "store", None)
            if isinstance(shared, Store) and migrate:
                self._store = shared
            else:
                self._store = open_store(self.settings().db_url, migrate=migrate)
        return self._store

    def provider(self) -> ChangeProvider:
        """The change provider, built over the settings and the policy."""
        if self._provider is None:
            from change_control.providers import get_provider

            self._provider = get_provider(PROVIDER, self.settings(), self.policy())
        return self._provider

    def store_freezes(self) -> list[FreezeWindow]:
        """Freeze windows added with ``changegate freeze add`` (held in the store)."""
        from change_control.store.freezes import FreezeRepository

        with self.store().read() as conn:
            return FreezeRepository(conn).list()

    def effective_policy(self) -> Policy:
        """The policy ``evaluate`` must see: the file's freezes plus the store's."""
        policy = self.policy()
        extra = tuple(self.store_freezes())
        return dataclasses.replace(policy, freezes=policy.freezes + extra) if extra else policy

    def debug(self, message: str) -> None:
        """A line on stderr for ``-v``: where a setting came from, what was opened."""
        if self.verbose and not self.quiet:
            click.echo(message, err=True)

    def note(self, message: str) -> None:
        """A line on stderr a person wants and a script can do without (silenced by ``-q``)."""
        if not self.quiet:
            click.echo(message, err=True)

    def close(self) -> None:
        """Release the provider and the store's connections (run when the root context ends)."""
        closer = getattr(self._provider, "close", None)
        if callable(closer):
            closer()
        if self._store is not None:
            self._store.dispose()
        self._provider = None
        self._store = None


def cli_context(ctx: click.Context) -> CliContext:
    """The invocation's ``CliContext``, created from the global options on first use."""
    obj: dict[str, Any] = root_obj(ctx)
    existing = obj.get(_KEY)
    if isinstance(existing, CliContext):
        return existing
    made = CliContext(
        db=obj.get("db"),
        config=obj.get("config"),
        verbose=int(obj.get("verbose") or 0),
        quiet=bool(obj.get("quiet")),
    )
    obj[_KEY] = made
    ctx.find_root().call_on_close(made.close)
    return made
