"""The live-server helpers never find a port free and bind it again later (a parallel test could take
it in between: a server then fails to start, or a test talks to someone else's server)."""

from __future__ import annotations

import errno
import socket

import httpx
import pytest

from tests.servers import LiveServer, closed_port, sqlite_url


def _bind(port: int) -> int:
    """0 when the port could be bound here, otherwise the errno."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError as err:
            return err.errno
    return 0


def test_a_live_server_holds_its_port_from_the_moment_it_is_made(tmp_path):
    server = LiveServer(sqlite_url(tmp_path), workdir=tmp_path, bootstrap=False)
    try:
        assert _bind(server.port) == errno.EADDRINUSE  # nobody can take it before (or between) starts
    finally:
        server.close()
    assert _bind(server.port) == 0


def test_a_closed_port_stays_closed_and_refuses_connections():
    port = closed_port()
    assert _bind(port) == errno.EADDRINUSE
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/", timeout=2)


def test_a_killed_server_starts_again_on_the_same_socket(tmp_path):
    with LiveServer(sqlite_url(tmp_path), workdir=tmp_path, bootstrap=False) as server:
        assert httpx.get(server.url("/healthz"), timeout=5).status_code == 200
        port = server.port
        server.kill()
        server.start()
        assert server.port == port
        assert httpx.get(server.url("/healthz"), timeout=5).status_code == 200
