"""Collector mappings from recorded AWS responses to the provider's attribute shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from drift.aws.collectors import common, ec2, iam, lambda_, route53, s3, sg, vpc
from drift.engine.compare import prepare
from drift.model import Resource, View
from drift.normalize.digests import digest, is_digest
from tests.unit.drift.aws.support import context

GROUP = {
    "GroupId": "sg-1",
    "GroupName": "web",
    "Description": "web",
    "VpcId": "vpc-1",
    "OwnerId": "123456789012",
    "IpPermissions": [
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "IpRanges": [
                {"CidrIp": "0.0.0.0/0", "Description": "https"},
                {"CidrIp": "10.0.0.0/8"},
            ],
            "UserIdGroupPairs": [
                {"GroupId": "sg-1", "UserId": "123456789012"},
                {"GroupId": "sg-9", "UserId": "999999999999"},
            ],
        }
    ],
    "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    "Tags": [{"Key": "Name", "Value": "web"}, {"Key": "aws:cloudformation:stack", "Value": "x"}],
}
RULES = [
    {
        "SecurityGroupRuleId": "sgr-1",
        "GroupId": "sg-1",
        "GroupOwnerId": "123456789012",
        "IsEgress": False,
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "CidrIpv4": "0.0.0.0/0",
        "Description": "https",
    },
    {
        "SecurityGroupRuleId": "sgr-2",
        "GroupId": "sg-1",
        "GroupOwnerId": "123456789012",
        "IsEgress": False,
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "CidrIpv4": "10.0.0.0/8",
    },
    {
        "SecurityGroupRuleId": "sgr-3",
        "GroupId": "sg-1",
        "GroupOwnerId": "123456789012",
        "IsEgress": False,
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "ReferencedGroupInfo": {"GroupId": "sg-1", "UserId": "123456789012"},
    },
    {
        "SecurityGroupRuleId": "sgr-4",
        "GroupId": "sg-1",
        "GroupOwnerId": "123456789012",
        "IsEgress": False,
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "ReferencedGroupInfo": {"GroupId": "sg-9", "UserId": "999999999999"},
    },
    {
        "SecurityGroupRuleId": "sgr-5",
        "GroupId": "sg-1",
        "GroupOwnerId": "123456789012",
        "IsEgress": True,
        "IpProtocol": "-1",
        "FromPort": -1,
        "ToPort": -1,
        "CidrIpv4": "0.0.0.0/0",
    },
]


def _live(kind: str, ident: str, attributes: dict[str, Any]) -> Resource:
    return Resource(type=kind, id=ident, attributes=attributes, view=View.LIVE)


def _declared(kind: str, ident: str, attributes: dict[str, Any]) -> Resource:
    return Resource(type=kind, id=ident, attributes=attributes, view=View.DECLARED)


def test_a_group_keeps_one_block_per_source_with_self_and_cross_account_references() -> None:
    (found,) = sg.Listing(sg.DESCRIBE_SECURITY_GROUPS, "SecurityGroups[]", "GroupId", sg._group)(
        context({"DescribeSecurityGroups": {"SecurityGroups": [GROUP]}})
    )
    ingress = found.attributes["ingress"]
    assert [(b["cidr_blocks"], b["description"]) for b in ingress[:2]] == [
        (["0.0.0.0/0"], "https"),
        (["10.0.0.0/8"], ""),
    ]
    assert (ingress[2]["self"], ingress[3]["security_groups"]) == (True, ["999999999999/sg-9"])
    assert found.attributes["egress"][0] | {"from_port": 0} == found.attributes["egress"][0]
    assert found.attributes["tags"] == {"Name": "web"}


def test_inline_rules_and_rule_resources_reach_the_same_canonical_identities_as_the_state() -> None:
    ctx = context(
        {
            "DescribeSecurityGroups": {"SecurityGroups": [GROUP]},
            "DescribeSecurityGroupRules": {"SecurityGroupRules": RULES},
        }
    )
    group = sg.Listing(sg.DESCRIBE_SECURITY_GROUPS, "SecurityGroups[]", "GroupId", sg._group)(ctx)
    rules = sg.collect_rules(ctx)
    from_group = {
        r.key for r in prepare([_live("aws_security_group", "sg-1", group[0].attributes)])
    }
    from_rules = {r.key for r in prepare(_live(f.type or "", f.id, f.attributes) for f in rules)}
    declared = _declared(
        "aws_security_group",
        "sg-1",
        {
            "name": "web",
            "ingress": [
                {
                    "protocol": "tcp",
                    "from_port": 443,
                    "to_port": 443,
                    "self": True,
                    "cidr_blocks": ["0.0.0.0/0", "10.0.0.0/8"],
                    "security_groups": ["999999999999/sg-9"],
                }
            ],
            "egress": [
                {"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}
            ],
        },
    )
    from_state = {r.key for r in prepare([declared])}
    assert from_group == from_rules | {("aws_security_group", "sg-1")}
    assert from_state == from_group


def test_route_tables_leave_out_local_propagated_and_endpoint_routes() -> None:
    table = {
        "RouteTableId": "rtb-1",
        "VpcId": "vpc-1",
        "Routes": [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"},
            {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"},
            {
                "DestinationCidrBlock": "172.16.0.0/12",
                "GatewayId": "vgw-1",
                "Origin": "EnableVgwRoutePropagation",
            },
            {"DestinationPrefixListId": "pl-1", "GatewayId": "vpce-1"},
        ],
        "PropagatingVgws": [{"GatewayId": "vgw-1"}],
    }
    attributes = vpc._route_table(table, context({}))
    assert attributes["route"] == [{"cidr_block": "0.0.0.0/0", "gateway_id": "igw-1"}]
    assert attributes["propagating_vgws"] == ["vgw-1"]


def test_a_vpc_reads_its_dns_flags_and_the_ids_of_what_aws_created_with_it() -> None:
    answers: dict[str, Any] = {
        "DescribeVpcs": {
            "Vpcs": [
                {
                    "VpcId": "vpc-1",
                    "CidrBlock": "10.0.0.0/16",
                    "IsDefault": True,
                    "OwnerId": "123456789012",
                }
            ]
        },
        "DescribeVpcAttribute": lambda p: {
            "EnableDnsSupport": {"Value": True},
            "EnableDnsHostnames": {"Value": p["Attribute"] == "enableDnsHostnames"},
        },
        "DescribeRouteTables": {
            "RouteTables": [
                {"RouteTableId": "rtb-m", "VpcId": "vpc-1", "Associations": [{"Main": True}]}
            ]
        },
        "DescribeSecurityGroups": {
            "SecurityGroups": [{"GroupId": "sg-d", "GroupName": "default", "VpcId": "vpc-1"}]
        },
        "DescribeNetworkAcls": {"NetworkAcls": [{"NetworkAclId": "acl-d", "VpcId": "vpc-1"}]},
    }
    (found,) = vpc.collect_vpcs(context(answers))
    assert {
        k: found.attributes[k]
        for k in (
            "enable_dns_support",
            "enable_dns_hostnames",
            "main_route_table_id",
            "default_security_group_id",
            "default_network_acl_id",
            "default",
            "arn",
        )
    } == {
        "enable_dns_support": True,
        "enable_dns_hostnames": True,
        "main_route_table_id": "rtb-m",
        "default_security_group_id": "sg-d",
        "default_network_acl_id": "acl-d",
        "default": True,
        "arn": "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1",
    }


def test_an_instance_takes_its_root_device_from_the_volume_listing() -> None:
    instance = {
        "InstanceId": "i-1",
        "ImageId": "ami-1",
        "InstanceType": "t3.micro",
        "SubnetId": "s-1",
        "RootDeviceName": "/dev/xvda",
        "SecurityGroups": [{"GroupId": "sg-1"}],
        "NetworkInterfaces": [
            {
                "Attachment": {"DeviceIndex": 0},
                "NetworkInterfaceId": "eni-1",
                "PrivateIpAddresses": [
                    {"Primary": True, "PrivateIpAddress": "10.0.0.5"},
                    {"PrivateIpAddress": "10.0.0.6"},
                ],
            }
        ],
        "BlockDeviceMappings": [
            {"DeviceName": "/dev/xvda", "Ebs": {"VolumeId": "vol-r", "DeleteOnTermination": True}},
            {"DeviceName": "/dev/sdf", "Ebs": {"VolumeId": "vol-d", "DeleteOnTermination": False}},
        ],
        "IamInstanceProfile": {"Arn": "arn:aws:iam::123456789012:instance-profile/app"},
    }
    volumes = {
        "vol-r": {"VolumeId": "vol-r", "Size": 8, "VolumeType": "gp3", "Iops": 3000},
        "vol-d": {
            "VolumeId": "vol-d",
            "Size": 50,
            "VolumeType": "gp2",
            "SnapshotId": "snap-1",
            "Encrypted": True,
            "KmsKeyId": "arn:k",
        },
    }
    attributes = ec2._instance(instance, context({}), volumes)
    root, data = attributes["root_block_device"][0], attributes["ebs_block_device"][0]
    assert (root["volume_size"], root["iops"], root["throughput"]) == (8, 3000, 0)
    assert (data["snapshot_id"], data["kms_key_id"], data["delete_on_termination"]) == (
        "snap-1",
        "arn:k",
        False,
    )
    assert attributes["iam_instance_profile"] == "app"
    assert attributes["secondary_private_ips"] == ["10.0.0.6"]
    assert (attributes["associate_public_ip_address"], attributes["enclave_options"]) == (False, [])


@pytest.mark.parametrize(
    ("constraint", "region"),
    [(None, "us-east-1"), ("", "us-east-1"), ("EU", "eu-west-1"), ("eu-west-3", "eu-west-3")],
)
def test_bucket_locations_translate_the_legacy_answers(constraint: str | None, region: str) -> None:
    answers = {
        "ListBuckets": {"Buckets": [{"Name": "b1"}]},
        "GetBucketLocation": {"LocationConstraint": constraint},
    }
    assert s3.buckets(context(answers)) == [("b1", region)]


def test_buckets_outside_the_asked_regions_or_the_scope_are_not_read() -> None:
    answers = {
        "ListBuckets": {
            "Buckets": [
                {"Name": "a", "BucketRegion": "us-east-1"},
                {"Name": "b", "BucketRegion": "eu-west-1"},
                {"Name": "c", "BucketRegion": "eu-west-1"},
            ]
        }
    }
    ctx = context(answers, regions=frozenset({"eu-west-1"}), ids=frozenset({"b"}))
    assert s3.buckets(ctx) == [("b", "eu-west-1")]


def test_versioning_never_enabled_is_disabled_and_a_bucket_without_policy_has_no_policy() -> None:
    ctx = context({"GetBucketVersioning": {}, "GetBucketPolicy": {}})
    (versioning,) = s3._bucket_versioning(ctx, "b1", "us-east-1")
    assert versioning.attributes["versioning_configuration"] == [
        {"status": "Disabled", "mfa_delete": None}
    ]
    assert s3._bucket_policy(ctx, "b1", "us-east-1") == []


def test_lambda_environment_values_become_digests_marked_sensitive() -> None:
    config = {
        "FunctionName": "f",
        "FunctionArn": "arn:f",
        "Environment": {"Variables": {"DB_URL": "postgres://u:pw@h/db", "EMPTY": ""}},
    }
    (found,) = lambda_._function(context({"GetFunction": {"Tags": {"a": "b"}}}), config)
    variables = found.attributes["environment"][0]["variables"]
    assert variables == {"DB_URL": digest("postgres://u:pw@h/db"), "EMPTY": ""}
    assert is_digest(variables["DB_URL"])
    assert found.sensitive == frozenset({("environment",)})
    assert found.attributes["reserved_concurrent_executions"] == -1


def test_records_are_named_by_fqdn_with_quotes_and_escapes_undone() -> None:
    record = {
        "Name": "\\052.Example.com.",
        "Type": "TXT",
        "TTL": 60,
        "ResourceRecords": [{"Value": '"v=spf1 -all"'}],
        "SetIdentifier": "blue",
    }
    found = route53._record("Z1", record)
    assert found.id == "Z1_*.example.com_TXT_blue"
    assert (found.attributes["name"], found.attributes["records"]) == (
        "*.example.com",
        ["v=spf1 -all"],
    )


def test_attachments_are_one_per_role_and_policy_with_the_import_id() -> None:
    answers = {
        "GetAccountAuthorizationDetails": {
            "RoleDetailList": [
                {
                    "RoleName": "app",
                    "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::aws:policy/X"}],
                }
            ]
        }
    }
    (found,) = iam.collect_attachments(context(answers))
    assert found.id == "app/arn:aws:iam::aws:policy/X"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC), "2026-01-02T03:04:05Z"),
        (
            datetime(2026, 1, 2, 4, 4, 5, tzinfo=timezone(timedelta(hours=1))),
            "2026-01-02T03:04:05Z",
        ),
        (None, None),
    ],
)
def test_timestamps_are_written_as_the_provider_does(value: Any, text: str | None) -> None:
    assert common.timestamp(value) == text


def test_aws_system_tags_are_left_out() -> None:
    tags = [{"Key": "aws:autoscaling:groupName", "Value": "x"}, {"Key": "env", "Value": "prod"}]
    assert common.tag_map(tags) == {"env": "prod"}
