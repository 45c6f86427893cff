"""The ledger sinks and their registry: ``store`` (default), ``jsonl`` and ``writeback``.

The callback builds its sinks by name from this registry (``sinks.get(name).factory(config)``)
so a new sink touches one place. Each factory takes a ``SinkConfig`` and raises ``ConfigError``
naming the option it is missing. Order matters to the recorder: put ``writeback`` last, so the
work note can quote the chain hash the store sink has just committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from change_control.errors import ConfigError
from change_control.ledger.jsonl_sink import JsonlSink
from change_control.ledger.protocol import HeadSource, Sink, SinkResult
from change_control.ledger.store_sink import StoreSink
from change_control.ledger.writeback import WritebackSink
from change_control.registry import Registry
from change_control.timeutil import utcnow

if TYPE_CHECKING:
    from change_control.providers.base import ChangeProvider
    from change_control.store.engine import Store

__all__ = [
    "JsonlSink",
    "Sink",
    "SinkConfig",
    "SinkFactory",
    "SinkResult",
    "StoreSink",
    "WritebackSink",
    "build_sinks",
    "sinks",
]


@dataclass(frozen=True)
class SinkConfig:
    """Everything a sink factory may need; each factory uses its own part."""

    store: Store | str | None = None
    jsonl_path: Path | None = None
    provider: ChangeProvider | None = None
    head_source: HeadSource | None = None
    clock: Callable[[], datetime] = utcnow


SinkFactory = Callable[[SinkConfig], Sink]

sinks: Registry[SinkFactory] = Registry("ledger sink", "changegate.ledger_sinks")


@sinks.register(
    "store",
    help="The store's hash-chained run_events table (the default).",
    example="changegate_sinks = store",
)
def _store(config: SinkConfig) -> Sink:
    if config.store is None:
        raise ConfigError("ledger sink 'store' needs a store (a database URL)")
    return StoreSink(config.store, clock=config.clock)


@sinks.register(
    "jsonl",
    help="A JSON Lines file, hash-chained within the file.",
    example="changegate_sinks = store,jsonl",
    extension="jsonl",
)
def _jsonl(config: SinkConfig) -> Sink:
    if config.jsonl_path is None:
        raise ConfigError("ledger sink 'jsonl' needs the path of its file")
    return JsonlSink(config.jsonl_path)


@sinks.register(
    "writeback",
    help="A work note on the change ticket at run end, quoting the ledger's chain hash.",
    example="changegate_sinks = store,writeback",
)
def _writeback(config: SinkConfig) -> Sink:
    if config.provider is None:
        raise ConfigError("ledger sink 'writeback' needs a change provider")
    return WritebackSink(config.provider, head_source=config.head_source)


def build_sinks(names: list[str], config: SinkConfig) -> list[Sink]:
    """Sinks for ``names`` in order; ``writeback`` quotes the store's head (else the file's)."""
    built: list[Sink] = []
    for name in names:
        factory = sinks.get(name).factory
        if name == "writeback" and config.head_source is None:
            built.append(factory(replace(config, head_source=_head_of(built))))
        else:
            built.append(factory(config))
    return built


def _head_of(built: list[Sink]) -> HeadSource | None:
    # The store's chain is the one ``audit verify`` checks, so its hash is the one to quote.
    for kind in (StoreSink, JsonlSink):
        for sink in built:
            if isinstance(sink, kind):
                return sink
    return None
