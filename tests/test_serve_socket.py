"""`portal serve --fd` answers keep-alive requests without Nagle stalls: uvicorn's own `--fd` wraps the
inherited socket as AF_UNIX, asyncio then never sets TCP_NODELAY, and every response on a kept-alive
connection waited for the client's delayed ACK (40 ms on Linux, at least). The quickest of twenty
requests shows it whatever the machine's load."""

from __future__ import annotations

import http.client
import time

from tests.servers import LiveServer, sqlite_url


def _quickest_ms(server: LiveServer, n: int = 20) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        times.append((time.perf_counter() - start) * 1000)
    conn.close()
    return min(times[1:])


def test_portal_serve_on_an_inherited_socket_sets_no_delay(tmp_path):
    with LiveServer(sqlite_url(tmp_path), workdir=tmp_path, via_cli=True) as server:
        assert _quickest_ms(server) < 35
