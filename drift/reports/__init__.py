"""Audit reports: one registry of formats, multi-output writing and the exit code.

Importing this package registers the built-in formats (table, json, sarif, junit, markdown,
html). To add a format, write one module whose renderer is decorated with
``@reports.register(name, help=..., example=..., extension=...)`` and list it in
``_FORMAT_MODULES``; third parties use the ``changegate.reports`` entry-point group instead.
"""

from __future__ import annotations

from importlib import import_module

from drift.reports.base import Renderer, ReportOptions, finding_sort_key, reports, sorted_findings
from drift.reports.exit import exit_code
from drift.reports.output import OutputSpec, parse_output_spec, write_reports
from drift.reports.table import render_table

_FORMAT_MODULES = ("table", "json_report", "sarif", "junit", "markdown", "html_report")

for _module in _FORMAT_MODULES:
    import_module(f"drift.reports.{_module}")

__all__ = [
    "OutputSpec",
    "Renderer",
    "ReportOptions",
    "exit_code",
    "finding_sort_key",
    "parse_output_spec",
    "render_table",
    "reports",
    "sorted_findings",
    "write_reports",
]
