"""Running the real Terraform CLI in tests: a private CLI config, skips that say why, a runner.

Terraform reads ``TF_CLI_CONFIG_FILE`` (the image points it at a missing file, so every command
warns) and phones home for version checks unless ``CHECKPOINT_DISABLE`` is set (up to 4 s per
command). ``terraform_env`` writes a config of the test's own and returns the variables to set:
pass them to ``subprocess`` (``{**os.environ, **env}``) or, for python-terraform, which copies
``os.environ``, through ``use_terraform_env(monkeypatch, ...)``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

#: Where an image may carry provider binaries as a Terraform filesystem mirror.
MIRROR_CANDIDATES = (
    Path("/opt/tf-plugins"),
    Path.home() / ".terraform.d" / "plugins",
    Path("/usr/local/share/terraform/plugins"),
    Path("/usr/share/terraform/plugins"),
)
_AWS_PROVIDER = "registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws_*"


def terraform_path() -> str | None:
    """The ``terraform`` executable on PATH, or ``None``."""
    return shutil.which("terraform")


def require_terraform() -> str:
    """The ``terraform`` executable, or skip the test saying what is missing and how to fix it."""
    path = terraform_path()
    if path is None:
        pytest.skip(
            "terraform CLI not found on PATH; these tests run the real Terraform (>= 1.5, which "
            "has terraform_data). Install it from https://developer.hashicorp.com/terraform/install"
        )
    return path


def aws_provider_mirror() -> Path | None:
    """The root of a filesystem mirror holding hashicorp/aws, if the image carries one."""
    override = os.environ.get("CHANGEGATE_TF_MIRROR")
    candidates = (Path(override), *MIRROR_CANDIDATES) if override else MIRROR_CANDIDATES
    for root in candidates:
        if root.is_dir() and next(root.glob(_AWS_PROVIDER), None) is not None:
            return root
    return None


def require_aws_mirror() -> Path:
    """The AWS provider mirror root, or skip: registry downloads are impossible offline."""
    root = aws_provider_mirror()
    if root is None:
        searched = ", ".join(str(p) for p in MIRROR_CANDIDATES)
        pytest.skip(
            "no filesystem mirror of registry.terraform.io/hashicorp/aws found (searched "
            f"{searched}; set CHANGEGATE_TF_MIRROR to another root); the provider cannot be "
            "downloaded in this environment"
        )
    return root


def cli_config(aws_mirror: Path | None = None) -> str:
    """Text of a Terraform CLI config: empty, or installing hashicorp/* only from the mirror."""
    if aws_mirror is None:
        return "# changegate tests: no provider installation settings\n"
    return (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{aws_mirror}"\n'
        '    include = ["registry.terraform.io/hashicorp/*"]\n'
        "  }\n"
        "  direct {\n"
        '    exclude = ["registry.terraform.io/hashicorp/*"]\n'
        "  }\n"
        "}\n"
    )


def terraform_env(config_dir: Path, *, aws_mirror: bool = False) -> dict[str, str]:
    """Write a CLI config under ``config_dir`` and return the variables a test should set.

    With ``aws_mirror`` the config installs hashicorp providers from the image's mirror (and the
    test is skipped where there is none).
    """
    mirror = require_aws_mirror() if aws_mirror else None
    config_dir.mkdir(parents=True, exist_ok=True)
    config = config_dir / "terraform.rc"
    config.write_text(cli_config(mirror), encoding="utf-8")
    return {
        "TF_CLI_CONFIG_FILE": str(config),
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
    }


def use_terraform_env(
    monkeypatch: pytest.MonkeyPatch, config_dir: Path, *, aws_mirror: bool = False
) -> dict[str, str]:
    """``terraform_env`` applied to this process (python-terraform passes ``os.environ`` on)."""
    env = terraform_env(config_dir, aws_mirror=aws_mirror)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def run_terraform(
    workdir: Path, *args: str, env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``terraform ARGS`` in ``workdir``; a failure fails the test with Terraform's stderr."""
    done = subprocess.run(
        [require_terraform(), *args],
        cwd=workdir,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if check and done.returncode != 0:
        pytest.fail(
            f"terraform {' '.join(args)} exited {done.returncode} in {workdir}:\n{done.stderr}",
            pytrace=False,
        )
    return done
