"""One error hierarchy for the whole suite.

Every error carries a stable ``code`` (scripts and the Ansible plugins match on it) and a
one-line user-facing ``message``. Each edge translates these in exactly one place: the CLI's
``main`` (one line on stderr, exit 1) and the plugins' error helper (a failed task).
"""

from __future__ import annotations


class ChangegateError(Exception):
    """Base class: a failure the user can act on, with a stable code."""

    code = "changegate.error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class ConfigError(ChangegateError):
    """A configuration or policy file, or an option, is wrong."""

    code = "config.invalid"


class InputError(ChangegateError):
    """A value given on the command line or in a request is malformed."""

    code = "input.invalid"


class NotFoundError(ChangegateError):
    """A record the user named does not exist."""

    code = "not_found"


class ChangeNotFoundError(NotFoundError):
    """The change id names no change known to the provider."""

    code = "change.not_found"


class TransitionError(ChangegateError):
    """A change cannot move from its state to the requested one."""

    code = "change.illegal_transition"


class StoreError(ChangegateError):
    """The database cannot be reached, opened or migrated."""

    code = "store.unavailable"


class ProviderError(ChangegateError):
    """The ticket provider (the store, ServiceNow, Jira) cannot be reached."""

    code = "provider.unreachable"


class RegistryError(ChangegateError):
    """An unknown plugin name was asked of a registry."""

    code = "registry.unknown"


class ConflictError(ChangegateError):
    """A record changed underneath the caller (optimistic ``version`` check failed); retry."""

    code = "store.conflict"
