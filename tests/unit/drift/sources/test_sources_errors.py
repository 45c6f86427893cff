"""AWS and Terraform failures are turned into one line a user can act on."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from drift.sources.base import ACCESS_DENIED, NOT_FOUND, UNAVAILABLE
from drift.sources.s3 import client_error_message
from drift.sources.terraform_cli import terraform_error


def client_error(code: str, message: str = "details\nmore details") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "GetObject")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("AccessDenied", ("access denied (s3:GetObject)", ACCESS_DENIED)),
        ("403", ("access denied (s3:GetObject)", ACCESS_DENIED)),
        ("NoSuchKey", ("no such key", NOT_FOUND)),
        ("404", ("no such key", NOT_FOUND)),
        ("NoSuchBucket", ("no such bucket 'states'", NOT_FOUND)),
        ("SlowDown", ("S3 error SlowDown: details", UNAVAILABLE)),
    ],
)
def test_s3_error_codes_map_to_one_line_and_a_stable_code(
    code: str, expected: tuple[str, str]
) -> None:
    assert client_error_message(client_error(code), "states") == expected


@pytest.mark.parametrize(
    ("stderr", "line"),
    [
        (
            '\n╷\n│ Error: Backend initialization required, please run "terraform init"\n│\n'
            '│ Reason: Initial configuration of the requested backend "s3"\n╵\n',
            'Backend initialization required, please run "terraform init"',
        ),
        (
            "\x1b[31m╷\x1b[0m\x1b[0m\n\x1b[31m│\x1b[0m \x1b[1m\x1b[31mError: \x1b[0m\x1b[0m"
            "\x1b[1mNo configuration files\x1b[0m\n",
            "No configuration files",
        ),
        ("something odd happened\nsecond line\n", "something odd happened"),
        ("", "no error message"),
    ],
)
def test_terraform_errors_are_reduced_to_their_first_error_line(stderr: str, line: str) -> None:
    assert terraform_error(stderr) == line
