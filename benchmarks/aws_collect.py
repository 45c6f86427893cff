"""AWS collection at scale against a moto server: API calls per resource, wall time, memory.

Run: ``.venv/bin/python benchmarks/aws_collect.py [--per-region N] [--json FILE]``.

A moto server is started in a child process (so this process's memory is the collector's
alone) and filled with about 2,000 resources over three regions: VPCs, subnets, internet
gateways, route tables, security groups with rules, volumes, instances and key pairs in each
region, plus buckets and IAM roles and users once. Then the whole account is collected after a
warm-up run (boto3 model loading is paid once per process), at ``--concurrency 1`` and ``8``.

Reported: resources per type; API calls charged to each type and calls per resource (the
target is at most 1.5 for the EC2/VPC types; the EC2 figure is exact: every EC2 call over every
EC2/VPC resource); wall time at concurrency 1 and 8, as a ratio too because these machines are
shared; peak Python heap (tracemalloc) and peak RSS of the collecting process. Nothing is
asserted: wall time on a shared machine is noise, the call counts are not.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from drift.aws.engine import Collection, collect
from drift.aws.session import AwsOptions

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
EC2_TYPES = (
    "aws_vpc",
    "aws_subnet",
    "aws_internet_gateway",
    "aws_route_table",
    "aws_security_group",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_ebs_volume",
    "aws_instance",
    "aws_key_pair",
)
SERVER = (
    "import logging, sys, time\n"
    "logging.getLogger('werkzeug').setLevel(logging.ERROR)\n"
    "from moto.server import ThreadedMotoServer\n"
    "server = ThreadedMotoServer(ip_address='127.0.0.1', port=int(sys.argv[1]), verbose=False)\n"
    "server.start()\nprint('ready', flush=True)\ntime.sleep(86400)\n"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server in a child process; its URL."""
    port = _free_port()
    child = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        child.stdout.readline()
        yield f"http://127.0.0.1:{port}"
    finally:
        child.terminate()
        child.wait(timeout=10)


def _client(url: str, service: str, region: str) -> Any:
    import boto3

    return boto3.client(service, endpoint_url=url, region_name=region)


def populate_region(url: str, region: str, size: int) -> None:
    """About ``size`` EC2/VPC resources in ``region`` (counts scale with ``size``)."""
    ec2 = _client(url, "ec2", region)
    vpcs = [ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(size // 60)]
    subnets = []
    for number, vpc in enumerate(vpcs):
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        for table in range(3):
            rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
            if table == 0:
                ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        for k in range(4):
            cidr = f"10.{number}.{k}.0/24"
            subnets.append(ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"])
        for k in range(8):
            group = ec2.create_security_group(GroupName=f"g{k}", Description="d", VpcId=vpc)
            rules = [
                {
                    "IpProtocol": "tcp",
                    "FromPort": p,
                    "ToPort": p,
                    "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
                }
                for p in (22, 443)
            ]
            ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=rules)
    for k in range(size // 15):
        ec2.create_volume(AvailabilityZone=f"{region}a", Size=10)
        ec2.create_key_pair(KeyName=f"key-{k}")
    for subnet in subnets[: size // 60]:
        ec2.run_instances(ImageId="ami-12c6146b", MinCount=4, MaxCount=4, SubnetId=subnet)


def populate_global(url: str, count: int) -> None:
    """``count`` buckets with a tag, ``count`` roles and ``count`` users."""
    s3, iam = _client(url, "s3", "us-east-1"), _client(url, "iam", "us-east-1")
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    for k in range(count):
        s3.create_bucket(Bucket=f"bench-{k:04d}")
        s3.put_bucket_tagging(
            Bucket=f"bench-{k:04d}", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]}
        )
        iam.create_role(RoleName=f"role-{k}", AssumeRolePolicyDocument=trust)
        iam.create_user(UserName=f"user-{k}")


def timed(options: AwsOptions) -> tuple[Collection, float]:
    """One collection and its wall time."""
    started = time.perf_counter()
    result = collect(options)
    return result, time.perf_counter() - started


def per_type(collection: Collection) -> list[dict[str, Any]]:
    """Resources, charged calls and calls per resource, per type."""
    counts, charged = collection.counts(), collection.stats.per_type()
    rows = []
    for kind in sorted(set(counts) | set(charged)):
        found, calls = counts.get(kind, 0), charged.get(kind, 0)
        rows.append(
            {
                "type": kind,
                "resources": found,
                "calls": calls,
                "calls_per_resource": round(calls / found, 3) if found else None,
            }
        )
    return rows


def ec2_ratio(collection: Collection) -> tuple[int, int, float]:
    """(EC2 calls, EC2/VPC resources, calls per resource) over the whole collection."""
    calls = collection.stats.per_service()["ec2"].calls
    found = sum(n for kind, n in collection.counts().items() if kind in EC2_TYPES)
    return calls, found, round(calls / found, 3)


def run(per_region: int) -> dict[str, Any]:
    """Populate, warm up, measure (see module doc)."""
    with moto_server() as url:
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        started = time.perf_counter()
        for region in REGIONS:
            populate_region(url, region, per_region)
        populate_global(url, max(1, per_region // 30))
        setup = time.perf_counter() - started
        timed(AwsOptions(regions=REGIONS, endpoint_url=url, concurrency=8))
        tracemalloc.start()
        serial, serial_s = timed(AwsOptions(regions=REGIONS, endpoint_url=url, concurrency=1))
        peak_heap = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        parallel, parallel_s = timed(AwsOptions(regions=REGIONS, endpoint_url=url, concurrency=8))
    ec2_calls, ec2_found, ratio = ec2_ratio(parallel)
    return {
        "resources": len(parallel.resources),
        "setup_s": round(setup, 1),
        "api_calls": parallel.stats.total().calls,
        "ec2_calls": ec2_calls,
        "ec2_vpc_resources": ec2_found,
        "ec2_calls_per_resource": ratio,
        "wall_s_concurrency_1": round(serial_s, 2),
        "wall_s_concurrency_8": round(parallel_s, 2),
        "speedup": round(serial_s / parallel_s, 2),
        "peak_heap_mib": round(peak_heap / 2**20, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "same_resources_both_runs": len(serial.resources) == len(parallel.resources),
        "types": per_type(parallel),
    }


def main() -> int:
    """Print the figures (and write them as JSON with ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-region", type=int, default=700, help="EC2/VPC resources per region")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    figures = run(args.per_region)
    for row in figures["types"]:
        ratio = row["calls_per_resource"]
        print(
            f"{row['type']:<52} {row['resources']:>6} resources {row['calls']:>5} calls "
            f"{'-' if ratio is None else ratio:>7} calls/resource"
        )
    for key, value in figures.items():
        if key != "types":
            print(f"{key}: {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
