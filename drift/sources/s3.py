"""A state object in S3 (the most common Terraform backend), read with boto3.

boto3 is imported when a state is loaded, never when the CLI starts. Profile, region and
``endpoint_url`` are explicit overrides on top of boto3's own credential chain, so the state
bucket can live in another account than the audited resources (a frequent driftctl request).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from change_control.errors import ConfigError, InputError
from drift.sources.base import ACCESS_DENIED, NOT_FOUND, UNAVAILABLE, SourceOptions, SourceResult
from drift.sources.documents import load_declared

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

_DENIED = frozenset({"AccessDenied", "403", "Forbidden", "AllAccessDisabled"})
_MISSING = {"NoSuchKey": "no such key", "404": "no such key", "NotFound": "no such key"}


def split_location(location: str) -> tuple[str, str]:
    """``(bucket, key)`` from ``bucket/key/with/slashes``; both parts are required."""
    bucket, _, key = location.partition("/")
    if not bucket or not key:
        raise InputError(
            f"s3://{location}: expected s3://BUCKET/KEY (for example "
            "s3://my-states/prod/terraform.tfstate)",
            NOT_FOUND,
        )
    return bucket, key


def client_error_message(error: ClientError, bucket: str) -> tuple[str, str]:
    """(message, code) for an S3 error, without AWS's multi-line request details."""
    code = str(error.response.get("Error", {}).get("Code", ""))
    if code in _DENIED:
        return "access denied (s3:GetObject)", ACCESS_DENIED
    if code == "NoSuchBucket":
        return f"no such bucket {bucket!r}", NOT_FOUND
    if code in _MISSING:
        return _MISSING[code], NOT_FOUND
    text = str(error.response.get("Error", {}).get("Message", "")).splitlines()
    return f"S3 error {code or 'unknown'}: {text[0] if text else 'no message'}", UNAVAILABLE


@dataclass(frozen=True)
class S3StateSource:
    """``s3://bucket/key``: one state object, fetched whole (states are read, never streamed)."""

    bucket: str
    key: str
    options: SourceOptions = field(default_factory=SourceOptions)
    label: str = ""

    @property
    def name(self) -> str:
        """The spec as written (``tfstate+s3://`` included), or ``s3://bucket/key``."""
        return self.label or f"s3://{self.bucket}/{self.key}"

    def load(self) -> SourceResult:
        """Fetch the object and translate it; AWS errors become one line naming the object."""
        data, meta = self._fetch()
        return load_declared(data, self.name, meta)

    def _client(self) -> Any:
        import boto3
        from botocore.exceptions import ProfileNotFound

        try:
            session = boto3.Session(
                profile_name=self.options.aws_profile, region_name=self.options.aws_region
            )
        except ProfileNotFound:
            raise ConfigError(
                f"{self.name}: AWS profile {self.options.aws_profile!r} not found"
            ) from None
        return session.client("s3", endpoint_url=self.options.aws_endpoint_url)

    def _fetch(self) -> tuple[bytes, dict[str, Any]]:
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            EndpointConnectionError,
            NoCredentialsError,
        )

        try:
            response = self._client().get_object(Bucket=self.bucket, Key=self.key)
            data: bytes = response["Body"].read()
        except ClientError as exc:
            message, code = client_error_message(exc, self.bucket)
            raise InputError(f"{self.name}: {message}", code) from None
        except NoCredentialsError:
            raise ConfigError(
                f"{self.name}: no AWS credentials (set --aws-profile or the AWS_* variables)",
                UNAVAILABLE,
            ) from None
        except EndpointConnectionError as exc:
            raise InputError(
                f"{self.name}: cannot reach {exc.kwargs.get('endpoint_url')}", UNAVAILABLE
            ) from None
        except BotoCoreError as exc:
            raise InputError(f"{self.name}: {str(exc).splitlines()[0]}", UNAVAILABLE) from None
        meta = {
            "bucket": self.bucket,
            "key": self.key,
            "etag": response.get("ETag"),
            "version_id": response.get("VersionId"),
        }
        return data, meta
