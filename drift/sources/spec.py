"""State source specs (``--state SPEC``): ``SCHEME://LOCATION``, ``SCHEME:LOCATION`` or a path.

The scheme picks a factory from the ``sources`` registry; a spec without a known scheme is a
local path or glob, so ``states/prod.tfstate`` needs no prefix. driftctl's spellings
(``tfstate://``, ``tfstate+s3://``) are accepted so users can bring their scripts along.
See docs/sources.md for the full syntax.
"""

from __future__ import annotations

import re
from pathlib import Path

from change_control.errors import InputError, RegistryError
from drift.sources.base import NOT_FOUND, Source, SourceOptions, SourceSpec, sources
from drift.sources.local import file_sources
from drift.sources.s3 import S3StateSource, split_location
from drift.sources.terraform_cli import PlanSource, TerraformPullSource, TerraformShowSource

# Other spellings of a registered scheme: driftctl's, and the issue's ``tfdir:PATH``.
ALIASES = {
    "tfstate": "file",
    "tfstate+file": "file",
    "tfstate+s3": "s3",
    "tfdir": "tfpull",
    "pull": "tfpull",
}

_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):(?P<rest>.*)$", re.DOTALL)


@sources.register(
    "file",
    help="a Terraform state v4 file or saved `terraform show -json` state output, or a glob "
    "of them (`**` recurses; sorted; no match is an error); `file://` and driftctl's "
    "`tfstate://` are optional prefixes",
    example="states/**/*.tfstate",
)
def _file(spec: SourceSpec, options: SourceOptions) -> list[Source]:
    return file_sources(spec.location, label=spec.text)


@sources.register(
    "s3",
    help="a state object in S3, read with boto3 honouring the AWS profile, region and "
    "endpoint URL options (also spelled `tfstate+s3://`)",
    example="s3://my-states/prod/terraform.tfstate",
)
def _s3(spec: SourceSpec, options: SourceOptions) -> list[Source]:
    bucket, key = split_location(spec.location)
    return [S3StateSource(bucket, key, options, spec.text)]


@sources.register(
    "tfpull",
    help="`terraform state pull` run in an initialised working directory: any backend "
    "Terraform supports, with its own credentials (also spelled `tfdir:DIR`, `pull:DIR`)",
    example="tfpull://infra/prod",
)
def _tfpull(spec: SourceSpec, options: SourceOptions) -> list[Source]:
    directory = Path(_required(spec, "DIR"))
    return [TerraformPullSource(directory, spec.text, options.terraform_bin)]


@sources.register(
    "tfshow",
    help="`terraform show -json` state output: a saved JSON file, or a working directory "
    "where changegate runs `terraform show -json`",
    example="tfshow://state.json",
)
def _tfshow(spec: SourceSpec, options: SourceOptions) -> list[Source]:
    path = Path(_required(spec, "FILE"))
    return [TerraformShowSource(path, spec.text, options.terraform_bin)]


@sources.register(
    "plan",
    help="a saved refresh-only plan (its `terraform show -json` output, or the binary plan in "
    "its working directory): each resource_drift entry becomes a declared/live pair",
    example="plan://drift.json",
)
def _plan(spec: SourceSpec, options: SourceOptions) -> list[Source]:
    path = Path(_required(spec, "FILE"))
    return [PlanSource(path, spec.text, options.terraform_bin)]


def _required(spec: SourceSpec, what: str) -> str:
    if not spec.location:
        example = sources.get(spec.scheme).example
        raise InputError(f"{spec.text}: missing {what} (for example {example})", NOT_FOUND)
    return spec.location


def split_spec(spec: str) -> SourceSpec:
    """Scheme and location of ``spec``; without a registered scheme it is a ``file`` path.

    An unknown ``xyz://`` is an error listing the valid schemes (a typo must not turn into
    "no such file"); an unknown ``xyz:`` without slashes is a path with a colon in its name.
    """
    match = _SCHEME.match(spec)
    if match is None:
        return SourceSpec(spec, "file", spec)
    scheme = match["scheme"].lower()
    scheme = ALIASES.get(scheme, scheme)
    if scheme in sources:
        return SourceSpec(spec, scheme, match["rest"].removeprefix("//"))
    if match["rest"].startswith("//"):
        valid = ", ".join([*sources.names(), *sorted(ALIASES)])
        raise RegistryError(
            f"{spec}: unknown state source scheme {match['scheme']!r} (valid: {valid})"
        )
    return SourceSpec(spec, "file", spec)


def parse_spec(
    spec: str,
    *,
    profile: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    terraform_bin: str = "terraform",
) -> list[Source]:
    """The sources a ``--state SPEC`` names (several for a glob), not yet loaded.

    Nothing is read here except a glob's directory listing, so a bad spec fails before any
    slow source is fetched. The AWS options apply to ``s3://`` specs.
    """
    if not spec.strip():
        raise InputError("--state: empty state source", NOT_FOUND)
    options = SourceOptions(
        aws_profile=profile,
        aws_region=region,
        aws_endpoint_url=endpoint_url,
        terraform_bin=terraform_bin,
    )
    parsed = split_spec(spec)
    return sources.get(parsed.scheme).factory(parsed, options)
