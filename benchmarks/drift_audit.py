"""How fast and how lean a full drift audit is, against the bare cost of reading its inputs.

Run: ``.venv/bin/python benchmarks/drift_audit.py [--resources N] [--rounds R] [--keep DIR]``
(defaults: 50,000 resources, 3 rounds). It writes, to a temporary directory:

- a Terraform state v4 of N resources across 20 AWS types (tags, nested blocks, JSON policy
  documents, security groups with inline rules: what real states hold);
- a live snapshot (``changegate/live-snapshot@1``) of the same estate with 5% of the resources
  changed, 1% missing and 1% unmanaged.

Then, each in a fresh subprocess so that its peak memory (``ru_maxrss``) is its own:

1. ``json.load`` of both files: the floor any auditor pays (also with the garbage collector
   paused, as the audit itself loads: the stricter floor);
2. a full audit through ``drift.audit`` with ``--no-store`` semantics (no store at all): parse,
   normalize, match, compare, JSON report;
3. the same audit with the store on SQLite: previous audit and baselines read, the audit and
   its findings written in one transaction;
4. a naive ``DeepDiff(state, live)`` of a 5,000-resource slice of both documents (the
   resources as ``{type, id, attributes}`` lists), with and without ``ignore_order``.

Each measurement is the best of R rounds (wall and CPU seconds, after imports). The targets of
issue #4 are printed next to the figures: the audit at most 4x the bare parse, under 1 GiB.
Nothing is asserted: the machines are shared and wall time is noise there, so read the ratios.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TYPES = (
    "aws_instance", "aws_s3_bucket", "aws_iam_role", "aws_security_group", "aws_vpc",
    "aws_subnet", "aws_route_table", "aws_ebs_volume", "aws_lambda_function", "aws_sqs_queue",
    "aws_sns_topic", "aws_kms_key", "aws_db_instance", "aws_lb", "aws_lb_target_group",
    "aws_iam_policy", "aws_cloudwatch_log_group", "aws_dynamodb_table", "aws_ecr_repository",
    "aws_route53_record",
)  # fmt: skip
TARGET_RATIO = 4.0
TARGET_MEMORY_MIB = 1024
DEEPDIFF_SLICE = 5_000
DEEPDIFF_TIMEOUT_S = 600


# ---------------------------------------------------------------- the estate


def _policy(n: int) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:ListBucket"],
                    "Resource": [f"arn:aws:s3:::bucket-{n}", f"arn:aws:s3:::bucket-{n}/*"],
                }
            ],
        }
    )


def attributes(rtype: str, n: int) -> dict[str, Any]:
    """Attributes in the AWS provider's shapes: common fields plus a few per type."""
    rid = f"{rtype.removeprefix('aws_')}-{n:06d}"
    tags = {"Name": rid, "env": ("prod", "staging", "dev")[n % 3], "team": f"t{n % 17}"}
    attrs: dict[str, Any] = {
        "id": rid,
        "arn": f"arn:aws:{rtype}:eu-west-3:123456789012:{rid}",
        "tags": tags,
        "tags_all": {**tags, "managed_by": "terraform"},
        "description": f"resource {n} of type {rtype}",
        "timeouts": None,
        "name_prefix": None,
        "created_date": "2026-01-01T00:00:00Z",
        "settings": {"retention": 30 + n % 7, "encrypted": True, "kms_key_id": ""},
        "subnet_ids": [f"subnet-{(n + k) % 97:04d}" for k in range(3)],
    }
    if rtype == "aws_security_group":
        attrs["ingress"] = [
            {"from_port": port, "to_port": port, "protocol": "tcp",
             "cidr_blocks": ["10.0.0.0/8", f"10.{n % 250}.0.0/16"], "ipv6_cidr_blocks": [],
             "prefix_list_ids": [], "security_groups": [], "self": False, "description": ""}
            for port in (443, 8443)
        ]  # fmt: skip
        attrs["egress"] = [
            {"from_port": 0, "to_port": 0, "protocol": "-1", "cidr_blocks": ["0.0.0.0/0"],
             "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [],
             "self": False, "description": ""}
        ]  # fmt: skip
    if rtype in ("aws_iam_role", "aws_iam_policy"):
        attrs["policy" if rtype == "aws_iam_policy" else "assume_role_policy"] = _policy(n)
    if rtype == "aws_instance":
        attrs["instance_type"] = ("t3.micro", "t3.small", "m5.large")[n % 3]
        attrs["root_block_device"] = [{"volume_size": 20, "volume_type": "gp3", "iops": 3000}]
    return attrs


def estate(count: int) -> list[tuple[str, str, dict[str, Any]]]:
    """``count`` resources spread evenly over ``TYPES``: (type, name, attributes)."""
    return [
        (TYPES[n % len(TYPES)], f"r{n}", attributes(TYPES[n % len(TYPES)], n)) for n in range(count)
    ]


def state_document(resources: list[tuple[str, str, dict[str, Any]]]) -> dict[str, Any]:
    """A state v4 with one block per resource (``sensitive_attributes`` as Terraform writes)."""
    return {
        "version": 4, "terraform_version": "1.11.4", "serial": 42, "lineage": "benchmark",
        "outputs": {},
        "resources": [
            {"mode": "managed", "type": rtype, "name": name,
             "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
             "instances": [{"schema_version": 0, "attributes": attrs,
                            "sensitive_attributes": []}]}
            for rtype, name, attrs in resources
        ],
    }  # fmt: skip


def live_document(
    resources: list[tuple[str, str, dict[str, Any]]], rng: random.Random
) -> tuple[dict[str, Any], dict[str, int]]:
    """The snapshot: 5% changed, 1% missing, 1% unmanaged; and those counts."""
    count = len(resources)
    picked = rng.sample(range(count), k=count * 6 // 100)
    changed, missing = set(picked[: count * 5 // 100]), set(picked[count * 5 // 100 :])
    items = []
    for n, (rtype, _, attrs) in enumerate(resources):
        if n in missing:
            continue
        live = json.loads(json.dumps(attrs))
        live.pop("timeouts")
        live.pop("name_prefix")
        if n in changed:
            live["tags"]["env"] = "hotfix"
            live["settings"]["retention"] += 1
        items.append({"type": rtype, "id": attrs["id"], "region": "eu-west-3",
                      "account": "123456789012", "attributes": live})  # fmt: skip
    extra = count // 100
    for k in range(extra):
        rtype = TYPES[k % len(TYPES)]
        attrs = attributes(rtype, count + k)
        items.append({"type": rtype, "id": attrs["id"], "region": "eu-west-3",
                      "account": "123456789012", "attributes": attrs})  # fmt: skip
    doc = {"format": "changegate/live-snapshot@1", "captured_at": "2026-11-22T10:00:00Z",
           "resources": items, "alerts": []}  # fmt: skip
    return doc, {"changed": len(changed), "missing": len(missing), "unmanaged": extra}


# ---------------------------------------------------------------- measurements (child side)

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
mode, state, live, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
{imports}
wall, cpu = time.perf_counter(), time.process_time()
{body}
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({{"wall": wall, "cpu": cpu, "maxrss_kib": resource.getrusage(
    resource.RUSAGE_SELF).ru_maxrss, "detail": detail}}))
"""

MODES: dict[str, tuple[str, str]] = {
    "json_load": (
        "",
        "with open(state, 'rb') as f: a = json.load(f)\n"
        "with open(live, 'rb') as f: b = json.load(f)\n"
        "detail = len(a['resources']) + len(b['resources'])",
    ),
    "json_load_gc_paused": (
        "import gc\n",
        "gc.disable()\n"
        "with open(state, 'rb') as f: a = json.load(f)\n"
        "with open(live, 'rb') as f: b = json.load(f)\n"
        "detail = len(a['resources']) + len(b['resources'])",
    ),
    "audit": (
        "from datetime import UTC, datetime\n"
        "from drift.audit import AuditRequest, plan_audit, run_audit\n"
        "from drift.reports import ReportOptions, reports\n",
        "plan = plan_audit(AuditRequest(states=(state,), live=(live,), scope='bench'))\n"
        "out = run_audit(plan, now=datetime.now(UTC))\n"
        "text = reports.get('json').factory(out.result, ReportOptions(tool_version='bench'))\n"
        "open(extra + '/report.json', 'w').write(text)\n"
        "detail = out.result.summary.to_dict()",
    ),
    "audit_store": (
        "from datetime import UTC, datetime\n"
        "from change_control.store.engine import open_store\n"
        "from drift.audit import AuditRequest, plan_audit, run_audit\n"
        "from drift.persist.storage import SqlAuditStorage\n"
        "from drift.reports import ReportOptions, exit_code, reports\n"
        "store = open_store('sqlite:///' + extra + '/bench.db')\n",
        "storage = SqlAuditStorage(store)\n"
        "plan = plan_audit(AuditRequest(states=(state,), live=(live,), scope='bench'))\n"
        "out = run_audit(plan, now=datetime.now(UTC), storage=storage)\n"
        "text = reports.get('json').factory(out.result, ReportOptions(tool_version='bench'))\n"
        "open(extra + '/report.json', 'w').write(text)\n"
        "storage.save(out.record(exit_code(out.result)))\n"
        "detail = {'findings': len(out.result.findings), 'new': len(out.result.new_finding_ids),"
        " 'resolved': len(out.result.resolved_finding_ids)}",
    ),
    "deepdiff": (
        "from deepdiff import DeepDiff\n"
        "def shape(doc):\n"
        "    if 'format' in doc: return [{k: r[k] for k in ('type', 'id', 'attributes')}"
        " for r in doc['resources']]\n"
        "    return [{'type': b['type'], 'id': i['attributes']['id'],"
        " 'attributes': i['attributes']} for b in doc['resources'] for i in b['instances']]\n"
        "n = int(extra.split(':')[0]); order = extra.split(':')[1] == 'unordered'\n"
        "with open(state, 'rb') as f: a = shape(json.load(f))[:n]\n"
        "with open(live, 'rb') as f: b = shape(json.load(f))[:n]\n",
        "d = DeepDiff(a, b, ignore_order=order)\ndetail = {k: len(v) for k, v in d.items()}",
    ),
}


def measure(mode: str, state: Path, live: Path, extra: str, timeout: float) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; its JSON line, or an ``error``."""
    imports, body = MODES[mode]
    code = CHILD.format(root=str(ROOT), imports=imports, body=body)
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, mode, str(state), str(live), extra],
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"error": f"gave up after {timeout:.0f} s"}
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def best(mode: str, rounds: int, *args: Any) -> dict[str, Any]:
    """The fastest of ``rounds`` runs (its memory is that run's); errors end the series."""
    runs = []
    for _ in range(rounds):
        run = measure(mode, *args)
        if "error" in run:
            return run
        runs.append(run)
    return min(runs, key=lambda r: float(r["wall"]))


# ---------------------------------------------------------------- driver


def _line(name: str, run: dict[str, Any]) -> str:
    if "error" in run:
        return f"  {name:<34} {run['error']}"
    return (
        f"  {name:<34} wall {run['wall']:8.2f} s   cpu {run['cpu']:8.2f} s   "
        f"peak {run['maxrss_kib'] / 1024:7.0f} MiB"
    )


def write_inputs(count: int, work: Path) -> tuple[Path, Path, dict[str, int]]:
    """Write the state and the snapshot under ``work``; return their paths and the drift."""
    resources = estate(count)
    state, live = work / "terraform.tfstate", work / "live.json"
    state.write_text(json.dumps(state_document(resources)), encoding="utf-8")
    live_doc, counts = live_document(resources, random.Random(4))
    live.write_text(json.dumps(live_doc), encoding="utf-8")
    return state, live, counts


def print_ratios(parse: dict[str, Any], floor: dict[str, Any], audit: dict[str, Any]) -> None:
    """The audit against both floors, and its memory, next to the targets."""
    if "error" in audit:
        return
    print(f"\n  target: audit <= {TARGET_RATIO:.0f}x the bare parse, < {TARGET_MEMORY_MIB} MiB")
    for name, base in (("json.load", parse), ("json.load, GC paused", floor)):
        if "error" not in base:
            print(
                f"  audit / {name}: {audit['wall'] / base['wall']:.2f}x wall, "
                f"{audit['cpu'] / base['cpu']:.2f}x cpu"
            )
    print(f"  audit peak memory: {audit['maxrss_kib'] / 1024:.0f} MiB")
    print(f"  summary: {audit['detail']}")


def print_deepdiff(state: Path, live: Path, audit: dict[str, Any], count: int) -> None:
    """The naive whole-document diff of a slice, ordered and unordered."""
    size = min(DEEPDIFF_SLICE, count)
    print(f"\nnaive DeepDiff on the first {size:,} resources of each document:")
    for order in ("ordered", "unordered"):
        run = measure("deepdiff", state, live, f"{size}:{order}", DEEPDIFF_TIMEOUT_S)
        print(_line(f"DeepDiff(ignore_order={order == 'unordered'})", run))
        if "error" not in run and "error" not in audit:
            share = audit["cpu"] * size / count
            print(f"  {'':<34} {run['cpu'] / share:.0f}x the audit's CPU time per resource")


def main(argv: list[str] | None = None) -> int:
    """Generate, measure, print; always 0 (figures are read, not asserted)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the inputs here and keep them")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="changegate-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    state, live, counts = write_inputs(args.resources, work)
    sizes = f"{state.stat().st_size / 2**20:.0f} MiB + {live.stat().st_size / 2**20:.0f} MiB"
    print(f"drift audit benchmark: {args.resources:,} resources x {len(TYPES)} types; {counts}")
    print(f"inputs in {work} ({sizes}); best of {args.rounds} rounds, each in a fresh process\n")
    runs = {
        mode: best(mode, args.rounds, state, live, str(work), DEEPDIFF_TIMEOUT_S)
        for mode in ("json_load", "json_load_gc_paused", "audit", "audit_store")
    }
    print(_line("json.load(state) + json.load(live)", runs["json_load"]))
    print(_line("  the same, GC paused", runs["json_load_gc_paused"]))
    print(_line("audit, --no-store (JSON report)", runs["audit"]))
    print(_line("audit, store on SQLite", runs["audit_store"]))
    print_ratios(runs["json_load"], runs["json_load_gc_paused"], runs["audit"])
    if "error" not in runs["audit_store"]:
        detail = runs["audit_store"]["detail"]
        print(f"  stored run (the store keeps earlier rounds' audits): {detail}")
    print_deepdiff(state, live, runs["audit"], args.resources)
    return 0


if __name__ == "__main__":
    sys.exit(main())
