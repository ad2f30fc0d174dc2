"""Shared test doubles for the YouTube reader: the recorded payloads, a fake clock, a fake YouTube."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

FIXTURES = Path(__file__).parent / "fixtures" / "youtube"
LIVE_ID = "7kdepDepMjk"  # the stream the recorded live_chat page belongs to
ARCHIVED_ID = "archivedVid"

# What a fake endpoint answers: JSON (dict or list), raw text (str), an HTTP status (int), an
# exception raised as the transport would, a whole httpx.Response, or a function of the request
# that returns one of these.
Answer = dict[str, Any] | list[Any] | str | int | Exception | httpx.Response | Callable[[httpx.Request], Any]


def load_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def load_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def chat_page(initial_data: dict[str, Any] | None = None) -> str:
    """A live_chat page as YouTube writes it, around the recorded (or given) ytInitialData."""
    data = initial_data if initial_data is not None else load_json("pages/live_chat_page_ytInitialData.json")
    return (
        '<html><body><script>ytcfg.set({"INNERTUBE_API_KEY":"chat-page-key",'
        '"INNERTUBE_CLIENT_VERSION":"2.20261102.00.00"});</script>'
        f'<script>window["ytInitialData"] = {json.dumps(data, ensure_ascii=False)};</script></body></html>'
    )


def quiet(timeout_ms: Any = 10_000) -> dict[str, Any]:
    """A poll answer with a next continuation and no chat."""
    continuation = {"timedContinuationData": {"timeoutMs": timeout_ms, "continuation": "quiet"}}
    return {"responseContext": {}, "continuationContents": {"liveChatContinuation": {"continuations": [continuation]}}}


def texts(*times: float, timeout_ms: Any = 10_000) -> dict[str, Any]:
    """A poll answer with one text message posted at each of `times` (Unix seconds)."""
    answer = quiet(timeout_ms)
    answer["continuationContents"]["liveChatContinuation"]["actions"] = [
        {
            "addChatItemAction": {
                "item": {
                    "liveChatTextMessageRenderer": {
                        "id": f"t{at}",
                        "timestampUsec": str(int(at * 1_000_000)),
                        "message": {"runs": [{"text": "hi"}]},
                        "authorName": {"simpleText": "@viewer"},
                    }
                }
            }
        }
        for at in times
    ]
    return answer


def unique_replay_ids(page: dict[str, Any], tag: str) -> dict[str, Any]:
    """Give each anonymised replay item (all `dummy_id`) its own id, as real items have."""
    chat = page.get("response", page)["continuationContents"]["liveChatContinuation"]
    for number, action in enumerate(chat.get("actions", ())):
        for inner in action["replayChatItemAction"]["actions"]:
            for renderer in inner["addChatItemAction"]["item"].values():
                renderer["id"] = f"{tag}-{number}"
    return page


async def read_request(reader: asyncio.StreamReader) -> tuple[str, str] | None:
    """One HTTP/1.1 request from a loopback client: (method, path without the query), None at its end."""
    request_line = await reader.readline()
    if not request_line:
        return None
    method, target, _ = request_line.decode().split(" ", 2)
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return method, target.split("?")[0]


class FakeTime:
    """A clock that only moves when the code under test sleeps; sleeps return at once."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self.on_sleep: list[Callable[[], None]] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        for callback in self.on_sleep:
            callback()
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class FakeYouTube:
    """Stands in for youtube.com: pages by path, and scripted answers to the chat API in order.

    Each route holds a list of answers taken in turn; a page route repeats its last answer, a
    chat API route fails the test when its script runs out (so a loop can never spin forever).
    """

    def __init__(self, pages: dict[str, Answer | list[Answer]], polls: list[Answer] | None = None) -> None:
        self._routes = {path: list(a) if isinstance(a, list) else [a] for path, a in pages.items()}
        self._polls = list(polls or [])
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self._handle)
        self.client = httpx.AsyncClient(transport=self.transport)

    def paths(self) -> list[str]:
        """Every request so far as "METHOD /path", in order."""
        return [f"{r.method} {r.url.path}" for r in self.requests]

    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies of the chat API requests so far."""
        return [json.loads(r.content) for r in self.requests if r.method == "POST"]

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path.startswith("/youtubei/v1/live_chat/"):
            assert self._polls, f"the test scripted no answer for this {path} request"
            return _respond(self._polls.pop(0), request)
        route = self._routes.get(path)
        assert route, f"the test scripted no page for {path}"
        return _respond(route.pop(0) if len(route) > 1 else route[0], request)


def _respond(answer: Answer, request: httpx.Request) -> httpx.Response:
    if callable(answer):
        return _respond(answer(request), request)
    if isinstance(answer, httpx.Response):
        return answer
    if isinstance(answer, Exception):
        raise answer
    if isinstance(answer, int):
        return httpx.Response(answer, request=request)
    if isinstance(answer, str):
        return httpx.Response(200, text=answer, request=request)
    return httpx.Response(200, json=answer, request=request)
