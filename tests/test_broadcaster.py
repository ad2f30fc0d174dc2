"""The overlay server: the page over HTTP, the mood over the websocket, on one port."""

import asyncio
import contextlib
import json
import socket
import sys
import time

import pytest
from helpers import http_get
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from bot.broadcaster import Broadcaster
from bot.config import ServerConfig


@pytest.fixture
def overlay(tmp_path):
    folder = tmp_path / "overlay"
    folder.mkdir()
    (folder / "index.html").write_text("<!doctype html><title>mood</title>", encoding="utf-8")
    (folder / "overlay.js").write_text("console.log('ok')", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("do not serve", encoding="utf-8")
    return folder


@pytest.fixture
async def server(overlay):
    broadcaster = Broadcaster(
        ServerConfig(port=0, max_clients=3, max_updates_per_s=5),
        snapshot=lambda: json.dumps({"type": "snapshot", "n": 1}),
        overlay_dir=overlay,
    )
    await broadcaster.start()
    yield broadcaster
    await broadcaster.close()


async def churn(changed, every):
    """The mood changing every `every` seconds, for ever."""
    while True:
        changed.set()
        await asyncio.sleep(every)


async def test_page_and_assets_over_http(server):
    """/ is the page (text/html), assets by name, with no caching in OBS."""
    status, headers, body = await http_get(server.port, "/?theme=light&scale=2")
    assert status == 200 and body.startswith("<!doctype html>")
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-cache"
    status, headers, _ = await http_get(server.port, "/overlay.js")
    assert status == 200 and "javascript" in headers["content-type"]


@pytest.mark.parametrize(
    "path", ["/../secret.txt", "/%2e%2e/secret.txt", "/overlay/../../secret.txt", "//etc/passwd", "/secret.txt", "/.."]
)
async def test_nothing_outside_the_overlay_folder(server, path):
    """Path traversal gets a 404: only the overlay's own files are ever served."""
    status, _, body = await http_get(server.port, path)
    assert status == 404 and "do not serve" not in body


async def test_new_client_gets_a_snapshot_at_once(server):
    """Every new websocket connection gets the full snapshot first."""
    async with connect(server.ws_url) as ws:
        assert json.loads(await asyncio.wait_for(ws.recv(), 2)) == {"type": "snapshot", "n": 1}


async def test_updates_are_capped_in_rate(server):
    """However often the mood changes, updates go out at most max_updates_per_s."""
    changed = asyncio.Event()
    sent = []
    publisher = asyncio.create_task(
        server.publish(lambda: json.dumps({"type": "update"}), changed, on_frame=lambda: sent.append(1))
    )

    churner = asyncio.create_task(churn(changed, 0.005))
    async with connect(server.ws_url) as ws:
        await ws.recv()
        received = 0
        loop = asyncio.get_running_loop()
        end = loop.time() + 1.2
        while loop.time() < end:
            try:
                await asyncio.wait_for(ws.recv(), end - loop.time())
                received += 1
            except TimeoutError:
                break
    churner.cancel()
    publisher.cancel()
    assert 3 <= received <= 8  # 5 per second over 1.2 s, give or take a tick


async def test_idle_updates_keep_coming(server):
    """With nothing changing, an update still goes out about every second."""
    publisher = asyncio.create_task(server.publish(lambda: json.dumps({"type": "update"}), asyncio.Event()))
    async with connect(server.ws_url) as ws:
        await ws.recv()
        assert json.loads(await asyncio.wait_for(ws.recv(), 2.5))["type"] == "update"
    publisher.cancel()


async def test_publisher_stops_even_when_an_update_lands_as_it_is_stopped(server):
    """Stopping the bot while the mood changes in the same instant still stops the publisher
    (asyncio.wait_for in Python 3.11 can swallow that cancellation and keep the bot running)."""
    changed = asyncio.Event()
    publisher = asyncio.create_task(server.publish(lambda: json.dumps({"type": "update"}), changed))
    await asyncio.sleep(0.3)  # past the first frame, waiting for a change
    changed.set()
    publisher.cancel()
    done, _ = await asyncio.wait([publisher], timeout=3)
    assert publisher in done and publisher.cancelled()


async def test_foreign_web_origins_are_refused(server):
    """A page from another web origin cannot open the websocket; the overlay's own can."""
    with pytest.raises(InvalidStatus) as err:
        await connect(server.ws_url, origin="https://evil.example")
    assert err.value.response.status_code == 403
    for origin in (f"http://127.0.0.1:{server.port}", f"http://localhost:{server.port}"):
        async with connect(server.ws_url, origin=origin) as ws:
            await ws.recv()


async def test_connection_limit(server):
    """Past max_clients, new websockets are refused; the open ones are untouched."""
    clients = [await connect(server.ws_url) for _ in range(3)]
    with pytest.raises(InvalidStatus) as err:
        await connect(server.ws_url)
    assert err.value.response.status_code == 503
    for ws in clients:
        assert json.loads(await ws.recv())["type"] == "snapshot"
        await ws.close()


async def test_clients_are_not_listened_to(server):
    """What a client sends is ignored; an oversized message closes only that client."""
    async with connect(server.ws_url) as quiet, connect(server.ws_url) as noisy:
        await quiet.recv()
        await noisy.recv()
        await noisy.send('{"type": "set", "needle": 1}')
        await noisy.send("x" * 100_000)
        await asyncio.wait_for(noisy.wait_closed(), 2)
        assert noisy.close_code == 1009
        server.send('{"type": "update"}')
        assert json.loads(await asyncio.wait_for(quiet.recv(), 2)) == {"type": "update"}


async def test_port_in_use_is_a_clear_error(server, overlay):
    """A second bot on the same port stops with one line saying what to change."""
    from bot.errors import ConfigError

    other = Broadcaster(ServerConfig(port=server.port), snapshot=lambda: "{}", overlay_dir=overlay)
    with pytest.raises(ConfigError, match=r"server\.port"):
        await other.start()


async def test_a_chatty_client_is_closed(server):
    """A client that keeps talking (a flood of 1-byte messages) is closed after a few; the others carry on."""
    async with connect(server.ws_url) as quiet, connect(server.ws_url) as noisy:
        await quiet.recv()
        await noisy.recv()
        with contextlib.suppress(ConnectionClosed):
            for _ in range(1000):
                await noisy.send("x")
        # The server stops reading it at once; the closing handshake then waits out close_timeout (2 s).
        await asyncio.wait_for(noisy.wait_closed(), 5)
        assert noisy.close_code == 1008
        server.send('{"type": "update"}')
        assert json.loads(await asyncio.wait_for(quiet.recv(), 2)) == {"type": "update"}


FLOODER = """
import base64, os, socket, sys, time
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
key = base64.b64encode(os.urandom(16)).decode()
sock.sendall(f"GET /ws HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n"
             f"Sec-WebSocket-Key: {key}\\r\\nSec-WebSocket-Version: 13\\r\\n\\r\\n".encode())
assert b" 101 " in sock.recv(4096)
print("flooding", flush=True)
frames = bytes([0x81, 0x81, 1, 2, 3, 4, ord("x") ^ 1]) * 1000  # 1-byte text messages, masked
end = time.monotonic() + float(sys.argv[2])
sent = 0
try:
    while time.monotonic() < end:
        sock.sendall(frames)
        sent += 1000
except OSError:
    pass
print(sent, flush=True)
"""


@pytest.mark.slow
async def test_cpu_under_a_one_byte_flood(overlay):
    """Four clients flooding 1-byte messages cost the server little CPU; a steady overlay keeps its update rate."""
    server = Broadcaster(ServerConfig(port=0, max_updates_per_s=10), snapshot=lambda: "{}", overlay_dir=overlay)
    changed = asyncio.Event()
    async with server:
        publisher = asyncio.create_task(server.publish(lambda: json.dumps({"type": "update"}), changed))
        churner = asyncio.create_task(churn(changed, 0.02))
        async with connect(server.ws_url) as steady:
            await steady.recv()
            flooders = [
                await asyncio.create_subprocess_exec(
                    sys.executable, "-c", FLOODER, str(server.port), "3", stdout=asyncio.subprocess.PIPE
                )
                for _ in range(4)
            ]
            for flooder in flooders:
                assert await flooder.stdout.readline() == b"flooding\n"
            cpu, wall = time.process_time(), time.monotonic()
            updates = 0
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(3):
                    async for _ in steady:
                        updates += 1
            page_started = time.monotonic()
            await http_get(server.port, "/")
            page_ms = (time.monotonic() - page_started) * 1000
            cpu_share = (time.process_time() - cpu) / (time.monotonic() - wall)
            sent = [int((await flooder.stdout.read()).split()[-1]) for flooder in flooders]
            for flooder in flooders:
                await flooder.wait()
        churner.cancel()
        publisher.cancel()
    rate = updates / 3
    print(
        f"\n4 clients flooding 1-byte messages ({sum(sent):,} sent before being cut off): server CPU {cpu_share:.0%} "
        f"of a core, steady client {rate:.1f} updates/s, GET / {page_ms:.0f} ms"
    )
    assert cpu_share < 0.5
    assert rate >= 7


AT_THE_FD_LIMIT = """
import asyncio, resource, sys
from bot.broadcaster import Broadcaster
from bot.cli import _setup_logging
from bot.config import ServerConfig

_setup_logging(verbose=False)  # as `moodbot run` logs
resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

async def main():
    async with Broadcaster(ServerConfig(port=0), snapshot=lambda: "{}") as server:
        print(server.port, flush=True)
        await asyncio.sleep(float(sys.argv[1]))

asyncio.run(main())
"""


@pytest.mark.slow
async def test_at_the_file_descriptor_limit_one_warning(tmp_path):
    """400 idle connections against a 256-file limit: a rate-limited warning, not a traceback per refused accept."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", AT_THE_FD_LIMIT, "5", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    port = int(await child.stdout.readline())
    sockets = []
    for _ in range(400):  # non-blocking: past the listen backlog a connect waits for ever
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        sockets.append(sock)
    _, err = await asyncio.wait_for(child.communicate(), 30)
    for sock in sockets:
        sock.close()
    text = err.decode()
    print(f"\n400 connections at a 256-file limit for 5 s: {len(err):,} bytes of log, {text.count(chr(10))} lines")
    assert child.returncode == 0, text[-2000:]
    assert "Traceback" not in text
    warnings = [line for line in text.splitlines() if "open-file limit" in line]
    assert 1 <= len(warnings) <= 2, text[-2000:]
    assert len(err) < 2000
