"""The demo's drift step (``python -m drift.cli.demo``): a state and a snapshot that disagree.

Kept beside the drift commands so the shared demo module only lists it in ``STEPS``. The state
is generated (``terraform_data`` resources, state v4), so the step needs no Terraform and
takes well under a second.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from drift.cli import exitcodes

if TYPE_CHECKING:
    from drift.cli.demo import Demo

IDS = {
    "web": "6f1c2a10-0000-4000-8000-000000000001",
    "site": "6f1c2a10-0000-4000-8000-000000000002",
}


def demo_state() -> dict[str, Any]:
    """Two ``terraform_data`` resources, as ``terraform apply`` would record them."""
    attributes = {
        "web": {"id": IDS["web"], "input": {"name": "web", "size": "small"}},
        "site": {"id": IDS["site"], "input": "site"},
    }
    return {
        "version": 4, "terraform_version": "1.11.4", "serial": 1, "lineage": "demo",
        "outputs": {},
        "resources": [
            {"mode": "managed", "type": "terraform_data", "name": name,
             "provider": 'provider["terraform.io/builtin/terraform"]',
             "instances": [{"schema_version": 0, "attributes": attrs}]}
            for name, attrs in attributes.items()
        ],
    }  # fmt: skip


def demo_snapshot(captured_at: str) -> dict[str, Any]:
    """Live: ``web`` resized in a console, ``site`` as declared, a bucket nobody manages."""
    return {
        "format": "changegate/live-snapshot@1",
        "captured_at": captured_at,
        "resources": [
            {"type": "terraform_data", "id": IDS["web"],
             "attributes": {"id": IDS["web"], "input": {"name": "web", "size": "large"}}},
            {"type": "terraform_data", "id": IDS["site"],
             "attributes": {"id": IDS["site"], "input": "site"}},
            {"type": "aws_s3_bucket", "id": "console-made-bucket", "region": "eu-west-3",
             "attributes": {"bucket": "console-made-bucket", "tags": {"owner": "console"}}},
        ],
    }  # fmt: skip


def step_drift(demo: Demo) -> None:
    """Audit the generated state against the snapshot; the step ends with the report table."""
    from change_control.timeutil import isoformat

    (demo.workdir / "terraform.tfstate").write_text(json.dumps(demo_state(), indent=2), "utf-8")
    snapshot = demo_snapshot(isoformat(demo.now))
    (demo.workdir / "live.json").write_text(json.dumps(snapshot, indent=2), encoding="utf-8")
    click.echo("terraform.tfstate declares two resources; live.json shows one of them resized")
    click.echo("in a console and a bucket that no state manages.\n")
    demo.run(
        "drift audit --state terraform.tfstate --live live.json --scope demo"
        " -o json=drift-report.json -o table",
        expect=None,
    )
    verdict = {exitcodes.OK: "no drift", exitcodes.NEGATIVE: "drift found"}
    demo.expect("drift audit", "drift found", verdict.get(demo.last_exit, "an error"))
    report = json.loads((demo.workdir / "drift-report.json").read_text(encoding="utf-8"))
    kinds = sorted(finding["kind"] for finding in report["findings"])
    demo.expect("drift findings", "changed, unmanaged", ", ".join(kinds))
