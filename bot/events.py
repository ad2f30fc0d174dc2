"""Events: the moments of a stream worth a word to the streamer and their tools. Pure.

    scored batches ──► EventDetector.scored ────► tech_problem (viewers report a broken stream)
    mood snapshots ──► EventDetector.snapshot ──► hype, laughter, mood_drop
    chat events (a Twitch raid) ──► raid_event ─► raid
                        EventHub.publish ──► subscribers: the overlay's websocket, the session
                                             history, webhooks, the status line, on_event hooks

Each kind has its own cooldown, so a long laugh is one event, not one per second. Time is the
bot's clock (`at`), passed in; the hub stamps each event with Unix time when it is published.

`tech_problem` counts viewers, not messages: one viewer repeating themselves counts once, and a
long text pasted by several viewers (a wall, a meme) counts once however many paste it. Talk
about lag in the game is not a report: the model's `tech` emotion only marks problems with the
stream itself.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .chat import ChatEvent, ChatMessage
from .config import EventsConfig, FeelingEventConfig, MoodDropConfig, TechProblemConfig
from .mood import MoodSnapshot, copypasta_key
from .scored import ScoredMessage

__all__ = [
    "Event",
    "EventDetector",
    "EventHub",
    "EventSubscriber",
    "TechProblemDetector",
    "name_problems",
    "raid_event",
]

log = logging.getLogger(__name__)

_SHOWN = 0.5  # an emotion score from here on means the line shows it (calibrated on dev)
_MAX_QUOTES = 3
_MAX_QUOTE_CHARS = 200
_RECENT_EVENTS = 20  # kept for pages that connect later (the dashboard's list)


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened: its kind, when (the bot's clock; `time` is Unix seconds once
    published) and what the subscribers may show or act on."""

    kind: str
    at: float
    detail: Mapping[str, Any] = field(default_factory=dict)
    time: float = 0.0


EventSubscriber = Callable[[Event], None]


# What a report is about, in English, Indonesian and Japanese (text NFKC-folded and lowercased
# first, so ﾗｸﾞ is ラグ and MIC is mic). Ties go to the first kind listed.
_PROBLEM_WORDS: dict[str, str] = {
    "mic": r"\bmic|microphone|\bmik\b|\b(?:un)?mut(?:e|ed|es|ing)\b|🔇|マイク|ミュート",
    "audio": (
        r"audio|sound|volume|\bhear(?:ing)?\b|\bloud|\bquiet|silent|dead air|\bvoice|sync|\becho|bgm|music"
        r"|headphone|instrumental|drowning|noise|static|buzz|peaking|\bpeaked|clipping|crackl|earrape"
        r"|suara|kedeng[ae]ran|\bdenger|budek|budeg|kresek|dengung|sinkron|musik|vokal|kenceng|kegedean|\bdiem\b"
        r"|音声|音量|無音|音割れ|音[ずズ]レ|音[がもは]?(?:聞こえ|きこえ|出て|小さ|ちい|ちっ|大き|でか|飛|途切|ない)"
        r"|ゲーム音|伴奏|オケ|声[がもは]?(?:聞こえ|きこえ|小さ|ちい|ちっ|割れ|こも|遠|入って|出て)|聞こえ|きこえ|キコエ"
        r"|kikoe|\boto\b|ノイズ|エコー|ハウ|ザー|うるさい|でかい|ボリューム|耳(?:痛|キーン)|割れ"
        r"|ぶつぶつ|ブツブツ|ビリビリ"
    ),
    "video": (
        r"fr(?:ee|o)z|frozen|glitch|screen|black|\bcam\b|camera|webcam|picture|video|\bimage|tracking|capture"
        r"|\bmodel|desktop|wrong (?:scene|window)|covering|can'?t see|\bscene\b|layar|gambar|kamera|beku|blank"
        r"|nutupin|keliatan|画面|映像|映ら|映って|見えない|止まっ|止まる|止まり|とまっ|固ま|真っ暗|真っ黒|暗い|砂嵐"
        r"|フリーズ|トラッキング|カメラ|モデル|立ち絵|口パク|デスクトップ"
    ),
    "lag": (
        r"\blag(?:s|ged|ging|gy|gin|gg+)?\b|feelslagman|buffer|stutter|choppy|\bdelay|\bfps\b|frame|loading"
        r"|\bstuck\b|latency|slideshow|powerpoint|ngelag|nge-lag|macet|patah[- ]?patah|telat|ketinggalan"
        r"|(?<!フ)ラグ|ragu|重い|重っ|重す|重く|重た|おもい|おっも|カクカク|カクつ|遅延|バッファ|くるくる|ぐるぐる"
        r"|フレームレート|(?<!リ)ロード|読み込み"
    ),
    "quality": (
        r"quality|pixel|blurr?y|\bblur\b|blocky|washed out|(?<!\d)\d{3,4}p(?![a-z])|resolution|bitrate"
        r"|kualitas|pecah|burik|resolusi|buram|画質|ガビガビ|ブロックノイズ|モザイク|荒|ぼやけ"
    ),
    "stream": (
        r"stream (?:just )?(?:died|dropped|crashed|is down|went down|ended|end|restarted)|cut(?:ting|s)? out"
        r"|offline|crash|\bobs\b|internet|router|server|reconnect|\bbug|error|putus|restart|private|sinyal"
        r"|(?:配信|回線|サーバー|鯖)が?落ち|落ちた[？?]|切れた|切れる|配信事故|停電|回線|サーバー|非公開|再接続|機材"
        r"|バグ|エラー"
    ),
}
_PROBLEMS = tuple((kind, re.compile(words)) for kind, words in _PROBLEM_WORDS.items())
# Short lines that say the stream is fine (answers to someone's report) are not reports; a
# question ("is it back?") or a long line (a report that mentions what still works) may be.
_FINE = re.compile(
    r"(?:fine|ok|okay|smooth|good|works?|worked) (?:for|on) (?:me|my end)|fixed|better now|back now|we'?re back"
    r"|(?:stream|sound|audio|video|mic) is back|(?:mic|audio|sound|voice) (?:is )?(?:good|fine|clear)|\baman\b"
    r"|lancar|udah (?:normal|balik|jelas)|大丈夫だよ|は大丈夫|[直治]った|問題ない|聞こえてます|きこえてます|ちょうどいい"
)
_FINE_MAX_CHARS = 60
# Lag of the game's world (an enemy that teleports, a boss's delayed swing, the game's servers) is
# not the stream's: a line that names only lag and also the game is not a report.
_GAME_WORLD = re.compile(
    r"game|\bboss|enem(?:y|ies)|hitbox|netcode|opponent|\bmobs?\b|\bnpcs?\b|attack|\bbos\b|musuh|lawan|serangan"
    r"|ゲーム|敵|ボス|相手|攻撃"
)


def name_problems(text: str) -> tuple[str, ...]:
    """What a tech report is about: some of mic, audio, video, lag, quality, stream (in that
    order); empty when it names none of them."""
    folded = _fold(text)
    return tuple(kind for kind, pattern in _PROBLEMS if pattern.search(folded))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _names_a_stream_problem(text: str) -> tuple[str, ...]:
    """The problems a report names, or nothing when it names none or only lag in the game."""
    problems = name_problems(text)
    if problems == ("lag",) and _GAME_WORLD.search(_fold(text)):
        return ()
    return problems


def _says_fine(text: str) -> bool:
    folded = _fold(text)
    return len(folded) <= _FINE_MAX_CHARS and "?" not in folded and _FINE.search(folded) is not None


@dataclass(frozen=True, slots=True)
class _Report:
    at: float
    message: ChatMessage
    copy_key: str | None
    problems: tuple[str, ...]


class TechProblemDetector:
    """Fires when `viewers` distinct viewers report a problem with the stream within `window` s."""

    def __init__(self, config: TechProblemConfig, *, copypasta_min_chars: int) -> None:
        self.config = config
        self._min_chars = copypasta_min_chars
        self._reports: deque[_Report] = deque()
        self._quiet_until = float("-inf")

    def add(self, scored: Iterable[ScoredMessage]) -> Event | None:
        """Take a scored batch; the event when it completes a burst of reports."""
        last = None
        for item in scored:
            emotions = item.sentiment.emotions if item.sentiment else None
            message = item.message
            # The streamer asking "can you hear me?" is not a viewer reporting a problem.
            if not emotions or emotions.get("tech", 0.0) < _SHOWN or message.author.owner or _says_fine(message.text):
                continue
            # A report says what is wrong: a line the model reads as tech that names no problem
            # ("how was your day?") is the model's mistake far more often than a report, and in
            # a big chat such mistakes from three viewers would meet within any window.
            problems = _names_a_stream_problem(message.text)
            if not problems:
                continue
            key = copypasta_key(message.text, self._min_chars)
            self._reports.append(_Report(item.at, message, key, problems))
            last = item.at
        if last is None:
            return None
        while self._reports and self._reports[0].at <= last - self.config.window:
            self._reports.popleft()
        counted = self._counted()
        if len(counted) < self.config.viewers or last < self._quiet_until:
            return None
        self._quiet_until = last + self.config.cooldown
        self._reports.clear()  # the next alert needs new reports
        return Event("tech_problem", last, _tech_detail(counted, self.config.window))

    def _counted(self) -> list[_Report]:
        """The first report of each viewer; a long text counts for the first viewer who sent it."""
        viewers: dict[str, _Report] = {}
        pasted: set[str] = set()
        for report in self._reports:
            viewer = report.message.viewer
            if viewer in viewers or report.copy_key in pasted:
                continue
            if report.copy_key is not None:
                pasted.add(report.copy_key)
            viewers[viewer] = report
        return list(viewers.values())


def _tech_detail(reports: list[_Report], window: float) -> dict[str, Any]:
    votes: Counter[str] = Counter()
    for report in reports:
        votes.update(report.problems)
    order = list(_PROBLEM_WORDS)
    problems = sorted(votes, key=lambda kind: (-votes[kind], order.index(kind)))
    # Quote the reports that name the main problem first: they say it best.
    quoted = sorted(reports, key=lambda report: problems[0] not in report.problems)[:_MAX_QUOTES]
    return {
        "problem": problems[0],
        "problems": problems,
        "viewers": len(reports),
        "window": window,
        "quotes": [
            {
                "author": report.message.author.name,
                "text": report.message.text[:_MAX_QUOTE_CHARS],
                "source": report.message.source,
            }
            for report in quoted
        ],
    }


class _FeelingDetector:
    """Fires when a feeling reaches `share` of the short window's counted messages."""

    def __init__(self, kind: str, emotion: str, config: FeelingEventConfig) -> None:
        self.kind = kind
        self.emotion = emotion
        self.config = config
        self._quiet_until = float("-inf")

    def check(self, snapshot: MoodSnapshot) -> Event | None:
        short = snapshot.short
        share = short.emotions.get(self.emotion, 0.0)
        if share < self.config.share or short.messages < self.config.min_messages:
            return None
        if snapshot.at < self._quiet_until:
            return None
        self._quiet_until = snapshot.at + self.config.cooldown
        detail = {
            "share": round(share, 3),
            "messages": short.messages,
            "rate": round(short.rate, 2),
            "reactions": [{"text": text, "count": count} for text, count in short.reactions[:3]],
        }
        return Event(self.kind, snapshot.at, detail)


class _MoodDropDetector:
    """Fires when the needle falls by `drop` or more within `within` seconds."""

    def __init__(self, config: MoodDropConfig) -> None:
        self.config = config
        # The candidates for the highest needle of the last `within` s, highest first: a point
        # lower than a later one can never be the peak again, so it is dropped (bounded, O(1)).
        self._peaks: deque[tuple[float, float]] = deque()
        self._quiet_until = float("-inf")

    def check(self, snapshot: MoodSnapshot) -> Event | None:
        at, needle = snapshot.at, snapshot.needle
        while self._peaks and self._peaks[-1][1] <= needle:
            self._peaks.pop()
        self._peaks.append((at, needle))
        while self._peaks[0][0] < at - self.config.within:
            self._peaks.popleft()
        peak_at, peak = self._peaks[0]
        if peak - needle < self.config.drop or at < self._quiet_until:
            return None
        self._quiet_until = at + self.config.cooldown
        self._peaks.clear()
        detail = {"from": round(peak, 3), "to": round(needle, 3), "seconds": round(at - peak_at, 1)}
        return Event("mood_drop", at, detail)


class EventDetector:
    """Every detector, fed what the bot already makes: scored batches and mood snapshots."""

    def __init__(self, config: EventsConfig, *, copypasta_min_chars: int) -> None:
        self.tech = TechProblemDetector(config.tech_problem, copypasta_min_chars=copypasta_min_chars)
        self._feelings = (
            _FeelingDetector("hype", "hype", config.hype),
            _FeelingDetector("laughter", "laughter", config.laughter),
        )
        self._drop = _MoodDropDetector(config.mood_drop)

    def scored(self, scored: Iterable[ScoredMessage]) -> list[Event]:
        event = self.tech.add(scored)
        return [event] if event else []

    def snapshot(self, snapshot: MoodSnapshot) -> list[Event]:
        found = [detector.check(snapshot) for detector in (*self._feelings, self._drop)]
        return [event for event in found if event]


def raid_event(event: ChatEvent, at: float) -> Event:
    """A Twitch raid as an event: who raided, with how many viewers, into which chat."""
    detail = {"source": event.source, "from": event.name, "viewers": event.count, "text": event.text}
    return Event("raid", at, detail)


class EventHub:
    """Hands each event of an enabled kind to every subscriber, in the order they subscribed.

    A subscriber that fails is logged and skipped: one broken output never stops the others or
    the flow that found the event. The last events are kept for pages that connect later.
    """

    def __init__(
        self,
        kinds: Iterable[str],
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.kinds = frozenset(kinds)
        self.counts: Counter[str] = Counter()
        self.recent: deque[Event] = deque(maxlen=_RECENT_EVENTS)
        self._subscribers: list[EventSubscriber] = []
        self._clock = clock
        self._wall_clock = wall_clock

    def subscribe(self, subscriber: EventSubscriber) -> None:
        self._subscribers.append(subscriber)

    def add_listener(self, on_event: Callable[[str, Mapping[str, Any]], None]) -> None:
        """Subscribe an output's `on_event(kind, detail)` (VTube Studio's hotkeys, a test's list)."""
        self.subscribe(lambda event: on_event(event.kind, event.detail))

    def publish(self, event: Event) -> None:
        if event.kind not in self.kinds:
            return
        event = replace(event, time=self._wall_clock() - (self._clock() - event.at))
        self.counts[event.kind] += 1
        self.recent.append(event)
        log.info("event %s: %s", event.kind, dict(event.detail))
        for subscriber in self._subscribers:
            try:
                subscriber(event)
            except Exception:
                log.exception("an event subscriber failed on %s", event.kind)
