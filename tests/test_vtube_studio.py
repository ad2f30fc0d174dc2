"""moodbot as a VTube Studio plugin, against the stand-in of VTS's API on loopback (vts_standin.py)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time

import pytest
from helpers import bot_running, free_port, msg, sentiment, write_recording
from vts_standin import HOTKEYS, VTSStandIn
from websockets.asyncio.client import connect

from bot.config import AppConfig, HistoryConfig, MoodConfig, ServerConfig, SourceConfig, VTubeStudioConfig
from bot.mood import MoodAggregator
from bot.outputs.avatar import PARAMETERS
from bot.outputs.status import OutputState
from bot.outputs.vtube_studio import HOTKEY_COOLDOWN, VTubeStudio, resolve_hotkeys
from bot.scored import ScoredMessage

ALL_HOTKEYS = {"hype": "Sparkle", "laughter": "laugh", "mood_drop": "hk-tears", "tech_problem": "Shock"}


class Chat:
    """A real mood aggregator fed by hand: what the plugin reads its snapshots from."""

    def __init__(self) -> None:
        self.aggregator = MoodAggregator(
            MoodConfig(short_window=1.0, long_window=30.0, needle_smoothing=0), start=time.monotonic()
        )
        self._viewers = 0

    def say(self, valence: float, count: int = 10, text: str = "nice") -> None:
        now = time.monotonic()
        for _ in range(count):
            self._viewers += 1
            message = msg(text, author=f"viewer{self._viewers}")
            self.aggregator.add([ScoredMessage(message, sentiment(valence), now)])

    def snapshot(self):
        return self.aggregator.snapshot(time.monotonic())


def plugin_config(vts: VTSStandIn, tmp_path, **overrides) -> VTubeStudioConfig:
    settings = {"enabled": True, "url": vts.url, "token_file": str(tmp_path / "vts-token.txt"), "fade": 0.3}
    return VTubeStudioConfig(**(settings | overrides))


@contextlib.asynccontextmanager
async def plugin_running(config: VTubeStudioConfig, snapshot=None):
    """The plugin's run() as the bot runs it; leaving cancels it and fades the avatar out."""
    async with VTubeStudio(config, snapshot or Chat().snapshot) as plugin:
        task = asyncio.create_task(plugin.run())
        try:
            yield plugin
        finally:
            task.cancel()
            await asyncio.wait([task])


async def until(condition, timeout: float = 5.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout} s: {what}")
        await asyncio.sleep(0.02)


def live(plugin: VTubeStudio) -> bool:
    return plugin.status.state is OutputState.LIVE


@pytest.fixture
async def vts():
    async with VTSStandIn() as standin:
        yield standin


async def test_parameters_are_created_and_fed_steadily_with_a_fade_in(vts, tmp_path):
    """On connect the six parameters exist in VTS, then get values 10 times a second, the weight rising from 0."""
    async with plugin_running(plugin_config(vts, tmp_path, fade=0.5)) as plugin:
        await until(lambda: live(plugin), what="live")
        await asyncio.sleep(1.5)
    created = vts.state.parameters
    assert sorted(created) == sorted(p.name for p in PARAMETERS)
    assert all(p.added_by == "moodbot" and p.explanation for p in created.values())
    weights = [w for _, _, w in vts.values_of("ChatRate")]
    assert weights[0] < 0.25 and max(weights) == 1.0
    rising = weights[: weights.index(1.0) + 1]
    assert rising == sorted(rising), "the weight fades in without a jump"
    times = [at for at, _, _ in vts.values_of("ChatRate")]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert 8 <= len(times) / (times[-1] - times[0]) <= 12
    assert max(gaps) < 0.5
    assert vts.errors == [] and vts.control_lost == []


async def test_values_follow_the_mood(vts, tmp_path):
    """Happy chat lifts MoodValence; sad chat sinks it and raises MoodSad; busy chat raises ChatRate."""
    chat = Chat()
    async with plugin_running(plugin_config(vts, tmp_path, busy_chat_rate=5.0), chat.snapshot) as plugin:
        await until(lambda: live(plugin), what="live")
        chat.say(0.9, count=10)
        await asyncio.sleep(0.6)
        happy = vts.values_of("MoodValence")[-1][1], vts.values_of("ChatRate")[-1][1]
        await asyncio.sleep(1.0)  # the happy lines leave the 1 s window
        chat.say(-0.8, count=3)
        await asyncio.sleep(0.6)
        sad = vts.values_of("MoodValence")[-1][1], vts.values_of("MoodSad")[-1][1]
    assert happy[0] == pytest.approx(0.9, abs=0.01)
    assert happy[1] == 1.0  # 10 messages in 1 s, over the busy rate of 5/s
    assert sad[0] == pytest.approx(-0.8, abs=0.01)
    assert sad[1] == 1.0


async def test_leaving_fades_the_avatar_out(vts, tmp_path):
    """When moodbot stops, the weight glides down to 0 before it lets go: no jump on the avatar."""
    async with plugin_running(plugin_config(vts, tmp_path, fade=0.5)) as plugin:
        await until(lambda: live(plugin), what="live")
        await asyncio.sleep(0.8)
        stopped_at = time.monotonic()
    tail = [(at, w) for at, _, w in vts.values_of("MoodValence") if at >= stopped_at]
    weights = [w for _, w in tail]
    assert weights[-1] == 0.0 and weights[0] > 0.7
    assert weights == sorted(weights, reverse=True)
    assert len(tail) >= 4, "the fade is spread over several updates"


async def test_after_a_stall_the_avatar_is_taken_back_gently(vts, tmp_path):
    """If moodbot could not send for over a second (a starved CPU) and VTS let go, it fades back in, no jump."""
    chat, calls = Chat(), []

    def stalling_snapshot():
        calls.append(1)
        if len(calls) == 12:
            time.sleep(1.3)  # the whole process stops, as on an overloaded machine
        return chat.snapshot()

    async with plugin_running(plugin_config(vts, tmp_path, fade=0.5), stalling_snapshot) as plugin:
        await until(lambda: len(calls) > 25, what="fed after the stall")
        assert live(plugin)
    sent = vts.values_of("MoodValence")
    after = next(i for i, (b, a) in enumerate(itertools.pairwise(sent)) if a[0] - b[0] > 1.0) + 1
    assert sent[after - 1][2] == 1.0 and sent[after][2] < 0.3, "weight back to near 0 after VTS let go"
    assert [w for _, _, w in sent[after : after + 4]] == sorted(w for _, _, w in sent[after : after + 4])


async def test_the_token_is_asked_for_once_and_reused(vts, tmp_path):
    """The "Allow" popup shows on the first run only; the second run authenticates with the kept token."""
    config = plugin_config(vts, tmp_path)
    async with plugin_running(config) as plugin:
        await until(lambda: live(plugin), what="first run live")
    assert vts.popups == 1
    assert config.token_path.read_text().strip() in vts.state.tokens.values()
    async with plugin_running(config) as plugin:
        await until(lambda: live(plugin), what="second run live")
    assert vts.popups == 1
    assert vts.errors == []


async def test_waiting_for_the_click_is_said(tmp_path):
    """While VTS's popup waits for the streamer, the status says to click Allow."""
    async with VTSStandIn(decision="wait") as vts, plugin_running(plugin_config(vts, tmp_path)) as plugin:
        await vts.popup_shown()
        await until(lambda: plugin.status.state is OutputState.WAITING, what="waiting")
        assert "Allow" in plugin.status.detail
        vts.click(allow=True)
        await until(lambda: live(plugin), what="live after the click")


async def test_deny_is_respected(tmp_path):
    """After "Deny", moodbot says so and never pops the question up again on its own."""
    async with VTSStandIn(decision="deny") as vts, plugin_running(plugin_config(vts, tmp_path)) as plugin:
        await until(lambda: plugin.status.state is OutputState.OFF, what="off")
        await asyncio.sleep(1.5)
        assert vts.popups == 1
        assert "Deny" in plugin.status.detail and "vts-check" in plugin.status.detail
    assert not (tmp_path / "vts-token.txt").exists()
    assert vts.injections == []


async def test_a_revoked_token_is_replaced(vts, tmp_path):
    """If the streamer revokes moodbot in VTS, moodbot asks once more and carries on with the new token."""
    config = plugin_config(vts, tmp_path)
    async with plugin_running(config) as plugin:
        await until(lambda: live(plugin), what="live")
        old = config.token_path.read_text().strip()
        vts.revoke("moodbot")
        await until(lambda: vts.popups == 2 and live(plugin), what="asked again and live")
        await asyncio.sleep(0.3)
    new = config.token_path.read_text().strip()
    assert new != old and new in vts.state.tokens.values()
    assert sorted(vts.state.parameters) == sorted(p.name for p in PARAMETERS)  # re-created after the revocation


async def test_vts_closing_the_socket_and_coming_back(vts, tmp_path):
    """VTS quitting mid-session is said in one line and retried; when it is back, moodbot is too, without a popup."""
    async with plugin_running(plugin_config(vts, tmp_path)) as plugin:
        await until(lambda: live(plugin), what="live")
        await vts.stop()
        await until(lambda: plugin.status.state is OutputState.RECONNECTING, what="reconnecting")
        assert plugin.status.detail.startswith("VTube Studio closed the connection; retrying in")
        restarted = time.monotonic()
        await vts.start()
        await until(lambda: live(plugin), timeout=5, what="live again")
        await asyncio.sleep(0.5)
    assert vts.popups == 1
    resumed = [w for at, _, w in vts.values_of("MoodHype") if at >= restarted]
    assert resumed[0] < 0.5, "the new session fades in again"
    assert len({i.session for i in vts.injections}) == 2
    assert vts.control_lost == [] and vts.errors == []


async def test_vts_not_running_is_retried_with_back_off(tmp_path):
    """Nothing listening: the status names the URL and the "Allow Plugin API access" switch, and the pauses grow."""
    port = free_port()
    config = VTubeStudioConfig(enabled=True, url=f"ws://127.0.0.1:{port}", token_file=str(tmp_path / "t.txt"))
    async with plugin_running(config) as plugin:
        await until(lambda: plugin.status.state is OutputState.RECONNECTING, what="reconnecting")
        assert "not reachable at ws://127.0.0.1:" in plugin.status.detail
        assert "Allow Plugin API access" in plugin.status.detail
        assert plugin.status.detail.endswith("retrying in 1 s")
        await until(lambda: plugin.status.detail.endswith("retrying in 2 s"), timeout=3, what="second pause")
        async with VTSStandIn(port=port) as vts:
            await until(lambda: live(plugin), timeout=5, what="live once VTS runs")
            assert vts.popups == 1


async def test_deleted_parameters_are_created_again(vts, tmp_path):
    """Parameters deleted in VTS mid-session come back at once, in the same session."""
    async with plugin_running(plugin_config(vts, tmp_path)) as plugin:
        await until(lambda: live(plugin), what="live")
        vts.state.parameters.clear()
        await until(lambda: len(vts.state.parameters) == len(PARAMETERS), what="re-created")
        count = len(vts.injections)
        await until(lambda: len(vts.injections) > count + 3, what="fed again")
    assert [e for _, _, e in vts.errors] == [453]
    assert len(vts.sessions) == 1


async def test_a_missing_hotkey_is_named_and_never_sent(vts, tmp_path):
    """A hotkey the model lacks is named in the status; its events send nothing, the others still work."""
    config = plugin_config(vts, tmp_path, hotkeys={"hype": "SPARKLE", "laughter": "Giggle"})
    async with plugin_running(config) as plugin:
        await until(lambda: live(plugin), what="live")
        assert plugin.status.detail == 'hotkey "Giggle" (laughter) is not in Akari'
        plugin.on_event("laughter", {"share": 0.4})
        plugin.on_event("hype", {"needle": 0.7})
        plugin.on_event("mood_drop", {})  # no hotkey set for it
        await until(lambda: vts.triggers, what="hype trigger")
        await asyncio.sleep(0.3)
    assert [t.name for t in vts.triggers] == ["Sparkle"]
    assert vts.errors == []


async def test_a_model_change_is_noticed(vts, tmp_path):
    """Loading a model without the hotkey: the next event finds out, and the status says so."""
    async with plugin_running(plugin_config(vts, tmp_path, hotkeys={"hype": "Sparkle"})) as plugin:
        await until(lambda: live(plugin) and not plugin.status.detail, what="live with every hotkey")
        vts.model, vts.hotkeys = "Bunny", [h for h in HOTKEYS if h["name"] != "Sparkle"]
        plugin.on_event("hype")
        await until(lambda: "Bunny" in plugin.status.detail, what="status names the new model")
    assert plugin.status.detail == 'hotkey "Sparkle" (hype) is not in Bunny'
    assert [e for _, _, e in vts.errors] == [202]


async def test_a_hotkey_in_a_newly_loaded_model_is_found(tmp_path):
    """A hotkey missing at connect is looked up again when its event comes: after a model change it works."""
    without = tuple(h for h in HOTKEYS if h["name"] != "Sparkle")
    async with (
        VTSStandIn(hotkeys=without) as vts,
        plugin_running(plugin_config(vts, tmp_path, hotkeys={"hype": "Sparkle"})) as plugin,
    ):
        await until(lambda: live(plugin) and "Sparkle" in plugin.status.detail, what="live, Sparkle missing")
        vts.model, vts.hotkeys = "Akari v2", [dict(h) for h in HOTKEYS]
        plugin.on_event("hype")
        await until(lambda: vts.triggers, what="trigger after the model change")
        assert plugin.status.detail == ""
    assert [t.name for t in vts.triggers] == ["Sparkle"] and vts.errors == []


@pytest.mark.slow  # waits out a real 5 s cooldown
async def test_hotkey_cooldown_and_queue_are_respected(vts, tmp_path):
    """Events in a flood reach VTS at most once per hotkey per cooldown, and VTS never answers 203 or 200."""
    async with plugin_running(plugin_config(vts, tmp_path, hotkeys=ALL_HOTKEYS)) as plugin:
        await until(lambda: live(plugin) and not plugin.status.detail, what="live with every hotkey")
        started = time.monotonic()
        while time.monotonic() - started < HOTKEY_COOLDOWN + 1.5:
            for kind in ALL_HOTKEYS:
                plugin.on_event(kind, {})
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
    assert vts.errors == []
    by_hotkey: dict[str, list[float]] = {}
    for trigger in vts.triggers:
        by_hotkey.setdefault(trigger.hotkey_id, []).append(trigger.at)
    assert sorted(by_hotkey) == ["hk-laugh", "hk-shock", "hk-sparkle", "hk-tears"]
    for times in by_hotkey.values():
        assert len(times) == 2
        assert times[1] - times[0] >= HOTKEY_COOLDOWN
    everything = sorted(t.at for t in vts.triggers)
    assert min(b - a for a, b in itertools.pairwise(everything)) >= 0.15, "spaced so VTS's queue never fills"


async def test_event_to_hotkey_is_prompt(vts, tmp_path):
    """An event reaches VTS as a hotkey request within a fraction of a second."""
    async with plugin_running(plugin_config(vts, tmp_path, hotkeys={"tech_problem": "Shock"})) as plugin:
        await until(lambda: live(plugin), what="live")
        fired = time.monotonic()
        plugin.on_event("tech_problem", {"problem": "audio"})
        await until(lambda: vts.triggers, what="trigger")
    assert vts.triggers[0].at - fired < 0.25


def test_hotkeys_are_found_by_id_or_by_name_ignoring_case():
    """As VTS does: an id matches exactly, a name ignoring case, the first of equal names wins; no model, no hotkeys."""
    answer = {
        "modelLoaded": True,
        "modelName": "Akari",
        "availableHotkeys": [
            {"name": "Wave", "hotkeyID": "id-1"},
            {"name": "wave", "hotkeyID": "id-2"},
            {"name": "", "hotkeyID": "id-3"},
        ],
    }
    found, missing = resolve_hotkeys({"hype": "WAVE", "laughter": "id-3", "mood_drop": ""}, answer)
    assert found == {"hype": "id-1", "laughter": "id-3"}
    assert missing == ['hotkey "" (mood_drop) is not in Akari']
    assert resolve_hotkeys({"hype": "Wave"}, {"modelLoaded": False}) == (
        {},
        ["no model loaded in VTube Studio: hotkeys wait for one"],
    )


# -- in the whole bot, with the real model -----------------------------------------------------------


def _happy_then_sad(path):
    happy = ["I love this stream so much!", "amazing, you are the best", "草www", "so happy right now!!"]
    sad = ["this is so sad", "I'm crying, terrible news", "noo that's awful", "so sad, rest in peace"]
    lines = [(i * 0.2, happy[i % 4]) for i in range(40)] + [(8 + i * 0.2, sad[i % 4]) for i in range(40)]
    return write_recording(path, lines)


@pytest.mark.slow
async def test_full_session_over_a_replay(tmp_path, bundled_scorer):
    """A replay drives the avatar: MoodValence follows the overlay's needle, up with happy chat and down with sad."""
    standin = VTSStandIn()
    await standin.start()
    config = AppConfig(
        source=SourceConfig(replay=str(_happy_then_sad(tmp_path / "chat.jsonl")), speed=1.0),
        server=ServerConfig(port=0),
        history=HistoryConfig(dir=None),
        mood=MoodConfig(short_window=3.0, long_window=30.0, needle_smoothing=0.5),
        vtube_studio=plugin_config(standin, tmp_path, fade=0.5, hotkeys={"hype": "Sparkle"}),
    )
    needles: list[tuple[float, float]] = []
    try:
        async with bot_running(config, bundled_scorer) as bot, connect(bot.broadcaster.ws_url) as ws:
            assert bot.avatar is not None
            await until(lambda: live(bot.avatar), timeout=10, what="live")
            deadline = time.monotonic() + 17
            while time.monotonic() < deadline:
                frame = await next_mood(ws)
                needles.append((time.monotonic(), frame["needle"]))
            assert frame["outputs"] == {"vtube_studio": {"state": "live", "detail": ""}}
            assert "| vts live" in bot.status_line()
            stopped_at = time.monotonic()
    finally:
        await standin.stop()
    valence = standin.values_of("MoodValence")
    assert max(v for _, v, _ in valence) > 0.3
    assert min(v for _, v, _ in valence) < -0.3
    assert max(v for _, v, _ in standin.values_of("MoodSad")) > 0.5
    assert max(v for _, v, _ in standin.values_of("MoodLaughter")) > 0
    assert max(v for _, v, _ in standin.values_of("ChatRate")) > 0
    # Each overlay frame's needle matches the value VTS got at about the same moment.
    for at, needle in needles[5:]:
        nearest = min(valence, key=lambda item: abs(item[0] - at))
        assert abs(nearest[1] - needle) < 0.15
    assert [w for at, _, w in valence if at > stopped_at][-1] == 0.0, "faded out at shutdown"
    assert standin.errors == [] and standin.control_lost == []


@pytest.mark.slow
async def test_vts_trouble_never_disturbs_the_overlay(tmp_path, bundled_scorer):
    """VTS absent, then "Deny": chat is still read and the overlay updated; the payload says what VTS is doing."""
    port = free_port()
    lines = [(i * 0.1, "nice stream") for i in range(100)]
    config = AppConfig(
        source=SourceConfig(replay=str(write_recording(tmp_path / "chat.jsonl", lines)), speed=1.0),
        server=ServerConfig(port=0),
        history=HistoryConfig(dir=None),
        vtube_studio=VTubeStudioConfig(
            enabled=True, url=f"ws://127.0.0.1:{port}", token_file=str(tmp_path / "t.txt"), max_backoff=1
        ),
    )
    async with bot_running(config, bundled_scorer) as bot, connect(bot.broadcaster.ws_url) as ws:
        frame = await next_mood(ws)
        while frame["outputs"]["vtube_studio"]["state"] != "reconnecting":
            frame = await next_mood(ws)
        assert "not reachable" in frame["outputs"]["vtube_studio"]["detail"]
        async with VTSStandIn(port=port, decision="deny"):
            while frame["outputs"]["vtube_studio"]["state"] != "off":
                frame = await next_mood(ws)
        seen = frame["totals"]["messages"]
        while frame["totals"]["messages"] <= seen:
            frame = await next_mood(ws)
        assert frame["outputs"]["vtube_studio"]["state"] == "off"
        assert "vts off (access denied" in bot.status_line()


@pytest.mark.slow
async def test_the_measurement_script_runs():
    """scripts/measure_vts.py (the figures in the README) runs the whole bot against the stand-in and reports."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parent.parent / "scripts" / "measure_vts.py"
    spec = importlib.util.spec_from_file_location("measure_vts", path)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    result = await script.measure(minutes=0.25, speed=1.0, event_every=2.0)
    assert result["injections"] > 50 and result["popups"] == 1
    assert result["events_fired"] >= 2 and result["hotkeys_sent"] == result["events_fired"]
    assert result["burst_of_20_hype_events_sent"] == 1
    assert result["vts_errors"] == []


async def next_mood(ws) -> dict:
    """The next snapshot or update message of the overlay's websocket (event messages are passed over)."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if message["type"] != "event":
            return message
