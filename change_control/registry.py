"""One small registry class reused for every pluggable kind.

An entry carries its factory plus the text ``--help`` shows, so that adding a provider, source,
normalizer, report format or backend touches one place. Unknown names list the valid ones.
Third parties extend a registry through the entry-point group named after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from change_control.errors import RegistryError

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One registered plugin: its name, what builds it, and how to describe it."""

    name: str
    factory: T
    help: str = ""
    example: str = ""
    extension: str = ""


@dataclass
class Registry(Generic[T]):
    """Named plugins of one kind, e.g. ``Registry[ProviderFactory]("providers")``."""

    kind: str
    entry_point_group: str = ""
    _entries: dict[str, Entry[T]] = field(default_factory=dict)
    _loaded_entry_points: bool = False

    def register(
        self, name: str, *, help: str = "", example: str = "", extension: str = ""
    ) -> Callable[[T], T]:
        """Decorator registering ``factory`` under ``name``; a duplicate name is a bug."""

        def decorate(factory: T) -> T:
            self.add(Entry(name, factory, help, example, extension))
            return factory

        return decorate

    def add(self, entry: Entry[T]) -> None:
        """Register an entry; registering the same name twice raises ``ValueError``."""
        if entry.name in self._entries:
            raise ValueError(f"{self.kind}: {entry.name!r} is registered twice")
        self._entries[entry.name] = entry

    def get(self, name: str) -> Entry[T]:
        """The entry for ``name``, or a ``RegistryError`` listing the valid names."""
        self._load_entry_points()
        try:
            return self._entries[name]
        except KeyError:
            valid = ", ".join(sorted(self._entries)) or "none"
            raise RegistryError(f"unknown {self.kind} {name!r} (valid: {valid})") from None

    def names(self) -> list[str]:
        """Registered names, sorted."""
        self._load_entry_points()
        return sorted(self._entries)

    def __iter__(self) -> Iterator[Entry[T]]:
        self._load_entry_points()
        return iter([self._entries[n] for n in sorted(self._entries)])

    def __contains__(self, name: object) -> bool:
        self._load_entry_points()
        return name in self._entries

    def _load_entry_points(self) -> None:
        if self._loaded_entry_points or not self.entry_point_group:
            return
        self._loaded_entry_points = True
        for ep in entry_points(group=self.entry_point_group):
            if ep.name not in self._entries:
                self.add(Entry(ep.name, ep.load()))
