"""The VTube Studio plugin API, as much of it as moodbot uses (github.com/DenchiSoft/VTubeStudio).

One websocket per session. Every request carries `apiName`, `apiVersion` and a `requestID`; a
reader task hands each answer to the request with the same id, so parameter updates and hotkey
triggers can share the socket. An `APIError` answer raises `ApiError` with VTS's `errorID`
(Files/ErrorID.cs). The token VTS grants when the streamer clicks "Allow" is kept in a file and
used on every later connection; VTS is asked for a new one only when it rejects the old one.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import enum
import itertools
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

__all__ = [
    "ICON",
    "PLUGIN_DEVELOPER",
    "PLUGIN_NAME",
    "AccessDenied",
    "ApiError",
    "Connection",
    "ConnectionLost",
    "ErrorID",
    "Unreachable",
    "authenticate",
    "describe",
]

log = logging.getLogger(__name__)

API_NAME = "VTubeStudioPublicAPI"
API_VERSION = "1.0"
PLUGIN_NAME = "moodbot"  # VTS shows it in the "Allow" popup; the token is bound to it
PLUGIN_DEVELOPER = "moodbot"
ICON = Path(__file__).parent.parent / "assets" / "vts_icon.png"  # 128x128, as VTS requires

_OPEN_TIMEOUT = 5.0
REQUEST_TIMEOUT = 5.0  # VTS answers in milliseconds; this long means it is hung
_MAX_MESSAGE = 8 * 2**20  # parameter and hotkey lists of a big model
_CLOSED = "VTube Studio closed the connection"


class ErrorID(enum.IntEnum):
    """The `errorID`s moodbot acts on (the full list: Files/ErrorID.cs in the VTS repository)."""

    API_ACCESS_DEACTIVATED = 1
    REQUEST_REQUIRES_AUTHENTICATION = 8
    TOKEN_REQUEST_DENIED = 50
    TOKEN_REQUEST_CURRENTLY_ONGOING = 51
    HOTKEY_QUEUE_FULL = 200
    HOTKEY_EXECUTION_FAILED_BECAUSE_NO_MODEL_LOADED = 201
    HOTKEY_ID_NOT_FOUND_IN_MODEL = 202
    HOTKEY_COOLDOWN_NOT_OVER = 203
    CUSTOM_PARAM_ALREADY_CREATED_BY_OTHER_PLUGIN = 352
    INJECT_DATA_PARAM_NAME_NOT_FOUND = 453
    INJECT_DATA_PARAM_CONTROLLED_BY_OTHER_PLUGIN = 454


class ApiError(Exception):
    """VTS answered a request with an `APIError`."""

    def __init__(self, request: str, error_id: int, message: str) -> None:
        super().__init__(f"{request}: {message} (error {error_id})")
        self.request = request
        self.error_id = error_id
        self.message = message


class Unreachable(Exception):
    """Nothing answered at the URL: VTS is not running, or its plugin API is off."""


class ConnectionLost(Exception):
    """The session ended: VTS closed the socket, or stopped answering."""


class AccessDenied(Exception):
    """The streamer clicked "Deny" in VTS's popup."""


class Connection:
    """One websocket session with VTS; `request` may be called from several tasks at once."""

    def __init__(self, websocket: ClientConnection) -> None:
        self._websocket = websocket
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._reader = asyncio.create_task(self._read(), name="vts-reader")

    @classmethod
    async def open(cls, url: str) -> Connection:
        try:
            websocket = await connect(
                url,
                open_timeout=_OPEN_TIMEOUT,
                compression=None,
                max_size=_MAX_MESSAGE,
                # Requests flow several times a second and each has a timeout: pings add nothing.
                ping_interval=None,
                close_timeout=1,
            )
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            raise Unreachable(str(exc) or type(exc).__name__) from exc
        return cls(websocket)

    @property
    def closed(self) -> bool:
        return self._reader.done()

    async def request(
        self, message_type: str, data: dict[str, Any] | None = None, *, timeout: float | None = REQUEST_TIMEOUT
    ) -> dict[str, Any]:
        """Send one request and return the `data` of its answer."""
        if self.closed:
            raise ConnectionLost(_CLOSED)
        request_id = f"moodbot-{next(self._ids)}"
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = answer
        message: dict[str, Any] = {
            "apiName": API_NAME,
            "apiVersion": API_VERSION,
            "requestID": request_id,
            "messageType": message_type,
        }
        if data is not None:
            message["data"] = data
        try:
            await self._websocket.send(json.dumps(message))
            async with asyncio.timeout(timeout):
                reply = await answer
        except ConnectionClosed as exc:
            raise ConnectionLost(_CLOSED) from exc
        except TimeoutError:
            raise ConnectionLost(f"VTube Studio did not answer {message_type} within {timeout:g} s") from None
        finally:
            self._pending.pop(request_id, None)
        data = reply.get("data")
        body: dict[str, Any] = data if isinstance(data, dict) else {}
        if reply.get("messageType") == "APIError":
            raise ApiError(message_type, int(body.get("errorID", -1)), str(body.get("message", "")))
        return body

    async def close(self) -> None:
        await self._websocket.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    async def _read(self) -> None:
        try:
            async for raw in self._websocket:
                try:
                    reply = json.loads(raw)
                except ValueError:
                    log.warning("VTube Studio sent something that is not JSON: ignored")
                    continue
                # Answers to requests we no longer wait for (cancelled, timed out) and events
                # we never subscribed to have no taker: dropped.
                answer = self._pending.get(str(reply.get("requestID"))) if isinstance(reply, dict) else None
                if answer is not None and not answer.done():
                    answer.set_result(reply)
        except ConnectionClosed:
            pass
        finally:
            for answer in self._pending.values():
                if not answer.done():
                    answer.set_exception(ConnectionLost(_CLOSED))


async def authenticate(
    connection: Connection, token_path: Path, *, on_asking: Callable[[], None] | None = None
) -> bool:
    """Authenticate this session; ask VTS for a token (the "Allow" popup) only if it has none
    that works. `on_asking()` is called before the popup. Returns whether the popup was shown."""
    token = _read_token(token_path)
    if token is not None:
        if await _authenticate_with(connection, token):
            return False
        log.info("VTube Studio no longer accepts moodbot's token: asking for a new one")
        with contextlib.suppress(OSError):
            token_path.unlink()
    if on_asking is not None:
        on_asking()
    request = {"pluginName": PLUGIN_NAME, "pluginDeveloper": PLUGIN_DEVELOPER}
    with contextlib.suppress(OSError):
        request["pluginIcon"] = base64.b64encode(ICON.read_bytes()).decode("ascii")
    try:
        # The answer comes when the streamer clicks: no time limit.
        data = await connection.request("AuthenticationTokenRequest", request, timeout=None)
    except ApiError as exc:
        if exc.error_id == ErrorID.TOKEN_REQUEST_DENIED:
            raise AccessDenied("access denied in VTube Studio") from None
        raise
    token = str(data.get("authenticationToken", ""))
    try:
        _save_token(token_path, token)
    except OSError as exc:
        log.warning("cannot keep VTube Studio's token in %s (%s): it will ask again next time", token_path, exc)
    if not await _authenticate_with(connection, token):
        raise ConnectionLost("VTube Studio refused the token it had just granted")
    return True


async def _authenticate_with(connection: Connection, token: str) -> bool:
    data = await connection.request(
        "AuthenticationRequest",
        {"pluginName": PLUGIN_NAME, "pluginDeveloper": PLUGIN_DEVELOPER, "authenticationToken": token},
    )
    return data.get("authenticated") is True


def _read_token(path: Path) -> str | None:
    try:
        token = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("cannot read VTube Studio's token from %s (%s): asking for a new one", path, exc)
        return None
    return token or None


def _save_token(path: Path, token: str) -> None:
    """Write the token so that a crash mid-write never leaves half of one behind; only the user reads it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(token + "\n")
    os.replace(partial, path)


def describe(exc: BaseException, url: str) -> str:
    """One line for the streamer about what went wrong with VTS."""
    if isinstance(exc, Unreachable):
        return f'VTube Studio not reachable at {url}: is it running, with "Allow Plugin API access" on?'
    if isinstance(exc, AccessDenied):
        return 'access denied in VTube Studio ("Deny" was clicked)'
    if isinstance(exc, ConnectionLost):
        return str(exc)
    if isinstance(exc, ApiError):
        if exc.error_id == ErrorID.API_ACCESS_DEACTIVATED:
            return "the plugin API is switched off in VTube Studio"
        if exc.error_id == ErrorID.TOKEN_REQUEST_DENIED:
            return "VTube Studio revoked moodbot's access"
        if exc.error_id == ErrorID.TOKEN_REQUEST_CURRENTLY_ONGOING:
            return "another plugin's access popup is open in VTube Studio"
        return f"VTube Studio refused {exc.request}: {exc.message} (error {exc.error_id})"
    return f"unexpected error ({type(exc).__name__}: {exc})"
