"""Recorded chat: the format both ways, real-time pacing, loops and bad files."""

import asyncio
import json

import pytest

from bot.chat import Author, ChatMessage, Kind, SourceState
from bot.errors import DataError
from bot.sources.replay import ReplaySource, ReplayWriter, message_from_json, message_to_json


class FakeTime:
    """A clock that sleeping advances."""

    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def clock(self):
        return self.now

    async def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def write_lines(path, rows):
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows), encoding="utf-8"
    )
    return path


ROWS = [
    {"id": "1", "time": 1000.0, "author": {"name": "a"}, "text": "hi"},
    {"id": "2", "time": 1002.0, "author": {"name": "b"}, "text": "草"},
    {"id": "3", "time": 1005.0, "author": {"name": "c"}, "text": "gg"},
]


async def collect(source):
    return [m async for m in source.messages()]


def test_round_trip_of_every_field():
    """What is written reads back the same, paid and member fields included."""
    message = ChatMessage(
        id="x",
        time=1.5,
        author=Author(name="n", id="UC1", member=True, moderator=True, owner=False),
        text="ありがとう :_kiraLove: 🎉",
        kind=Kind.SUPERCHAT,
        emotes=(":_kiraLove:", "🎉"),
        amount=1000.0,
        currency="JPY",
        amount_text="¥1,000",
    )
    assert message_from_json(json.loads(json.dumps(message_to_json(message)))) == message


async def test_real_time_pacing(tmp_path):
    """Gaps between messages are kept as recorded at speed 1."""
    t = FakeTime()
    source = ReplaySource(write_lines(tmp_path / "c.jsonl", ROWS), clock=t.clock, sleep=t.sleep)
    messages = await collect(source)
    assert [m.text for m in messages] == ["hi", "草", "gg"]
    assert t.sleeps == pytest.approx([2.0, 3.0])
    assert source.status.state is SourceState.ENDED


async def test_speed_divides_the_gaps(tmp_path):
    """--speed 2 plays twice as fast."""
    t = FakeTime()
    await collect(ReplaySource(write_lines(tmp_path / "c.jsonl", ROWS), speed=2, clock=t.clock, sleep=t.sleep))
    assert t.sleeps == pytest.approx([1.0, 1.5])


async def test_speed_zero_never_waits(tmp_path):
    """--speed 0 plays as fast as possible."""
    t = FakeTime()
    await collect(ReplaySource(write_lines(tmp_path / "c.jsonl", ROWS), speed=0, clock=t.clock, sleep=t.sleep))
    assert all(s == 0 for s in t.sleeps)


async def test_loop_repeats_with_unique_ids(tmp_path):
    """--loop plays again from the start; the repeats get ids of their own."""
    t = FakeTime()
    source = ReplaySource(write_lines(tmp_path / "c.jsonl", ROWS), speed=0, loop=True, clock=t.clock, sleep=t.sleep)
    ids = []
    async for m in source.messages():
        ids.append(m.id)
        if len(ids) == 7:
            break
    assert ids == ["1", "2", "3", "1~1", "2~1", "3~1", "1~2"]


async def test_bad_lines_are_skipped_and_counted(tmp_path):
    """Broken lines in a recording are skipped, never fatal."""
    rows = [ROWS[0], "{not json", {"time": "soon", "text": "x"}, "[1, 2]", ROWS[1], '{"time": 1, "text": 5}', ROWS[2]]
    t = FakeTime()
    source = ReplaySource(write_lines(tmp_path / "c.jsonl", rows), clock=t.clock, sleep=t.sleep)
    assert [m.id for m in await collect(source)] == ["1", "2", "3"]
    assert source.skipped == 4


ABSURD_LINES = [
    '{"id": "big", "time": ' + "9" * 400 + ', "text": "time of 400 digits"}',
    '{"id": "inf", "time": Infinity, "text": "time Infinity"}',
    '{"id": "-inf", "time": -Infinity, "text": "time -Infinity"}',
    '{"id": "nan", "time": NaN, "text": "time NaN"}',
    '{"id": "e400", "time": 1e400, "text": "time 1e400"}',
    '{"id": "amt", "time": 1001, "text": "amount of 400 digits", "kind": "superchat", "amount": ' + "9" * 400 + "}",
    '{"id": "amtinf", "time": 1001, "text": "amount Infinity", "kind": "superchat", "amount": Infinity}',
    '{"id": "digits", "time": ' + "9" * 5000 + ', "text": "more digits than Python reads"}',
]


async def test_absurd_numbers_are_skipped_and_counted(tmp_path):
    """A time or amount of 400 digits, Infinity or NaN makes its line a bad line: skipped and counted, never fatal."""
    t = FakeTime()
    source = ReplaySource(
        write_lines(tmp_path / "c.jsonl", [ROWS[0], *ABSURD_LINES, ROWS[1]]), clock=t.clock, sleep=t.sleep
    )
    assert [m.id for m in await collect(source)] == ["1", "2"]
    assert source.skipped == len(ABSURD_LINES)
    assert t.sleeps == pytest.approx([2.0])


async def test_gaps_are_capped(tmp_path):
    """A jump of hours (or to 1e12) in a recording waits a minute at most, and the replay goes on at its pace after."""
    rows = [
        {"id": "a", "time": 1000.0, "text": "start"},
        {"id": "b", "time": 1e12, "text": "far in the future"},
        {"id": "c", "time": 1e12 + 2, "text": "two seconds later"},
        {"id": "d", "time": 1005.0, "text": "back to the past"},
        {"id": "e", "time": 1007.0, "text": "two seconds later"},
        {"id": "f", "time": 1007.0 + 3 * 3600, "text": "three hours later"},
    ]
    t = FakeTime()
    source = ReplaySource(write_lines(tmp_path / "c.jsonl", rows), clock=t.clock, sleep=t.sleep)
    assert len(await collect(source)) == len(rows)
    assert t.sleeps == pytest.approx([60.0, 2.0, 2.0, 60.0])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such recorded chat file"),
        ("nothing here\n", "holds no chat messages"),
        (b"\xff\xfe\x00", "cannot read it"),
    ],
)
def test_unusable_file_is_a_one_line_error(tmp_path, content, message):
    """A missing, empty or binary file stops with one line naming it."""
    path = tmp_path / "chat.jsonl"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(DataError, match=message) as err:
        ReplaySource(path)
    assert "chat.jsonl" in str(err.value)


async def test_writer_appends_what_replay_reads(tmp_path):
    """A recording written by ReplayWriter replays message for message."""
    path = tmp_path / "rec" / "session.jsonl"
    writer = ReplayWriter(path)
    originals = [message_from_json(r) for r in ROWS]
    for m in originals:
        writer.add(m)
    await writer.close()
    t = FakeTime()
    assert await collect(ReplaySource(path, clock=t.clock, sleep=t.sleep)) == originals
    assert writer.written == 3


def test_bundled_sample_chat_is_a_real_recording():
    """The bundled sample: 2,000+ messages over about 20 minutes, in en, id and ja."""
    from bot.sources import SAMPLE_CHAT

    rows = [json.loads(line) for line in SAMPLE_CHAT.read_text(encoding="utf-8").splitlines()]
    messages = [message_from_json(r) for r in rows]
    assert len(messages) >= 2000
    assert 17 * 60 <= messages[-1].time - messages[0].time <= 23 * 60
    texts = " ".join(m.text for m in messages)
    for marker in ("草", "wkwk", "8888", "F"):
        assert marker in texts
    assert any(m.kind is Kind.SUPERCHAT and m.amount for m in messages)


def test_round_trip_keeps_the_chat_and_twitch_flags():
    """Each message's chat (`source`), a first-time chatter and a VIP survive recording and replay."""
    message = ChatMessage(
        id="t1",
        time=2.0,
        author=Author(name="Mika", id="99", vip=True),
        text="hi Kappa",
        emotes=("Kappa",),
        source="twitch:kira",
        first=True,
    )
    obj = message_to_json(message)
    assert obj["source"] == "twitch:kira" and obj["first"] is True and obj["author"]["vip"] is True
    assert message_from_json(json.loads(json.dumps(obj))) == message
    assert "source" not in message_to_json(ChatMessage(id="x", time=1, author=Author(name="a"), text="hi"))


def test_a_recorded_chat_name_must_be_text_and_is_kept_short():
    """`source` that is not text makes the line invalid; an absurdly long one is cut."""
    with pytest.raises(ValueError, match="'source' must be a string"):
        message_from_json({"time": 1, "text": "x", "source": 5})
    assert len(message_from_json({"time": 1, "text": "x", "source": "y" * 10_000}).source) == 100


async def test_skipped_lines_are_counted_in_the_status_with_line_numbers(tmp_path, caplog):
    """The first bad lines are named by number; every one is counted in the source's status."""
    rows = [ROWS[0]] + ["not chat"] * 5 + [ROWS[1]]
    t = FakeTime()
    source = ReplaySource(write_lines(tmp_path / "c.jsonl", rows), clock=t.clock, sleep=t.sleep)
    await collect(source)
    assert source.status.skipped == 5 and source.status.recorded
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 3 and warnings[0].startswith("c.jsonl:2: skipped, not a chat message: not JSON")
    assert "the total comes at the end" in warnings[-1]


@pytest.mark.parametrize(
    "row",
    [
        {"time": 1e400, "text": "x"},
        {"time": float("nan"), "text": "x"},
        {"time": 10**400, "text": "x"},
        {"time": 1.0, "text": "x", "amount": float("inf")},
    ],
)
def test_times_and_amounts_must_be_finite(row):
    """A recorded time of infinity or NaN would stall the replay: such a line is not a message."""
    with pytest.raises(ValueError):
        message_from_json(json.loads(json.dumps(row)))


class SlowStandInScorer:
    """Stand-in for the model where only the flow matters: 3 ms a batch, slower than reading a file."""

    def score(self, texts):
        import time

        from bot.scoring.sentiment import Sentiment

        time.sleep(0.003)
        return [Sentiment(0.5, 0.0, 0.5, 0.5) for _ in texts]


@pytest.mark.slow
async def test_a_recording_at_speed_zero_is_never_dropped_from(tmp_path, caplog):
    """28,000 messages at --speed 0 through the real flow: the reader waits for the model, 0 dropped."""
    from helpers import bot_running, write_recording

    from bot.config import AppConfig, HistoryConfig, ServerConfig, SourceConfig

    path = write_recording(tmp_path / "big.jsonl", [(i * 0.05, f"line {i % 97}") for i in range(28_000)])
    with path.open("a", encoding="utf-8") as f:
        f.write("this line is not chat\n{torn")
    config = AppConfig(
        source=SourceConfig(replay=str(path), speed=0), server=ServerConfig(port=0), history=HistoryConfig(dir=None)
    )
    caplog.set_level("INFO", logger="bot.app")
    async with bot_running(config, SlowStandInScorer()) as bot:
        for _ in range(1200):
            if bot.worker.stats.scored >= 28_000:
                break
            await asyncio.sleep(0.1)
    assert bot.read == 28_000 and bot.worker.stats.scored == 28_000
    assert bot.queue.dropped == 0
    assert bot.queue.max_depth == config.worker.queue_size  # the queue did fill: the reader was held back
    assert "stopped: 28000 messages read, 2 lines skipped" in caplog.text
