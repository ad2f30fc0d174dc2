"""A tiny HTTP/1.1 server on 127.0.0.1 that answers on cue, for the webhook tests."""

import asyncio
import json
import time


class Receiver:
    """A tiny HTTP/1.1 server: answers each POST with the next status of `script` (then 200),
    after `delay` seconds; keeps what it got and when."""

    def __init__(self, script=(), delay=0.0):
        self.script = list(script)
        self.delay = delay
        self.requests = []  # (monotonic time, headers, body, status answered)
        self.server = None

    async def __aenter__(self):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc):
        self.server.close()
        await self.server.wait_closed()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/moodbot"

    async def _serve(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {
                    k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                status = self.answer(lines[0], headers, body)
                self.requests.append((time.monotonic(), headers, body.decode("utf-8"), status))
                await asyncio.sleep(self.delay)
                writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n".encode())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def answer(self, request_line, headers, body):
        """The status for one request: the script's next, then 200."""
        return self.script.pop(0) if self.script else 200

    @property
    def delivered(self):
        return [json.loads(body) for _, _, body, status in self.requests if status < 300]


async def until(condition, seconds=5.0):
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.01)
