"""Terminal safety: control, escape and bidi characters from outside values show as escapes."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from driftmgr.cli import main
from driftmgr.cli.output import print_json, render_report, short, table
from driftmgr.cli.terminal import SafeFormatter, safe, safe_json, safe_lines

#: A tag value that, printed raw, clears the screen, turns red and draws a fake table row.
HOSTILE = "\x1b[2J\x1b[31mfake row\n"
#: A right-to-left override: what follows reads backwards.
BIDI = "evil\u202etxt.exe"
RAW = ("\x1b", "\u202e", "\x9b", "\r", "\x07", "\x7f")


def assert_inert(text: str) -> None:
    """No character of ``text`` acts on a terminal; our own line breaks are allowed."""
    for line in text.split("\n"):
        for char in RAW:
            assert char not in line, f"{char!r} reaches the terminal in {line!r}"


def test_control_escape_and_bidi_characters_show_as_visible_escapes() -> None:
    assert safe(HOSTILE) == "\\x1b[2J\\x1b[31mfake row\\n"
    assert safe(BIDI) == "evil\\u202etxt.exe"
    assert safe("a\tb\rc\x00d\x7fe\x9bf\u2066g\u2028h") == (
        "a\\tb\\rc\\x00d\\x7fe\\x9bf\\u2066g\\u2028h"
    )
    assert safe("plain text, ünïcode and → arrows") == "plain text, ünïcode and → arrows"
    assert safe(safe(HOSTILE)) == safe(HOSTILE)


def test_a_hostile_tag_value_stays_inside_its_table_cell() -> None:
    rendered = table([["vpc-1", HOSTILE], ["vpc-2", BIDI]], ["id", "owner"])
    assert_inert(rendered)
    lines = rendered.split("\n")
    assert len(lines) == 3  # the header and one line per row: no fake row
    assert "\\x1b[2J\\x1b[31mfake row\\n" in lines[1]
    assert "evil\\u202etxt.exe" in lines[2]


def test_short_escapes_what_it_shows() -> None:
    assert short({"Owner": HOSTILE}) == "Owner=\\x1b[2J\\x1b[31mfake row\\n"
    assert_inert(short([HOSTILE, BIDI]))


def _report(**drift: Any) -> dict[str, Any]:
    return {
        "run_id": "0b8e5a52-6c1f-4c4e-9a8e-3f1f6a1c2d3e",
        "status": "completed",
        "sources": [{"uri": f"tfstate:///srv/{BIDI}.tfstate", "serial": 3}],
        "error": None,
        "summary": {
            "total": 2,
            "in_sync": 0,
            "modified": 1,
            "missing": 0,
            "unmanaged": 0,
            "unobserved": 1,
            "ignored": 0,
            "coverage": 100.0,
            "compliance_score": 0.0,
        },
        "drifts": [
            {
                "kind": "modified",
                "severity": "low",
                "type": "aws_vpc",
                "address": "aws_vpc.main",
                "id": "vpc-1",
                "region": "us-east-1",
                "changes": [
                    {"path": "tags.Owner", "expected": "team-a", "actual": HOSTILE},
                    {
                        "path": f"tags.{BIDI}",
                        "expected": "(sensitive)",
                        "actual": "(sensitive)",
                        "sensitive": True,
                    },
                ],
                "reason": None,
            },
            {
                "kind": "unobserved",
                "severity": "low",
                "type": "aws_s3_bucket",
                "address": "aws_s3_bucket.b",
                "id": "b",
                "region": "us-east-1",
                "changes": [],
                "reason": f"AccessDenied: {HOSTILE}",
            },
        ],
        **drift,
    }


def test_the_report_table_shows_outside_values_escaped_and_secrets_as_changed() -> None:
    rendered = render_report(_report())
    assert_inert(rendered)
    assert "tags.Owner: team-a → \\x1b[2J\\x1b[31mfake row\\n" in rendered
    assert "tags.evil\\u202etxt.exe: changed (sensitive)" in rendered
    assert "AccessDenied: \\x1b[2J\\x1b[31mfake row\\n" in rendered
    assert "States: tfstate:///srv/evil\\u202etxt.exe.tfstate (serial 3)" in rendered


def test_a_failed_runs_error_line_is_escaped() -> None:
    rendered = render_report(_report(error=f"boom {HOSTILE}"))
    assert_inert(rendered)
    assert "Error: boom \\x1b[2J\\x1b[31mfake row\\n" in rendered


def test_json_output_escapes_what_json_leaves_raw_and_means_the_same(
    capsys: pytest.CaptureFixture[str],
) -> None:
    value = {"tag": HOSTILE, "name": BIDI, "csi": "\x9b2J", "del": "\x7f"}
    print_json(value)
    out = capsys.readouterr().out
    assert_inert(out)
    assert json.loads(out) == value
    assert safe_json('"\u202e"') == '"\\u202e"'


def test_an_error_line_from_outside_is_one_escaped_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    # The CLI's error path: a message quoting what the user (or a server) gave it.
    source = str(tmp_path / f"{HOSTILE}{BIDI}*.tfstate")
    with pytest.raises(SystemExit) as exited:
        main(["state", "import", source])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert_inert(err)
    assert err.count("\n") == 1 and err.startswith("error: no state file matches ")
    assert "\\x1b[2J\\x1b[31mfake row\\nevil\\u202etxt.exe*.tfstate" in err


def test_log_lines_and_server_rendered_text_keep_only_their_own_line_breaks() -> None:
    record = logging.LogRecord(
        "driftmgr.x", logging.WARNING, __file__, 1, "tag %s", (HOSTILE,), None
    )
    line = SafeFormatter("%(levelname)s %(message)s").format(record)
    assert line == "WARNING tag \\x1b[2J\\x1b[31mfake row\\n"
    graph = f'digraph {{\n  "{BIDI}" -> "b\x1b[2J";\n}}'
    assert safe_lines(graph) == 'digraph {\n  "evil\\u202etxt.exe" -> "b\\x1b[2J";\n}'
