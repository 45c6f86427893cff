"""``.driftignore``, ``--ignore`` and ``--filter``: silence known noise, narrow the scope.

A ``.driftignore`` line is ``<type>.<id>[.<field>...]`` with gitignore semantics, the format
driftctl users already have (snyk/driftctl-docs "Ignore resources"):

- segments are shell globs (``*``, ``?``, ``[...]``) matched one segment at a time; ``**``
  matches any number of segments;
- a line also matches everything below it: ``aws_s3_bucket`` and ``aws_s3_bucket.*`` both ignore
  every bucket, ``aws_s3_bucket.logs.tags`` every tag of that bucket;
- ``!`` negates; the last matching line wins; ``#`` starts a comment; ``\\!`` and ``\\#`` start a
  line with a literal ``!`` or ``#``;
- ``\\.`` is a dot inside a segment (``aws_iam_user.my\\.user``), ``\\*``, ``\\?``, ``\\[`` are
  literal, ``\\\\`` is a backslash.

As in gitignore, nothing below an ignored parent can be re-included: when the resource itself
is ignored (its last matching line has one or two segments), no ``!`` field line brings its
fields back. To keep one field, ignore the others with ``type.id.*`` and re-include the field.
``--ignore PATTERN`` entries use the same syntax and come after the file's lines, so they win.
Resources are named by their canonical type (``aws_alb`` is ``aws_lb``) and security-group rules
by their canonical ``aws_security_group_rule`` id (see ``drift.normalize.sgrules``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase, translate
from pathlib import Path
from typing import Any

from change_control.errors import ConfigError, InputError
from drift.model import Resource

_ESCAPES = {".": ".", "\\": "\\", "*": "[*]", "?": "[?]", "[": "[[]"}


@dataclass(frozen=True)
class IgnorePattern:
    """One parsed line: its segments (globs) and whether it re-includes."""

    text: str
    segments: tuple[str, ...]
    negate: bool = False

    def matches(self, target: Sequence[str]) -> bool:
        """True when the pattern matches ``target`` or one of its ancestors (a prefix)."""
        return _prefix_match(self._compiled, tuple(target))

    @property
    def _compiled(self) -> tuple[re.Pattern[str] | None, ...]:
        # None stands for "**"; frozen dataclass, so compile lazily through the module cache.
        return _compile(self.segments)


@dataclass(frozen=True)
class IgnoreRules:
    """An ordered list of patterns; the last one matching a target decides."""

    patterns: tuple[IgnorePattern, ...] = ()

    @classmethod
    def parse(cls, text: str, source: str = "--ignore") -> IgnoreRules:
        """Rules from ``.driftignore`` text; ``source`` names it in errors."""
        patterns = []
        for number, line in enumerate(text.splitlines(), start=1):
            pattern = parse_line(line, f"{source}:{number}")
            if pattern is not None:
                patterns.append(pattern)
        return cls(tuple(patterns))

    def extended(self, lines: Iterable[str], source: str = "--ignore") -> IgnoreRules:
        """These rules followed by ``lines`` (``--ignore`` values), which therefore win."""
        extra = [parse_line(line, f"{source} {line!r}") for line in lines]
        return IgnoreRules(self.patterns + tuple(p for p in extra if p is not None))

    def ignores_resource(self, resource_type: str, resource_id: str) -> bool:
        """True when the whole resource is ignored (its finding is dropped)."""
        return self._decide((resource_type, resource_id))

    def ignores_field(
        self, resource_type: str, resource_id: str, path: Sequence[str | int]
    ) -> bool:
        """True when the difference at ``path`` of that resource is ignored."""
        return self._decide((resource_type, resource_id, *(str(p) for p in path)))

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def _decide(self, target: tuple[str, ...]) -> bool:
        for pattern in reversed(self.patterns):
            if pattern.matches(target):
                return not pattern.negate
        return False


def load_driftignore(path: Path) -> IgnoreRules:
    """The rules of a ``.driftignore`` file, or a one-line ``ConfigError``."""
    from change_control.yamlfile import read_text

    return IgnoreRules.parse(read_text(path), str(path))


def parse_line(line: str, where: str) -> IgnorePattern | None:
    """One ``.driftignore`` line; ``None`` for blank and comment lines."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    negate = text.startswith("!")
    if negate or text.startswith(("\\!", "\\#")):
        text = text[1:]
    segments = split_segments(text)
    if not segments or any(not s for s in segments):
        raise ConfigError(f"{where}: {line.strip()!r} is not a pattern (use type.id[.field...])")
    return IgnorePattern(line.strip(), tuple(segments), negate)


def split_segments(text: str) -> list[str]:
    """Split on unescaped dots; escapes become literal globs (see module doc)."""
    segments: list[str] = []
    current: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            escaped = next(chars, "\\")
            current.append(_ESCAPES.get(escaped, escaped))
        elif char == ".":
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
    segments.append("".join(current))
    return segments


_COMPILED: dict[tuple[str, ...], tuple[re.Pattern[str] | None, ...]] = {}


def _compile(segments: tuple[str, ...]) -> tuple[re.Pattern[str] | None, ...]:
    compiled = _COMPILED.get(segments)
    if compiled is None:
        compiled = tuple(None if s == "**" else re.compile(translate(s)) for s in segments)
        _COMPILED[segments] = compiled
    return compiled


def _prefix_match(pattern: tuple[re.Pattern[str] | None, ...], target: tuple[str, ...]) -> bool:
    if not pattern:
        return True
    head = pattern[0]
    if head is None:
        return any(_prefix_match(pattern[1:], target[i:]) for i in range(len(target) + 1))
    if not target or head.match(target[0]) is None:
        return False
    return _prefix_match(pattern[1:], target[1:])


@dataclass(frozen=True)
class Filter:
    """``--filter`` values: keep only resources whose type, address and tags match.

    Values of one kind are alternatives (any may match); kinds combine (all must match). A
    resource without an address does not match an address filter.
    """

    types: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, specs: Iterable[str]) -> Filter:
        """From ``type=GLOB``, ``address=GLOB`` and ``tag:KEY=GLOB`` specs."""
        types: list[str] = []
        addresses: list[str] = []
        tags: list[tuple[str, str]] = []
        for spec in specs:
            kind, sep, value = spec.partition("=")
            if sep and value and kind == "type":
                types.append(value)
            elif sep and value and kind == "address":
                addresses.append(value)
            elif sep and kind.startswith("tag:") and len(kind) > 4:
                tags.append((kind[4:], value))
            else:
                raise InputError(
                    f"--filter {spec!r}: expected type=GLOB, address=GLOB or tag:KEY=GLOB"
                )
        return cls(tuple(types), tuple(addresses), tuple(tags))

    def __bool__(self) -> bool:
        return bool(self.types or self.addresses or self.tags)

    def matches(self, resource: Resource, address: str | None = None) -> bool:
        """True when ``resource`` passes; ``address`` overrides the resource's own."""
        if self.types and not any(fnmatchcase(resource.type, t) for t in self.types):
            return False
        where = address if address is not None else resource.address
        if self.addresses and not (where and any(fnmatchcase(where, a) for a in self.addresses)):
            return False
        return not self.tags or _tags_match(resource.attributes.get("tags"), self.tags)


def _tags_match(tags: Any, wanted: tuple[tuple[str, str], ...]) -> bool:
    if not isinstance(tags, dict):
        return False
    return any(key in tags and fnmatchcase(str(tags[key]), value) for key, value in wanted)
