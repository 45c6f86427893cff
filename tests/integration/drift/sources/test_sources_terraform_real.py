"""States written by a real ``terraform apply`` read via file, ``tfpull://``, ``tfshow://``, plan.

``terraform_data`` resources need no provider download, so init + apply take about 0.1 s each
and the whole working directory is real: modules, count, for_each, depends_on, a data source, a
sensitive value and a sensitive output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from change_control.errors import ConfigError, InputError
from drift.model import Resource, View
from drift.sources import parse_spec
from drift.sources.base import TERRAFORM_FAILED, SourceResult
from tests.integration.terraform_support import (
    require_terraform,
    run_terraform,
    terraform_env,
    use_terraform_env,
)

pytestmark = pytest.mark.terraform

MAIN_TF = """
resource "terraform_data" "web" {
  count = 2
  input = "web-${count.index}"
}

resource "terraform_data" "site" {
  for_each = toset(["a", "b"])
  input    = each.key
}

resource "terraform_data" "secret" {
  input = { user = "app", password = sensitive("canary-tf-password") }
}

data "terraform_remote_state" "empty" {
  backend = "local"
  config  = { path = "${path.module}/empty.tfstate" }
}

module "net" {
  source   = "./net"
  upstream = terraform_data.web[0].id
}

output "password" {
  value     = terraform_data.secret.output
  sensitive = true
}
"""

NET_TF = """
variable "upstream" { type = string }

resource "terraform_data" "base" {
  input = "base"
}

resource "terraform_data" "router" {
  input      = var.upstream
  depends_on = [terraform_data.base]
}
"""

EXPECTED_ADDRESSES = [
    "module.net.terraform_data.base",
    "module.net.terraform_data.router",
    "terraform_data.secret",
    'terraform_data.site["a"]',
    'terraform_data.site["b"]',
    "terraform_data.web[0]",
    "terraform_data.web[1]",
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working directory applied once for the module's tests (config in ``.tfcli``)."""
    require_terraform()
    root = tmp_path_factory.mktemp("tf")
    (root / "main.tf").write_text(MAIN_TF, encoding="utf-8")
    (root / "net").mkdir()
    (root / "net" / "main.tf").write_text(NET_TF, encoding="utf-8")
    empty = {"version": 4, "serial": 1, "lineage": "empty", "outputs": {}, "resources": []}
    (root / "empty.tfstate").write_text(json.dumps(empty), encoding="utf-8")
    env = terraform_env(root / ".tfcli")
    run_terraform(root, "init", "-input=false", "-no-color", env=env)
    run_terraform(root, "apply", "-auto-approve", "-input=false", "-no-color", env=env)
    return root


@pytest.fixture
def tf_env(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The private CLI config in this process's environment, for python-terraform."""
    return use_terraform_env(monkeypatch, workdir / ".tfcli")


def by_address(result: SourceResult) -> dict[str, Resource]:
    return {r.address or "": r for r in result.resources}


def test_the_applied_state_file_reads_every_managed_instance(workdir: Path) -> None:
    (source,) = parse_spec(str(workdir / "terraform.tfstate"))
    result = source.load()
    assert sorted(by_address(result)) == EXPECTED_ADDRESSES
    assert result.meta["serial"] >= 1
    assert {r.provider for r in result.resources} == {"terraform"}


def test_module_and_depends_on_survive_into_the_resource(workdir: Path) -> None:
    (source,) = parse_spec(str(workdir / "terraform.tfstate"))
    router = by_address(source.load())["module.net.terraform_data.router"]
    assert router.module == "module.net"
    assert set(router.dependencies) == {"module.net.terraform_data.base", "terraform_data.web"}


def test_the_sensitive_value_is_marked_and_the_sensitive_output_is_not_carried(
    workdir: Path,
) -> None:
    (source,) = parse_spec(str(workdir / "terraform.tfstate"))
    result = source.load()
    secret = by_address(result)["terraform_data.secret"]
    assert secret.attributes["input"]["password"] == "canary-tf-password"
    assert ("input", "password") in secret.sensitive_paths
    assert "canary-tf-password" not in repr(result.meta)


@pytest.mark.parametrize("scheme", ["tfpull://", "tfdir:", "pull:"])
def test_terraform_state_pull_reads_the_same_state_as_the_file(
    workdir: Path, tf_env: dict[str, str], scheme: str
) -> None:
    (source,) = parse_spec(f"{scheme}{workdir}")
    pulled = source.load()
    (local,) = parse_spec(str(workdir / "terraform.tfstate"))
    from_file = local.load()
    assert pulled.origin == f"{scheme}{workdir}"
    assert [(r.address, r.id, r.attributes) for r in pulled.resources] == [
        (r.address, r.id, r.attributes) for r in from_file.resources
    ]
    assert (pulled.meta["lineage"], pulled.meta["serial"]) == (
        from_file.meta["lineage"],
        from_file.meta["serial"],
    )


def test_terraform_show_json_reads_the_same_resources_as_the_state(
    workdir: Path, tf_env: dict[str, str], tmp_path: Path
) -> None:
    shown = run_terraform(workdir, "show", "-json", env=tf_env).stdout
    (tmp_path / "state.json").write_text(shown, encoding="utf-8")
    from_json = parse_spec(f"tfshow://{tmp_path / 'state.json'}")[0].load()
    from_dir = parse_spec(f"tfshow://{workdir}")[0].load()
    from_state = parse_spec(str(workdir / "terraform.tfstate"))[0].load()
    expected = [(r.address, r.id, r.attributes, r.module) for r in from_state.resources]
    for result in (from_json, from_dir):
        assert sorted(by_address(result)) == EXPECTED_ADDRESSES
        got = {
            (r.address, r.id, json.dumps(r.attributes, sort_keys=True), r.module)
            for r in result.resources
        }
        assert got == {(a, i, json.dumps(v, sort_keys=True), m) for a, i, v, m in expected}
        # Terraform itself marks only the input: the output copy is not flagged by Terraform,
        # which is why the engine also masks known secret field names.
        secret = by_address(result)["terraform_data.secret"]
        assert secret.sensitive_paths == {("input", "password")}


def test_a_saved_refresh_only_plan_is_read_as_binary_and_as_json(
    workdir: Path, tf_env: dict[str, str], tmp_path: Path
) -> None:
    # terraform_data never drifts on refresh, so the plan is valid and empty of drift.
    run_terraform(workdir, "plan", "-refresh-only", "-out=drift.plan", "-input=false", env=tf_env)
    shown = run_terraform(workdir, "show", "-json", "drift.plan", env=tf_env).stdout
    (tmp_path / "drift.json").write_text(shown, encoding="utf-8")
    for spec in (f"plan://{workdir / 'drift.plan'}", f"plan://{tmp_path / 'drift.json'}"):
        result = parse_spec(spec)[0].load()
        assert (result.meta["kind"], result.meta["drifted"], result.resources) == ("plan", 0, ())
        assert "canary-tf-password" not in repr(result.meta)


def test_state_pull_in_an_uninitialised_directory_is_one_terraform_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_terraform()
    use_terraform_env(monkeypatch, tmp_path / ".tfcli")
    (tmp_path / "main.tf").write_text('terraform {\n  backend "s3" {}\n}\n', encoding="utf-8")
    (source,) = parse_spec(f"tfpull://{tmp_path}")
    with pytest.raises(InputError) as caught:
        source.load()
    message = str(caught.value)
    assert message.startswith(f"tfpull://{tmp_path}: terraform state pull failed: ")
    assert "\n" not in message
    assert caught.value.code == TERRAFORM_FAILED


def test_state_pull_with_nothing_applied_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_terraform()
    env = use_terraform_env(monkeypatch, tmp_path / ".tfcli")
    (tmp_path / "main.tf").write_text('resource "terraform_data" "x" {}\n', encoding="utf-8")
    run_terraform(tmp_path, "init", "-input=false", env=env)
    with pytest.raises(InputError, match=r"terraform state pull returned no state"):
        parse_spec(f"tfpull://{tmp_path}")[0].load()


def test_a_missing_working_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        parse_spec(f"tfpull://{tmp_path / 'nope'}")[0].load()
    assert str(caught.value) == f"tfpull://{tmp_path / 'nope'}: no such directory"


def test_without_terraform_on_path_the_error_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(ConfigError) as caught:
        parse_spec(f"tfpull://{tmp_path}")[0].load()
    assert str(caught.value) == (
        f"tfpull://{tmp_path}: terraform not found on PATH ('terraform'); install Terraform "
        "or give the state file itself"
    )


def test_state_and_show_views_agree_on_the_declared_view(workdir: Path) -> None:
    result = parse_spec(str(workdir / "terraform.tfstate"))[0].load()
    assert {r.view for r in result.resources} == {View.DECLARED}
    assert all(r.source == str(workdir / "terraform.tfstate") for r in result.resources)
