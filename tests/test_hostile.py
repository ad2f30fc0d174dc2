"""Hostile chat never crashes a stage, and a message the model chokes on costs only itself."""

import asyncio
import json

import pytest
from helpers import bot_running, loop_stalls, mood_messages, msg, write_recording
from websockets.asyncio.client import connect

from bot.chatqueue import ChatQueue
from bot.config import AppConfig, HistoryConfig, MoodConfig, ServerConfig, SourceConfig
from bot.mood import MoodAggregator
from bot.worker import Worker

HOSTILE = [
    "x" * 200,  # YouTube's limit
    "草" * 100_000,  # far beyond it
    "a\u200b\u200c\u200d\u2060b zero width",
    "\u202eRTL override\u202c עברית مرحبا",
    "Z" + "\u0301\u0336\u0489" * 3000,  # combining flood
    "😂🔥❤️👏🏽🇯🇵" * 40,  # emoji only
    "<img src=x onerror=alert(1)>",
    "<script>document.body.innerHTML='pwned'</script>",
    "\"'; DROP TABLE chat; --",
    "\x00\x01\x07 control \x1b[31m red",
    "",
    " ",
    ":_:",  # an empty member emoji name
    ":" * 500,
]
BROKEN_LINES = [
    '{"id": "s1", "time": 1700000001, "author": {"name": "\\ud800bad"}, "text": "lone \\ud800 surrogate \\udfff"}',
    '{"id": "s2", "time": 1700000002, "author": {"name": "pair"}, "text": "split pair \\ud83d\\ude02 ok"}',
    "{this is not json",
    '{"time": "yesterday", "text": "bad time"}',
    "[" * 5000 + "]" * 5000,  # deep nesting
    '{"id": "n", "time": 1700000003, "author": 42, "text": "bad author"}',
]


def hostile_recording(path):
    rows = [
        json.dumps({"id": f"h{i}", "time": 1_700_000_000 + i * 0.01, "author": {"name": f"troll{i}"}, "text": t})
        for i, t in enumerate(HOSTILE)
    ]
    path.write_text("\n".join(rows + BROKEN_LINES) + "\n", encoding="utf-8")
    return path, len(HOSTILE) + 2  # the two surrogate lines are valid messages


@pytest.mark.slow
async def test_hostile_chat_flows_through_every_stage(tmp_path, bundled_scorer):
    """Huge, invisible, RTL, zalgo, markup, control and broken-surrogate chat is read, scored and shown."""
    path, valid = hostile_recording(tmp_path / "hostile.jsonl")
    config = AppConfig(
        source=SourceConfig(replay=str(path), speed=0, record=str(tmp_path / "rec.jsonl")),
        server=ServerConfig(port=0),
        mood=MoodConfig(),
        history=HistoryConfig(dir=str(tmp_path / "sessions"), messages=True),
    )
    async with bot_running(config, bundled_scorer) as bot, connect(bot.broadcaster.ws_url) as ws:
        async with asyncio.timeout(60):
            async for update in mood_messages(ws):
                if (
                    update["totals"]["messages"] == valid
                    and bot.queue.depth == 0
                    and update["totals"]["scored"] >= valid - 2
                ):
                    break
    assert bot.read == valid and bot.worker.stats.failed == 0
    assert bot.sources["replay:hostile"].skipped == len(BROKEN_LINES) - 2
    recorded = (tmp_path / "rec.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(recorded) == valid
    texts = [json.loads(line)["text"] for line in recorded]
    assert "lone \ufffd surrogate \ufffd" in texts and "split pair 😂 ok" in texts
    history = next((tmp_path / "sessions").iterdir()).read_text(encoding="utf-8")
    assert history.count('"type":"message"') == valid


class ChokesOn:
    """The real model, made to fail on one line (a fault injected into the model call)."""

    def __init__(self, scorer, poison):
        self.scorer, self.poison = scorer, poison

    def score(self, texts):
        if self.poison in texts:
            raise RuntimeError("model failure")
        return self.scorer.score(texts)


@pytest.mark.slow
async def test_a_message_the_model_fails_on_is_skipped_and_counted(bundled_scorer):
    """Only the poisoned message is lost; the rest of its batch is scored."""
    queue = ChatQueue(100)
    aggregator = MoodAggregator(MoodConfig(), start=0.0)
    with Worker(queue, ChokesOn(bundled_scorer, "POISON"), batch_size=32, max_wait=0.0) as worker:
        worker.subscribe(lambda batch: aggregator.add(batch.messages))
        for text in ["草", "POISON", "GG", "泣いた"]:
            queue.put(msg(text, author=text))
        await worker.process(await queue.get_batch(32, 0.0))
    assert worker.stats.failed == 1 and worker.stats.scored == 3
    assert aggregator.total == 4


@pytest.mark.slow
async def test_a_5mb_line_does_not_stall_the_overlay(tmp_path, bundled_scorer):
    """A 5 MB chat line is cut to 2,000 characters as it is read: the event loop (and the overlay) never waits long."""
    # Played in real time: the huge line is read a second in, while the probe is watching.
    lines = [(i * 0.05, "GG") for i in range(20)] + [(1.0, "草 " * 2_500_000), (1.1, "草")]
    path = write_recording(tmp_path / "huge.jsonl", lines)
    config = AppConfig(
        source=SourceConfig(replay=str(path), speed=1, record=str(tmp_path / "rec.jsonl")),
        server=ServerConfig(port=0),
        history=HistoryConfig(dir=str(tmp_path / "sessions"), messages=True),
    )
    stall = [0.0]
    async with bot_running(config, bundled_scorer) as bot:
        probe = asyncio.create_task(loop_stalls(stall))
        async with asyncio.timeout(120):
            while bot.worker.stats.scored < 22:
                await asyncio.sleep(0.05)
        probe.cancel()
    print(f"\na 5 MB chat line through the bot: longest event-loop stall {stall[0] * 1000:.0f} ms")
    assert stall[0] < 0.5
    recorded = [json.loads(line) for line in (tmp_path / "rec.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(recorded) == 22 and recorded[20]["text"] == "草 " * 1000
