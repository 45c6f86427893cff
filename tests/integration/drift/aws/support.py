"""Helpers for the AWS collection tests: boto3 clients on moto, a world of every supported type,
Terraform states written from resources, and botocore hooks that deny or throttle calls."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.awsrequest import AWSResponse

from drift.aws.session import AwsOptions
from drift.model import Resource

REGION = "us-east-1"
ACCOUNT = "123456789012"
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}
TRUST_EC2 = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@dataclass
class Moto:
    """The test's moto server."""

    url: str

    def client(self, service: str, region: str = REGION, **credentials: str) -> Any:
        """A boto3 client talking to moto."""
        import boto3

        return boto3.client(service, endpoint_url=self.url, region_name=region, **credentials)

    def options(self, **overrides: Any) -> AwsOptions:
        """Collection options for this server: us-east-1 unless ``regions`` says otherwise."""
        values: dict[str, Any] = {"regions": (REGION,), "endpoint_url": self.url}
        values.update(overrides)
        return AwsOptions(**values)


@dataclass
class World:
    """Ids of the resources ``build_world`` created."""

    ids: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.ids[name]


def _lambda_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


def build_network(moto: Moto, world: World) -> None:
    """A VPC with a subnet, gateway, route table, two groups with rules, a key, a volume, an
    instance."""
    ec2 = moto.client("ec2")
    tags = [{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "main"}]}]
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=tags)["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")
    world.ids.update(vpc=vpc, subnet=subnet["Subnet"]["SubnetId"])
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    https = {
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https"}],
    }
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[https])
    from_web = {
        "IpProtocol": "tcp",
        "FromPort": 5432,
        "ToPort": 5432,
        "UserIdGroupPairs": [{"GroupId": web}],
    }
    ec2.authorize_security_group_ingress(GroupId=db, IpPermissions=[from_web])
    ec2.create_key_pair(KeyName="deploy")
    volume_tags = [{"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": "data"}]}]
    volume = ec2.create_volume(
        AvailabilityZone="us-east-1a", Size=10, TagSpecifications=volume_tags
    )
    instance = ec2.run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        SubnetId=world["subnet"],
        SecurityGroupIds=[web],
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}],
    )["Instances"][0]
    world.ids.update(
        igw=igw,
        route_table=table,
        web=web,
        db_sg=db,
        volume=volume["VolumeId"],
        instance=instance["InstanceId"],
    )


def build_storage(moto: Moto, world: World) -> None:
    """A bucket with versioning, encryption, a public access block, a policy and tags."""
    s3 = moto.client("s3")
    bucket = "cg-logs"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": "ops"}]})
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": "alias/logs",
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    flags = {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": False,
    }
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=flags)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    world.ids.update(bucket=bucket)


def build_identity(moto: Moto, world: World) -> None:
    """A role with an attached policy, a user with an inline policy, a KMS key."""
    iam = moto.client("iam")
    iam.create_role(
        RoleName="app",
        AssumeRolePolicyDocument=json.dumps(TRUST_EC2),
        Description="app role",
        MaxSessionDuration=7200,
        Tags=[{"Key": "app", "Value": "web"}],
    )
    arn = iam.create_policy(PolicyName="read", PolicyDocument=json.dumps(ALLOW_ALL))["Policy"][
        "Arn"
    ]
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "owner", "Value": "ops"}])
    iam.attach_role_policy(RoleName="app", PolicyArn=arn)
    iam.create_user(UserName="ci", Tags=[{"Key": "purpose", "Value": "ci"}])
    iam.put_user_policy(UserName="ci", PolicyName="inline", PolicyDocument=json.dumps(ALLOW_ALL))
    kms = moto.client("kms")
    key = kms.create_key(Description="logs key", Tags=[{"TagKey": "k", "TagValue": "v"}])
    kms.enable_key_rotation(KeyId=key["KeyMetadata"]["KeyId"])
    world.ids.update(policy=arn, key=key["KeyMetadata"]["KeyId"])


def build_data(moto: Moto, world: World) -> None:
    """A DB instance, a DynamoDB table, a Lambda function, a hosted zone with records."""
    rds = moto.client("rds")
    db = rds.create_db_instance(
        DBInstanceIdentifier="orders",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="admin",
        MasterUserPassword="not-collected-1",
        AllocatedStorage=20,
        Tags=[{"Key": "tier", "Value": "data"}],
    )["DBInstance"]
    ddb = moto.client("dynamodb")
    ddb.create_table(
        TableName="sessions",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        Tags=[{"Key": "t", "Value": "1"}],
    )
    moto.client("lambda").create_function(
        FunctionName="worker",
        Runtime="python3.11",
        Handler="index.handler",
        Role=f"arn:aws:iam::{ACCOUNT}:role/app",
        Code={"ZipFile": _lambda_zip()},
        Environment={"Variables": {"DB_URL": "postgres://u:secret@db/x", "MODE": "batch"}},
        Tags={"svc": "worker"},
    )
    route53 = moto.client("route53")
    zone = route53.create_hosted_zone(Name="example.test", CallerReference="w")["HostedZone"]
    zone_id = zone["Id"].rsplit("/", 1)[-1]
    changes = [
        {
            "Action": "CREATE",
            "ResourceRecordSet": {
                "Name": "www.example.test",
                "Type": "A",
                "TTL": 300,
                "ResourceRecords": [{"Value": "10.0.0.1"}],
            },
        },
        {
            "Action": "CREATE",
            "ResourceRecordSet": {
                "Name": "note.example.test",
                "Type": "TXT",
                "TTL": 300,
                "ResourceRecords": [{"Value": '"hello world"'}],
            },
        },
    ]
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
    world.ids.update(db=db["DbiResourceId"], zone=zone_id)


def build_world(moto: Moto) -> World:
    """One resource (or more) of every supported type."""
    world = World()
    for build in (build_network, build_storage, build_identity, build_data):
        build(moto, world)
    return world


def state_document(resources: Iterable[Resource]) -> dict[str, Any]:
    """A Terraform state v4 declaring ``resources`` (as if Terraform had written them)."""
    blocks = []
    for number, resource in enumerate(sorted(resources, key=lambda r: (r.type, r.id))):
        blocks.append(
            {
                "mode": "managed",
                "type": resource.type,
                "name": f"r{number}",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [{"schema_version": 0, "attributes": dict(resource.attributes)}],
            }
        )
    return {
        "version": 4,
        "terraform_version": "1.11.0",
        "serial": 1,
        "lineage": "cg-aws-tests",
        "outputs": {},
        "resources": blocks,
    }


def write_state(path: Path, resources: Iterable[Resource]) -> Path:
    """Write ``state_document(resources)`` to ``path``."""
    path.write_text(json.dumps(state_document(resources)), encoding="utf-8")
    return path


class _Body:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def error_response(status: int, body: str) -> AWSResponse:
    """An HTTP error response as botocore would have received it."""
    return AWSResponse("http://moto.invalid/", status, {}, _Body(body.encode()))


def deny(service: str, operation: str | None = None) -> tuple[str, Callable[..., Any]]:
    """A ``before-call`` hook answering AccessDenied to one service (or one operation of it),
    as AWS does for an auditor whose policy lacks the action."""

    def handler(model: Any = None, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if model is None or model.service_model.service_name != service:
            return None
        if operation is not None and model.name != operation:
            return None
        parsed = {
            "Error": {"Code": "AccessDenied", "Message": "not authorized"},
            "ResponseMetadata": {"HTTPStatusCode": 403},
        }
        return error_response(403, ""), parsed

    return "before-call", handler


def throttle(operation: str, times: int) -> tuple[tuple[str, Callable[..., Any]], list[int]]:
    """A ``before-send`` hook answering the first ``times`` attempts of an EC2 operation with
    ``RequestLimitExceeded``; the returned list counts the injected answers."""
    sent: list[int] = []
    body = (
        "<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
        "<Message>Request limit exceeded.</Message></Error></Errors>"
        "<RequestID>throttled</RequestID></Response>"
    )

    def handler(request: Any = None, **_: Any) -> AWSResponse | None:
        action = f"Action={operation}"
        if request is None or action not in str(request.body) or len(sent) >= times:
            return None
        sent.append(1)
        return error_response(400, body)

    return (f"before-send.ec2.{operation}", handler), sent
