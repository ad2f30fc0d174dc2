"""moodbot as a VTube Studio plugin: the avatar follows chat's mood and reacts to its events.

    aggregator snapshot ──► avatar_values ──► InjectParameterDataRequest (10/s, weight faded in/out)
    on_event(kind) ──► the hotkey set for it ──► HotkeyTriggerRequest (VTS's cooldown and queue kept)

`VTubeStudio.run()` is one task of the bot: it connects, authenticates (the "Allow" popup only
the first time), creates the parameters, looks up the hotkeys, and feeds the parameters until
the connection ends; then it tries again with back-off. Nothing that happens on VTS's side
reaches the rest of the bot: it shows as the output's status (status line, payload, one log
line per change). `check()` is the same first steps, for `moodbot vts-check`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import VTubeStudioConfig
from ..errors import OutputError
from ..mood import MoodSnapshot
from .avatar import PARAMETERS, Fader, avatar_values
from .status import OutputState, OutputStatus
from .vts_api import (
    PLUGIN_NAME,
    AccessDenied,
    ApiError,
    Connection,
    ConnectionLost,
    ErrorID,
    Unreachable,
    authenticate,
    describe,
)

__all__ = ["HOTKEY_COOLDOWN", "CheckReport", "VTubeStudio", "check", "format_check", "resolve_hotkeys"]

log = logging.getLogger(__name__)

HOTKEY_COOLDOWN = 5.0  # ErrorID.cs, 203: "Individual hotkeys have a global 5 second cooldown"
_COOLDOWN_MARGIN = 0.5  # our clock and VTS's frames are not in step
# VTS runs one queued hotkey every 5 frames (83 ms at 60 fps, 167 ms at 30): spaced this far
# apart, our triggers never wait in its queue of 32, let alone fill it (error 200).
_TRIGGER_GAP = 0.2
_MAX_WAITING_EVENTS = 8
_VTS_LETS_GO = 1.0  # seconds without data after which VTS gives a parameter back to its default
_ASKING = 'click "Allow" in VTube Studio to let moodbot in'


class VTubeStudio:
    """The plugin: use it as an async context manager (leaving it fades the avatar out) and run `run()`."""

    def __init__(
        self,
        config: VTubeStudioConfig,
        snapshot: Callable[[], MoodSnapshot],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.status = OutputStatus(OutputState.CONNECTING, f"connecting to {config.url}")
        self._snapshot = snapshot
        self._clock = clock
        self._fader = Fader(config.fade)
        self._connection: Connection | None = None
        self._hotkeys: dict[str, str] = {}  # event kind → hotkey id in the loaded model
        self._cooling: dict[str, float] = {}  # hotkey id → when VTS takes it again
        self._next_lookup = 0.0  # when a missing hotkey may be looked up again
        self._events: asyncio.Queue[str] = asyncio.Queue(_MAX_WAITING_EVENTS)
        self._said: tuple[OutputState, str] | None = None

    async def __aenter__(self) -> VTubeStudio:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def on_event(self, kind: str, detail: object = None) -> None:
        """Show a chat event (hype, laughter, mood_drop, tech_problem) with its hotkey, if one is set."""
        if kind not in self.config.hotkeys:
            return
        if self.status.state is not OutputState.LIVE:
            log.debug("VTube Studio is not live: %s event (%s) not shown on the avatar", kind, detail)
            return
        try:
            self._events.put_nowait(kind)
        except asyncio.QueueFull:
            log.debug("VTube Studio: too many events waiting; %s dropped", kind)

    async def run(self) -> None:
        """Keep moodbot connected to VTS until cancelled (or until the streamer clicks "Deny")."""
        backoff = _Backoff(self.config.max_backoff)
        while True:
            try:
                await self._session(backoff)
            except AccessDenied as exc:
                await self._drop_connection()
                self._set(OutputState.OFF, describe(exc, self.config.url) + "; `moodbot vts-check` asks again")
                return
            except Exception as exc:
                if not isinstance(exc, (Unreachable, ConnectionLost, ApiError)):
                    log.exception("VTube Studio: unexpected error; reconnecting")
                reason = describe(exc, self.config.url)
            await self._drop_connection()
            delay = backoff.next()
            self._set(OutputState.RECONNECTING, reason, retry=delay)
            await asyncio.sleep(delay)

    async def close(self) -> None:
        """Fade the avatar out of moodbot's control (at most `fade` s and a second), then disconnect."""
        connection = self._connection
        if connection is not None and not connection.closed and self.status.state is OutputState.LIVE:
            self._fader.fade(0.0, self._clock())
            try:
                async with asyncio.timeout(self.config.fade + 1.0):
                    await self._feed(connection, until_faded=True)
            except (TimeoutError, ConnectionLost, ApiError) as exc:
                log.info("VTube Studio: could not fade out (%s)", describe(exc, self.config.url))
        await self._drop_connection()

    async def _session(self, backoff: _Backoff) -> None:
        if self.status.state is not OutputState.RECONNECTING:
            self._set(OutputState.CONNECTING, f"connecting to {self.config.url}")
        self._connection = connection = await Connection.open(self.config.url)
        await authenticate(
            connection, self.config.token_path, on_asking=lambda: self._set(OutputState.WAITING, _ASKING)
        )
        await create_parameters(connection)
        await self._find_hotkeys(connection)
        backoff.reset()
        self._fader.fade(1.0, self._clock(), start=0.0)  # VTS let go of the parameters while we were away
        hotkeys = asyncio.create_task(self._send_hotkeys(connection), name="vts-hotkeys")
        try:
            await self._feed(connection)
        finally:
            hotkeys.cancel()
            await asyncio.wait([hotkeys])
            while not self._events.empty():  # a reaction shown late is worse than none
                self._events.get_nowait()

    async def _feed(self, connection: Connection, *, until_faded: bool = False) -> None:
        """Send the parameters `updates_per_s` times a second, on a steady beat."""
        interval = 1.0 / self.config.updates_per_s
        beat = sent = self._clock()
        while True:
            values = avatar_values(self._snapshot(), busy_chat_rate=self.config.busy_chat_rate)
            if not until_faded and self._clock() - sent > _VTS_LETS_GO:
                # Stalled (a starved CPU): VTS has let go of the parameters; take them back gently.
                self._fader.fade(1.0, self._clock(), start=0.0)
            weight = self._fader.weight(self._clock())
            try:
                await connection.request("InjectParameterDataRequest", _injection(values, weight))
            except ApiError as exc:
                if exc.error_id != ErrorID.INJECT_DATA_PARAM_NAME_NOT_FOUND:
                    raise
                log.info("VTube Studio: moodbot's parameters are gone (deleted in VTS?); creating them again")
                await create_parameters(connection)
            sent = self._clock()
            if until_faded and weight <= 0.0:
                return
            beat += interval
            delay = beat - self._clock()
            if delay < 0:  # VTS was slow to answer: carry on from now rather than catch up in a burst
                beat, delay = self._clock(), 0.0
            await asyncio.sleep(delay)

    async def _find_hotkeys(self, connection: Connection) -> None:
        missing: list[str] = []
        if self.config.hotkeys:
            answer = await connection.request("HotkeysInCurrentModelRequest")
            self._hotkeys, missing = resolve_hotkeys(self.config.hotkeys, answer)
        self._set(OutputState.LIVE, "; ".join(missing))

    async def _send_hotkeys(self, connection: Connection) -> None:
        while True:
            kind = await self._events.get()
            now = self._clock()
            if kind not in self._hotkeys and now >= self._next_lookup:
                # Missing from the model we last looked at: the streamer may have loaded another.
                self._next_lookup = now + HOTKEY_COOLDOWN
                await self._look_again(connection)
            hotkey = self._hotkeys.get(kind)
            if hotkey is None:  # still not in the model: the status says so
                continue
            if now < self._cooling.get(hotkey, -math.inf):
                log.debug("VTube Studio: hotkey for %s still cooling down; event not shown", kind)
                continue
            self._cooling[hotkey] = now + HOTKEY_COOLDOWN + _COOLDOWN_MARGIN
            try:
                await connection.request("HotkeyTriggerRequest", {"hotkeyID": hotkey})
            except ApiError as exc:
                await self._hotkey_refused(connection, kind, exc)
            except ConnectionLost:
                return  # the feed notices too, and reconnects
            await asyncio.sleep(_TRIGGER_GAP)

    async def _hotkey_refused(self, connection: Connection, kind: str, exc: ApiError) -> None:
        if exc.error_id in (ErrorID.HOTKEY_QUEUE_FULL, ErrorID.HOTKEY_COOLDOWN_NOT_OVER):
            # The streamer pressed it too, or another plugin filled the queue: skipped, never sent late.
            log.info("VTube Studio: %s hotkey skipped (%s)", kind, exc.message)
        elif exc.error_id in (
            ErrorID.HOTKEY_ID_NOT_FOUND_IN_MODEL,
            ErrorID.HOTKEY_EXECUTION_FAILED_BECAUSE_NO_MODEL_LOADED,
        ):
            await self._look_again(connection)  # the streamer loaded another model
        else:
            log.warning("VTube Studio: %s hotkey failed: %s (error %d)", kind, exc.message, exc.error_id)

    async def _look_again(self, connection: Connection) -> None:
        try:
            await self._find_hotkeys(connection)
        except (ApiError, ConnectionLost):
            pass  # the feed meets the same fault and reconnects

    async def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()

    def _set(self, state: OutputState, reason: str = "", *, retry: float | None = None) -> None:
        detail = reason if retry is None else f"{reason}; retrying in {retry:.0f} s"
        self.status = OutputStatus(state, detail)
        if (state, reason) != self._said:  # one log line per change, not per retry
            self._said = (state, reason)
            level = logging.WARNING if state in (OutputState.RECONNECTING, OutputState.OFF) else logging.INFO
            log.log(level, "VTube Studio: %s%s", state, f" ({detail})" if detail else "")


class _Backoff:
    """1, 2, 4 ... s up to `cap`; back to 1 s after a good connection."""

    def __init__(self, cap: float) -> None:
        self.cap = cap
        self._delay = 1.0

    def next(self) -> float:
        delay, self._delay = self._delay, min(self._delay * 2, self.cap)
        return delay

    def reset(self) -> None:
        self._delay = 1.0


async def create_parameters(connection: Connection) -> None:
    """Create (or re-create: VTS allows it to the same plugin) moodbot's parameters."""
    for parameter in PARAMETERS:
        await connection.request(
            "ParameterCreationRequest",
            {
                "parameterName": parameter.name,
                "explanation": parameter.explanation,
                "min": parameter.minimum,
                "max": parameter.maximum,
                "defaultValue": 0.0,
            },
        )


def _injection(values: Mapping[str, float], weight: float) -> dict[str, Any]:
    return {
        "mode": "set",
        "parameterValues": [
            {
                "id": p.name,
                "value": round(max(p.minimum, min(p.maximum, values[p.name])), 4),
                "weight": round(weight, 3),
            }
            for p in PARAMETERS
        ],
    }


def resolve_hotkeys(wanted: Mapping[str, str], answer: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Find each wanted hotkey in a HotkeysInCurrentModel answer, by id or by name (ignoring case,
    the first of equal names, as VTS does). Returns event kind → hotkey id, and a line per miss."""
    if not answer.get("modelLoaded"):
        return {}, ["no model loaded in VTube Studio: hotkeys wait for one"]
    model = answer.get("modelName") or "the loaded model"
    available = [h for h in answer.get("availableHotkeys") or [] if isinstance(h, dict) and h.get("hotkeyID")]
    found: dict[str, str] = {}
    missing: list[str] = []
    for kind, name in wanted.items():
        match = next((h for h in available if h["hotkeyID"] == name), None) or next(
            (h for h in available if h.get("name") and str(h["name"]).lower() == name.lower()), None
        )  # a hotkey without a name answers to its id only
        if match is None:
            missing.append(f'hotkey "{name}" ({kind}) is not in {model}')
        else:
            found[kind] = str(match["hotkeyID"])
    return found, missing


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What `moodbot vts-check` found."""

    url: str
    version: str
    asked: bool  # the "Allow" popup was shown this time
    token_path: Path
    model: str | None  # None: no model loaded
    hotkeys: tuple[str, ...]  # names of the loaded model's hotkeys
    parameters: tuple[str, ...]  # moodbot's parameters as VTS lists them
    found: dict[str, str]  # event kind → hotkey id
    missing: tuple[str, ...]


async def check(config: VTubeStudioConfig, *, on_asking: Callable[[], None] | None = None) -> CheckReport:
    """Connect, authenticate, create the parameters and look at the model; OutputError if VTS cannot be used."""
    try:
        connection = await Connection.open(config.url)
        try:
            state = await connection.request("APIStateRequest")
            asked = await authenticate(connection, config.token_path, on_asking=on_asking)
            await create_parameters(connection)
            listed = await connection.request("InputParameterListRequest")
            hotkeys = await connection.request("HotkeysInCurrentModelRequest")
        finally:
            await connection.close()
    except (Unreachable, ConnectionLost, ApiError, AccessDenied) as exc:
        raise OutputError(describe(exc, config.url)) from exc
    found, missing = resolve_hotkeys(config.hotkeys, hotkeys)
    ours = {p.name for p in PARAMETERS}
    return CheckReport(
        url=config.url,
        version=str(state.get("vTubeStudioVersion", "?")),
        asked=asked,
        token_path=config.token_path,
        model=str(hotkeys.get("modelName", "")) if hotkeys.get("modelLoaded") else None,
        hotkeys=tuple(str(h.get("name") or h.get("hotkeyID")) for h in hotkeys.get("availableHotkeys") or []),
        parameters=tuple(
            str(p["name"])
            for p in listed.get("customParameters") or []
            if p.get("addedBy") == PLUGIN_NAME and p.get("name") in ours
        ),
        found=found,
        missing=tuple(missing),
    )


def format_check(report: CheckReport, config: VTubeStudioConfig) -> tuple[str, bool]:
    """The report as the streamer reads it, and whether everything is ready."""
    allowed = "moodbot allowed just now" if report.asked else "moodbot allowed"
    lines = [
        f"VTube Studio {report.version} at {report.url}: connected, {allowed} (token kept in {report.token_path})",
        f"model: {report.model}" if report.model else "model: none loaded",
    ]
    absent = [p.name for p in PARAMETERS if p.name not in report.parameters]
    lines.append(
        "parameters (map them to your model's in its settings): "
        + ", ".join(p.name for p in PARAMETERS if p.name in report.parameters)
        + (f"; MISSING: {', '.join(absent)}" if absent else "")
    )
    if report.model:
        shown = ", ".join(f'"{name}"' for name in report.hotkeys) or "none"
        lines.append(f"hotkeys in this model: {shown}")
    for kind, name in config.hotkeys.items():
        lines.append(f'{kind} -> "{name}": ' + ("ok" if kind in report.found else "MISSING"))
    lines.extend(f"  {miss}" for miss in report.missing)
    if not config.hotkeys:
        lines.append("no hotkeys set: vtube_studio.hotkeys maps hype, laughter, mood_drop, tech_problem to hotkeys")
    ready = not absent and not report.missing
    lines.append("ready: `moodbot run` drives the avatar" if ready else "not ready: see the lines above")
    if not config.enabled:
        lines.append("note: vtube_studio.enabled is false; set it to true in config.yaml for `moodbot run` to use VTS")
    return "\n".join(lines), ready
