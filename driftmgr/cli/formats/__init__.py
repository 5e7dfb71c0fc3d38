"""Drift reports for CI: SARIF, JUnit XML, Markdown and one self-contained HTML page.

Each renderer is a pure function from the report as `-o json` prints it (docs/drift-report.md)
to text, so the API's report and a past run's report render the same way. Values in a report
are already redacted (`"(sensitive)"`); renderers show them as they are, escaped for the
format, and never look anything up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from driftmgr.cli.formats.html import render_html
from driftmgr.cli.formats.junit import render_junit
from driftmgr.cli.formats.markdown import render_markdown
from driftmgr.cli.formats.sarif import render_sarif

__all__ = ["RENDERERS", "render_html", "render_junit", "render_markdown", "render_sarif"]

#: `drift detect -o FORMAT` / `drift report -o FORMAT`: the CI formats and their renderers.
RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "sarif": render_sarif,
    "junit": render_junit,
    "markdown": render_markdown,
    "html": render_html,
}
