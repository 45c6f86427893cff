"""The one layer that calls boto3: clients, pages, retries, counting, caching, error mapping.

Collectors never touch boto3. Every call goes through ``Repository``, which:

- builds one client per (account, service, region) with botocore's *adaptive* retry mode and a
  configurable ``max_attempts`` (adaptive mode adds a client-side token bucket that slows down
  after a throttle: the fix driftctl users asked for in snyk/driftctl#1344);
- bounds the calls in flight per (account, region, service) to ``concurrency``;
- pages through every paginator and extracts the result key (``extract``);
- counts calls, retries, throttles and errors through botocore event hooks (``stats``);
- caches each response by its parameters, so collectors that share a listing (S3 buckets, IAM
  account details, security groups) make the call once;
- turns AWS errors into ``AwsCallError`` whose message names the IAM action to grant.

``hooks`` registers extra botocore event handlers on every client: a proxy's instrumentation,
or a test that denies one service (``before-call``) or injects throttles (``before-send``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from change_control.errors import ChangegateError
from drift.aws.registry import Api, Calls
from drift.aws.stats import CallStats

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from drift.aws.session import Account

Hook = tuple[str, Callable[..., Any]]

#: Alert codes (stable: scripts match on them).
ACCESS_DENIED = "access_denied"
OPT_IN_REQUIRED = "opt_in_required"
AUTH_FAILED = "auth_failed"
THROTTLED = "throttled"
API_ERROR = "api_error"
UNAVAILABLE = "unavailable"

DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "AuthorizationError",
        "AllAccessDisabled",
        "Forbidden",
    }
)
OPT_IN_CODES = frozenset({"OptInRequired", "SubscriptionRequiredException"})
AUTH_CODES = frozenset(
    {
        "AuthFailure",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "ExpiredToken",
        "ExpiredTokenException",
        "SignatureDoesNotMatch",
    }
)
THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "SlowDown",
        "EC2ThrottledException",
        "PriorRequestNotComplete",
        "BandwidthLimitExceeded",
    }
)


class AwsCallError(ChangegateError):
    """An AWS call failed after its retries; ``alert_code`` says how (``access_denied``...)."""

    code = "aws.call_failed"

    def __init__(self, message: str, alert_code: str, *, api: Api, aws_code: str) -> None:
        super().__init__(message)
        self.alert_code = alert_code
        self.api = api
        self.aws_code = aws_code


def classify_error(api: Api, region: str, aws_code: str, text: str) -> AwsCallError:
    """The ``AwsCallError`` for an AWS error code, its message naming what to grant or fix."""
    where = f"in {region}"
    if aws_code in DENIED_CODES:
        message = f"{api.action} denied {where} ({aws_code}); grant {api.action} to the auditor"
        return AwsCallError(message, ACCESS_DENIED, api=api, aws_code=aws_code)
    if aws_code in OPT_IN_CODES:
        message = f"{api.action} {where}: the region or service is not enabled ({aws_code})"
        return AwsCallError(message, OPT_IN_REQUIRED, api=api, aws_code=aws_code)
    if aws_code in AUTH_CODES:
        message = f"{api.action} {where}: credentials rejected ({aws_code}); is the region enabled?"
        return AwsCallError(message, AUTH_FAILED, api=api, aws_code=aws_code)
    if aws_code in THROTTLE_CODES:
        message = f"{api.action} {where}: still throttled after retries ({aws_code})"
        return AwsCallError(message, THROTTLED, api=api, aws_code=aws_code)
    first = text.splitlines()[0] if text else "no message"
    return AwsCallError(
        f"{api.action} {where} failed: {aws_code}: {first}", API_ERROR, api=api, aws_code=aws_code
    )


def _freeze(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=str)


class Repository:
    """Clients, limits, counters and the response cache of one collection run."""

    def __init__(
        self,
        *,
        stats: CallStats | None = None,
        max_attempts: int = 10,
        concurrency: int = 4,
        endpoint_url: str | None = None,
        hooks: Sequence[Hook] = (),
    ) -> None:
        self.stats = stats or CallStats()
        self.max_attempts = max_attempts
        self.concurrency = max(1, concurrency)
        self.endpoint_url = endpoint_url
        self.hooks = tuple(hooks)
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str, str], BaseClient] = {}
        self._limits: dict[tuple[str, str, str], threading.BoundedSemaphore] = {}
        self._cache: dict[tuple[str, ...], Future[Any]] = {}

    def bind(self, account: Account, region: str) -> RegionalCalls:
        """The calls of ``account`` in ``region``, as collectors use them."""
        return RegionalCalls(self, account, region)

    def client(self, account: Account, service: str, region: str) -> BaseClient:
        """The shared client (clients are thread-safe; creating them is not)."""
        key = (account.key, service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._new_client(account, service, region)
                self._clients[key] = client
            return client

    def _new_client(self, account: Account, service: str, region: str) -> BaseClient:
        from botocore.config import Config

        config = Config(
            retries={"mode": "adaptive", "max_attempts": self.max_attempts},
            max_pool_connections=max(10, 2 * self.concurrency),
            user_agent_extra="changegate-drift",
            s3={"addressing_style": "path"} if self.endpoint_url else None,
        )
        client: BaseClient = account.session.client(
            service, region_name=region, endpoint_url=self.endpoint_url, config=config
        )
        self._instrument(client, service, region)
        return client

    def _instrument(self, client: BaseClient, service: str, region: str) -> None:
        stats = self.stats

        # ``after-call`` fires once per API call, also for calls a ``before-call`` handler
        # answered (botocore's Stubber, a test's deny hook); ``after-call-error`` when the
        # request itself failed. ``needs-retry`` fires once per attempt.
        def on_done(parsed: Any = None, **_: Any) -> None:
            stats.call(service, region)
            meta = parsed.get("ResponseMetadata", {}) if isinstance(parsed, dict) else {}
            stats.retried(service, region, int(meta.get("RetryAttempts", 0) or 0))

        def on_attempt(response: Any = None, **_: Any) -> None:
            if response is not None and _error_code(response[1]) in THROTTLE_CODES:
                stats.throttled(service, region)

        def on_raised(**_: Any) -> None:
            stats.call(service, region)

        events = client.meta.events
        events.register("after-call", on_done)
        events.register("needs-retry", on_attempt)
        events.register("after-call-error", on_raised)
        for name, handler in self.hooks:
            events.register(name, handler)

    def limit(self, account: Account, service: str, region: str) -> threading.BoundedSemaphore:
        """The semaphore bounding calls in flight to one service endpoint."""
        key = (account.key, region, service)
        with self._lock:
            return self._limits.setdefault(key, threading.BoundedSemaphore(self.concurrency))

    def cached(self, key: tuple[str, ...], compute: Callable[[], Any]) -> Any:
        """``compute()`` once per key, even when several threads ask at the same time.

        Errors are cached too: a denied listing is denied for every collector sharing it, and
        asking again would only cost calls.
        """
        with self._lock:
            future = self._cache.get(key)
            owner = future is None
            if future is None:
                future = Future()
                self._cache[key] = future
        if owner:
            try:
                future.set_result(compute())
            except BaseException as exc:  # stored, and re-raised below: waiters never hang
                future.set_exception(exc)
        return future.result()


class RegionalCalls(Calls):
    """``Calls`` of one account in one region (see ``registry.Calls``)."""

    def __init__(self, repository: Repository, account: Account, region: str) -> None:
        self._repo = repository
        self._account = account
        self._region = region

    @property
    def region(self) -> str:
        """The region calls go to."""
        return self._region

    def in_region(self, region: str) -> RegionalCalls:
        """The same account in ``region``."""
        return RegionalCalls(self._repo, self._account, region)

    def _key(self, kind: str, api: Api, *extra: str) -> tuple[str, ...]:
        return (kind, self._account.key, self._region, api.service, api.operation, *extra)

    def call(self, api: Api, *, absent: Collection[str] = (), **params: Any) -> dict[str, Any]:
        """One call; a ``ClientError`` whose code is in ``absent`` returns ``{}``."""
        key = self._key("call", api, _freeze(params), ",".join(sorted(absent)))
        result: dict[str, Any] = self._repo.cached(key, lambda: self._invoke(api, absent, params))
        return result

    def pages(self, api: Api, key: str, **params: Any) -> list[Any]:
        """Items under ``key`` across every page (one call when the API does not page)."""
        cache_key = self._key("pages", api, key, _freeze(params))
        result: list[Any] = self._repo.cached(cache_key, lambda: self._page(api, key, params))
        return result

    def _client(self, api: Api) -> BaseClient:
        return self._repo.client(self._account, api.service, self._region)

    def _invoke(self, api: Api, absent: Collection[str], params: dict[str, Any]) -> dict[str, Any]:
        from botocore import xform_name

        method = getattr(self._client(api), xform_name(api.operation))
        with _Translated(api, self._region, absent, self._repo.stats) as outcome:
            with self._repo.limit(self._account, api.service, self._region):
                response: dict[str, Any] = method(**params)
            response.pop("ResponseMetadata", None)
            outcome.append(response)
        return outcome[0] if outcome else {}

    def _page(self, api: Api, key: str, params: dict[str, Any]) -> list[Any]:
        from botocore import xform_name

        client = self._client(api)
        name = xform_name(api.operation)
        if not client.can_paginate(name):
            return extract(key, self._invoke(api, (), params))
        items: list[Any] = []
        with _Translated(api, self._region, (), self._repo.stats):
            pages = iter(client.get_paginator(name).paginate(**params))
            limit = self._repo.limit(self._account, api.service, self._region)
            while True:
                with limit:
                    page = next(pages, None)
                if page is None:
                    break
                items.extend(extract(key, page))
        return items


class _Translated:
    """Context manager mapping botocore errors to ``AwsCallError`` (``absent`` codes: empty)."""

    def __init__(
        self, api: Api, region: str, absent: Collection[str], stats: CallStats | None = None
    ) -> None:
        self.api, self.region, self.absent, self.stats = api, region, absent, stats
        self.outcome: list[dict[str, Any]] = []

    def __enter__(self) -> list[dict[str, Any]]:
        return self.outcome

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        if exc is None:
            return False
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code") or exc.response.get("ResponseMetadata", {}).get(
                "HTTPStatusCode", "unknown"))  # fmt: skip
            if code in self.absent:
                return True
            self._failed()
            raise classify_error(self.api, self.region, code, str(error.get("Message", "")))
        if isinstance(exc, BotoCoreError):
            self._failed()
            message = f"{self.api.action} in {self.region}: {exc}"
            raise AwsCallError(message, UNAVAILABLE, api=self.api, aws_code=type(exc).__name__)
        return False

    def _failed(self) -> None:
        if self.stats is not None:
            self.stats.failed(self.api.service, self.region)


def _error_code(parsed: Any) -> str:
    if isinstance(parsed, dict):
        return str(parsed.get("Error", {}).get("Code", ""))
    return ""


def extract(key: str, page: Any) -> list[Any]:
    """The items under ``key`` in one response: ``Vpcs[]``, ``Reservations[].Instances[]``, or
    ``[@]`` for the whole page (a small JMESPath subset: names, each followed by ``[]``)."""
    if key == "[@]":
        return [page]
    nodes: list[Any] = [page]
    for part in key.split("."):
        name = part.removesuffix("[]")
        found: list[Any] = []
        for node in nodes:
            value = node.get(name) if isinstance(node, dict) else None
            if isinstance(value, list):
                found.extend(value)
            elif value is not None:
                found.append(value)
        nodes = found
    return nodes


def chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    """``items`` in lists of at most ``size`` (batch APIs cap their id lists)."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
