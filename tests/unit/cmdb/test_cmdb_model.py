"""Items and their content digest: what a no-op re-sync compares instead of attributes."""

from __future__ import annotations

from cmdb_sync.model import DriftInfo, DriftStatus, Item, Ref


def web(**changes: object) -> Item:
    base: dict[str, object] = {
        "native_key": "arn:a",
        "ci_class": "vm_instance",
        "name": "web",
        "identifiers": (("arn", "arn:a"),),
        "attributes": {"b": 1, "a": {"y": 2, "x": 1}},
        "refs": (Ref("depends_on", "arn:db"),),
    }
    return Item(**{**base, **changes})  # type: ignore[arg-type]


def test_the_digest_ignores_attribute_key_order() -> None:
    assert web().content_hash() == web(attributes={"a": {"x": 1, "y": 2}, "b": 1}).content_hash()


def test_the_digest_changes_with_anything_the_item_says() -> None:
    digests = {
        web().content_hash(),
        web(name="web2").content_hash(),
        web(attributes={"b": 2, "a": {"y": 2, "x": 1}}).content_hash(),
        web(refs=()).content_hash(),
        web(environment="prod").content_hash(),
        web(drift=DriftInfo(DriftStatus.DRIFTED, ("f1",))).content_hash(),
    }
    assert len(digests) == 6
