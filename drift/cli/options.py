"""Options every command accepts: ``--db``, ``--config``, ``-v/-q``.

They are accepted both before and after the subcommand (``changegate --db X change list`` and
``changegate change list --db X``); the value nearest the command wins. Values land in the root
context's ``obj`` and are resolved into ``Settings`` once, by ``settings_from``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def _store(key: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        root = ctx.find_root()
        root.ensure_object(dict)
        if value not in (None, 0, ()):
            root.obj[key] = value
        return value

    return callback


def global_options(func: F) -> F:
    """Attach ``--db``, ``--config``, ``-v`` and ``-q`` (no value is passed to ``func``)."""
    decorators = [
        click.option(
            "--db",
            metavar="URL",
            expose_value=False,
            callback=_store("db"),
            help="Store URL (env CHANGEGATE_DB; default sqlite under $XDG_STATE_HOME/changegate).",
        ),
        click.option(
            "--config",
            metavar="FILE",
            expose_value=False,
            callback=_store("config"),
            help="Policy file (env CHANGEGATE_CONFIG; default ./changegate.yml if present).",
        ),
        click.option(
            "-v",
            "--verbose",
            count=True,
            expose_value=False,
            callback=_store("verbose"),
            help="More detail.",
        ),
        click.option(
            "-q",
            "--quiet",
            is_flag=True,
            expose_value=False,
            callback=_store("quiet"),
            help="Only errors and results.",
        ),
    ]
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


def root_obj(ctx: click.Context) -> dict[str, Any]:
    """The root context's option dict."""
    root = ctx.find_root()
    root.ensure_object(dict)
    obj: dict[str, Any] = root.obj
    return obj
