"""A fake ``Calls`` answering collectors from recorded responses (no boto3, no network)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from drift.aws.registry import Api, Calls, Context
from drift.aws.repository import extract

Answer = Mapping[str, Any] | Callable[[dict[str, Any]], Mapping[str, Any]]


class FakeCalls(Calls):
    """Answers by operation name; records every (operation, params) asked."""

    def __init__(self, answers: Mapping[str, Answer], region: str = "us-east-1") -> None:
        self.answers = answers
        self._region = region
        self.asked: list[tuple[str, dict[str, Any]]] = []

    @property
    def region(self) -> str:
        return self._region

    def in_region(self, region: str) -> FakeCalls:
        other = FakeCalls(self.answers, region)
        other.asked = self.asked
        return other

    def _answer(self, api: Api, params: dict[str, Any]) -> dict[str, Any]:
        self.asked.append((api.operation, params))
        answer = self.answers.get(api.operation, {})
        return dict(answer(params) if callable(answer) else answer)

    def call(self, api: Api, *, absent: Collection[str] = (), **params: Any) -> dict[str, Any]:
        return self._answer(api, params)

    def pages(self, api: Api, key: str, **params: Any) -> list[Any]:
        return extract(key, self._answer(api, params))


def context(answers: Mapping[str, Answer], **settings: Any) -> Context:
    """A ``Context`` for account 123456789012 in us-east-1 over ``FakeCalls``."""
    return Context(FakeCalls(answers), account="123456789012", **settings)
