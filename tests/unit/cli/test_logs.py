"""JSON log lines: one object per line, carrying the correlation id of the work at hand."""

from __future__ import annotations

import json
import logging
import sys
from uuid import UUID, uuid4

from driftmgr.cli.logs import JsonFormatter, console_line
from driftmgr.http.observed import request_correlation_id
from driftmgr.observability import correlation_scope, current_correlation_id


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.makeLogRecord(
        {"name": "driftmgr.test", "levelno": logging.WARNING, "levelname": "WARNING", **extra}
    )
    made.msg, made.args = message, args
    return made


def test_a_record_is_one_json_line_with_its_context_and_extra_fields() -> None:
    correlation_id = uuid4()
    with correlation_scope(correlation_id):
        line = JsonFormatter().format(record("job %s\nended", "x\x1b[2J", job_id=correlation_id))
    assert "\n" not in line and "\x1b" not in line
    entry = json.loads(line)
    assert entry["message"] == "job x\x1b[2J\nended"  # the text itself, escaped only in JSON
    assert entry["level"] == "WARNING" and entry["logger"] == "driftmgr.test"
    assert entry["correlation_id"] == str(correlation_id)
    assert entry["job_id"] == str(correlation_id)
    assert entry["timestamp"].endswith("+00:00")
    assert current_correlation_id() is None  # the scope ended with the work


def test_an_exception_is_one_field_and_bidi_controls_are_escaped() -> None:
    try:
        raise ValueError("bad \u202e value")
    except ValueError:
        failed = record("failed", exc_info=sys.exc_info())
    line = JsonFormatter().format(failed)
    assert "\u202e" not in line
    entry = json.loads(line)
    assert "correlation_id" not in entry
    assert entry["exception"].startswith("Traceback") and "ValueError" in entry["exception"]


def test_the_announcement_is_a_record_in_json_and_as_is_in_text() -> None:
    assert console_line("listening on u", "text", url="u") == "listening on u"
    entry = json.loads(console_line("listening on u", "json", url="u"))
    assert entry["message"] == "listening on u" and entry["url"] == "u"


def test_a_client_correlation_id_is_taken_only_when_it_is_a_uuid() -> None:
    sent = uuid4()
    assert request_correlation_id([(b"x-request-id", str(sent).encode())]) == sent
    assert request_correlation_id([(b"X-Correlation-Id", sent.hex.encode())]) == sent
    for bad in (b"", b"1; drop", b"\xff\xfe", b"0" * 200):
        made = request_correlation_id([(b"x-correlation-id", bad)])
        assert isinstance(made, UUID) and made != sent
