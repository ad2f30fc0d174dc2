"""The chat message at the edge: whatever a source hands over is cut to sane sizes before any stage sees it."""

import time

from bot.chat import MAX_TEXT, Author, ChatMessage, Kind
from bot.config import MoodConfig
from bot.mood import MoodAggregator
from bot.scored import ScoredMessage


def huge_message(size=5_000_000):
    return ChatMessage(
        id="i" * size,
        time=1.0,
        author=Author(name="n" * size, id="c" * size),
        text="草" * size,
        kind=Kind.SUPERCHAT,
        emotes=(":_x:",) * size,
        amount=1.0,
        currency="¥" * size,
        amount_text="¥" * size,
    )


def test_text_and_fields_are_capped():
    """A 5 MB message keeps its first 2,000 characters of text; ids, names and emotes are cut short too."""
    message = huge_message()
    assert len(message.text) == MAX_TEXT == 2000 and message.text == "草" * 2000
    assert all(len(value) <= 256 for value in (message.id, message.author.name, message.author.id))
    assert len(message.currency) <= 256 and len(message.amount_text) <= 256
    assert len(message.emotes) <= MAX_TEXT


def test_a_cut_through_an_emoji_pair_is_repaired():
    """A cut that splits a surrogate pair leaves U+FFFD, never a string that cannot be written as UTF-8."""
    message = ChatMessage(id="x", time=1.0, author=Author(name="a"), text="a" * 1999 + "\ud83d\ude02")
    assert message.text == "a" * 1999 + "\ufffd"
    message.text.encode("utf-8")


def test_a_5mb_line_costs_the_mood_little():
    """Adding a 5 MB line to the mood (reaction detection included) takes milliseconds, not seconds."""
    aggregator = MoodAggregator(MoodConfig(), start=0.0)
    message = huge_message()
    started = time.perf_counter()
    aggregator.add([ScoredMessage(message, None, 1.0)])
    took = time.perf_counter() - started
    print(f"\nmood of a 5 MB line: {took * 1000:.1f} ms")
    assert took < 0.5
