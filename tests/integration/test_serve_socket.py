"""The socket `driftmgr serve` listens on: every connection it accepts sends without delay.

Issue 13, item 7: without TCP_NODELAY on the accepted connections, each response's two
writes (uvicorn's head, then body) met Nagle's algorithm and the client's delayed ACK, and
every GET after the first on a kept-alive connection took ~44 ms instead of ~2 ms. These
tests check the socket option, not timings, so a loaded machine cannot make them flake.
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from driftmgr.cli.api import CliError
from driftmgr.cli.server import listening_socket


def test_the_listening_socket_is_tcp_with_nodelay() -> None:
    with listening_socket("127.0.0.1", 0) as sock:
        assert sock.proto == socket.IPPROTO_TCP  # asyncio sets TCP_NODELAY only then
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert sock.getsockname()[1] != 0


def test_connections_served_from_it_as_uvicorn_does_have_tcp_nodelay() -> None:
    # uvicorn.Server.run(sockets=[sock]) serves it with loop.create_server(..., sock=sock).
    async def accepted_nodelay() -> int:
        loop = asyncio.get_running_loop()
        option: asyncio.Future[int] = loop.create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                accepted = transport.get_extra_info("socket")
                option.set_result(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        sock = listening_socket("127.0.0.1", 0)
        server = await loop.create_server(Probe, sock=sock)
        async with server:
            _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
            try:
                return await asyncio.wait_for(option, timeout=30)
            finally:
                writer.close()

    assert asyncio.run(accepted_nodelay())


def test_connections_accepted_from_it_inherit_tcp_nodelay() -> None:
    # Whatever the event loop does: on Linux an accepted socket inherits the listener's.
    with (
        listening_socket("127.0.0.1", 0) as sock,
        socket.create_connection(sock.getsockname()[:2], timeout=30),
    ):
        accepted, _ = sock.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_a_port_in_use_is_a_cli_error() -> None:
    with listening_socket("127.0.0.1", 0) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(CliError, match=f"cannot listen on 127.0.0.1:{port}"):
            listening_socket("127.0.0.1", port)
