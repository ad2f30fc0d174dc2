"""Webhooks against a real HTTP server on 127.0.0.1 that fails, hangs or refuses on cue."""

import asyncio
import json
import time

import pytest
from helpers import free_port
from http_receiver import Receiver, until

from bot.outputs.webhooks import WebhookSender


@pytest.fixture
async def sender_for():
    """`sender_for(urls, **options)`: a running sender, stopped when the test ends."""
    running = []

    async def start(urls, **options):
        options = {"timeout": 1.0, "retries": 3, "queue_size": 10, "backoff": 0.05, **options}
        sender = await WebhookSender(urls, **options).__aenter__()
        running.append((sender, asyncio.create_task(sender.run())))
        return sender

    yield start
    for sender, task in running:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await sender.__aexit__(None, None, None)


EVENT = {"type": "event", "kind": "tech_problem", "time": 1.0, "detail": {"problem": "audio", "quotes": ["音が無い"]}}


async def test_a_failing_webhook_is_retried_with_back_off_until_it_answers(sender_for):
    """503, 503, then 200: the event arrives once, on the third try, after growing pauses."""
    async with Receiver(script=[503, 503]) as receiver:
        sender = await sender_for([receiver.url])
        sender.post(EVENT)
        await until(lambda: receiver.delivered)
        times = [t for t, *_ in receiver.requests]
        assert [status for *_, status in receiver.requests] == [503, 503, 200]
        assert times[1] - times[0] >= 0.05 and times[2] - times[1] >= 0.1  # 0.05 s, then doubled
        assert receiver.delivered == [EVENT]
        assert receiver.requests[-1][1]["content-type"] == "application/json"
        assert (sender.stats.sent, sender.stats.failed, sender.stats.dropped) == (1, 0, 0)


async def test_a_dead_webhook_neither_delays_a_live_one_nor_lasts_forever(sender_for):
    """A URL nobody listens on is tried 1 + retries times and given up; the live URL gets the event at once."""
    async with Receiver() as receiver:
        dead = f"http://127.0.0.1:{free_port()}/hook"
        sender = await sender_for([dead, receiver.url], retries=2)
        started = time.monotonic()
        sender.post(EVENT)
        await until(lambda: receiver.delivered)
        assert time.monotonic() - started < 0.5
        await until(lambda: sender.stats.failed == 1)
        assert sender.stats.sent == 1


async def test_a_refusal_is_not_retried(sender_for):
    """404 means a wrong URL: one try, counted as failed."""
    async with Receiver(script=[404]) as receiver:
        sender = await sender_for([receiver.url])
        sender.post(EVENT)
        await until(lambda: sender.stats.failed == 1)
        await asyncio.sleep(0.2)
        assert len(receiver.requests) == 1


async def test_a_hanging_webhook_times_out_and_a_full_queue_drops_without_waiting(sender_for):
    """A server that answers after 10 s: posting 20 events takes no time, the queue keeps 5, the
    rest are dropped and counted, and each try ends at the timeout."""
    async with Receiver(delay=10.0) as receiver:
        sender = await sender_for([receiver.url], timeout=0.2, retries=0, queue_size=5)
        started = time.perf_counter()
        for i in range(20):
            sender.post({**EVENT, "time": i})
        assert time.perf_counter() - started < 0.05
        await until(lambda: sender.stats.failed >= 2)
        # post never waits, so the queue filled before the first was sent: five kept, fifteen dropped.
        assert sender.stats.dropped == 15
        assert 0.15 <= receiver.requests[1][0] - receiver.requests[0][0] < 1.0


class DoActionStandIn(Receiver):
    """Streamer.bot's HTTP Server as its documentation describes `POST /DoAction`: a JSON body with
    an `action` naming an existing action by `id` or `name` and optional `args`; 204 No Content."""

    def __init__(self, actions):
        super().__init__()
        self.actions = set(actions)
        self.ran = []

    def answer(self, request_line, headers, body):
        if not request_line.startswith("POST /DoAction ") or headers.get("content-type") != "application/json":
            return 400
        request = json.loads(body)
        action, args = request.get("action"), request.get("args", {})
        if not isinstance(action, dict) or not isinstance(args, dict):
            return 400
        if action.get("name") not in self.actions:
            return 404
        self.ran.append((action["name"], args))
        return 204

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/DoAction"


async def test_streamerbot_runs_the_action_named_for_the_event(sender_for):
    """With events.streamerbot, a tech_problem runs Streamer.bot's "moodbot tech_problem" action, its
    details as arguments; the plain webhooks still get the event JSON itself."""
    event = {
        "type": "event",
        "kind": "tech_problem",
        "time": 1764230400.5,
        "detail": {
            "problem": "audio",
            "problems": ["audio", "mic"],
            "viewers": 3,
            "window": 45.0,
            "quotes": [{"author": "Rizky", "text": "suaranya ga ada", "source": "youtube:x"}],
        },
    }
    async with DoActionStandIn(["moodbot tech_problem"]) as streamerbot, Receiver() as plain:
        sender = await sender_for([plain.url], streamerbot=streamerbot.url)
        sender.post(event)
        await until(lambda: streamerbot.ran and plain.delivered)
    name, args = streamerbot.ran[0]
    assert name == "moodbot tech_problem"
    assert args["problem"] == "audio" and args["problems"] == "audio, mic" and args["viewers"] == 3
    assert args["quote1"] == "Rizky: suaranya ga ada" and json.loads(args["json"]) == event
    assert plain.delivered == [event]
