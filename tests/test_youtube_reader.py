"""The YouTube reader against a fake YouTube that serves the recorded payloads (no network)."""

import contextlib
import copy
import functools
import json
import logging
import math
import random
import re

import httpx
import pytest
from youtube_fakes import (
    ARCHIVED_ID,
    LIVE_ID,
    FakeTime,
    FakeYouTube,
    chat_page,
    load_json,
    load_text,
    quiet,
    texts,
    unique_replay_ids,
)

from bot.chat import ChatSource, Kind, SourceState, SourceStatus
from bot.config import YouTubeConfig
from bot.errors import ConfigError, SourceEnded
from bot.sources.pacing import MAX_GAP
from bot.sources.youtube import YouTubeSource
from bot.sources.youtube.items import parse_chat_response
from bot.sources.youtube.pages import find_chat

CONFIG = YouTubeConfig(base_url="https://youtube.test", max_backoff=60, silence_factor=10, min_silence=60)
LIVE_PAGES = {"/watch": load_text("pages/handmade_watch_live.html"), "/live_chat": chat_page()}
CHAT_DATA = load_json("pages/live_chat_page_ytInitialData.json")
LIVE_TOKEN = find_chat(CHAT_DATA, "live").continuation
TOP_TOKEN = find_chat(CHAT_DATA, "top").continuation
FIRST = load_json("live/paramgen_firstread.json")  # two messages, then wait 5.035 s
FIRST_NEXT = FIRST["continuationContents"]["liveChatContinuation"]["continuations"][0]["timedContinuationData"][
    "continuation"
]
TEXT = load_json("live/textmessage.json")  # one message, then wait 5.041 s
FINISHED = load_json("live/finished_live.json")
CONNECTING = SourceStatus(SourceState.CONNECTING, f"opening video {LIVE_ID}")
LIVE = SourceStatus(SourceState.LIVE, f"live chat of {LIVE_ID}")
ENDED = SourceStatus(SourceState.ENDED, "stream ended")


def without_continuation(answer):
    answer = copy.deepcopy(answer)
    del answer["continuationContents"]["liveChatContinuation"]["continuations"]
    return answer


@pytest.fixture
async def youtube():
    """Makes fake YouTubes and closes their clients after the test."""
    fakes = []

    def make(pages, polls=()):
        fakes.append(FakeYouTube(pages, list(polls)))
        return fakes[-1]

    yield make
    for fake in fakes:
        await fake.client.aclose()


@pytest.fixture
def time():
    """A fake clock and sleep, so back-offs, polls and pacing take no real time."""
    return FakeTime()


def reader(fake, time, target=LIVE_ID, config=CONFIG, **options):
    return YouTubeSource(
        target, config, client=fake.client, clock=time.clock, sleep=time.sleep, rng=random.Random(7), **options
    )


async def run(source, time):
    """All messages, and every distinct status the source went through (checked at each sleep and message)."""
    statuses = [source.status]

    def note():
        if source.status != statuses[-1]:
            statuses.append(source.status)

    time.on_sleep.append(note)
    messages = []
    async for message in source.messages():
        note()
        messages.append(message)
    note()
    return messages, statuses


def assert_unique(messages):
    ids = [m.id for m in messages]
    assert len(ids) == len(set(ids))


async def test_live_recorded_stream(youtube, time):
    """Recorded responses come through in order, each kind intact, until the recorded end of stream."""
    polls = [
        FIRST,
        TEXT,
        load_json("live/superchat.json"),
        load_json("live/supersticker.json"),
        load_json("live/newSponsor_rev.json"),
        load_json("live/handmade_emoji_runs.json"),
        FINISHED,
    ]
    fake = youtube(LIVE_PAGES, polls)
    source: ChatSource = reader(fake, time)  # what type checkers verify against the protocol
    messages, statuses = await run(source, time)

    assert [m.kind for m in messages[:6]] == [Kind.TEXT] * 3 + [Kind.SUPERCHAT, Kind.SUPERSTICKER, Kind.MEMBERSHIP]
    assert messages[0].text == "伝説を見た！"
    assert messages[6].text == "草 😂😂 :_pekoHi:"
    assert len(messages) == 12
    assert_unique(messages)
    assert statuses == [CONNECTING, LIVE, ENDED]
    assert fake.paths()[:2] == ["GET /watch", "GET /live_chat"]
    assert fake.paths()[2:] == ["POST /youtubei/v1/live_chat/get_live_chat"] * 7


async def test_poll_requests_and_waits(youtube, time):
    """Polls carry YouTube's continuation and the page's client settings, and wait as timeoutMs says (at most 8 s)."""
    fake = youtube(LIVE_PAGES, [FIRST, load_json("live/superchat.json"), FINISHED])
    await run(reader(fake, time), time)

    first, second, _ = fake.bodies()
    assert first["continuation"] == LIVE_TOKEN
    assert second["continuation"] == FIRST_NEXT
    assert first["context"]["client"]["clientName"] == "WEB"
    assert first["context"]["client"]["clientVersion"] == "2.20261102.00.00"
    # Each page read refreshes the settings: the live_chat page's visitor data replaces the watch page's.
    assert (
        first["context"]["client"]["visitorData"]
        == CHAT_DATA["responseContext"]["webResponseContextExtensionData"]["ytConfigData"]["visitorData"]
    )
    post = next(r for r in fake.requests if r.method == "POST")
    assert post.url.params["key"] == "chat-page-key"
    assert time.sleeps == [pytest.approx(5.035), 8.0]  # the superchat's 8.86 s is capped
    assert fake.requests[1].url.params["v"] == LIVE_ID


async def test_top_chat_mode(youtube, time):
    """chat_mode top opens the "Top chat" continuation instead of "Live chat"."""
    fake = youtube(LIVE_PAGES, [TEXT, FINISHED])
    source = reader(fake, time, config=YouTubeConfig(base_url="https://youtube.test", chat_mode="top"))
    _, statuses = await run(source, time)
    assert fake.bodies()[0]["continuation"] == TOP_TOKEN
    assert SourceStatus(SourceState.LIVE, f"top chat of {LIVE_ID}") in statuses


async def test_no_message_twice(youtube, time):
    """A message YouTube sends again is yielded once."""
    fake = youtube(LIVE_PAGES, [FIRST, FIRST, TEXT, TEXT, FINISHED])
    messages, _ = await run(reader(fake, time), time)
    assert len(messages) == 3
    assert_unique(messages)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (429, "HTTP 429"),
        (500, "HTTP 500"),
        (503, "HTTP 503"),
        (httpx.ReadTimeout("read timed out"), "YouTube did not answer in time"),
        (httpx.ConnectError("connection refused"), "cannot reach YouTube: check the internet connection"),
        (httpx.ReadError("connection reset"), "connection failed (ReadError)"),
        ("{not json", "malformed JSON from YouTube"),
        ({"unexpected": "shape"}, "malformed JSON from YouTube"),
    ],
)
async def test_passing_faults_are_retried(youtube, time, fault, reason):
    """429, 5xx, timeouts, connection errors and malformed JSON: back off, retry the same poll, go on."""
    fake = youtube(LIVE_PAGES, [FIRST, fault, fault, TEXT, FINISHED])
    messages, statuses = await run(reader(fake, time), time)

    assert len(messages) == 3
    assert [b["continuation"] for b in fake.bodies()[1:4]] == [FIRST_NEXT] * 3
    retrying = [s for s in statuses if s.state is SourceState.RECONNECTING]
    assert [s.detail for s in retrying] == [f"{reason}, retrying in 1 s", f"{reason}, retrying in 2 s"]
    assert statuses[0] == CONNECTING and statuses[1] == LIVE
    assert statuses[-2:] == [LIVE, ENDED]
    assert 0.5 <= time.sleeps[1] <= 1 and 1 <= time.sleeps[2] <= 2


async def test_backoff_grows_to_the_cap_and_resets(youtube, time):
    """Waits double up to max_backoff, with jitter, and start again from 1 s after a good poll."""
    config = YouTubeConfig(base_url="https://youtube.test", max_backoff=4)
    fake = youtube(LIVE_PAGES, [FIRST, *[503] * 6, TEXT, 503, load_json("live/superchat.json"), FINISHED])
    await run(reader(fake, time, config=config), time)

    backoffs = time.sleeps[1:7]
    bounds = [(0.5, 1), (1, 2), (2, 4), (2, 4), (2, 4), (2, 4)]
    assert all(low <= wait <= high for wait, (low, high) in zip(backoffs, bounds, strict=True))
    assert len(set(backoffs[2:])) == 4  # jittered, not in step
    assert time.sleeps[7] == pytest.approx(5.041)
    assert 0.5 <= time.sleeps[8] <= 1


async def test_fault_while_connecting(youtube, time):
    """A failing watch page at start is retried with status CONNECTING (not RECONNECTING)."""
    pages = {**LIVE_PAGES, "/watch": [502, 502, LIVE_PAGES["/watch"]]}
    fake = youtube(pages, [TEXT, FINISHED])
    messages, statuses = await run(reader(fake, time), time)
    assert len(messages) == 1
    assert [s.state for s in statuses] == [SourceState.CONNECTING] * 3 + [SourceState.LIVE, SourceState.ENDED]
    assert statuses[1].detail == "HTTP 502, retrying in 1 s"


async def test_missing_continuation_reopens_the_chat(youtube, time):
    """A response without a next continuation still yields its messages, then the chat is opened afresh."""
    fake = youtube(LIVE_PAGES, [FIRST, without_continuation(TEXT), FIRST, load_json("live/superchat.json"), FINISHED])
    messages, statuses = await run(reader(fake, time), time)

    assert len(messages) == 4  # FIRST's two again after re-opening are dropped
    assert_unique(messages)
    assert fake.paths()[4:7] == ["GET /watch", "GET /live_chat", "POST /youtubei/v1/live_chat/get_live_chat"]
    assert fake.bodies()[2]["continuation"] == LIVE_TOKEN
    assert (
        SourceStatus(
            SourceState.RECONNECTING, "YouTube sent no next continuation, re-opening the chat, retrying in 1 s"
        )
        in statuses
    )
    assert statuses[-1] == ENDED


async def test_refused_poll_reopens_the_chat(youtube, time):
    """A poll refused with HTTP 403 re-opens the chat from the pages and carries on."""
    fake = youtube(LIVE_PAGES, [FIRST, 403, TEXT, FINISHED])
    messages, statuses = await run(reader(fake, time), time)
    assert len(messages) == 3
    assert fake.paths().count("GET /live_chat") == 2
    assert SourceStatus(SourceState.RECONNECTING, "HTTP 403, re-opening the chat, retrying in 1 s") in statuses
    assert statuses[-1] == ENDED


async def test_stream_goes_private(youtube, time):
    """When polls are refused and the watch page now says private, the source ends with that reason."""
    pages = {**LIVE_PAGES, "/watch": [LIVE_PAGES["/watch"], load_text("pages/handmade_watch_private.html")]}
    fake = youtube(pages, [FIRST, 403])
    messages, statuses = await run(reader(fake, time), time)
    assert len(messages) == 2
    assert statuses[-1] == SourceStatus(SourceState.ENDED, "stream went private")


async def test_silent_chat_reopens_the_chat(youtube, time, caplog):
    """No new message for min_silence: the watchdog re-fetches a fresh continuation and says why."""
    fake = youtube(LIVE_PAGES, [FIRST, *[quiet()] * 8, FIRST, TEXT, FINISHED])
    with caplog.at_level(logging.INFO, logger="bot.sources.youtube.reader"):
        messages, statuses = await run(reader(fake, time), time)

    # 5.035 s + 7 waits of 8 s: the 8th quiet poll is the first past 60 s of silence.
    assert fake.paths()[11:13] == ["GET /watch", "GET /live_chat"]
    assert len(messages) == 3
    assert_unique(messages)
    assert any("no new chat for 61 s (limit 60 s)" in r.getMessage() for r in caplog.records)
    assert [s.state for s in statuses] == [SourceState.CONNECTING, SourceState.LIVE, SourceState.ENDED]


async def test_watchdog_follows_the_chats_pace(youtube, time):
    """A chat whose messages come 3 s apart is re-opened after silence_factor x 3 s, not min_silence."""
    config = YouTubeConfig(base_url="https://youtube.test", silence_factor=10, min_silence=5)
    fake = youtube(LIVE_PAGES, [texts(100, 103, 106, 109, 112), *[quiet()] * 4, TEXT, FINISHED])
    await run(reader(fake, time, config=config), time)
    # Quiet for 8, 16, 24, 32 s: only past 30 s (10 x 3 s) is the chat opened again.
    assert fake.paths()[7:9] == ["GET /watch", "GET /live_chat"]


async def test_end_of_stream(youtube, time):
    """The recorded end-of-stream answer ends the source cleanly: status ENDED, messages() returns."""
    fake = youtube(LIVE_PAGES, [FIRST, FINISHED])
    messages, statuses = await run(reader(fake, time), time)
    assert len(messages) == 2
    assert statuses == [CONNECTING, LIVE, ENDED]


async def test_chat_disabled(youtube, time):
    """A live stream with its chat turned off ends with YouTube's words, without an exception."""
    fake = youtube({**LIVE_PAGES, "/live_chat": load_text("pages/handmade_live_chat_disabled.html")})
    messages, statuses = await run(reader(fake, time), time)
    assert messages == []
    assert statuses[-1] == SourceStatus(SourceState.ENDED, "Chat is disabled for this live stream.")


@pytest.mark.parametrize(
    ("page", "why"),
    [
        ("pages/handmade_watch_private.html", f"video {LIVE_ID} is private"),
        ("pages/handmade_watch_unavailable.html", f"video {LIVE_ID} is unavailable: Video unavailable"),
        ("pages/handmade_watch_ordinary.html", f"video {LIVE_ID} is not a live stream"),
        (404, f"video {LIVE_ID}: YouTube answered HTTP 404"),
    ],
)
async def test_no_stream_to_read(youtube, time, page, why):
    """A private, removed, missing or ordinary video raises SourceEnded before anything, and says so."""
    fake = youtube({"/watch": load_text(page) if isinstance(page, str) else page})
    source = reader(fake, time)
    with pytest.raises(SourceEnded, match=f"^{why}$"):
        await run(source, time)
    assert source.status == SourceStatus(SourceState.ENDED, why)
    assert fake.paths() == ["GET /watch"]


async def test_channel_not_live(youtube, time):
    """A channel with nothing live raises SourceEnded("@handle is not live now") from its /live page."""
    fake = youtube({"/@pekora/live": load_text("pages/handmade_channel_not_live.html")})
    with pytest.raises(SourceEnded, match=r"^@pekora is not live now$"):
        await run(reader(fake, time, target="https://www.youtube.com/@pekora"), time)


async def test_channel_showing_an_old_stream_is_not_live(youtube, time):
    """A channel whose /live page shows a finished stream is not live: nothing old is replayed."""
    fake = youtube({"/channel/UC1DCedRgGHBdm81E1llLhOQ/live": load_text("pages/handmade_watch_archived.html")})
    with pytest.raises(SourceEnded, match="not live now"):
        await run(reader(fake, time, target="youtube.com/channel/UC1DCedRgGHBdm81E1llLhOQ"), time)


async def test_channel_live(youtube, time):
    """A live channel's /live page gives the video whose chat is then read."""
    fake = youtube({"/@pekora/live": LIVE_PAGES["/watch"], "/live_chat": chat_page()}, [TEXT, FINISHED])
    messages, _ = await run(reader(fake, time, target="@pekora"), time)
    assert len(messages) == 1
    assert fake.requests[1].url.params["v"] == LIVE_ID


def test_bad_target(time):
    """A target that is no YouTube stream is refused when the source is made."""
    with pytest.raises(ConfigError, match="not a YouTube stream"):
        YouTubeSource("https://vimeo.com/1", CONFIG, clock=time.clock, sleep=time.sleep)


def replay_polls(*names):
    return [unique_replay_ids(load_json(f"replay/{name}"), name) for name in names]


@pytest.mark.parametrize("speed", [1.0, 4.0])
async def test_replay_paced_by_video_offset(youtube, time, speed):
    """An archived stream's chat is replayed via its replay continuation, spaced by video offset / speed
    (a gap of more than a minute waits a minute)."""
    fake = youtube(
        {"/watch": load_text("pages/handmade_watch_archived.html")},
        replay_polls("pt0-0.json", "replay_member_text.json", "replay_end.json"),
    )
    source = reader(fake, time, target=ARCHIVED_ID, replay_speed=speed)
    messages, statuses = await run(source, time)

    assert len(messages) == 51
    assert_unique(messages)
    # The chat of the first 15 s, then a jump to the end at 5025.12 s, waited a minute at most.
    assert sum(time.sleeps) == pytest.approx((15.0 - 12.0) / speed + MAX_GAP)
    assert time.sleeps[0] == pytest.approx(0.06 / speed)
    assert fake.paths()[1:] == ["POST /youtubei/v1/live_chat/get_live_chat_replay"] * 3
    bodies = fake.bodies()
    assert bodies[0]["continuation"] == "handmade-replay-all-archivedVid"
    assert [b["currentPlayerState"]["playerOffsetMs"] for b in bodies] == ["0", "15000", "5025120"]
    assert statuses[1] == SourceStatus(SourceState.LIVE, f"replaying the chat of {ARCHIVED_ID}")
    assert statuses[-1] == SourceStatus(SourceState.ENDED, "replay finished")


async def test_replay_as_fast_as_possible(youtube, time):
    """replay_speed 0 replays without waiting; a first answer holding only a seek is followed."""
    fake = youtube(
        {"/watch": load_text("pages/handmade_watch_archived.html")},
        replay_polls("replay_end.json", "pt0-0.json", "pt0-1.json", "replay_end.json"),
    )
    messages, _ = await run(reader(fake, time, target=ARCHIVED_ID, replay_speed=0), time)
    assert len(messages) == 100
    assert time.sleeps == []
    assert fake.bodies()[1]["continuation"] == "___reload_continuation___"


async def test_replay_retries_and_stops(youtube, time):
    """A replay retries passing faults and ends cleanly when YouTube refuses it."""
    fake = youtube({"/watch": load_text("pages/handmade_watch_archived.html")}, [503, *replay_polls("pt0-0.json"), 403])
    messages, statuses = await run(reader(fake, time, target=ARCHIVED_ID, replay_speed=0), time)
    assert len(messages) == 50
    assert statuses[1] == SourceStatus(SourceState.CONNECTING, "HTTP 503, retrying in 1 s")
    assert statuses[-1] == SourceStatus(SourceState.ENDED, "chat replay stopped: YouTube answered HTTP 403")


async def test_replay_turned_off(youtube, time):
    """An archived stream without chat replay ends with YouTube's words."""
    fake = youtube({"/watch": load_text("pages/handmade_watch_archived_no_replay.html")})
    messages, statuses = await run(reader(fake, time, target="noReplayVid"), time)
    assert messages == []
    assert statuses[-1] == SourceStatus(SourceState.ENDED, "Live chat replay has been turned off for this video.")


async def test_own_client_is_closed(youtube, time, monkeypatch):
    """Without an injected client the source makes its own and closes it, even when the reader stops early."""
    fake = youtube(LIVE_PAGES, [FIRST, TEXT, FINISHED])
    made = []
    real_client = httpx.AsyncClient

    def make_client(**options):
        made.append(real_client(transport=fake.transport, **options))
        return made[-1]

    monkeypatch.setattr(httpx, "AsyncClient", make_client)
    source = YouTubeSource(LIVE_ID, CONFIG, clock=time.clock, sleep=time.sleep)
    async with contextlib.aclosing(source.messages()) as stream:
        async for _ in stream:
            break
    assert len(made) == 1 and made[0].is_closed


def hostile(answer, mangle):
    """A JSON answer as text, with one value swapped for raw JSON that Python's json reads but YouTube never sends."""
    marker = "HOSTILE-VALUE"
    text = json.dumps(mangle(copy.deepcopy(answer), marker))
    return text.replace(f'"{marker}"', mangle.raw)


def _set_timeout(answer, value):
    answer["continuationContents"]["liveChatContinuation"]["continuations"][0]["timedContinuationData"]["timeoutMs"] = (
        value
    )
    return answer


def _set_timestamp(answer, value):
    renderer = answer["continuationContents"]["liveChatContinuation"]["actions"][0]["addChatItemAction"]["item"]
    renderer["liveChatTextMessageRenderer"]["timestampUsec"] = value
    return answer


def mangler(function, raw):
    function = functools.partial(function)
    function.raw = raw
    return function


HOSTILE_ANSWERS = {
    "timeoutMs 1e400": hostile(quiet(), mangler(_set_timeout, "1e400")),
    "timeoutMs NaN": hostile(quiet(), mangler(_set_timeout, "NaN")),
    "timeoutMs of 400 digits": hostile(quiet(), mangler(_set_timeout, "9" * 400)),
    "timestampUsec of 400 digits": hostile(texts(1), mangler(_set_timestamp, '"' + "9" * 400 + '"')),
    "timestampUsec 1e400": hostile(texts(1), mangler(_set_timestamp, "1e400")),
    "JSON nested 100k deep": "[" * 100_000 + "]" * 100_000,
    "objects nested 100k deep": '{"a":' * 100_000 + "1" + "}" * 100_000,
    "actions nested 100k deep": json.dumps(quiet()).replace(
        '"continuations"', '"actions": ' + "[" * 100_000 + "]" * 100_000 + ', "continuations"'
    ),
}


@pytest.mark.parametrize("answer", HOSTILE_ANSWERS.values(), ids=HOSTILE_ANSWERS.keys())
async def test_hostile_numbers_and_nesting_never_leave_the_reader(youtube, time, answer):
    """Overflowing numbers and absurd nesting are a bad answer at worst: the reader goes on to the next poll."""
    fake = youtube(LIVE_PAGES, [FIRST, answer, TEXT, FINISHED])
    messages, statuses = await run(reader(fake, time), time)
    assert len(messages) == 3  # FIRST's two and TEXT's one; a hostile item is skipped
    assert statuses[-1] == ENDED
    assert all(0 < wait <= 8 for wait in time.sleeps)


def test_hostile_amounts_and_offsets_are_no_numbers():
    """A superchat of 400 digits has no amount; a replay item at a 400-digit offset is skipped, its neighbours kept."""
    paid = copy.deepcopy(load_json("live/superchat.json"))
    text = json.dumps(paid)
    shown = re.search(r'"purchaseAmountText": \{"simpleText": "([^"]+)"', text).group(1)
    message = parse_chat_response(json.loads(text.replace(shown, "$" + "9" * 400))).items[0].message
    assert message.amount is None and message.amount_text == ("$" + "9" * 400)[:256]  # cut at the edge

    replay = unique_replay_ids(load_json("replay/pt0-0.json"), "r")
    actions = replay.get("response", replay)["continuationContents"]["liveChatContinuation"]["actions"]
    actions[1]["replayChatItemAction"]["videoOffsetTimeMsec"] = "9" * 400
    actions[2]["replayChatItemAction"]["videoOffsetTimeMsec"] = float("inf")
    items = parse_chat_response(replay).items
    assert len(items) == len(actions) - 2
    assert all(math.isfinite(item.offset) for item in items)


@pytest.mark.parametrize("timeout_ms", [1, 0, -5000, -1e9])
async def test_poll_wait_has_a_floor(youtube, time, timeout_ms):
    """An answer asking to come back in 1 ms (or a negative time) still waits 1 s before the next poll."""
    fake = youtube(LIVE_PAGES, [texts(1, timeout_ms=timeout_ms), quiet(timeout_ms), quiet(timeout_ms), FINISHED])
    await run(reader(fake, time), time)
    assert time.sleeps == [1.0, 1.0, 1.0]


def refuse_until(time, moment, refusal):
    """A watch page that answers `refusal` until the fake clock reaches `moment`, then the live page."""

    def answer(request):
        return refusal(request) if time.now < moment else LIVE_PAGES["/watch"]

    return answer


def redirect_to_itself(request):
    return httpx.Response(302, headers={"Location": str(request.url)}, request=request)


@pytest.mark.parametrize(
    ("refusal", "reason"),
    [(lambda request: 403, "HTTP 403"), (redirect_to_itself, "redirect loop")],
    ids=["403", "redirect loop"],
)
@pytest.mark.parametrize(("outage", "longest_recovery"), [(2.0, 4.0), (30.0, 16.0)], ids=["2 s", "30 s"])
async def test_watch_page_refusal_while_reopening_is_retried(youtube, time, refusal, reason, outage, longest_recovery):
    """A 403 or a redirect loop on the watch page while re-opening the chat retries with back-off, never ends;
    the chat comes back soon after YouTube does (within the back-off reached: 1, 2, 4, 8, 16 s, with jitter)."""
    refused_from = time.now + 5.035  # FIRST asks to wait 5.035 s, then the poll is refused
    pages = {**LIVE_PAGES, "/watch": [LIVE_PAGES["/watch"], refuse_until(time, refused_from + outage, refusal)]}
    fake = youtube(pages, [FIRST, 403, TEXT, FINISHED])
    source = reader(fake, time)
    statuses, arrivals = [], []

    time.on_sleep.append(lambda: statuses.append(source.status))
    async for message in source.messages():
        arrivals.append((time.now, message))
    recovery = arrivals[-1][0] - (refused_from + outage)
    print(f"watch page {reason} for {outage:.0f} s while re-opening: chat back {recovery:.1f} s after YouTube")

    assert len(arrivals) == 3
    assert source.status == ENDED
    retrying = [s for s in statuses if s.state is SourceState.RECONNECTING]
    assert any(reason in s.detail for s in retrying), retrying
    assert fake.paths().count("GET /watch") >= 3
    assert 0 <= recovery <= longest_recovery
