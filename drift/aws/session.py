"""Which AWS accounts and regions a collection reads, and with which credentials.

Credentials follow boto3's default chain (environment, shared files, SSO, instance role) unless
``--profile`` names a profile. Each ``--role-arn`` is one more account: the role is assumed with
the base credentials (the usual hub-and-spoke audit setup, snyk/driftctl#1173), and a role that
cannot be assumed is an alert, not the end of the run. Regions are the ``--region`` values, or
every region enabled for the account (``ec2:DescribeRegions``, opted-in regions only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from change_control.errors import ConfigError, InputError
from drift.aws.registry import Api
from drift.aws.repository import AwsCallError
from drift.model import Alert

if TYPE_CHECKING:
    from drift.aws.repository import Repository

SOURCE = "aws"
SESSION_NAME = "changegate-drift"
DEFAULT_CONCURRENCY = 4
DEFAULT_MAX_ATTEMPTS = 10

GET_CALLER_IDENTITY = Api("sts", "GetCallerIdentity")
ASSUME_ROLE = Api("sts", "AssumeRole")
DESCRIBE_REGIONS = Api("ec2", "DescribeRegions")
#: Calls the session layer makes, for ``drift iam-policy``.
SESSION_APIS = (GET_CALLER_IDENTITY, DESCRIBE_REGIONS)

_ROLE_ARN = re.compile(r"^arn:(?P<partition>aws[a-z-]*):iam::(?P<account>\d{12}):role/.+$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_ENABLED = frozenset({"opt-in-not-required", "opted-in"})
#: Where a partition's global services (IAM, Route 53) answer.
_GLOBAL_REGIONS = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}


@dataclass(frozen=True)
class AwsOptions:
    """The ``--aws`` flags, resolved once at the edge (the CLI)."""

    regions: tuple[str, ...] = ()
    profile: str | None = None
    role_arns: tuple[str, ...] = ()
    endpoint_url: str | None = None
    types: tuple[str, ...] = ()
    concurrency: int = DEFAULT_CONCURRENCY
    max_attempts: int = DEFAULT_MAX_ATTEMPTS

    def check(self) -> None:
        """Reject malformed values before any call (one line naming the flag)."""
        for region in self.regions:
            if not _REGION.match(region):
                raise InputError(f"--region {region!r}: not an AWS region name (e.g. eu-west-3)")
        for arn in self.role_arns:
            if not _ROLE_ARN.match(arn):
                raise InputError(f"--role-arn {arn!r}: expected arn:aws:iam::ACCOUNT_ID:role/NAME")
        if self.concurrency < 1:
            raise InputError("--concurrency: must be at least 1")
        if self.max_attempts < 1:
            raise InputError("--max-attempts: must be at least 1")

    @property
    def label(self) -> str:
        """The source name findings carry: ``aws://PROFILE/REGIONS[?roles]``."""
        regions = "+".join(self.regions) if self.regions else "all-regions"
        text = f"aws://{self.profile or 'default'}/{regions}"
        return text + ("?role=" + ",".join(self.role_arns) if self.role_arns else "")


@dataclass(frozen=True)
class Account:
    """One set of credentials: the base session or an assumed role."""

    key: str
    session: Any = field(repr=False)
    id: str = ""
    partition: str = "aws"
    home_region: str = "us-east-1"

    @property
    def global_region(self) -> str:
        """Where the partition's global services answer."""
        return _GLOBAL_REGIONS.get(self.partition, "us-east-1")


@cache
def _loader() -> Any:
    """One botocore data loader for the process: every session (one per account) and every
    collection then parses each service model once, not once per session (the EC2 model alone
    takes a few hundred milliseconds)."""
    from botocore.loaders import create_loader

    return create_loader()


def new_session(**settings: Any) -> Any:
    """A boto3 session sharing the process's model loader."""
    import boto3
    import botocore.session

    core = botocore.session.Session()
    core.register_component("data_loader", _loader())
    return boto3.Session(botocore_session=core, **settings)


def base_session(options: AwsOptions) -> Any:
    """The boto3 session of the default chain or ``--profile`` (boto3 is imported here)."""
    region = options.regions[0] if options.regions else None
    if options.profile is not None and options.profile not in new_session().available_profiles:
        raise ConfigError(f"--profile {options.profile!r}: no such profile in the AWS config files")
    return new_session(profile_name=options.profile, region_name=region)


def open_accounts(
    options: AwsOptions, repository: Repository, session: Any | None = None
) -> tuple[list[Account], list[Alert]]:
    """The accounts to read and the alerts of those that could not be opened.

    Without ``--role-arn`` the base credentials are the one account; with it, each role is an
    account and the base credentials only assume them. No credentials at all is an error.
    """
    session = session if session is not None else base_session(options)
    if session.get_credentials() is None:
        raise ConfigError(
            "no AWS credentials found (set AWS_PROFILE or --profile, environment variables, "
            "or run where an instance/SSO role is available)"
        )
    home = options.regions[0] if options.regions else (session.region_name or "us-east-1")
    base = Account(key=options.profile or "default", session=session, home_region=home)
    if not options.role_arns:
        return [_identify(base, repository)], []
    accounts: list[Account] = []
    alerts: list[Alert] = []
    for arn in options.role_arns:
        try:
            accounts.append(_assume(base, arn, repository))
        except AwsCallError as err:
            alerts.append(
                Alert(SOURCE, err.alert_code, f"cannot assume {arn}: {err.message}", region=home)
            )
    return accounts, alerts


def _identify(account: Account, repository: Repository) -> Account:
    """``account`` with its id and partition (``sts:GetCallerIdentity`` needs no permission)."""
    identity = repository.bind(account, account.home_region).call(GET_CALLER_IDENTITY)
    arn = str(identity.get("Arn", ""))
    partition = arn.split(":")[1] if arn.startswith("arn:") else "aws"
    return Account(
        key=account.key,
        session=account.session,
        id=str(identity.get("Account", "")),
        partition=partition,
        home_region=account.home_region,
    )


def _assume(base: Account, arn: str, repository: Repository) -> Account:
    response = repository.bind(base, base.home_region).call(
        ASSUME_ROLE, RoleArn=arn, RoleSessionName=SESSION_NAME
    )
    credentials = response["Credentials"]
    session = new_session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=base.home_region,
    )
    match = _ROLE_ARN.match(arn)
    assert match is not None  # checked by AwsOptions.check
    return Account(
        key=arn,
        session=session,
        id=match["account"],
        partition=match["partition"],
        home_region=base.home_region,
    )


def enabled_regions(account: Account, repository: Repository) -> list[str]:
    """Every region enabled for ``account`` (opted in, or needing no opt-in), sorted."""
    regions = repository.bind(account, account.home_region).pages(DESCRIBE_REGIONS, "Regions")
    return sorted(
        str(r["RegionName"])
        for r in regions
        if r.get("OptInStatus", "opt-in-not-required") in _ENABLED
    )
