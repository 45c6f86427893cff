"""The repository with botocore's Stubber: pagination moto does not do, errors, cache, counts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.stub import Stubber

from drift.aws.registry import Api
from drift.aws.repository import (
    ACCESS_DENIED,
    AUTH_FAILED,
    OPT_IN_REQUIRED,
    AwsCallError,
    Repository,
    extract,
)
from drift.aws.session import Account, new_session

DESCRIBE_INSTANCES = Api("ec2", "DescribeInstances")
LIST_BUCKETS = Api("s3", "ListBuckets")
AUTHORIZATION = Api("iam", "GetAccountAuthorizationDetails")


@pytest.fixture
def account() -> Account:
    session = new_session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return Account(key="test", session=session, id="123456789012")


@pytest.fixture
def repository() -> Repository:
    return Repository(max_attempts=1)


def _stub(repository: Repository, account: Account, service: str) -> Iterator[Stubber]:
    stubber = Stubber(repository.client(account, service, "us-east-1"))
    with stubber:
        yield stubber
    stubber.assert_no_pending_responses()


@pytest.fixture
def ec2(repository: Repository, account: Account) -> Iterator[Stubber]:
    yield from _stub(repository, account, "ec2")


def _instance(ident: str) -> dict[str, Any]:
    return {"Instances": [{"InstanceId": ident}]}


def test_every_page_of_a_listing_is_read_and_counted(
    repository: Repository, account: Account, ec2: Stubber
) -> None:
    ec2.add_response("describe_instances", {"Reservations": [_instance("i-1")], "NextToken": "t1"})
    ec2.add_response(
        "describe_instances",
        {"Reservations": [_instance("i-2"), _instance("i-3")], "NextToken": "t2"},
        {"NextToken": "t1"},
    )
    ec2.add_response("describe_instances", {"Reservations": []}, {"NextToken": "t2"})
    found = repository.bind(account, "us-east-1").pages(
        DESCRIBE_INSTANCES, "Reservations[].Instances[]"
    )
    assert [i["InstanceId"] for i in found] == ["i-1", "i-2", "i-3"]
    assert repository.stats.per_service()["ec2"].calls == 3


def test_bucket_listings_follow_their_continuation_token(
    repository: Repository, account: Account
) -> None:
    stubs = _stub(repository, account, "s3")
    s3 = next(stubs)
    when = datetime(2026, 1, 1, tzinfo=UTC)
    s3.add_response(
        "list_buckets",
        {"Buckets": [{"Name": "a", "CreationDate": when}], "ContinuationToken": "c1"},
    )
    s3.add_response(
        "list_buckets",
        {"Buckets": [{"Name": "b", "CreationDate": when}]},
        {"ContinuationToken": "c1"},
    )
    found = repository.bind(account, "us-east-1").pages(LIST_BUCKETS, "Buckets[]")
    assert [b["Name"] for b in found] == ["a", "b"]
    next(stubs, None)


def test_account_details_follow_their_marker(repository: Repository, account: Account) -> None:
    stubs = _stub(repository, account, "iam")
    iam = next(stubs)
    iam.add_response(
        "get_account_authorization_details",
        {"UserDetailList": [{"UserName": "a"}], "IsTruncated": True, "Marker": "m1"},
    )
    iam.add_response(
        "get_account_authorization_details",
        {"UserDetailList": [{"UserName": "b"}], "IsTruncated": False},
        {"Marker": "m1"},
    )
    pages = repository.bind(account, "us-east-1").pages(AUTHORIZATION, "[@]")
    assert [u["UserName"] for page in pages for u in page["UserDetailList"]] == ["a", "b"]
    next(stubs, None)


@pytest.mark.parametrize(
    ("code", "alert", "words"),
    [
        ("UnauthorizedOperation", ACCESS_DENIED, "ec2:DescribeInstances denied in us-east-1"),
        ("AccessDenied", ACCESS_DENIED, "grant ec2:DescribeInstances"),
        ("OptInRequired", OPT_IN_REQUIRED, "not enabled"),
        ("AuthFailure", AUTH_FAILED, "credentials rejected"),
    ],
)
def test_aws_errors_become_alert_codes_naming_the_action(
    repository: Repository, account: Account, ec2: Stubber, code: str, alert: str, words: str
) -> None:
    ec2.add_client_error("describe_instances", service_error_code=code, service_message="no\nmore")
    with pytest.raises(AwsCallError) as caught:
        repository.bind(account, "us-east-1").pages(DESCRIBE_INSTANCES, "Reservations[]")
    assert caught.value.alert_code == alert
    assert words in caught.value.message
    assert "\n" not in caught.value.message
    assert repository.stats.per_service()["ec2"].errors == 1


def test_a_not_configured_answer_is_empty_and_a_repeated_call_is_served_from_the_cache(
    repository: Repository, account: Account
) -> None:
    stubs = _stub(repository, account, "s3")
    s3 = next(stubs)
    s3.add_client_error("get_bucket_policy", service_error_code="NoSuchBucketPolicy")
    calls = repository.bind(account, "us-east-1")
    policy = Api("s3", "GetBucketPolicy")
    first = calls.call(policy, absent=("NoSuchBucketPolicy",), Bucket="b")
    second = calls.call(policy, absent=("NoSuchBucketPolicy",), Bucket="b")
    assert (first, second) == ({}, {})
    assert repository.stats.per_service()["s3"].to_dict() == {
        "calls": 1,
        "retries": 0,
        "throttles": 0,
        "errors": 0,
    }
    next(stubs, None)


def test_a_denied_call_is_cached_too_so_sharing_collectors_do_not_ask_again(
    repository: Repository, account: Account, ec2: Stubber
) -> None:
    ec2.add_client_error("describe_instances", service_error_code="UnauthorizedOperation")
    calls = repository.bind(account, "us-east-1")
    for _ in range(2):
        with pytest.raises(AwsCallError):
            calls.pages(DESCRIBE_INSTANCES, "Reservations[]")
    assert repository.stats.per_service()["ec2"].calls == 1


@pytest.mark.parametrize(
    ("key", "page", "items"),
    [
        ("Vpcs[]", {"Vpcs": [1, 2]}, [1, 2]),
        ("Reservations[].Instances[]", {"Reservations": [{"Instances": [1]}, {}]}, [1]),
        ("[@]", {"a": 1}, [{"a": 1}]),
        ("Missing[]", {}, []),
    ],
)
def test_result_keys_are_read_from_each_page(key: str, page: Any, items: list[Any]) -> None:
    assert extract(key, page) == items
