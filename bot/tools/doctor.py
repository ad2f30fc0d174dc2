"""`moodbot doctor`: what a streamer runs when something is wrong.

One line per check, ✓ or ✗ (`[ok]` / `[X]` on a console that cannot show them), and under each
✗ what to do. The checks touch nothing the bot needs: the port is only tried, the overlay is
served briefly on it (or on a spare port when it is taken), one file is written to the data
folder and removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno
import json
import os
import platform
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

import httpx
from websockets.exceptions import WebSocketException

from ..config import AppConfig, ModelConfig, ServerConfig, YouTubeConfig
from ..console import pick
from ..errors import MoodbotError

__all__ = [
    "Check",
    "check_data_folder",
    "check_model",
    "check_overlay",
    "check_port",
    "check_python",
    "check_youtube",
    "port_holder",
    "run_doctor",
    "try_port",
]

# Lines the model check scores: the languages and the chat habits the bundled model was made for.
_SAMPLE_LINES = [
    "草 www nice play!",
    "wkwk lucu banget",
    "that boss fight was painful",
    "かわいい！",
    "GG o7",
    "nooo the lag again",
    "what game is next?",
    "8888888",
]
_SLOW_LINES_PER_S = 20  # below this a busy chat (10-50 messages/s) would be dropped
_OVERLAY_MARK = "mb-card"  # a class every moodbot overlay page carries


@dataclass(frozen=True)
class Check:
    """One line of the report: what was found, and what to do when it is wrong."""

    ok: bool
    found: str
    fix: str = ""


async def run_doctor(config: AppConfig, *, config_path: Path | None, out: TextIO) -> int:
    """Run every check, printing each line as it is known; 0 when all pass, 1 otherwise."""
    good, bad, arrow = pick("✓", "[ok]", out), pick("✗", "[X]", out), pick("→", "->", out)
    print(f"moodbot {_version()} doctor", file=out, flush=True)
    failed = 0

    def show(check: Check) -> None:
        nonlocal failed
        failed += not check.ok
        print(f"{good if check.ok else bad} {check.found}", file=out, flush=True)
        if check.fix:
            print(f"    {arrow} {check.fix}", file=out, flush=True)

    show(check_python())
    show(Check(True, f"config: {config_path}" if config_path else "config: built-in defaults (no config.yaml found)"))
    show(check_data_folder(config))
    bind_error = try_port(config.server)
    show(check_port(config.server, bind_error))
    show(await check_overlay(config.server, port_free=bind_error is None))
    show(await check_youtube(config.youtube))
    show(await asyncio.to_thread(check_model, config.model, config.files.data_folder() / "onnx"))
    print("all good" if not failed else f"{failed} problem{'s' if failed > 1 else ''} found", file=out, flush=True)
    return 1 if failed else 0


def check_python() -> Check:
    version = platform.python_version()
    bits = "64-bit" if sys.maxsize > 2**32 else "32-bit"
    found = f"Python {version} ({bits}, {platform.system() or 'unknown system'})"
    if bits == "32-bit":
        return Check(False, found, "torch needs a 64-bit Python: install the 64-bit one from python.org")
    return Check(True, found)


def check_data_folder(config: AppConfig) -> Check:
    """The data folder (and the sessions folder in it) can be made and written to."""
    folder = config.files.data_folder()
    sessions = config.sessions_folder()
    target = sessions or folder
    probe = target / f".doctor-{os.getpid()}"
    try:
        target.mkdir(parents=True, exist_ok=True)
        probe.write_text("moodbot doctor\n", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        return Check(
            False,
            f"cannot write to {target} ({exc.strerror or exc})",
            "set files.data_dir in config.yaml to a folder you can write to",
        )
    where = f"; sessions in {sessions}" if sessions else "; history.dir is null, so no sessions are kept"
    return Check(True, f"data folder {folder} is writable{where}")


def try_port(server: ServerConfig) -> OSError | None:
    """Bind the overlay's address for a moment, as the server would; the error if that fails."""
    family = socket.AF_INET6 if ":" in server.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        if os.name != "nt":  # as the server binds; on Windows this option would let two servers share a port
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((server.host, server.port))
        except OSError as exc:
            return exc
    return None


def check_port(server: ServerConfig, error: OSError | None) -> Check:
    """Whether the overlay's port is free (`error` from `try_port`), and if not, who holds it."""
    if error is None:
        return Check(True, f"port {server.port} on {server.host} is free")
    if error.errno != errno.EADDRINUSE and getattr(error, "winerror", None) != 10048:
        return Check(
            False,
            f"cannot listen on {server.host}:{server.port} ({error.strerror or error})",
            "set server.host to 127.0.0.1 in config.yaml",
        )
    holder = port_holder(server.port)
    if _is_moodbot(server):
        return Check(True, f"port {server.port} is held by a moodbot that is running now{_by(holder)}")
    return Check(
        False,
        f"port {server.port} is held by {holder or 'another program'}",
        f"close that program, or set server.port in config.yaml (e.g. {server.port + 1}) and use the new URL in OBS",
    )


def _by(holder: str | None) -> str:
    return f" ({holder})" if holder else ""


def port_holder(port: int) -> str | None:
    """ "NAME (pid N)" of the process listening on `port`, when the system tells us."""
    import psutil

    try:
        connections = psutil.net_connections(kind="inet")
    except (psutil.Error, OSError):  # macOS asks for root
        return None
    for conn in connections:
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
            try:
                return f"{psutil.Process(conn.pid).name()} (pid {conn.pid})"
            except psutil.Error:
                return f"pid {conn.pid}"
    return None


def _is_moodbot(server: ServerConfig) -> bool:
    host = "127.0.0.1" if server.host in ("0.0.0.0", "::") else server.host
    try:
        response = httpx.get(f"http://{_url_host(host)}:{server.port}/", timeout=2, trust_env=False)
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and _OVERLAY_MARK in response.text


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


async def check_overlay(server: ServerConfig, *, port_free: bool) -> Check:
    """Serve the overlay (on its own port when free, else a spare one) and open page and websocket."""
    from websockets.asyncio.client import connect

    from ..broadcaster import Broadcaster

    config = server if port_free else dataclasses.replace(server, port=0)
    hello = json.dumps({"type": "snapshot", "doctor": True})
    try:
        broadcaster = Broadcaster(config, snapshot=lambda: hello)
        async with broadcaster:
            host = _url_host("127.0.0.1" if server.host in ("0.0.0.0", "::") else server.host)
            async with httpx.AsyncClient(timeout=5, trust_env=False) as client:
                page = await client.get(f"http://{host}:{broadcaster.port}/")
            async with connect(f"ws://{host}:{broadcaster.port}/ws", open_timeout=5) as ws:
                first = await asyncio.wait_for(ws.recv(), 5)
            url = broadcaster.url
    except (MoodbotError, OSError, httpx.HTTPError, WebSocketException, TimeoutError) as exc:
        return Check(
            False,
            f"the overlay could not be served ({type(exc).__name__}: {exc})",
            "reinstall moodbot; if it persists, report it with this line",
        )
    if page.status_code != 200 or _OVERLAY_MARK not in page.text or first != hello:
        return Check(False, f"the overlay page answered wrongly (HTTP {page.status_code})", "reinstall moodbot")
    where = url if port_free else f"{url} (a spare port: {server.port} is taken)"
    return Check(True, f"the overlay page and its websocket answer at {where}")


async def check_youtube(youtube: YouTubeConfig) -> Check:
    """YouTube (or `youtube.base_url`) answers over HTTP."""
    site = _site_name(youtube.base_url)
    fix = "check the internet connection (and any firewall, VPN or proxy that blocks Python)"
    started = time.monotonic()
    try:
        async with httpx.AsyncClient(timeout=youtube.request_timeout) as client:
            response = await client.get(youtube.base_url.rstrip("/") + "/")
    except httpx.TimeoutException:
        return Check(False, f"{site} did not answer within {youtube.request_timeout:g} s", fix)
    except httpx.HTTPError as exc:
        return Check(False, f"cannot reach {site} ({type(exc).__name__})", fix)
    ms = (time.monotonic() - started) * 1000
    if response.status_code >= 500:
        return Check(
            False, f"{site} answered HTTP {response.status_code}", f"{site} has trouble; try again in a few minutes"
        )
    return Check(True, f"{site} answers (HTTP {response.status_code} in {ms:.0f} ms)")


def _site_name(base_url: str) -> str:
    host = urlsplit(base_url).hostname or base_url
    return "YouTube" if host == "youtube.com" or host.endswith(".youtube.com") else base_url


def check_model(model: ModelConfig, cache: Path | None = None) -> Check:
    """The model loads and scores chat lines; how long loading takes and how many lines a second it scores."""
    from ..scoring import load_scorer

    name = f"model {model.path} ({model.backend})"
    started = time.monotonic()
    try:
        scorer = load_scorer(model, cache=cache)
        loaded = time.monotonic() - started
        first = scorer.score(_SAMPLE_LINES[:1])[0]
        # Numbered, so each line is new: a repeated line is remembered, not scored again.
        lines = [f"{line} {i}" for i in range(4) for line in _SAMPLE_LINES]
        started = time.monotonic()
        scorer.score(lines)
        rate = len(lines) / max(time.monotonic() - started, 1e-6)
    except MoodbotError as exc:
        return Check(False, f"{name}: {exc}", "set model.path in config.yaml to bundled, a model folder or a hub id")
    name = f"model {model.path} ({scorer.backend})"
    found = f'{name} loads in {loaded:.1f} s and scores {rate:.0f} lines/s ("{_SAMPLE_LINES[0]}" is {first.label})'
    if rate < _SLOW_LINES_PER_S:
        return Check(
            False,
            found,
            "too slow for a busy chat: close what keeps the CPU busy, or set model.backend: auto (README)",
        )
    return Check(True, found)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    with contextlib.suppress(PackageNotFoundError):
        return version("moodbot")
    return "(not installed)"
