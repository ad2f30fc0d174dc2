"""Configuration: read config.yaml once, check every key, hand plain frozen objects down.

Each section is a frozen dataclass; `load_config` rejects unknown keys (with a hint), wrong
types and out-of-range values with one line naming the key (and quoting at most ~100 characters
of the value). Every number has bounds. YAML aliases (`*name`) are refused: a few of them can
expand a 300-byte file into gigabytes. Durations are in seconds unless the key says otherwise;
`null` switches an optional feature off.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import platformdirs
import yaml

from .errors import ConfigError, quoted

__all__ = [
    "EVENT_KINDS",
    "HOTKEY_EVENTS",
    "LOOPBACK_HOSTS",
    "AppConfig",
    "EventsConfig",
    "FeelingEventConfig",
    "FilesConfig",
    "HistoryConfig",
    "ModelConfig",
    "MoodConfig",
    "MoodDropConfig",
    "ServerConfig",
    "SourceConfig",
    "TechProblemConfig",
    "TwitchConfig",
    "VTubeStudioConfig",
    "WorkerConfig",
    "YouTubeConfig",
    "load_config",
]


# The names this machine answers to itself; serving on any other address needs server.allow_remote.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

# The chat events an avatar hotkey can answer (the events engine emits them).
HOTKEY_EVENTS = ("hype", "laughter", "mood_drop", "tech_problem")


def _check(ok: bool, key: str, allowed: str, value: Any) -> None:
    if not ok:
        raise ConfigError(f"{key}: must be {allowed} (got {quoted(value)})")


def _check_range(value: float, low: float, high: float, key: str, *, above_low: bool = False) -> None:
    """`low`..`high` (or more than `low` when `above_low`), named in the error as such."""
    ok = (low < value if above_low else low <= value) and value <= high
    _check(ok, key, f"more than {low:g}, at most {high:g}" if above_low else f"{low:g}..{high:g}", value)


def _is_url(url: str, schemes: tuple[str, ...]) -> bool:
    if not url.isprintable() or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
        # Reading .port raises ValueError unless it is a number in 0..65535.
        return parts.scheme in schemes and bool(parts.hostname) and (parts.port or 0) >= 0
    except ValueError:  # e.g. "http://[::1": an unclosed IPv6 address
        return False


@dataclass(frozen=True, kw_only=True)
class SourceConfig:
    """Where chat comes from: YouTube streams and Twitch channels (several at once), or a recording."""

    video: str | list[str] | None = None
    twitch: str | list[str] | None = None
    replay: str | None = None
    speed: float = 1.0
    loop: bool = False
    record: str | None = None

    def __post_init__(self) -> None:
        _check(0 <= self.speed <= 1000, "source.speed", "0 (as fast as possible) to 1000", self.speed)
        for key, raw, values in (
            ("source.video", self.video, self.videos),
            ("source.twitch", self.twitch, self.channels),
        ):
            _check(all(values), key, "text or a list of text", raw)
        live = bool(self.videos or self.channels)
        _check(not (live and self.replay), "source", "either video/twitch or replay, not both", "both")

    @property
    def videos(self) -> tuple[str, ...]:
        """The YouTube streams to read (one string or a list in config.yaml)."""
        return _as_tuple(self.video)

    @property
    def channels(self) -> tuple[str, ...]:
        """The Twitch channels to read (one string or a list in config.yaml)."""
        return _as_tuple(self.twitch)


def _as_tuple(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True, kw_only=True)
class YouTubeConfig:
    """How the live reader talks to YouTube."""

    base_url: str = "https://www.youtube.com"
    chat_mode: Literal["live", "top"] = "live"
    request_timeout: float = 10.0
    max_backoff: float = 60.0
    silence_factor: float = 10.0
    min_silence: float = 60.0

    def __post_init__(self) -> None:
        _check(_is_url(self.base_url, ("http", "https")), "youtube.base_url", "an http(s) URL", self.base_url)
        _check_range(self.request_timeout, 0, 300, "youtube.request_timeout", above_low=True)
        _check_range(self.max_backoff, 1, 3600, "youtube.max_backoff")
        _check_range(self.silence_factor, 1, 1000, "youtube.silence_factor")
        _check_range(self.min_silence, 0, 3600, "youtube.min_silence", above_low=True)


@dataclass(frozen=True, kw_only=True)
class TwitchConfig:
    """How the Twitch reader connects: anonymously and read-only, over IRC on a websocket."""

    url: str = "wss://irc-ws.chat.twitch.tv:443"
    connect_timeout: float = 10.0
    max_backoff: float = 60.0

    def __post_init__(self) -> None:
        _check(_is_url(self.url, ("ws", "wss")), "twitch.url", "a ws:// or wss:// URL", self.url)
        _check_range(self.connect_timeout, 0, 300, "twitch.connect_timeout", above_low=True)
        _check_range(self.max_backoff, 1, 3600, "twitch.max_backoff")


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """Which model scores chat, and how its labels read as sentiment."""

    path: str = "bundled"
    label_map: dict[str, str] = field(default_factory=dict)
    backend: Literal["auto", "torch", "onnx", "onnx-int8"] = "auto"
    device: str = "cpu"
    max_length: int = 64
    threads: int | None = None

    def __post_init__(self) -> None:
        _check(self.device == "cpu" or self.device.startswith("cuda"), "model.device", "cpu or cuda", self.device)
        _check(8 <= self.max_length <= 512, "model.max_length", "8..512", self.max_length)
        _check(self.threads is None or 1 <= self.threads <= 256, "model.threads", "1..256, or null", self.threads)


@dataclass(frozen=True, kw_only=True)
class WorkerConfig:
    """The queue between reader and worker, and the micro-batches."""

    queue_size: int = 2000
    batch_size: int = 32
    max_wait_ms: int = 150

    def __post_init__(self) -> None:
        _check_range(self.queue_size, 1, 1_000_000, "worker.queue_size")
        _check(1 <= self.batch_size <= 512, "worker.batch_size", "1..512", self.batch_size)
        _check(0 <= self.max_wait_ms <= 10_000, "worker.max_wait_ms", "0..10000", self.max_wait_ms)


@dataclass(frozen=True, kw_only=True)
class MoodConfig:
    """The rolling windows and how much each message may count."""

    short_window: float = 15.0
    long_window: float = 180.0
    needle_smoothing: float = 3.0
    max_per_author: int = 3
    copypasta_min_chars: int = 12
    copypasta_max_weight: float = 3.0
    superchat_weight: float = 1.0
    member_weight: float = 1.0
    top_reactions: int = 5
    history_seconds: float = 300.0

    def __post_init__(self) -> None:
        _check_range(self.short_window, 0, 3600, "mood.short_window", above_low=True)
        _check(
            self.long_window >= self.short_window, "mood.long_window", "at least mood.short_window", self.long_window
        )
        _check_range(self.long_window, 0, 86400, "mood.long_window")
        _check_range(self.needle_smoothing, 0, 600, "mood.needle_smoothing")
        _check_range(self.max_per_author, 1, 1000, "mood.max_per_author")
        _check_range(self.copypasta_min_chars, 1, 2000, "mood.copypasta_min_chars")
        _check_range(self.copypasta_max_weight, 0, 1000, "mood.copypasta_max_weight", above_low=True)
        _check_range(self.superchat_weight, 0, 1000, "mood.superchat_weight")
        _check_range(self.member_weight, 0, 1000, "mood.member_weight")
        _check_range(self.top_reactions, 0, 20, "mood.top_reactions")
        _check_range(self.history_seconds, 10, 3600, "mood.history_seconds")


@dataclass(frozen=True, kw_only=True)
class ServerConfig:
    """The overlay server (HTTP page and websocket on one port)."""

    host: str = "127.0.0.1"
    port: int = 8765
    allow_remote: bool = False
    max_updates_per_s: float = 10.0
    max_clients: int = 32
    allowed_origins: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        _check(0 <= self.port <= 65535, "server.port", "0..65535", self.port)
        _check(
            0 < self.max_updates_per_s <= 60,
            "server.max_updates_per_s",
            "more than 0, at most 60",
            self.max_updates_per_s,
        )
        _check_range(self.max_clients, 1, 1000, "server.max_clients")
        loopback = self.host in LOOPBACK_HOSTS
        _check(
            loopback or self.allow_remote,
            "server.host",
            "a loopback address unless server.allow_remote is true",
            self.host,
        )


@dataclass(frozen=True, kw_only=True)
class HistoryConfig:
    """Mood history on disk, for the post-stream report."""

    dir: str | None = "sessions"  # a relative folder lies in the data folder (FilesConfig)
    messages: bool = False
    flush_interval: float = 2.0

    def __post_init__(self) -> None:
        # Each flush also writes a line of the mood: more often than twice a second only fills the disk.
        _check_range(self.flush_interval, 0.5, 60, "history.flush_interval")


@dataclass(frozen=True, kw_only=True)
class VTubeStudioConfig:
    """moodbot as a VTube Studio plugin: mood parameters for the avatar, hotkeys on chat events."""

    enabled: bool = False
    url: str = "ws://127.0.0.1:8001"
    token_file: str | None = None  # None: in the user's data folder (see token_path)
    hotkeys: dict[str, str] = field(default_factory=dict)  # event kind → hotkey name or id
    updates_per_s: float = 10.0
    fade: float = 1.0
    busy_chat_rate: float = 10.0
    max_backoff: float = 30.0

    def __post_init__(self) -> None:
        _check(_is_url(self.url, ("ws", "wss")), "vtube_studio.url", "a ws:// URL", self.url)
        unknown = sorted(set(self.hotkeys) - set(HOTKEY_EVENTS))
        _check(not unknown, "vtube_studio.hotkeys", "keyed by " + ", ".join(HOTKEY_EVENTS), unknown)
        blank = sorted(kind for kind, hotkey in self.hotkeys.items() if not hotkey.strip())
        _check(not blank, "vtube_studio.hotkeys", "a hotkey name or id for each event", blank)
        # VTube Studio gives a parameter back to its default after a second without data.
        _check_range(self.updates_per_s, 1, 60, "vtube_studio.updates_per_s")
        _check_range(self.fade, 0, 10, "vtube_studio.fade")
        _check_range(self.busy_chat_rate, 0, 10_000, "vtube_studio.busy_chat_rate", above_low=True)
        _check_range(self.max_backoff, 1, 3600, "vtube_studio.max_backoff")

    @property
    def token_path(self) -> Path:
        """Where the token VTube Studio granted is kept."""
        if self.token_file:
            return Path(self.token_file).expanduser()
        return FilesConfig().data_folder() / "vtube_studio_token.txt"


@dataclass(frozen=True, kw_only=True)
class FilesConfig:
    """Where moodbot keeps what it writes (sessions, tokens, caches): never the current folder."""

    data_dir: str | None = None  # None: the user's data folder (platformdirs)

    def __post_init__(self) -> None:
        if self.data_dir is not None:
            _check(
                Path(self.data_dir).expanduser().is_absolute(),
                "files.data_dir",
                "an absolute folder (~ for your home folder) or null",
                self.data_dir,
            )

    def data_folder(self) -> Path:
        """`files.data_dir`, or %LOCALAPPDATA%\\moodbot on Windows, ~/.local/share/moodbot on Linux."""
        if self.data_dir is not None:
            return Path(self.data_dir).expanduser()
        return Path(platformdirs.user_data_dir("moodbot", appauthor=False))


# The events moodbot can send (`events.kinds` picks among them).
EVENT_KINDS = ("hype", "laughter", "mood_drop", "tech_problem", "raid")


@dataclass(frozen=True, kw_only=True)
class FeelingEventConfig:
    """When a feeling of the short window is an event (hype, laughter); checked by `EventsConfig`."""

    share: float = 0.4
    min_messages: int = 8
    cooldown: float = 60.0


@dataclass(frozen=True, kw_only=True)
class MoodDropConfig:
    """When the needle falling is an event."""

    drop: float = 0.5
    within: float = 10.0
    cooldown: float = 60.0


@dataclass(frozen=True, kw_only=True)
class TechProblemConfig:
    """When viewers reporting a problem with the stream is an alert."""

    viewers: int = 3
    window: float = 45.0
    cooldown: float = 120.0


@dataclass(frozen=True, kw_only=True)
class EventsConfig:
    """What happens in chat, sent to the overlay's websocket, the history and webhooks."""

    kinds: list[str] = field(default_factory=lambda: list(EVENT_KINDS))
    hype: FeelingEventConfig = field(default_factory=FeelingEventConfig)
    laughter: FeelingEventConfig = field(default_factory=FeelingEventConfig)
    mood_drop: MoodDropConfig = field(default_factory=MoodDropConfig)
    tech_problem: TechProblemConfig = field(default_factory=TechProblemConfig)
    webhooks: list[str] = field(default_factory=list)
    streamerbot: str | None = None
    webhook_timeout: float = 3.0
    webhook_retries: int = 3
    webhook_queue_size: int = 100

    def __post_init__(self) -> None:
        for kind in self.kinds:
            _check(kind in EVENT_KINDS, "events.kinds", "a list of " + ", ".join(EVENT_KINDS), kind)
        for name, feeling in (("hype", self.hype), ("laughter", self.laughter)):
            _check(0 < feeling.share <= 1, f"events.{name}.share", "more than 0, at most 1", feeling.share)
            _check(feeling.min_messages >= 1, f"events.{name}.min_messages", "1 or more", feeling.min_messages)
            _check(feeling.cooldown >= 0, f"events.{name}.cooldown", "0 or more", feeling.cooldown)
        drop = self.mood_drop
        _check(0 < drop.drop <= 2, "events.mood_drop.drop", "more than 0, at most 2", drop.drop)
        _check(drop.within > 0, "events.mood_drop.within", "more than 0", drop.within)
        _check(drop.cooldown >= 0, "events.mood_drop.cooldown", "0 or more", drop.cooldown)
        tech = self.tech_problem
        _check(tech.viewers >= 1, "events.tech_problem.viewers", "1 or more", tech.viewers)
        _check(tech.window > 0, "events.tech_problem.window", "more than 0", tech.window)
        _check(tech.cooldown >= 0, "events.tech_problem.cooldown", "0 or more", tech.cooldown)
        for url in self.webhooks:
            _check(_is_http_url(url), "events.webhooks", "a list of http:// or https:// URLs", url)
        if self.streamerbot is not None:
            ok = _is_http_url(self.streamerbot)
            _check(
                ok,
                "events.streamerbot",
                "Streamer.bot's DoAction URL, like http://127.0.0.1:7474/DoAction",
                self.streamerbot,
            )
        _check(
            0 < self.webhook_timeout <= 60, "events.webhook_timeout", "more than 0, at most 60", self.webhook_timeout
        )
        _check(0 <= self.webhook_retries <= 10, "events.webhook_retries", "0..10", self.webhook_retries)
        _check_range(self.webhook_queue_size, 1, 100_000, "events.webhook_queue_size")


def _is_http_url(url: str) -> bool:
    return url.startswith(("http://", "https://")) and bool(urlsplit(url).hostname)


@dataclass(frozen=True, kw_only=True)
class AppConfig:
    """The whole configuration."""

    source: SourceConfig = field(default_factory=SourceConfig)
    youtube: YouTubeConfig = field(default_factory=YouTubeConfig)
    twitch: TwitchConfig = field(default_factory=TwitchConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    worker: WorkerConfig = field(default_factory=WorkerConfig)
    mood: MoodConfig = field(default_factory=MoodConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    history: HistoryConfig = field(default_factory=HistoryConfig)
    vtube_studio: VTubeStudioConfig = field(default_factory=VTubeStudioConfig)
    events: EventsConfig = field(default_factory=EventsConfig)
    files: FilesConfig = field(default_factory=FilesConfig)

    def __post_init__(self) -> None:
        if self.vtube_studio.token_file is None and self.files.data_dir is not None:
            # The token lives in the data folder like everything moodbot writes, wherever it is moved.
            token = str(self.files.data_folder() / "vtube_studio_token.txt")
            object.__setattr__(self, "vtube_studio", dataclasses.replace(self.vtube_studio, token_file=token))

    def sessions_folder(self) -> Path | None:
        """Where session histories go: `history.dir`, inside the data folder unless absolute."""
        if self.history.dir is None:
            return None
        return self.files.data_folder() / Path(self.history.dir).expanduser()


def load_config(path: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> AppConfig:
    """Read `path` (built-in defaults if None), apply `overrides` ("section.key" → value), check all."""
    raw: dict[str, Any] = {}
    if path is not None:
        raw = _read_yaml(Path(path))
    for dotted, value in (overrides or {}).items():
        section, key = dotted.split(".", 1)
        if raw.get(section) is None:  # absent, or written as an empty `server:`
            raw[section] = {}
        section_data = raw[section]
        if not isinstance(section_data, dict):
            raise ConfigError(f"{section}: must be a mapping of keys (got {quoted(section_data)})")
        section_data[key] = value
    return _build(AppConfig, raw, "")


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it ({exc})") from exc
    try:
        data = yaml.load(text, Loader=_ConfigLoader)  # a SafeLoader, without aliases
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}:{where}: {problem}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a moodbot config") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must be a mapping of sections (source, model, ...)")
    return data


class _ConfigLoader(yaml.SafeLoader):
    """yaml.safe_load's loader, refusing aliases: a few `*name`s nested in each other expand a
    300-byte file into gigabytes (and a config has no use for them)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in moodbot's config", mark)
        return super().compose_node(parent, index)

    def construct_yaml_int(self, node: Any) -> Any:
        try:
            return super().construct_yaml_int(node)
        except ValueError:  # more digits than Python reads: kept as text, refused by the key's check
            return self.construct_scalar(node)


_ConfigLoader.add_constructor("tag:yaml.org,2002:int", _ConfigLoader.construct_yaml_int)


def _build(cls: type, data: Any, prefix: str) -> Any:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix.rstrip('.')}: must be a mapping of keys (got {quoted(data)})")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    for key in data:
        if key not in fields:
            close = difflib.get_close_matches(str(key), fields, n=1)
            hint = f"did you mean {prefix}{close[0]}? " if close else ""
            raise ConfigError(f"{prefix}{key}: unknown key; {hint}allowed: {', '.join(fields)}")
    values = {}
    for key, value in data.items():
        hint = hints[key]
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            values[key] = _build(hint, value, f"{prefix}{key}.")
        else:
            values[key] = _coerce(value, hint, f"{prefix}{key}")
    return cls(**values)


def _is_finite(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _coerce(value: Any, hint: Any, key: str) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        # `str | list[str]`: a list takes the list form, anything else the other one.
        is_list = isinstance(value, list)
        inner = next((a for a in options if (typing.get_origin(a) is list) == is_list), options[0])
        return _coerce(value, inner, key)
    if origin is Literal:
        _check(value in args, key, "one of " + ", ".join(map(str, args)), value)
        return value
    if origin is dict:
        _check(
            isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()),
            key,
            "a mapping of text to text",
            value,
        )
        return dict(value)
    if origin is list:
        _check(isinstance(value, list) and all(isinstance(v, str) for v in value), key, "a list of text", value)
        return list(value)
    if hint is bool:
        _check(isinstance(value, bool), key, "true or false", value)
    elif hint is int:
        _check(isinstance(value, int) and not isinstance(value, bool), key, "a whole number", value)
    elif hint is float:
        _check(_is_finite(value), key, "a number", value)
        return float(value)
    elif hint is str:
        _check(isinstance(value, str) and value != "", key, "text", value)
    return value
