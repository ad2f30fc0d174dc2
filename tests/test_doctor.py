"""`moodbot doctor`: each check says ✓ or ✗ and what to do, against stand-ins on 127.0.0.1."""

import asyncio
import io
import os
import socket

import pytest

from bot.broadcaster import Broadcaster
from bot.config import AppConfig, FilesConfig, ModelConfig, ServerConfig, YouTubeConfig
from bot.tools.doctor import check_data_folder, check_port, run_doctor, try_port
from tests.helpers import free_port


async def youtube_stand_in(status: int = 200):
    """A loopback HTTP server answering every request with `status`, as youtube.com's front page would."""

    async def answer(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        reason = {200: "OK", 503: "Service Unavailable"}[status]
        body = b"<!DOCTYPE html><title>YouTube</title>"
        writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode())
        writer.write(body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


def console(encoding="utf-8"):
    return io.TextIOWrapper(io.BytesIO(), encoding=encoding, newline="\n")


def read(out) -> list[str]:
    out.flush()
    return out.buffer.getvalue().decode(out.encoding).splitlines()


async def test_a_healthy_machine_is_all_ticks(tmp_path, tiny_classifier):
    """Python, config, data folder, port, overlay, YouTube and model each get a ✓ line, and the exit code is 0."""
    server, url = await youtube_stand_in()
    async with server:
        config = AppConfig(
            youtube=YouTubeConfig(base_url=url),
            model=ModelConfig(path=str(tiny_classifier)),
            server=ServerConfig(port=free_port()),
            files=FilesConfig(data_dir=str(tmp_path / "Users" / "さくら" / "moodbot data")),
        )
        out = console()
        code = await run_doctor(config, config_path=None, out=out)
    lines = read(out)
    assert code == 0, lines
    checks = lines[1:-1]
    assert len(checks) == 7 and all(line.startswith("✓ ") for line in checks), lines
    assert "Python 3." in checks[0]
    assert f"port {config.server.port} on 127.0.0.1 is free" in checks[3]
    assert f"answer at http://127.0.0.1:{config.server.port}/" in checks[4]
    assert f"{url} answers (HTTP 200 in" in checks[5]
    assert "lines/s" in checks[6] and "loads in" in checks[6]
    assert (tmp_path / "Users" / "さくら" / "moodbot data" / "sessions").is_dir()
    assert lines[-1] == "all good"


async def test_problems_are_crosses_with_what_to_do(tmp_path):
    """Held port, unreachable YouTube, unwritable data folder, missing model: ✗ with a fix each, exit code 1."""
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("", encoding="utf-8")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        config = AppConfig(
            youtube=YouTubeConfig(base_url=f"http://127.0.0.1:{free_port()}", request_timeout=2),
            model=ModelConfig(path=str(tmp_path / "no model here")),
            server=ServerConfig(port=port),
            files=FilesConfig(data_dir=str(not_a_folder / "moodbot")),
        )
        out = console("cp1252")  # a redirected Windows console: ✓ and ✗ cannot be shown
        code = await run_doctor(config, config_path=None, out=out)
    lines = read(out)
    assert code == 1
    text = "\n".join(lines)
    assert f"[X] port {port} is held by " in text and f"(pid {os.getpid()})" in text
    assert "-> close that program, or set server.port in config.yaml" in text
    assert "[ok] the overlay page and its websocket answer at http://127.0.0.1:" in text and "is taken" in text
    assert "[X] cannot reach http://127.0.0.1:" in text
    assert "-> check the internet connection" in text
    assert "[X] cannot write to" in text and "-> set files.data_dir in config.yaml" in text
    assert f"[X] model {tmp_path / 'no model here'} (auto): model" in text
    assert "-> set model.path in config.yaml" in text
    assert lines[-1] == "4 problems found"


async def test_a_running_moodbot_on_the_port_is_fine():
    """When the port is taken by moodbot itself, doctor says so instead of calling it a problem."""
    async with Broadcaster(ServerConfig(port=0), snapshot=lambda: "{}") as running:
        server = ServerConfig(port=running.port)
        error = try_port(server)
        check = await asyncio.to_thread(check_port, server, error)
    assert error is not None
    assert check.ok and "held by a moodbot that is running now" in check.found


async def test_youtube_in_trouble(tmp_path):
    """A YouTube that answers 503 is a ✗ that says to try later, not to check the connection."""
    from bot.tools.doctor import check_youtube

    server, url = await youtube_stand_in(503)
    async with server:
        check = await check_youtube(YouTubeConfig(base_url=url))
    assert not check.ok and check.found == f"{url} answered HTTP 503" and "try again" in check.fix


@pytest.mark.parametrize("history_dir", ["sessions", None])
def test_data_folder_check_names_where_sessions_go(tmp_path, history_dir):
    """The data folder line says where sessions are kept (or that none are)."""
    from bot.config import HistoryConfig

    config = AppConfig(files=FilesConfig(data_dir=str(tmp_path / "d d")), history=HistoryConfig(dir=history_dir))
    check = check_data_folder(config)
    assert check.ok
    assert ("sessions in" in check.found) == (history_dir is not None)
