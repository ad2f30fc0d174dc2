"""The overlay server: the page over HTTP, the mood over the websocket, on one port."""

import asyncio
import json

import pytest
from helpers import http_get
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

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

    async def churn():
        while True:
            changed.set()
            await asyncio.sleep(0.005)

    churner = asyncio.create_task(churn())
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
