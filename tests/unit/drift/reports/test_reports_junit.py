"""JUnit XML is well-formed and uses the elements and attributes GitLab and Jenkins read."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from drift.model import AuditResult, Difference, Op
from drift.reports import ReportOptions, reports
from tests.unit.drift.reports.scenarios import SCENARIOS, SCRIPT_TAG, clean, mixed


def render(result: AuditResult) -> ET.Element:
    text = reports.get("junit").factory(result, ReportOptions())
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text)


def test_the_document_is_testsuites_of_testsuites_of_testcases() -> None:
    root = render(mixed())
    assert root.tag == "testsuites"
    for suite in root:
        assert suite.tag == "testsuite"
        assert {"name", "tests", "failures"} <= set(suite.attrib)
        for case in suite:
            assert case.tag == "testcase"
            assert {"name", "classname"} <= set(case.attrib)


def test_there_is_one_suite_per_resource_type_plus_in_sync_and_not_checked() -> None:
    names = [suite.get("name") for suite in render(mixed())]
    assert names == [
        "changegate.in_sync",
        "aws_db_instance",
        "aws_instance",
        "aws_s3_bucket",
        "aws_security_group",
        "changegate.not_checked",
    ]


def test_each_finding_is_a_failed_testcase_typed_by_its_kind() -> None:
    result = mixed()
    failures = render(result).findall("./testsuite/testcase/failure")
    assert len(failures) == len(result.findings)
    assert sorted(f.get("type") or "" for f in failures) == sorted(
        str(f.kind) for f in result.findings
    )
    assert all(f.get("message") for f in failures)


def test_suite_and_root_counts_add_up() -> None:
    root = render(SCENARIOS["many"]())
    suites = root.findall("testsuite")
    for suite in suites:
        assert int(suite.get("tests", "")) == len(suite.findall("testcase"))
        assert int(suite.get("failures", "")) == len(suite.findall("testcase/failure"))
    assert int(root.get("tests", "")) == sum(int(s.get("tests", "")) for s in suites)
    assert int(root.get("failures", "")) == 30


def test_in_sync_resources_are_one_passing_testcase_with_their_count() -> None:
    root = render(clean())
    (case,) = root.findall("testsuite[@name='changegate.in_sync']/testcase")
    assert case.get("name") == "12 managed resources in sync"
    assert list(case) == []
    assert root.get("failures") == "0"


def test_an_alert_is_a_skipped_testcase_not_a_failure() -> None:
    root = render(mixed())
    (case,) = root.findall("testsuite[@name='changegate.not_checked']/testcase")
    skipped = case.find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "access_denied: iam:ListUsers denied for role auditor"


def test_markup_in_values_is_escaped_and_survives_a_round_trip() -> None:
    failures = render(mixed()).findall("./testsuite/testcase/failure")
    bodies = "\n".join(f.text or "" for f in failures)
    assert f'tags.note: (absent) -> "{SCRIPT_TAG}"' in bodies


def test_control_characters_that_xml_cannot_carry_are_replaced() -> None:
    result = mixed()
    web = next(f for f in result.findings if f.resource_type == "aws_instance")
    bell = replace(web, differences=(Difference(("tags", "x"), Op.CHANGE, "a\x07b", "\x00"),))
    root = render(replace(result, findings=(bell,)))
    (failure,) = root.findall("./testsuite/testcase/failure")
    assert 'tags.x: "a\\u0007b" -> "\\u0000"' in (failure.text or "")


def test_a_control_character_in_an_attribute_is_replaced_too() -> None:
    result = replace(mixed(), audit_id="aud\x01x")
    assert render(result).get("name") == "changegate drift audit aud\ufffdx"
