"""Overlay clients that flap or stall leave the others' updates unchanged."""

import asyncio
import json
import socket
import sys
import time

import pytest
from websockets.asyncio.client import connect

from bot.broadcaster import Broadcaster
from bot.config import ServerConfig
from bot.latency import percentile

pytestmark = pytest.mark.slow

RATE = 10  # updates per second
PHASE = 4.0  # seconds measured before and during the trouble


def payload():
    # ~1 KB, like a real update, stamped so the watcher can time delivery.
    return json.dumps({"type": "update", "sent": time.monotonic(), "pad": "x" * 1000})


async def watch(url, seconds):
    """Frames per second and delivery latencies (ms) seen by one well-behaved overlay."""
    gaps, latencies = [], []
    async with connect(url) as ws:
        await ws.recv()
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        count = 0
        while loop.time() < end:
            frame = json.loads(await ws.recv())
            latencies.append((time.monotonic() - frame["sent"]) * 1000)
            count += 1
        gaps.append(count / seconds)
    return gaps[0], latencies


# 100 overlays reloading over and over, from another process (as OBS would be).
FLAPPERS = """
import asyncio, sys
from websockets.asyncio.client import connect

async def flap(url, until, counts):
    loop = asyncio.get_running_loop()
    while loop.time() < until:
        try:
            async with connect(url, open_timeout=2) as ws:
                await ws.recv()
                counts.append(1)
        except Exception:
            pass
        await asyncio.sleep(0.05)

async def main(url, seconds):
    counts = []
    until = asyncio.get_running_loop().time() + seconds
    await asyncio.gather(*(flap(url, until, counts) for _ in range(100)))
    print(len(counts))

asyncio.run(main(sys.argv[1], float(sys.argv[2])))
"""


def stalled_client(port):
    """A client that completes the websocket handshake, then never reads again."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(
        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    return sock


async def test_flapping_and_stalled_clients_do_not_slow_the_others():
    """100 clients connecting and disconnecting in a loop, and one that stops reading."""
    server = Broadcaster(ServerConfig(port=0, max_updates_per_s=RATE, max_clients=200), snapshot=payload)
    await server.start()
    changed = asyncio.Event()
    publisher = asyncio.create_task(server.publish(payload, changed))

    async def tick():
        while True:
            changed.set()
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    url = server.ws_url
    before_rate, before = await watch(url, PHASE)

    stalled = stalled_client(server.port)
    flappers = await asyncio.create_subprocess_exec(
        sys.executable, "-c", FLAPPERS, url, str(PHASE + 1), stdout=asyncio.subprocess.PIPE
    )
    await asyncio.sleep(0.5)  # let the flapping get going
    during_rate, during = await watch(url, PHASE)
    flaps = int((await flappers.communicate())[0])
    stalled.close()
    ticker.cancel()
    publisher.cancel()
    await server.close()

    p95_before, p95_during = percentile(before, 95), percentile(during, 95)
    print(
        f"flapping: {flaps} connections in {PHASE:.0f} s; updates/s {before_rate:.1f} -> {during_rate:.1f}; "
        f"p95 delivery {p95_before:.1f} -> {p95_during:.1f} ms"
    )
    assert flaps >= 100
    assert during_rate >= 0.8 * before_rate
    assert p95_during <= max(3 * p95_before, 50.0)
