"""Markdown and HTML: grouped, escaped, self-contained."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from drift.model import AuditResult
from drift.reports import ReportOptions, reports
from drift.reports.markdown import escape
from tests.unit.drift.reports.scenarios import SCENARIOS, SCRIPT_TAG, clean, mixed


def markdown(result: AuditResult) -> str:
    return reports.get("markdown").factory(result, ReportOptions())


def html(result: AuditResult) -> str:
    return reports.get("html").factory(result, ReportOptions(tool_version="0.1.0"))


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("<script>", "&lt;script>"),
        ("[link](http://x)", "\\[link\\](http://x)"),
        ("*bold* `code`", "\\*bold\\* \\`code\\`"),
        ("aws_instance.web", "aws_instance.web"),
        ("_private_", "\\_private\\_"),
        ("a & b <", "a &amp; b &lt;"),
        ("line1\nline2", "line1<br>line2"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_markdown_escape_neutralises_markup_but_keeps_identifiers_readable(
    raw: str, escaped: str
) -> None:
    assert escape(raw) == escaped


def test_markdown_groups_findings_by_kind_in_report_order() -> None:
    headings = re.findall(r"^## (.+)$", markdown(mixed()), flags=re.MULTILINE)
    assert headings == [
        "Changed (2)",
        "Missing (1)",
        "Unmanaged (1)",
        "Baseline violations (1)",
        "Alerts (1)",
    ]


def test_every_markdown_table_row_has_as_many_cells_as_its_header() -> None:
    blocks = re.findall(r"(?:^\|.*\n)+", markdown(mixed()), flags=re.MULTILINE)
    assert len(blocks) == 6  # summary, four kinds, alerts
    for block in blocks:
        # An escaped pipe ("\\|") is cell content, not a separator.
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in block.splitlines()}
        assert len(widths) == 1, block


def test_markdown_states_new_and_resolved_counts_and_a_clean_result() -> None:
    assert "New since the previous audit: 2; resolved: 1." in markdown(mixed())
    assert "No drift: every managed resource matches its declared state." in markdown(clean())


def test_markdown_never_contains_a_raw_script_tag() -> None:
    assert "<script" not in markdown(mixed())


class _Collector(HTMLParser):
    """Records tags, attributes and script bodies as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def parse(text: str) -> _Collector:
    collector = _Collector()
    collector.feed(text)
    collector.close()
    return collector


def test_a_script_tag_in_a_tag_value_is_escaped_not_executed() -> None:
    page = html(mixed())
    scripts = [t for t, _ in parse(page).tags if t == "script"]
    assert scripts == ["script"]  # only the page's own sorting script
    assert SCRIPT_TAG not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_html_page_loads_nothing_from_outside(scenario: str) -> None:
    page = html(SCENARIOS[scenario]())
    for tag, attrs in parse(page).tags:
        assert "src" not in attrs, tag
        assert tag not in {"link", "img", "iframe", "object", "embed"}
    assert "url(" not in page and "@import" not in page
    assert "default-src 'none'" in page


def test_the_html_page_has_summary_cards_and_one_row_per_finding() -> None:
    result = SCENARIOS["many"]()
    tags = parse(html(result)).tags
    cards = [a for t, a in tags if t == "div" and (a.get("class") or "").startswith("card")]
    rows = [t for t in tags if t[0] == "tr"]
    assert len(cards) == 8
    assert len(rows) == len(result.findings) + 1  # plus the header row


def test_html_severity_badges_and_the_new_badge_are_present() -> None:
    page = html(mixed())
    for severity in ("critical", "high", "medium", "low"):
        assert f'<span class="badge {severity}">{severity}</span>' in page
    assert page.count('<span class="badge new">new</span>') == 2


def test_a_clean_html_report_says_so_instead_of_an_empty_table() -> None:
    page = html(clean())
    assert "No drift" in page
    assert "<table" not in page
