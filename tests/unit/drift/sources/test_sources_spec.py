"""``--state SPEC`` strings pick the right source, and every scheme documents itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from change_control.errors import InputError, RegistryError
from drift.sources import parse_spec, sources
from drift.sources.base import SourceOptions
from drift.sources.local import StateFileSource
from drift.sources.s3 import S3StateSource
from drift.sources.spec import split_spec
from drift.sources.terraform_cli import PlanSource, TerraformPullSource, TerraformShowSource

DATA = Path(__file__).parents[3] / "data" / "tfstate"


@pytest.mark.parametrize(
    ("spec", "scheme", "location"),
    [
        ("states/prod.tfstate", "file", "states/prod.tfstate"),
        ("/abs/terraform.tfstate", "file", "/abs/terraform.tfstate"),
        ("states/**/*.tfstate", "file", "states/**/*.tfstate"),
        ("file:///abs/x.tfstate", "file", "/abs/x.tfstate"),
        ("tfstate://x.tfstate", "file", "x.tfstate"),
        ("s3://bucket/prod/terraform.tfstate", "s3", "bucket/prod/terraform.tfstate"),
        ("S3://bucket/k", "s3", "bucket/k"),
        ("tfstate+s3://bucket/k", "s3", "bucket/k"),
        ("tfpull://infra/prod", "tfpull", "infra/prod"),
        ("tfpull:///abs/infra", "tfpull", "/abs/infra"),
        ("tfdir:infra/prod", "tfpull", "infra/prod"),
        ("pull:infra", "tfpull", "infra"),
        ("tfshow://state.json", "tfshow", "state.json"),
        ("plan://drift.json", "plan", "drift.json"),
        ("odd:name.tfstate", "file", "odd:name.tfstate"),
    ],
)
def test_a_spec_splits_into_scheme_and_location(spec: str, scheme: str, location: str) -> None:
    parsed = split_spec(spec)
    assert (parsed.text, parsed.scheme, parsed.location) == (spec, scheme, location)


def test_an_unknown_scheme_with_slashes_lists_the_valid_ones() -> None:
    with pytest.raises(RegistryError) as caught:
        split_spec("gcs://bucket/key")
    message = str(caught.value)
    assert message.startswith("gcs://bucket/key: unknown state source scheme 'gcs' (valid: ")
    for name in ("file", "plan", "s3", "tfpull", "tfshow", "tfdir", "tfstate+s3"):
        assert name in message


def test_a_glob_expands_to_sorted_files_named_by_their_path() -> None:
    found = parse_spec(f"{DATA}/glob/**/*.tfstate")
    assert [s.name for s in found] == [
        f"{DATA}/glob/prod/terraform.tfstate",
        f"{DATA}/glob/stage/terraform.tfstate",
    ]
    assert all(isinstance(s, StateFileSource) for s in found)


def test_a_glob_reads_every_state_it_matched() -> None:
    loaded = [s.load() for s in parse_spec(f"{DATA}/glob/*/terraform.tfstate")]
    assert [r.resources[0].id for r in loaded] == ["logs-prod", "logs-stage"]
    assert [r.meta["lineage"] for r in loaded] == ["lineage-prod", "lineage-stage"]


def test_a_glob_that_matches_nothing_is_an_error() -> None:
    with pytest.raises(InputError, match=r"/nothing/\*\.tfstate: no file matches this pattern$"):
        parse_spec(f"{DATA}/nothing/*.tfstate")


def test_a_plain_path_is_named_as_typed_and_read_only_when_loaded() -> None:
    (source,) = parse_spec("does/not/exist.tfstate")
    assert source.name == "does/not/exist.tfstate"
    with pytest.raises(InputError, match=r"^does/not/exist.tfstate: no such file$"):
        source.load()


def test_s3_specs_carry_bucket_key_options_and_the_spec_as_name() -> None:
    (source,) = parse_spec(
        "tfstate+s3://states/prod/terraform.tfstate",
        profile="audit",
        region="eu-west-3",
        endpoint_url="http://127.0.0.1:5000",
    )
    assert isinstance(source, S3StateSource)
    assert (source.bucket, source.key, source.name) == (
        "states",
        "prod/terraform.tfstate",
        "tfstate+s3://states/prod/terraform.tfstate",
    )
    assert source.options == SourceOptions("audit", "eu-west-3", "http://127.0.0.1:5000")


@pytest.mark.parametrize("spec", ["s3://bucket", "s3://bucket/", "s3:///key"])
def test_an_s3_spec_needs_a_bucket_and_a_key(spec: str) -> None:
    with pytest.raises(InputError, match=r"expected s3://BUCKET/KEY"):
        parse_spec(spec)


@pytest.mark.parametrize(
    ("spec", "kind", "path"),
    [
        ("tfdir:infra/prod", TerraformPullSource, "infra/prod"),
        ("tfshow://out/state.json", TerraformShowSource, "out/state.json"),
        ("plan://drift.json", PlanSource, "drift.json"),
    ],
)
def test_terraform_specs_build_their_sources(spec: str, kind: type, path: str) -> None:
    (source,) = parse_spec(spec, terraform_bin="/opt/terraform")
    assert isinstance(source, kind)
    assert (source.name, getattr(source, "terraform_bin", None)) == (spec, "/opt/terraform")
    assert getattr(source, "directory", getattr(source, "path", None)) == Path(path)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "--state: empty state source"),
        ("tfpull://", "tfpull://: missing DIR (for example tfpull://infra/prod)"),
        ("plan://", "plan://: missing FILE (for example plan://drift.json)"),
    ],
)
def test_an_incomplete_spec_is_one_line(spec: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_spec(spec)
    assert str(caught.value) == message


def test_every_registered_scheme_has_help_and_an_example_of_its_own_scheme() -> None:
    entries = list(sources)
    assert [e.name for e in entries] == ["file", "plan", "s3", "tfpull", "tfshow"]
    for entry in entries:
        assert entry.help, entry.name
        assert split_spec(entry.example).scheme == entry.name
