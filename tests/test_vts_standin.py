"""The VTube Studio stand-in is as strict as VTS's documentation: each documented error is answered.

These pin the stand-in itself (tests/vts_standin.py), so that moodbot's plugin passing against it
means something. Requests are written by hand here, the way the API docs show them.
"""

from __future__ import annotations

import asyncio
import base64
import json
import struct

import pytest
from vts_standin import HOTKEYS, VTSStandIn
from websockets.asyncio.client import connect


class Raw:
    """A hand-written plugin: sends what the docs show, returns (messageType, data)."""

    def __init__(self, websocket) -> None:
        self.websocket = websocket

    async def send(self, message: dict | str) -> tuple[str, dict]:
        await self.websocket.send(message if isinstance(message, str) else json.dumps(message))
        reply = json.loads(await asyncio.wait_for(self.websocket.recv(), 5))
        assert reply["apiName"] == "VTubeStudioPublicAPI" and "timestamp" in reply
        return reply["messageType"], reply["data"]

    async def request(self, message_type: str, data: dict | None = None, **envelope) -> tuple[str, dict]:
        message = {
            "apiName": "VTubeStudioPublicAPI",
            "apiVersion": "1.0",
            "requestID": "test",
            "messageType": message_type,
        }
        message.update(envelope)
        if data is not None:
            message["data"] = data
        return await self.send(message)

    async def error(self, message_type: str, data: dict | None = None, **envelope) -> int:
        kind, body = await self.request(message_type, data, **envelope)
        assert kind == "APIError", (kind, body)
        return body["errorID"]

    async def authenticate(self, name: str = "Tester", developer: str = "Someone") -> str:
        kind, body = await self.request(
            "AuthenticationTokenRequest", {"pluginName": name, "pluginDeveloper": developer}
        )
        assert kind == "AuthenticationTokenResponse"
        token = body["authenticationToken"]
        kind, body = await self.request(
            "AuthenticationRequest", {"pluginName": name, "pluginDeveloper": developer, "authenticationToken": token}
        )
        assert body["authenticated"] is True
        return token


@pytest.fixture
async def vts():
    async with VTSStandIn() as standin:
        yield standin


async def plugin(vts: VTSStandIn) -> Raw:
    return Raw(await connect(vts.url))


def png_header(width: int, height: int) -> str:
    data = (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", 13)
        + b"IHDR"
        + struct.pack(">II", width, height)
        + b"\x08\x06\x00\x00\x00"
    )
    return base64.b64encode(data).decode()


async def test_envelope_errors(vts):
    """Bad JSON 2, wrong apiName 3, wrong apiVersion 4, bad requestID 5, no messageType 6, unknown type 7."""
    p = await plugin(vts)
    assert (await p.send("{not json"))[1]["errorID"] == 2
    assert await p.error("APIStateRequest", apiName="VTubeStudioAPI") == 3
    assert await p.error("APIStateRequest", apiVersion="2.0") == 4
    assert await p.error("APIStateRequest", requestID="x" * 65) == 5
    assert await p.error("APIStateRequest", requestID="ключ") == 5
    assert await p.error("") == 6
    assert await p.error("TeleportRequest") == 7
    kind, body = await p.request("APIStateRequest")
    assert kind == "APIStateResponse" and body["currentSessionAuthenticated"] is False


async def test_requests_before_authentication_are_refused(vts):
    """Everything but the state and the two authentication requests needs an authenticated session (8)."""
    p = await plugin(vts)
    for message_type in ("HotkeysInCurrentModelRequest", "ParameterCreationRequest", "InjectParameterDataRequest"):
        assert await p.error(message_type, {}) == 8
    await p.authenticate()
    kind, _ = await p.request("HotkeysInCurrentModelRequest")
    assert kind == "HotkeysInCurrentModelResponse"


async def test_token_request_rules(vts):
    """Names of 3-32 characters (52, 53), a 128x128 icon (54), Deny (50), one popup at a time (51)."""
    p = await plugin(vts)
    assert await p.error("AuthenticationTokenRequest", {"pluginName": "ab", "pluginDeveloper": "Someone"}) == 52
    assert await p.error("AuthenticationTokenRequest", {"pluginName": "Tester", "pluginDeveloper": "x" * 33}) == 53
    icon = {"pluginName": "Tester", "pluginDeveloper": "Someone", "pluginIcon": png_header(64, 64)}
    assert await p.error("AuthenticationTokenRequest", icon) == 54
    icon["pluginIcon"] = png_header(128, 128)
    kind, _ = await p.request("AuthenticationTokenRequest", icon)
    assert kind == "AuthenticationTokenResponse"
    vts.decision = "deny"
    assert await p.error("AuthenticationTokenRequest", {"pluginName": "Tester", "pluginDeveloper": "Someone"}) == 50
    vts.decision = "wait"
    first, second = await plugin(vts), await plugin(vts)
    waiting = asyncio.create_task(
        first.request("AuthenticationTokenRequest", {"pluginName": "Tester", "pluginDeveloper": "Someone"})
    )
    await vts.popup_shown()
    assert await second.error("AuthenticationTokenRequest", {"pluginName": "Other", "pluginDeveloper": "Someone"}) == 51
    vts.click(allow=True)
    assert (await waiting)[0] == "AuthenticationTokenResponse"
    assert vts.popups == 3


async def test_authentication_rules(vts):
    """Missing token, name or developer are 100-102; a token only works for the name it was granted to."""
    p = await plugin(vts)
    assert await p.error("AuthenticationRequest", {"pluginName": "Tester", "pluginDeveloper": "Someone"}) == 100
    assert await p.error("AuthenticationRequest", {"authenticationToken": "t", "pluginDeveloper": "Someone"}) == 101
    assert await p.error("AuthenticationRequest", {"authenticationToken": "t", "pluginName": "Tester"}) == 102
    token = await p.authenticate()
    other = await plugin(vts)
    _, body = await other.request(
        "AuthenticationRequest", {"pluginName": "Another", "pluginDeveloper": "Someone", "authenticationToken": token}
    )
    assert body["authenticated"] is False


async def test_a_revoked_plugin_gets_error_50(vts):
    """After the user revokes a plugin, its session's requests are answered with 50 and its token fails."""
    p = await plugin(vts)
    await p.authenticate()
    vts.revoke("Tester")
    assert await p.error("HotkeysInCurrentModelRequest") == 50


async def test_parameter_creation_rules(vts):
    """Names of 4-32 letters and digits (350), values within ±1e6 (351), other plugins' names (352),
    explanations under 256 (353), default parameter names (354), 100 per plugin (355), 300 in all (356)."""
    p = await plugin(vts)
    await p.authenticate()

    def param(name: str, **extra) -> dict:
        return {"parameterName": name, "explanation": "test", "min": 0, "max": 1, "defaultValue": 0} | extra

    for bad in ("abc", "has space", "x" * 33, "Mood-Hype"):
        assert await p.error("ParameterCreationRequest", param(bad)) == 350
    assert await p.error("ParameterCreationRequest", param("Fine", min="0")) == 351
    assert await p.error("ParameterCreationRequest", param("Fine", max=2_000_000)) == 351
    assert await p.error("ParameterCreationRequest", param("Fine", explanation="x" * 256)) == 353
    assert await p.error("ParameterCreationRequest", param("FaceAngleX")) == 354
    kind, body = await p.request("ParameterCreationRequest", param("Fine"))
    assert (kind, body) == ("ParameterCreationResponse", {"parameterName": "Fine"})
    assert (await p.request("ParameterCreationRequest", param("Fine", max=5)))[0] == "ParameterCreationResponse"
    other = await plugin(vts)
    await other.authenticate("Other plugin")
    assert await other.error("ParameterCreationRequest", param("Fine")) == 352
    for i in range(99):
        await p.request("ParameterCreationRequest", param(f"Tester{i}"))
    assert await p.error("ParameterCreationRequest", param("OneTooMany")) == 355
    third = await plugin(vts)
    await third.authenticate("Third plugin")
    for i in range(100):
        await other.request("ParameterCreationRequest", param(f"Other{i}"))
        await third.request("ParameterCreationRequest", param(f"Third{i}"))
    assert await third.error("ParameterCreationRequest", param("Third100")) == 355
    fourth = await plugin(vts)
    await fourth.authenticate("Fourth plugin")
    assert await fourth.error("ParameterCreationRequest", param("Fourth0")) == 356


async def test_injection_rules(vts):
    """No values 450, bad value 451, bad weight 452, unknown parameter 453, another plugin's 454, bad mode 455."""
    p = await plugin(vts)
    await p.authenticate()
    await p.request("ParameterCreationRequest", {"parameterName": "Glow", "min": 0, "max": 1, "defaultValue": 0})

    def inject(*values: dict, **extra) -> dict:
        return {"mode": "set", "parameterValues": list(values)} | extra

    assert await p.error("InjectParameterDataRequest", inject()) == 450
    assert await p.error("InjectParameterDataRequest", {"mode": "set"}) == 450
    assert await p.error("InjectParameterDataRequest", inject({"id": "Glow", "value": "high"})) == 451
    assert await p.error("InjectParameterDataRequest", inject({"id": "Glow", "value": 2e6})) == 451
    assert await p.error("InjectParameterDataRequest", inject({"id": "Glow", "value": 0.5, "weight": 1.5})) == 452
    assert await p.error("InjectParameterDataRequest", inject({"id": "Nope", "value": 0.5})) == 453
    assert await p.error("InjectParameterDataRequest", inject({"id": "Glow", "value": 0.5}, mode="mix")) == 455
    kind, _ = await p.request("InjectParameterDataRequest", inject({"id": "Glow", "value": 0.5, "weight": 0.5}))
    assert kind == "InjectParameterDataResponse"
    other = await plugin(vts)
    await other.authenticate("Other plugin")
    assert await other.error("InjectParameterDataRequest", inject({"id": "Glow", "value": 1})) == 454
    kind, _ = await other.request("InjectParameterDataRequest", inject({"id": "Glow", "value": 0.1}, mode="add"))
    assert kind == "InjectParameterDataResponse"
    _, body = await p.request("ParameterValueRequest", {"name": "Glow"})
    assert body["value"] == pytest.approx(0.25)  # half of 0.5 mixed with the default 0


async def test_a_parameter_not_resent_within_a_second_is_lost(vts):
    """Control lapses after a second without data: the value falls back to its default and the gap is recorded."""
    p = await plugin(vts)
    await p.authenticate()
    await p.request("ParameterCreationRequest", {"parameterName": "Glow", "min": 0, "max": 1, "defaultValue": 0.2})
    data = {"parameterValues": [{"id": "Glow", "value": 0.9}]}
    await p.request("InjectParameterDataRequest", data)
    assert (await p.request("ParameterValueRequest", {"name": "Glow"}))[1]["value"] == pytest.approx(0.9)
    await asyncio.sleep(1.2)
    assert (await p.request("ParameterValueRequest", {"name": "Glow"}))[1]["value"] == pytest.approx(0.2)
    await p.request("InjectParameterDataRequest", data)
    assert [(name, round(gap, 1)) for _, name, gap in vts.control_lost] == [("Glow", 1.2)]


async def test_hotkey_rules(vts):
    """By id or by name ignoring case, else 202; again within 5 s 203; no model 201."""
    p = await plugin(vts)
    await p.authenticate()
    _, body = await p.request("HotkeysInCurrentModelRequest")
    assert [h["hotkeyID"] for h in body["availableHotkeys"]] == [h["hotkeyID"] for h in HOTKEYS]
    assert (await p.request("HotkeyTriggerRequest", {"hotkeyID": "sPaRkLe"}))[1] == {"hotkeyID": "hk-sparkle"}
    assert await p.error("HotkeyTriggerRequest", {"hotkeyID": "hk-sparkle"}) == 203
    assert (await p.request("HotkeyTriggerRequest", {"hotkeyID": "hk-unnamed"}))[0] == "HotkeyTriggerResponse"
    assert await p.error("HotkeyTriggerRequest", {"hotkeyID": "Giggle"}) == 202
    assert await p.error("HotkeyTriggerRequest", {"hotkeyID": ""}) == 202
    await asyncio.sleep(0.2)
    assert [t.hotkey_id for t in vts.executed] == ["hk-sparkle", "hk-unnamed"]
    vts.model = None
    assert await p.error("HotkeyTriggerRequest", {"hotkeyID": "Laugh"}) == 201


async def test_the_hotkey_queue_holds_32():
    """With VTS busy (no frames pass), the 33rd queued hotkey is refused with 200."""
    hotkeys = tuple({"name": f"Key {i}", "type": "TriggerAnimation", "hotkeyID": f"k{i}"} for i in range(40))
    async with VTSStandIn(hotkeys=hotkeys, frame_rate=0.01) as vts:
        p = await plugin(vts)
        await p.authenticate()
        for i in range(32):
            assert (await p.request("HotkeyTriggerRequest", {"hotkeyID": f"k{i}"}))[0] == "HotkeyTriggerResponse"
        assert await p.error("HotkeyTriggerRequest", {"hotkeyID": "k32"}) == 200
