"""The unit tier tests pure logic: a test here that opens a connection or starts a process
fails at once, so servers and terraform stay in tests/integration and tests/e2e, and
`make test-fast` stays fast."""

from __future__ import annotations

import socket
import subprocess
from typing import Any, NoReturn

import pytest


def _refuse(what: str) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> NoReturn:
        raise AssertionError(
            f"a unit test may not {what}: move it to tests/integration or tests/e2e"
        )

    return refuse


@pytest.fixture(autouse=True)
def _no_network_or_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    # asyncio's self-pipe uses socketpair(), which never connects, so event loops still work.
    monkeypatch.setattr(socket.socket, "connect", _refuse("open a network connection"))
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse("open a network connection"))
    monkeypatch.setattr(subprocess.Popen, "__init__", _refuse("start a process"))
