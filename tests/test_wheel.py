"""The wheel a streamer installs with pipx or uv: it carries the model and the overlay, installs
into a fresh environment without the network, and `moodbot` runs from there."""

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from tests.helpers import mood_messages, start_moodbot, write_recording

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parent.parent
MAX_WHEEL_MB = 100  # PyPI's default limit per file; the model's fp16 weights and its int8 file are most of it


def wheelhouse() -> list[str]:
    """MOODBOT_WHEELHOUSE: folders (os.pathsep-separated) holding a wheel of every dependency, torch's CPU one too."""
    return [p for p in os.environ.get("MOODBOT_WHEELHOUSE", "").split(os.pathsep) if p]


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the sources (the worktree's build/ folder is left alone)."""
    out = tmp_path_factory.mktemp("wheel")
    src = out / "src"
    shutil.copytree(ROOT / "bot", src / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", out / "dist", src
    )
    (path,) = (out / "dist").glob("moodbot-*.whl")
    return path


def test_the_wheel_carries_the_model_and_the_overlay(wheel):
    """The bundled model, the sample chat and the overlay files are inside, and nothing from tests or caches."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in [
        "bot/assets/model/model.safetensors",
        "bot/assets/model/config.json",
        "bot/assets/model/tokenizer.json",
        "bot/assets/model/tokenizer_config.json",
        "bot/assets/model/model.int8.onnx",
        "bot/assets/model/export.json",
        "bot/assets/sample_chat.jsonl",
        "bot/overlay/index.html",
        "bot/overlay/overlay.js",
        "bot/overlay/overlay.css",
        "bot/py.typed",
        "bot/tools/doctor.py",
    ]:
        assert needed in names, needed
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "moodbot = bot.cli:main" in entry_points
    size_mb = wheel.stat().st_size / 1e6
    print(f"wheel {wheel.name}: {size_mb:.1f} MB, {len(names)} files")
    assert size_mb < MAX_WHEEL_MB


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv (its path has a space and さくら) with the wheel installed, offline; its bin folder."""
    venv = tmp_path_factory.mktemp("install") / "さくら venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    folders = wheelhouse()
    started = time.monotonic()
    if folders:
        # Everything from files: the wheel's folder and the wheelhouse, nothing else visible.
        links = [arg for folder in [wheel.parent, *folders] for arg in ("--find-links", folder)]
        run(python, "-m", "pip", "install", "--no-index", *links, wheel)
        route = "offline from the wheel and the wheelhouse (" + ", ".join(folders) + ")"
    else:
        # No complete wheelhouse (CI and these machines keep torch's wheel, not every dependency's):
        # the venv sees this test environment's packages, as --system-site-packages would the
        # system's, and takes the wheel alone; its requirements are checked against them below.
        site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
        parent = [p for p in sys.path if p.endswith("site-packages")]
        Path(site, "_test_environment.pth").write_text("\n".join(parent) + "\n", encoding="utf-8")
        run(python, "-m", "pip", "install", "--no-index", "--no-deps", "--ignore-installed", wheel)
        route = "the wheel alone, dependencies seen from the test environment"
    print(f"installed {route} in {time.monotonic() - started:.0f} s")
    # Its dependencies are met, whichever way they came.
    run(python, "-c", CHECK_REQUIREMENTS)
    return venv / "bin"


CHECK_REQUIREMENTS = """
from importlib.metadata import requires, version
from packaging.requirements import Requirement
for line in requires("moodbot"):
    req = Requirement(line)
    if req.marker is None or req.marker.evaluate({"extra": ""}):
        assert req.specifier.contains(version(req.name), prereleases=True), (line, version(req.name))
"""


def clean_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(HF_HUB_OFFLINE="1", XDG_DATA_HOME=str(tmp_path / "data home"), PYTHONNOUSERSITE="1")
    return env


def test_moodbot_help_from_the_installed_wheel(installed, tmp_path):
    """`moodbot --help` works from the venv, and `bot` comes from the venv, not from this checkout."""
    env = clean_env(tmp_path)
    out = run(installed / "moodbot", "--help", cwd=tmp_path, env=env).stdout
    assert "run" in out and "doctor" in out and "report" in out
    where = run(installed / "python", "-c", "import bot; print(bot.__file__)", cwd=tmp_path, env=env).stdout
    assert "さくら venv" in where and str(ROOT) not in where


async def test_moodbot_run_from_the_installed_wheel(installed, tmp_path):
    """`moodbot run --replay` from the venv scores chat with the bundled model, serves the overlay, stops cleanly on Ctrl-C."""
    chat = write_recording(tmp_path / "chat.jsonl", [(i * 0.05, t) for i, t in enumerate(["草", "GG", "nooo 😭"] * 20)])
    work = tmp_path / "anywhere"
    work.mkdir()
    env = clean_env(tmp_path)
    process, ready = await asyncio.wait_for(
        start_moodbot(
            [installed / "moodbot"], "run", "--replay", chat, "--speed", "0", "--port", "0", cwd=work, env=env
        ),
        300,
    )
    try:
        url = ready.decode().split()[2]
        async with connect(url.replace("http://", "ws://") + "ws") as ws:
            async with asyncio.timeout(120):
                async for message in mood_messages(ws):
                    if message["totals"]["scored"] >= 60:
                        break
        process.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(process.wait(), 60)
    finally:
        if process.returncode is None:
            process.kill()
    err = (await process.stderr.read()).decode()
    assert code == 0, err[-3000:]
    assert "Traceback" not in err
    (session,) = (tmp_path / "data home" / "moodbot" / "sessions").glob("*.jsonl")
    assert json.loads(session.read_text(encoding="utf-8").splitlines()[-1])["totals"]["scored"] == 60
    assert list(work.iterdir()) == []
