"""The tech alert on replays, with the bundled model: bursts of 3-5 viewers reporting a problem in
English, Indonesian or Japanese inside normal chat fire `tech_problem` within 10 s of the third
report, naming the problem; the 20-minute sample chat, talk about lag in the game and a copy-pasted
"no audio" meme fire nothing. Run with `-s` to see the figures.

The sample chat's frustrating-boss stretch (660-840 s) has viewers saying the *stream* lags or
sounds wrong ("is it just me or is the stream buffering", "buffering terus di aku", "音ズレしてる"),
three of them within eight seconds: by the alert's own rule that is a burst, so the sample chat is
checked twice: with those lines taken out it fires nothing, and as it is it fires only there.

The replays are scored as the worker scores them (the whole timeline cut into the batches that
arrive within 0.25 s, each scored at the batch's end), so a 20-minute chat takes seconds.
"""

import asyncio
import json
import time
from pathlib import Path

import pytest
from helpers import bot_running
from http_receiver import Receiver, until
from websockets.asyncio.client import connect

from bot.chat import Author, ChatMessage
from bot.config import AppConfig, EventsConfig, HistoryConfig, MoodConfig, ServerConfig, SourceConfig
from bot.events import TechProblemDetector
from bot.scored import ScoredMessage
from bot.scoring.heads import has_emotion_head
from bot.scoring.lookup import resolve_model
from bot.sources.replay import message_from_json, message_to_json

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not has_emotion_head(resolve_model("bundled")), reason="the bundled model has no emotion head yet"
    ),
]

SAMPLE = Path(__file__).parent.parent / "bot" / "assets" / "sample_chat.jsonl"
STEP = 0.25  # seconds of chat per batch, as the worker takes them (at most 50 ms wait, but bursts pile up)
MAX_DELAY = 10.0  # the alert must come within this many seconds of the third report

# Reports written for these tests (none is a line of the training corpus), by language and problem.
BURSTS = {
    ("en", "audio"): [
        "yo there's no sound at all",
        "can't hear anything?? is it just me",
        "audio's gone",
        "no audio since the last scene",
        "sound is completely muted for me",
    ],
    ("en", "video"): [
        "screen has been frozen for a minute",
        "stream froze on my end",
        "picture is stuck, audio still going",
        "video is frozen lol",
        "her model stopped moving, frozen?",
    ],
    ("en", "lag"): [
        "stream keeps buffering",
        "so much buffering rn",
        "stream is lagging like crazy",
        "constant buffering here",
        "is the stream lagging for anyone else",
    ],
    ("id", "audio"): [
        "kak suaranya ga ada",
        "ga kedengeran apa apa kak",
        "suara kakak ilang",
        "kak audio nya mati ya?",
        "kok ga ada suara nya kak",
    ],
    ("id", "video"): [
        "kak layarnya nge-freeze",
        "gambarnya macet kak",
        "layar nya item doang kak",
        "kak streamnya beku",
        "videonya ga gerak kak",
    ],
    ("id", "lag"): [
        "kak ngelag parah",
        "buffering terus kak",
        "stream nya lag bgt",
        "dari tadi loading mulu",
        "patah patah bgt kak",
    ],
    ("ja", "audio"): ["音聞こえないよ", "音声入ってない？", "無音になってる", "声が聞こえません", "音出てないよー"],
    ("ja", "video"): [
        "画面止まってるよ",
        "映像フリーズしてる",
        "画面真っ暗になった",
        "映像が固まってる",
        "画面動いてない",
    ],
    ("ja", "lag"): [
        "めっちゃカクカクする",
        "配信めっちゃ重いんだけど",
        "ずっとバッファリングしてる",
        "ラグひどい",
        "カクつきすごい",
    ],
}
BURST_GAPS = (0.0, 6.0, 13.0, 21.0, 27.0)  # seconds after the first report: a burst over half a minute

# Lag in the game, not in the stream: what chat says when the game's servers or netcode misbehave.
GAME_LAG = [
    "the game's servers are lagging so bad lol",
    "enemy lagged straight through the wall",
    "this boss has lag frames for sure",
    "netcode moment, that hit didn't register",
    "the game lags every time there's an explosion lol",
    "lag in this game is insane",
    "server game nya lagi ngelag wkwk",
    "musuhnya nge-lag, teleport wkwk",
    "game nya emang suka lag pas boss",
    "kalah gara2 lag server game nya",
    "ゲームのサーバー重いね",
    "敵がラグってワープしてて草",
    "このゲームラグ多いよね",
    "ラグで負けたの可哀想",
]
MEME = "NO AUDIO NO AUDIO NO AUDIO 🔇🔇🔇"
# The sample chat's lines (data/sample_chat/lines.tsv, "struggle") in which viewers talk about the
# stream itself (lag, buffering, desync, loud game audio) or answer that it works for them.
SAMPLE_REPORTS = {
    "the lag spike right at the end ???",
    "stream is lagging for me",
    "is it just me or is the stream buffering",
    "audio is desynced a little",
    "audio is kinda crackling",
    "mic peaking when she screams lol",
    "her game audio is way louder than her now",
    "fine for me, try refreshing",
    "lag was on my side nvm",
    "kak lag ya?",
    "streamnya patah patah",
    "buffering terus di aku",
    "audionya telat dikit kak",
    "suaranya kresek kresek",
    "suara gamenya kegedean kak",
    "di aku lancar kok, coba refresh",
    "oh sinyalku yang jelek ternyata",
    "ラグい？",
    "止まった",
    "カクカクしてる",
    "こっちだけかな、重い",
    "音ズレしてる",
    "音割れしてる",
    "ゲーム音大きめかも",
    "こっちは大丈夫だよ",
    "リロードしたら治った",
}
STRUGGLE = (660.0, 840.0)


def sample_chat() -> list[ChatMessage]:
    return [message_from_json(json.loads(line)) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]


def said(text, viewer, at, start):
    return ChatMessage(id=f"{viewer}-{at}", time=start + at, author=Author(name=viewer, id=viewer), text=text)


@pytest.fixture(scope="module")
def score(bundled_scorer):
    """Text -> Sentiment with the bundled model, each distinct line scored once per module."""
    cache = {}

    def scored(texts):
        new = sorted({t for t in texts if t not in cache})
        cache.update(zip(new, bundled_scorer.score(new)))
        return cache

    return scored


def replay(messages, score, config=None):
    """Feed the timeline to a fresh detector as the worker would; the events, with times relative
    to the first message."""
    messages = sorted(messages, key=lambda m: m.time)
    start = messages[0].time
    sentiments = score([m.text for m in messages])
    detector = TechProblemDetector(config or EventsConfig().tech_problem, copypasta_min_chars=12)
    batches = {}
    for m in messages:
        batches.setdefault(int((m.time - start) / STEP), []).append(m)
    events = []
    for index in sorted(batches):
        at = (index + 1) * STEP  # scored when the batch is complete
        event = detector.add([ScoredMessage(m, sentiments[m.text], at) for m in batches[index]])
        if event:
            events.append(event)
    return events


def tech_lines(messages, score):
    sentiments = score([m.text for m in messages])
    return sorted({m.text for m in messages if (sentiments[m.text].emotions or {}).get("tech", 0) >= 0.5})


def test_the_sample_chat_without_its_stream_reports_fires_no_alert(score):
    """The bundled 20-minute sample chat, its viewers' reports about the stream taken out, raises no
    tech_problem."""
    chat = [m for m in sample_chat() if m.text not in SAMPLE_REPORTS]
    events = replay(chat, score)
    marked = tech_lines(chat, score)
    print(f"\nsample chat: {len(chat)} messages, {len(marked)} distinct lines read as tech: {marked}")
    assert events == [], [e.detail for e in events]


def test_the_sample_chat_alerts_only_where_viewers_say_the_stream_lags(score):
    """As it is, the sample chat alerts in the stretch where viewers report lag and bad audio, naming
    one of them, and nowhere else."""
    chat = sample_chat()
    events = replay(chat, score)
    print(
        "\nsample chat as it is: "
        + (
            ", ".join(f"{e.detail['problem']} at {e.at:.1f} s ({e.detail['viewers']} viewers)" for e in events)
            or "none"
        )
    )
    assert events, "the lag reports of the struggle stretch raised no alert"
    assert all(STRUGGLE[0] <= e.at <= STRUGGLE[1] and e.detail["problem"] in ("lag", "audio") for e in events)


def test_game_lag_talk_and_a_pasted_meme_fire_no_alert(score):
    """Fourteen viewers talking about lag in the game over three minutes, one viewer pasting a "no
    audio" meme ten times and four others pasting it after them, inside normal chat: no alert."""
    chat = sample_chat()
    start = chat[0].time
    background = [m for m in chat if 300 <= m.time - start < 500]
    lag_talk = [said(text, f"gamer{i}", 310 + i * 12.0, start) for i, text in enumerate(GAME_LAG)]
    meme = [said(MEME, "memer", 330 + i * 3.0, start) for i in range(10)]
    meme += [said(MEME, f"paster{i}", 362 + i * 1.5, start) for i in range(4)]
    events = replay(background + lag_talk + meme, score)
    marked = tech_lines(lag_talk + meme, score)
    print(f"\ngame lag talk and meme: {len(marked)} of {len(GAME_LAG) + 1} distinct lines read as tech: {marked}")
    assert events == [], [e.detail for e in events]


CASES = [(lang, problem, n) for lang, problem in BURSTS for n in (3, 4, 5)]
# Where the bursts go: every phase of the sample chat but the stretch with its own lag reports.
OFFSETS = (60.0, 240.0, 420.0, 540.0, 960.0, 1080.0)


# Measured with the bundled model (README, "Events"): en 9 of 9 bursts alert, id 7 of 9, ja 5 of 9;
# every miss is a report the model did not read as tech. The floor keeps today's figures from
# slipping back; the goal is every burst.
FLOOR = {"en": 9, "id": 7, "ja": 5}


def test_bursts_of_reports_fire_within_10_s_of_the_third(score):
    """Bursts of 3-5 distinct viewers reporting a problem inside normal chat, in each language: an
    alert within 10 s of the third report names the problem and quotes the reporters; how many
    bursts alert in time is printed per language and may not fall below today's figures."""
    fired: dict[str, int] = dict.fromkeys(FLOOR, 0)
    chat = sample_chat()
    start = chat[0].time
    for index, (lang, problem, viewers) in enumerate(CASES):
        offset = OFFSETS[index % len(OFFSETS)]  # a different stretch each time
        background = [m for m in chat if offset - 60 <= m.time - start < offset + 90]
        reports = [
            said(text, f"reporter{i}", offset + gap, start)
            for i, (text, gap) in enumerate(zip(BURSTS[lang, problem][:viewers], BURST_GAPS))
        ]
        events = replay(background + reports, score)
        third = reports[2].time - min(m.time for m in background + reports)  # on the replay's clock
        print(
            f"\n{lang} {problem} x{viewers} at {offset:.0f} s: "
            + (f"alert {events[0].at - third:+.2f} s after the third report" if events else "NO ALERT")
            + f"; read as tech: {tech_lines(reports, score)}"
        )
        assert len(events) <= 1, [e.detail for e in events]
        if events and events[0].at - third <= MAX_DELAY:  # a later alert counts as a miss
            event = events[0]
            assert event.detail["problem"] == problem
            # Quoted: the reporters (a viewer of the background chat may be counted too, if the model
            # read their line as a report of the same kind).
            assert {q["author"] for q in event.detail["quotes"]} & {m.author.name for m in reports}
            fired[lang] += 1
    per_lang = {lang: sum(1 for c in CASES if c[0] == lang) for lang in FLOOR}
    print("\nbursts alerted: " + ", ".join(f"{lang} {fired[lang]} of {per_lang[lang]}" for lang in FLOOR))
    assert all(fired[lang] >= FLOOR[lang] for lang in FLOOR), fired


async def test_the_running_bot_alerts_the_dashboard_history_and_webhooks(tmp_path, chromium, bundled_scorer):
    """The real bot on a replay with a burst of reports: the event frame reaches /ws, the dashboard
    banner shows within 2 s of it, the history gets an "event" line, and a webhook gets the POST."""
    chat = sample_chat()
    start = chat[0].time
    background = [m for m in chat if 60 <= m.time - start < 80]
    reports = [said(text, f"reporter{i}", 62 + 2 * i, start) for i, text in enumerate(BURSTS["en", "audio"][:4])]
    recording = tmp_path / "burst.jsonl"
    rows = sorted(background + reports, key=lambda m: m.time)
    recording.write_text("".join(json.dumps(message_to_json(m)) + "\n" for m in rows), encoding="utf-8")
    async with Receiver() as hook:
        config = AppConfig(
            source=SourceConfig(replay=str(recording), speed=2.0),
            mood=MoodConfig(short_window=5.0),
            server=ServerConfig(port=0),
            history=HistoryConfig(dir=str(tmp_path / "sessions"), flush_interval=0.5),
            events=EventsConfig(webhooks=[hook.url]),
        )
        heard = []
        async with bot_running(config, bundled_scorer) as bot:
            bot.hub.add_listener(lambda kind, detail: heard.append(kind))
            page = await chromium.new_page()
            await page.goto(bot.broadcaster.url + "dashboard")
            await page.wait_for_function("document.documentElement.dataset.connection === 'open'", timeout=10000)
            async with connect(bot.broadcaster.ws_url) as ws:
                async with asyncio.timeout(30):
                    async for frame in ws:
                        message = json.loads(frame)
                        if message["type"] == "event" and message["kind"] == "tech_problem":
                            break
            arrived = time.monotonic()
            await page.locator(".db-alert").wait_for(state="visible", timeout=2000)
            print(f"\nbanner {1000 * (time.monotonic() - arrived):.0f} ms after the frame reached a client")
            assert "AUDIO" in await page.locator(".db-alert-title").text_content()
            await until(lambda: any(m["kind"] == "tech_problem" for m in hook.delivered), 10)
        assert "tech_problem" in heard
    history = next((tmp_path / "sessions").glob("*.jsonl")).read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in history if json.loads(line)["type"] == "event"]
    assert [e["kind"] for e in events if e["kind"] == "tech_problem"] == ["tech_problem"]
    assert events[0]["detail"]["viewers"] >= 3
