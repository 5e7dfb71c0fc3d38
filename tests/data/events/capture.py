"""Capture a stored-event fixture for every event class that has none yet.

Run it from the repository root::

    .venv/bin/python tests/data/events/capture.py [--force]

It tells the story of ``tests/support/story.py`` (real commands on a temporary store, fake
cloud), takes the first recorded event of each class, and writes what the mapper stores for
it *before* compression and encryption — its topic and its state JSON — to
``<module>.<Event>.v<class_version>.json`` next to this file (ADR 0015).

Existing fixtures are never rewritten (without ``--force``): they are payloads recorded by an
earlier version of driftmgr, and every one of them must keep decoding. A new event class, or
a new ``class_version`` of one, gets a new file; commit it with the change that introduced it.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


def fixture_name(event_class: type) -> str:
    module = event_class.__module__.rsplit(".", 1)[-1]
    version = getattr(event_class, "class_version", 1)
    return f"{module}.{event_class.__qualname__}.v{version}.json"


def capture(out: Path, *, force: bool = False) -> list[Path]:
    """Write the missing fixtures (all with ``force``); return the files written."""
    from eventsourcing.persistence import JSONTranscoder
    from eventsourcing.utils import resolve_topic

    from driftmgr.adapters.eventstore.mapper import MsgspecMapper
    from driftmgr.domain.catalogue import event_classes
    from tests.support.story import story

    plain = MsgspecMapper(transcoder=JSONTranscoder())  # no compressor, no cipher
    wanted = {c for c in event_classes() if force or not (out / fixture_name(c)).exists()}
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp, story(Path(tmp) / "store") as told:
        told.everything()
        app = told.services.backend.app
        for notification in app.recorder.select_notifications(start=1, limit=1_000_000):
            event_class = resolve_topic(notification.topic)
            if event_class not in wanted:
                continue
            wanted.discard(event_class)
            stored = plain.to_stored_event(app.mapper.to_domain_event(notification))
            fixture: dict[str, Any] = {
                "topic": stored.topic,
                "originator_id": str(stored.originator_id),
                "originator_version": stored.originator_version,
                "state": json.loads(stored.state),
            }
            path = out / fixture_name(event_class)
            path.write_text(json.dumps(fixture, indent=2, ensure_ascii=False) + "\n")
            written.append(path)
    if wanted:
        names = ", ".join(sorted(c.__qualname__ for c in wanted))
        raise SystemExit(f"the story recorded no {names}: add a step to tests/support/story.py")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rewrite existing fixtures too")
    args = parser.parse_args(argv)
    logging.disable(logging.ERROR)  # the story's failing jobs log their tracebacks
    sys.path.insert(0, str(ROOT))
    written = capture(HERE, force=args.force)
    for path in written:
        print(path.relative_to(ROOT))
    print(f"{len(written)} fixtures written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
