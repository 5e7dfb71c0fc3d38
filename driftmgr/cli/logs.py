"""Log output: lines for a person (``text``) or one JSON object per line (``json``).

JSON lines are for a log collector: ``timestamp`` (UTC, ISO 8601), ``level``, ``logger``,
``message``, ``correlation_id`` when the line was written for a request or a job, fields
given with ``extra=``, and ``exception`` with the traceback. Newlines and control characters
inside values are JSON escapes, so one line is always one record.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal, get_args

import msgspec

from driftmgr.cli.terminal import SafeFormatter, safe_json
from driftmgr.observability import current_correlation_id

__all__ = ["LOG_FORMATS", "JsonFormatter", "LogFormat", "configure_logging", "console_line"]

LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[str, ...] = get_args(LogFormat)

#: Attributes every LogRecord has; anything else on a record came from ``extra=``.
#: (uvicorn's ``color_message`` is its message again, with terminal colours.)
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}
_encoder = msgspec.json.Encoder(enc_hook=str)  # a UUID, a Path, an exception: their text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        correlation = current_correlation_id()
        if correlation is not None:
            entry["correlation_id"] = str(correlation)
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # A terminal may show these lines too: no raw bidi or C1 controls in them.
        return safe_json(_encoder.encode(entry).decode())


def configure_logging(log_format: LogFormat, *, verbose: bool) -> logging.Handler:
    """Send the process's log records to stderr in ``log_format``; return the handler."""
    to_stderr = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        to_stderr.setFormatter(JsonFormatter())
    else:
        to_stderr.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[to_stderr])
    if not verbose:
        # httpx logs every request at INFO; the in-process client would echo them all.
        logging.getLogger("httpx").setLevel(logging.WARNING)
    return to_stderr


def console_line(message: str, log_format: str, *, level: int = logging.INFO, **fields: Any) -> str:
    """A line ``serve`` writes whatever the log level (its address, the store's notices):
    ``message`` as it is in text, a log record in json, so every stderr line parses."""
    if log_format != "json":
        return message
    record = logging.makeLogRecord(
        {"name": "driftmgr.serve", "levelno": level, "levelname": logging.getLevelName(level)}
    )
    record.msg, record.args = message, None
    record.__dict__.update(fields)
    return JsonFormatter().format(record)
