"""JSON lines on a disk that fills up: nothing raised, a bounded backlog, one loud line, whole lines only."""

import json
import logging

import pytest
from disks import FullDisk, tmpfs

from bot.jsonl import MAX_BACKLOG, JsonlAppender


def lines_of(path):
    """Every line of the file, each of which must be whole JSON."""
    return [json.loads(line) for line in path.read_bytes().decode("utf-8").splitlines()]


def errors(caplog):
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_disk_full_then_free_again(tmp_path, caplog):
    """On ENOSPC the lines wait in memory (one error logged), then go out in order once space returns."""
    disk = FullDisk(tmp_path, room=100)  # the first line fits, the second only partly
    out = JsonlAppender(tmp_path / "a.jsonl", write=disk.write)
    for i in range(5):
        out.add({"n": i, "pad": "x" * 40})
        await out.flush()  # never raises
    assert out.problem == "No space left on device" and out.written == 1
    assert len(errors(caplog)) == 1 and "a.jsonl" in errors(caplog)[0].getMessage()

    disk.free()
    await out.flush()
    assert out.problem is None and out.written == 5
    assert [line["n"] for line in lines_of(tmp_path / "a.jsonl")] == [0, 1, 2, 3, 4]
    assert any("writing" in r.getMessage() and "again" in r.getMessage() for r in caplog.records)
    await out.close()


async def test_backlog_is_bounded(tmp_path):
    """While the disk stays full, at most MAX_BACKLOG bytes wait; later lines are dropped and counted."""
    disk = FullDisk(tmp_path, room=0)
    out = JsonlAppender(tmp_path / "a.jsonl", write=disk.write)
    line = {"pad": "x" * 10_000}
    total = 2 * MAX_BACKLOG // 10_000
    for i in range(total):
        out.add({**line, "n": i})
        if i % 100 == 0:
            await out.flush()
    assert out.lost > total // 3
    disk.free()
    await out.close()
    kept = lines_of(tmp_path / "a.jsonl")
    assert len(kept) + out.lost == total
    assert [row["n"] for row in kept] == list(range(len(kept)))  # the oldest kept, in order


async def test_close_on_a_full_disk_leaves_whole_lines(tmp_path):
    """Closing while the disk is still full neither raises nor leaves a cut line in the file."""
    disk = FullDisk(tmp_path, room=70)
    out = JsonlAppender(tmp_path / "a.jsonl", write=disk.write)
    for i in range(3):
        out.add({"n": i, "pad": "x" * 40})
    await out.close()
    assert [line["n"] for line in lines_of(tmp_path / "a.jsonl")] == [0]
    assert (tmp_path / "a.jsonl").read_bytes().endswith(b"\n")


async def test_on_a_real_full_tmpfs(tmp_path, caplog):
    """The same on a real 64 KB tmpfs filled to the brim: writing stops quietly, then resumes."""
    with tmpfs(tmp_path / "disk", 64 * 1024) as disk:
        if disk is None:
            pytest.skip("cannot mount a tmpfs here (needs root and mount rights)")
        out = JsonlAppender(disk.folder / "a.jsonl")
        out.add({"n": 0})
        await out.flush()
        disk.fill()
        for i in range(1, 200):
            out.add({"n": i, "pad": "x" * 100})
            await out.flush()
        assert out.problem == "No space left on device"
        assert len(errors(caplog)) == 1
        disk.free()
        out.add({"n": 200})
        await out.close()
        assert out.problem is None
        assert [line["n"] for line in lines_of(disk.folder / "a.jsonl")] == list(range(201))


async def test_exclusive_never_shares_a_file(tmp_path):
    """An exclusive appender refuses a file that already exists; discard removes only a file it created."""
    path = tmp_path / "a.jsonl"
    first = JsonlAppender(path, exclusive=True)
    with pytest.raises(FileExistsError):
        JsonlAppender(path, exclusive=True)
    await first.discard()
    assert not path.exists()
    path.write_text('{"kept": 1}\n', encoding="utf-8")
    second = JsonlAppender(path)
    await second.discard()
    assert lines_of(path) == [{"kept": 1}]
