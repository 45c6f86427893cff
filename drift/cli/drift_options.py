"""Options the drift commands share: where states come from and how AWS is reached.

One decorator per group of flags, so ``drift audit`` and ``drift baseline capture`` spell them
identically (they are a contract scripts call) and ``SourceOptions`` is built in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from drift.sources import SourceOptions

F = TypeVar("F", bound=Callable[..., Any])


def aws_options(func: F) -> F:
    """``--aws-profile``, ``--aws-region``, ``--endpoint-url`` (for ``s3://`` states)."""
    decorators = [
        click.option(
            "--aws-profile", metavar="P", help="AWS profile for s3:// states (default: boto3's)."
        ),
        click.option("--aws-region", metavar="R", help="AWS region for s3:// states."),
        click.option(
            "--endpoint-url",
            metavar="URL",
            help="S3 endpoint for s3:// states (MinIO, LocalStack, moto).",
        ),
    ]
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


def source_options(
    aws_profile: str | None, aws_region: str | None, endpoint_url: str | None
) -> SourceOptions:
    """The ``SourceOptions`` for the AWS flags."""
    from drift.sources import SourceOptions

    return SourceOptions(
        aws_profile=aws_profile, aws_region=aws_region, aws_endpoint_url=endpoint_url
    )


def state_option(func: F) -> F:
    """``--state SPEC`` (repeat)."""
    return click.option(
        "--state",
        "states",
        multiple=True,
        metavar="SPEC",
        help="Terraform state: PATH, GLOB, s3://BUCKET/KEY, tfdir:DIR (tfpull://DIR), "
        "tfshow://FILE (repeat).",
    )(func)


def live_option(func: F) -> F:
    """``--live FILE`` (repeat)."""
    return click.option(
        "--live",
        "live",
        multiple=True,
        metavar="FILE",
        help="Live snapshot (changegate/live-snapshot@1) (repeat).",
    )(func)


def filter_option(func: F) -> F:
    """``--filter EXPR`` (repeat)."""
    return click.option(
        "--filter",
        "filters",
        multiple=True,
        metavar="EXPR",
        help="Only resources matching type=GLOB, address=GLOB or tag:KEY=GLOB (repeat; "
        "values of one kind are alternatives, kinds combine).",
    )(func)
