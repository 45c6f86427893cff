"""Ticket providers: the systems of record a change can live in, behind one registry.

``local`` keeps changes in changegate's own store; ``servicenow`` and ``jira`` register here
when their issue lands, and third parties add theirs through the ``changegate.providers``
entry-point group. A factory takes the resolved ``Settings`` and ``Policy`` and returns a ready
``ChangeProvider``; heavy imports (SQLAlchemy, HTTP clients) happen inside the factory, so
listing providers in ``--help`` stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable

from change_control.errors import ProviderError, StoreError
from change_control.policy.model import Policy
from change_control.providers.base import ChangeProvider, ListFilter, NewChange
from change_control.registry import Registry
from change_control.settings import Settings

__all__ = [
    "ChangeProvider",
    "ListFilter",
    "NewChange",
    "ProviderFactory",
    "get_provider",
    "providers",
]

ProviderFactory = Callable[[Settings, Policy], ChangeProvider]

providers: Registry[ProviderFactory] = Registry("providers", "changegate.providers")


@providers.register(
    "local",
    help="Changes kept in changegate's own store (SQLite by default, or PostgreSQL via --db).",
    example="changegate --db sqlite:////var/lib/changegate/changegate.db change new "
    "--type normal --summary 'Patch web tier' --requested-by alice",
)
def _local(settings: Settings, policy: Policy) -> ChangeProvider:
    from change_control.providers.local import LocalProvider
    from change_control.store.engine import open_store

    try:
        store = open_store(settings.db_url)
    except StoreError as exc:
        # The gate fails closed on ProviderError; an unreachable store is exactly that.
        raise ProviderError(exc.message) from exc
    return LocalProvider(store, policy)


def get_provider(name: str, settings: Settings, policy: Policy) -> ChangeProvider:
    """Build the provider registered as ``name`` (``RegistryError`` lists the valid names)."""
    return providers.get(name).factory(settings, policy)
