# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plugins' composition root: settings, policy and gatekeeper, built once per process.

Ansible forks one worker per host and task. The audit callback runs in the controller's main
process *before* any fork, so when it builds the ``Services`` (and looks the change up) at play
start, every worker inherits them ready-made: no policy parsing, no store connection, no ticket
lookup in the worker. Without the callback, the first worker to need the change asks the
provider and stores the answer in the run cache (``RunCache`` in Ansible's per-run private temp
directory); the others read it. Either way the provider is asked once per run.
"""

from __future__ import annotations

import dataclasses
import getpass
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ansible_collections.changegate.itsm.plugins.plugin_utils import cores

if cores.available():
    # Imported here (not inside the functions) so the controller's main process has them
    # loaded before it forks: a worker then never pays for these imports.
    from change_control.gatekeeper import Gatekeeper, RunCache
    from change_control.policy.loader import load_policy
    from change_control.policy.model import FreezeWindow, Policy
    from change_control.settings import Settings, resolve, resolve_config_path

Log = Callable[[str], None]

#: Process-wide memo; a fork inherits it, which is what makes the callback's priming count.
_MEMO: dict[str, Services] = {}


@dataclass
class Services:
    """What one set of options resolves to in this process."""

    options: Mapping[str, Any]
    settings: Settings
    policy: Policy
    gatekeeper: Gatekeeper

    def close(self) -> None:
        """Release the provider's connections (end of the run, main process only)."""
        provider = self.gatekeeper.built_provider()
        closer = getattr(provider, "close", None)
        if callable(closer):
            closer()


def run_cache_dir() -> Path | None:
    """The run cache's directory: inside Ansible's per-run local temp dir (0700, auto-removed).

    Ansible creates that directory once in the controller's main process, before forking, so
    every worker of one ``ansible-playbook`` run sees the same path and no other run does.
    """
    from ansible import constants as C

    local_tmp = getattr(C, "DEFAULT_LOCAL_TMP", None)
    return Path(local_tmp) / "changegate" if local_tmp else None


def controller() -> str:
    """The controller user (``$USER``, ``$LOGNAME``, else the password database)."""
    from change_control.runctx import controller_user

    return controller_user(os.environ, getpass.getuser)


def get_services(options: Mapping[str, Any], log: Log) -> Services:
    """The services for ``options`` in this process (built on first use, then reused)."""
    key = repr(sorted((k, repr(v)) for k, v in options.items())) + str(run_cache_dir())
    found = _MEMO.get(key)
    if found is None:
        found = _build(options, log)
        _MEMO[key] = found
    return found


def store_url(options: Mapping[str, Any]) -> str:
    """The store URL from the options alone, for recording a run whose policy did not load.

    A broken policy file must not also cost the audit trail: the ledger still goes to the
    store named by the option, the environment or the default (only the policy file's own
    ``store.url`` is unknown then).
    """
    return resolve(db=options.get("db"), config=None, env=os.environ).db_url


def _build(options: Mapping[str, Any], log: Log) -> Services:
    cache = RunCache(run_cache_dir())
    config_path, _origin = resolve_config_path(options.get("config"), os.environ)
    policy = _policy(cache, config_path)
    if options.get("fail_closed") is not None:
        policy = dataclasses.replace(policy, fail_closed=bool(options["fail_closed"]))
    settings = resolve(
        db=options.get("db"),
        config=str(config_path) if config_path else None,
        file_db_url=policy.store_url,
    )
    provider_name = str(options.get("provider") or "local")

    def provider() -> Any:
        from change_control.providers import get_provider

        return get_provider(provider_name, settings, policy)

    def freezes(built: Any) -> list[FreezeWindow]:
        return _store_freezes(built, settings)

    gatekeeper = Gatekeeper(policy, provider, freezes=freezes, cache=cache, log=log)
    gatekeeper.warm()
    return Services(options, settings, policy, gatekeeper)


def _policy(cache: RunCache, path: Path | None) -> Policy:
    """The policy file, parsed once per run (workers read the parsed copy from the run cache)."""
    if path is None:
        return load_policy(None)
    try:
        stat = path.stat()
    except OSError:
        return load_policy(path)  # raises the loader's one-line ConfigError
    key = f"policy\0{path.resolve()}\0{stat.st_mtime_ns}\0{stat.st_size}"
    policy, _hit = cache.get_or_compute(key, lambda: load_policy(path))
    return policy


def _store_freezes(provider: Any, settings: Settings) -> list[FreezeWindow]:
    """Freeze windows added with ``changegate freeze add`` (they live in the store)."""
    from change_control.store.engine import open_store
    from change_control.store.freezes import FreezeRepository

    store = getattr(provider, "store", None)
    owned = store is None
    if store is None:
        store = open_store(settings.db_url)
    try:
        with store.read() as conn:
            return list(FreezeRepository(conn).list())
    finally:
        if owned:
            store.dispose()
