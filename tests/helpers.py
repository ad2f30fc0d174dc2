"""Small builders shared by tests."""

from __future__ import annotations

import itertools

from bot.chat import Author, ChatMessage, Kind
from bot.scoring.sentiment import Sentiment

_ids = itertools.count()


def msg(
    text: str = "hi", *, author: str = "a", at: float = 0.0, kind: Kind = Kind.TEXT, member: bool = False
) -> ChatMessage:
    """A chat message with just what a test cares about."""
    return ChatMessage(
        id=f"m{next(_ids)}",
        time=1_700_000_000 + at,
        author=Author(name=author, id=author, member=member),
        text=text,
        kind=kind,
    )


def sentiment(valence: float) -> Sentiment:
    """A sentiment whose shares agree with its valence (positive or negative part, rest neutral)."""
    pos, neg = max(valence, 0.0), max(-valence, 0.0)
    return Sentiment(valence=valence, negative=neg, neutral=1 - pos - neg, positive=pos)


def felt(valence: float, *shown: str) -> Sentiment:
    """A sentiment from a model that reads emotions: those `shown` score 0.9, the others 0.1."""
    from bot.scoring.sentiment import EMOTIONS

    return sentiment(valence).with_emotions({e: 0.9 if e in shown else 0.1 for e in EMOTIONS})


async def http_get(port: int, path: str) -> tuple[int, dict[str, str], str]:
    """A plain HTTP/1.1 GET on loopback: status, headers (lowercase names), body."""
    import asyncio

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), value.strip())
    return int(lines[0].split()[1]), headers, body.decode("utf-8")


async def mood_messages(ws):
    """The snapshot and update messages of a websocket, parsed; event messages are passed over."""
    import json

    async for frame in ws:
        message = json.loads(frame)
        if message["type"] != "event":
            yield message


def write_recording(path, lines: list[tuple[float, str]], *, start: float = 1_700_000_000.0):
    """A replay file: (seconds from start, text) pairs, each from its own viewer."""
    import json

    with open(path, "w", encoding="utf-8") as f:
        for i, (at, text) in enumerate(lines):
            row = {"id": f"r{i}", "time": start + at, "author": {"name": f"viewer{i}", "id": f"v{i}"}, "text": text}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def free_port() -> int:
    """A loopback port nobody is listening on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bot_running(config, scorer, source=None):
    """`async with bot_running(config, scorer) as bot:` the real bot, stopped cleanly on exit."""
    import asyncio
    import contextlib

    from bot.app import run_bot

    @contextlib.asynccontextmanager
    async def running():
        stop = asyncio.Event()
        ready = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(
            run_bot(
                config,
                stop=stop,
                scorer=scorer,
                sources=None if source is None else {"test": source},
                on_ready=ready.set_result,
                status_interval=None,
            )
        )
        bot = await asyncio.wait_for(ready, 30)
        try:
            yield bot
        finally:
            stop.set()
            try:
                await asyncio.wait_for(task, 30)
            except TimeoutError:
                raise AssertionError("the bot did not stop within 30 s of being asked to") from None

    return running()


async def loop_stalls(box: list[float]) -> None:
    """Keeps the longest delay of a 10 ms sleep in box[0]: how long the event loop was blocked at most."""
    import asyncio

    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(0.01)
        box[0] = max(box[0], loop.time() - before - 0.01)


async def start_moodbot(program, *args, **kwargs):
    """`program ARGS` as a subprocess with its output piped (program: `[sys.executable, "-m", "bot"]`
    or an installed `moodbot`); returns it and its "Overlay ready" line once printed."""
    import asyncio

    process = await asyncio.create_subprocess_exec(
        *map(str, program), *map(str, args), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, **kwargs
    )
    async for line in process.stdout:
        if line.startswith(b"Overlay ready:"):
            return process, line
    raise AssertionError((await process.stderr.read()).decode(errors="replace")[-3000:])
