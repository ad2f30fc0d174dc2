"""A stand-in for VTube Studio's plugin API on 127.0.0.1, written from its public documentation
(github.com/DenchiSoft/VTubeStudio: README.md "API Details" and Files/ErrorID.cs), as strict as
the documentation is. It knows nothing of moodbot's client.

What it checks, with the documented `errorID`s:
- every request: valid JSON (2), `apiName` "VTubeStudioPublicAPI" (3), `apiVersion` "1.0" (4),
  `requestID` of 1-64 ASCII characters when present (5), a `messageType` (6) it knows (7);
  everything but APIStateRequest and the two authentication requests needs an authenticated
  session (8); a plugin whose access was revoked gets 50 on every request.
- AuthenticationTokenRequest: pluginName and pluginDeveloper of 3-32 characters (52, 53), an
  optional base64 PNG or JPG icon of exactly 128x128 (54); shows "the popup", whose answer the
  test chooses (`decision`: allow, deny → 50, or wait for `click()`); one popup at a time (51).
- AuthenticationRequest: token, name and developer present (100-102); `authenticated` true only
  for the token granted to that same name and developer.
- ParameterCreationRequest: name of 4-32 letters/digits (350), min/max/default numbers within
  ±1,000,000 (351), not a name another plugin created (352), explanation under 256 (353), not a
  default parameter's name (354), at most 100 per plugin (355) and 300 in all (356).
- InjectParameterDataRequest: values present (450), each value a number within ±1,000,000 (451),
  weight within 0..1 (452), a parameter that exists (453), not "set" by another plugin in the
  last second (454), mode "set" or "add" (455). A parameter not re-sent within 1 s is "lost"
  (back to its default) and the gap is recorded in `control_lost`.
- HotkeyTriggerRequest: by id, or by name ignoring case (first match; empty names only by id),
  else 202; no model loaded 201; the same hotkey again within 5 s 203 (ErrorID.cs: "Individual
  hotkeys have a global 5 second cooldown"; the README says 5 frames: the stricter is kept); a
  queue of 32 emptied one hotkey every 5 frames, full 200.

Custom parameters and granted tokens live in `state`, which outlives `stop()`/`start()` as VTS's
config files outlive a restart.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import struct
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

API_NAME = "VTubeStudioPublicAPI"
API_VERSION = "1.0"
VERSION = "1.28.15"
CONTROL_TIMEOUT = 1.0  # a parameter not re-sent within this long goes back to its default
HOTKEY_COOLDOWN = 5.0
HOTKEY_QUEUE = 32
# A subset of VTS's default input parameters (enough to check error 354).
DEFAULT_PARAMETERS = (
    "FacePositionX",
    "FacePositionY",
    "FacePositionZ",
    "FaceAngleX",
    "FaceAngleY",
    "FaceAngleZ",
    "MouthSmile",
    "MouthOpen",
    "MouthX",
    "Brows",
    "BrowLeftY",
    "BrowRightY",
    "TongueOut",
    "CheekPuff",
    "FaceAngry",
    "EyeOpenLeft",
    "EyeOpenRight",
    "EyeLeftX",
    "EyeLeftY",
    "EyeRightX",
    "EyeRightY",
    "MousePositionX",
    "MousePositionY",
    "VoiceVolume",
    "VoiceFrequency",
)
HOTKEYS = (
    {"name": "Sparkle", "type": "TriggerAnimation", "hotkeyID": "hk-sparkle", "file": "sparkle.motion3.json"},
    {"name": "Laugh", "type": "TriggerAnimation", "hotkeyID": "hk-laugh", "file": "laugh.motion3.json"},
    {"name": "Tears", "type": "ToggleExpression", "hotkeyID": "hk-tears", "file": "tears.exp3.json"},
    {"name": "Shock", "type": "ToggleExpression", "hotkeyID": "hk-shock", "file": "shock.exp3.json"},
    {"name": "", "type": "Unset", "hotkeyID": "hk-unnamed", "file": ""},
)


class _Refused(Exception):
    def __init__(self, error_id: int, message: str) -> None:
        super().__init__(message)
        self.error_id = error_id
        self.message = message


@dataclass
class CustomParameter:
    name: str
    added_by: str
    minimum: float
    maximum: float
    default: float
    explanation: str


@dataclass
class State:
    """What VTS keeps on disk: granted tokens and custom parameters."""

    tokens: dict[tuple[str, str], str] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)  # tokens the user revoked
    parameters: dict[str, CustomParameter] = field(default_factory=dict)


@dataclass
class Session:
    id: int
    plugin: tuple[str, str] | None = None
    token: str | None = None
    opened: float = field(default_factory=time.monotonic)
    last_injection: float | None = None


@dataclass(frozen=True)
class Injection:
    at: float
    session: int
    values: dict[str, tuple[float, float]]  # id → (value, weight)


@dataclass(frozen=True)
class Trigger:
    at: float
    hotkey_id: str
    name: str


class VTSStandIn:
    """`async with VTSStandIn() as vts:` a VTube Studio API on `vts.url`."""

    def __init__(
        self,
        *,
        decision: str = "allow",
        hotkeys: tuple[dict[str, Any], ...] = HOTKEYS,
        model: str | None = "Akari",
        frame_rate: float = 60.0,
        state: State | None = None,
        port: int = 0,
    ) -> None:
        self.decision = decision  # allow | deny | wait
        self.hotkeys = [dict(h) for h in hotkeys]
        self.model = model
        self.frame_rate = frame_rate
        self.state = state or State()
        self.port = port
        self.popups = 0
        self.requests: list[tuple[float, str]] = []
        self.errors: list[tuple[float, str, int]] = []
        self.injections: list[Injection] = []
        self.triggers: list[Trigger] = []  # accepted HotkeyTriggerRequests
        self.executed: list[Trigger] = []
        self.control_lost: list[tuple[float, str, float]] = []  # (when, parameter, gap)
        self.sessions: list[Session] = []
        self._server: Server | None = None
        self._popup: asyncio.Future[bool] | None = None
        self._popup_open = asyncio.Event()
        self._controller: dict[str, tuple[int, float, float, float]] = {}  # parameter → (session, when, value, weight)
        self._last_trigger: dict[str, float] = {}
        self._queue: deque[Trigger] = deque()
        self._runner: asyncio.Task[None] | None = None
        self._ids = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def __aenter__(self) -> VTSStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Listen (on the same port as before after a `stop()`: VTS restarted)."""
        self._server = await serve(self._handle, "127.0.0.1", self.port, compression=None, max_size=2**24)
        self.port = self._server.sockets[0].getsockname()[1]
        self._runner = asyncio.create_task(self._run_hotkeys())

    async def stop(self) -> None:
        """VTS quits: every plugin's socket closes and nothing listens."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        self._queue.clear()

    def click(self, allow: bool) -> None:
        """The user answers the popup that is open."""
        assert self._popup is not None and not self._popup.done(), "no popup is open"
        self._popup.set_result(allow)

    async def popup_shown(self) -> None:
        await self._popup_open.wait()

    def revoke(self, plugin_name: str) -> None:
        """The user revokes a plugin's access: its token and its parameters go."""
        for key, token in list(self.state.tokens.items()):
            if key[0] == plugin_name:
                self.state.revoked.add(token)
                del self.state.tokens[key]
        for name, parameter in list(self.state.parameters.items()):
            if parameter.added_by == plugin_name:
                del self.state.parameters[name]

    def values_of(self, parameter: str) -> list[tuple[float, float, float]]:
        """(time, value, weight) of every injection of `parameter`."""
        return [(i.at, *i.values[parameter]) for i in self.injections if parameter in i.values]

    # -- the protocol --------------------------------------------------------------------------

    async def _handle(self, connection: ServerConnection) -> None:
        self._ids += 1
        session = Session(self._ids)
        self.sessions.append(session)
        try:
            async for raw in connection:
                reply = await self._answer(session, raw)
                await connection.send(json.dumps(reply))
        except ConnectionClosed:
            pass
        finally:
            now = time.monotonic()
            if session.last_injection is not None and now - session.last_injection > CONTROL_TIMEOUT:
                self.control_lost.append((now, "*", now - session.last_injection))
            for name, (owner, *_) in list(self._controller.items()):
                if owner == session.id:
                    del self._controller[name]

    async def _answer(self, session: Session, raw: str | bytes) -> dict[str, Any]:
        now = time.monotonic()
        request_id = str(uuid.uuid4())
        message_type = "Unknown"
        try:
            try:
                request = json.loads(raw)
            except ValueError:
                raise _Refused(2, "JSON invalid") from None
            if not isinstance(request, dict):
                raise _Refused(2, "JSON invalid")
            if request.get("apiName") != API_NAME:
                raise _Refused(3, "API name invalid")
            if request.get("apiVersion") != API_VERSION:
                raise _Refused(4, "API version invalid")
            if "requestID" in request:
                rid = request["requestID"]
                if not (isinstance(rid, str) and 1 <= len(rid) <= 64 and rid.isascii()):
                    raise _Refused(5, "requestID invalid")
                request_id = rid
            message_type = request.get("messageType")
            if not isinstance(message_type, str) or not message_type:
                message_type = "Unknown"
                raise _Refused(6, "messageType missing or empty")
            self.requests.append((now, message_type))
            handler = getattr(self, "_" + message_type, None)
            if handler is None or not message_type.endswith("Request"):
                raise _Refused(7, f"unknown request type {message_type}")
            public = ("APIStateRequest", "AuthenticationTokenRequest", "AuthenticationRequest")
            if message_type not in public and session.token in self.state.revoked:
                raise _Refused(50, "User has denied API access for your plugin.")
            if message_type not in public and session.plugin is None:
                raise _Refused(8, "This request requires authentication.")
            data = request.get("data")
            data = data if isinstance(data, dict) else {}
            answer_type, body = message_type.removesuffix("Request") + "Response", await handler(session, data)
        except _Refused as refused:
            self.errors.append((now, message_type, refused.error_id))
            answer_type, body = "APIError", {"errorID": refused.error_id, "message": refused.message}
        return {
            "apiName": API_NAME,
            "apiVersion": API_VERSION,
            "timestamp": int(time.time() * 1000),
            "messageType": answer_type,
            "requestID": request_id,
            "data": body,
        }

    async def _APIStateRequest(self, session: Session, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "active": True,
            "vTubeStudioVersion": VERSION,
            "currentSessionAuthenticated": session.plugin is not None,
        }

    async def _AuthenticationTokenRequest(self, session: Session, data: dict[str, Any]) -> dict[str, Any]:
        name, developer = data.get("pluginName"), data.get("pluginDeveloper")
        if not (isinstance(name, str) and 3 <= len(name) <= 32):
            raise _Refused(52, "pluginName invalid")
        if not (isinstance(developer, str) and 3 <= len(developer) <= 32):
            raise _Refused(53, "pluginDeveloper invalid")
        if data.get("pluginIcon") is not None and _image_size(data["pluginIcon"]) != (128, 128):
            raise _Refused(54, "pluginIcon must be a base64 PNG or JPG of exactly 128x128 pixels")
        if self._popup is not None and not self._popup.done():
            raise _Refused(51, "An authentication token request is currently ongoing.")
        self.popups += 1
        self._popup = asyncio.get_running_loop().create_future()
        if self.decision != "wait":
            self._popup.set_result(self.decision == "allow")
        self._popup_open.set()
        try:
            allowed = await self._popup
        finally:
            self._popup_open.clear()
        if not allowed:
            raise _Refused(50, "User has denied API access for your plugin.")
        token = uuid.uuid4().hex
        self.state.tokens[(name, developer)] = token
        return {"authenticationToken": token}

    async def _AuthenticationRequest(self, session: Session, data: dict[str, Any]) -> dict[str, Any]:
        token, name, developer = data.get("authenticationToken"), data.get("pluginName"), data.get("pluginDeveloper")
        if not token:
            raise _Refused(100, "authenticationToken missing")
        if not name:
            raise _Refused(101, "pluginName missing")
        if not developer:
            raise _Refused(102, "pluginDeveloper missing")
        if self.state.tokens.get((name, developer)) != token:
            return {"authenticated": False, "reason": "Token invalid or revoked."}
        session.plugin, session.token = (name, developer), token
        return {
            "authenticated": True,
            "reason": "Token valid. The plugin is authenticated for the duration of this session.",
        }

    async def _CurrentModelRequest(self, session: Session, data: dict[str, Any]) -> dict[str, Any]:
        return {"modelLoaded": self.model is not None, "modelName": self.model or "", "modelID": self._model_id()}

    async def _HotkeysInCurrentModelRequest(self, session: Session, data: dict[str, Any]) -> dict[str, Any]:
        hotkeys = self.hotkeys if self.model is not None else []
        return {
            "modelLoaded": self.model is not None,
            "modelName": self.model or "",
            "modelID": self._model_id(),
            "availableHotkeys": [
                {"description": h["type"], "keyCombination": [], "onScreenButtonID": -1, **h} for h in hotkeys
            ],
        }

    async def _HotkeyTriggerRequest(self, session: Session, data: dict[str, Any]) -> dict[str, Any]:
        now = time.monotonic()
        if self.model is None:
            raise _Refused(201, "No model loaded.")
        wanted = data.get("hotkeyID")
        hotkey = None
        if isinstance(wanted, str) and wanted:
            hotkey = next((h for h in self.hotkeys if h["hotkeyID"] == wanted), None) or next(
                (h for h in self.hotkeys if h["name"] and h["name"].lower() == wanted.lower()), None
            )
        if hotkey is None:
            raise _Refused(202, f"Hotkey {wanted!r} not found in model.")
        if now - self._last_trigger.get(hotkey["hotkeyID"], -1e9) < HOTKEY_COOLDOWN:
            raise _Refused(203, "Hotkey cooldown not over.")
        if len(self._queue) >= HOTKEY_QUEUE:
            raise _Refused(200, "Hotkey queue full.")
        self._last_trigger[hotkey["hotkeyID"]] = now
        trigger = Trigger(now, hotkey["hotkeyID"], hotkey["name"])
        self.triggers.append(trigger)
        self._queue.append(trigger)
        return {"hotkeyID": hotkey["hotkeyID"]}

    async def _InputParameterListRequest(self, session: Session, data: dict[str, Any]) -> dict[str, Any]:
        now = time.monotonic()
        return {
            "modelLoaded": self.model is not None,
            "modelName": self.model or "",
            "modelID": self._model_id(),
            "customParameters": [
                {
                    "name": p.name,
                    "addedBy": p.added_by,
                    "value": self._value(p.name, now),
                    "min": p.minimum,
                    "max": p.maximum,
                    "defaultValue": p.default,
                }
                for p in self.state.parameters.values()
            ],
            "defaultParameters": [
                {"name": n, "addedBy": "VTube Studio", "value": 0, "min": -1, "max": 1, "defaultValue": 0}
                for n in DEFAULT_PARAMETERS
            ],
        }

    async def _ParameterValueRequest(self, session: Session, data: dict[str, Any]) -> dict[str, Any]:
        name = data.get("name")
        parameter = self.state.parameters.get(name) if isinstance(name, str) else None
        if parameter is None:
            raise _Refused(500, f"Parameter {name!r} not found.")
        return {
            "name": parameter.name,
            "addedBy": parameter.added_by,
            "value": self._value(parameter.name, time.monotonic()),
            "min": parameter.minimum,
            "max": parameter.maximum,
            "defaultValue": parameter.default,
        }

    async def _ParameterCreationRequest(self, session: Session, data: dict[str, Any]) -> dict[str, Any]:
        assert session.plugin is not None
        plugin = session.plugin[0]
        name = data.get("parameterName")
        if not (isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9]{4,32}", name)):
            raise _Refused(350, "Parameter name invalid: 4-32 alphanumeric characters.")
        values = [data.get("min"), data.get("max"), data.get("defaultValue")]
        if not all(_number(v) and abs(v) <= 1_000_000 for v in values):
            raise _Refused(351, "min, max and defaultValue must be numbers within ±1000000.")
        existing = self.state.parameters.get(name)
        if existing is not None and existing.added_by != plugin:
            raise _Refused(352, f"Parameter {name} was created by another plugin.")
        explanation = data.get("explanation") or ""
        if not isinstance(explanation, str) or len(explanation) >= 256:
            raise _Refused(353, "Explanation too long.")
        if name.lower() in {n.lower() for n in DEFAULT_PARAMETERS}:
            raise _Refused(354, "Cannot use the name of a default parameter.")
        if existing is None:
            if sum(p.added_by == plugin for p in self.state.parameters.values()) >= 100:
                raise _Refused(355, "Limit of 100 custom parameters per plugin reached.")
            if len(self.state.parameters) >= 300:
                raise _Refused(356, "Limit of 300 custom parameters reached.")
        minimum, maximum, default = (float(v) for v in values)  # type: ignore[arg-type]
        self.state.parameters[name] = CustomParameter(name, plugin, minimum, maximum, default, explanation)
        return {"parameterName": name}

    async def _InjectParameterDataRequest(self, session: Session, data: dict[str, Any]) -> dict[str, Any]:
        now = time.monotonic()
        mode = data.get("mode", "set")
        if mode not in ("set", "add"):
            raise _Refused(455, "mode must be set or add")
        items = data.get("parameterValues")
        if not isinstance(items, list) or not items:
            raise _Refused(450, "No data provided.")
        values: dict[str, tuple[float, float]] = {}
        for item in items:
            if not isinstance(item, dict):
                raise _Refused(450, "parameterValues entries must be objects")
            name, value, weight = item.get("id"), item.get("value"), item.get("weight", 1)
            if not (_number(value) and abs(value) <= 1_000_000):
                raise _Refused(451, f"Value for {name} invalid.")
            if not (_number(weight) and 0 <= weight <= 1):
                raise _Refused(452, f"Weight for {name} invalid.")
            if not isinstance(name, str) or (name not in self.state.parameters and name not in DEFAULT_PARAMETERS):
                raise _Refused(453, f"Parameter {name} not found.")
            owner = self._controller.get(name)
            if mode == "set" and owner is not None and owner[0] != session.id and now - owner[1] <= CONTROL_TIMEOUT:
                raise _Refused(454, f"Parameter {name} is controlled by another plugin.")
            values[name] = (float(value), float(weight))
        for name, (value, weight) in values.items():
            owner = self._controller.get(name)
            if owner is not None and owner[0] == session.id and now - owner[1] > CONTROL_TIMEOUT:
                self.control_lost.append((now, name, now - owner[1]))
            if mode == "set":
                self._controller[name] = (session.id, now, value, weight)
        session.last_injection = now
        self.injections.append(Injection(now, session.id, values))
        return {}

    # -- helpers -------------------------------------------------------------------------------

    def _model_id(self) -> str:
        return f"model-{self.model}" if self.model else ""

    def _value(self, name: str, now: float) -> float:
        parameter = self.state.parameters[name]
        owner = self._controller.get(name)
        if owner is None or now - owner[1] > CONTROL_TIMEOUT:
            return parameter.default
        _, _, value, weight = owner
        return weight * value + (1 - weight) * parameter.default  # "add" mode's offsets are not modelled

    async def _run_hotkeys(self) -> None:
        """VTS takes one hotkey from its queue every 5 frames."""
        while True:
            await asyncio.sleep(5 / self.frame_rate)
            if self._queue:
                self.executed.append(self._queue.popleft())


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _image_size(encoded: object) -> tuple[int, int] | None:
    """Width and height of a base64 PNG or JPG, or None if it is neither."""
    if not isinstance(encoded, str):
        return None
    try:
        data = base64.b64decode(encoded, validate=True)
    except ValueError:
        return None
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data) and data[i] == 0xFF:
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return None


@contextlib.contextmanager
def standin_in_thread(**kwargs: Any):
    """A stand-in on its own event loop in a thread, for tests that run a command synchronously."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, VTSStandIn] = {}

    async def serve_forever(stop: asyncio.Event) -> None:
        async with VTSStandIn(**kwargs) as vts:
            holder["vts"] = vts
            ready.set()
            await stop.wait()

    stop = asyncio.Event()
    thread = threading.Thread(target=loop.run_until_complete, args=(serve_forever(stop),), daemon=True)
    thread.start()
    assert ready.wait(10), "the stand-in did not start"
    try:
        yield holder["vts"]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()
