"""Full disks for tests: a real small tmpfs where this machine lets us mount one, and a stand-in that runs anywhere."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path


class FullDisk:
    """Stands in for a filesystem that fills up: `write` is os.write, except that for files under
    `folder` it takes only `room` more bytes (part of a write when that is all there is), then
    raises ENOSPC as the kernel does."""

    def __init__(self, folder: Path, room: float = float("inf")) -> None:
        self.folder = str(folder.resolve())
        self.room = room
        self._write = os.write

    def fill(self) -> None:
        self.room = 0

    def free(self) -> None:
        self.room = float("inf")

    def write(self, fd: int, data: memoryview) -> int:
        if not os.readlink(f"/proc/self/fd/{fd}").startswith(self.folder + os.sep):
            return self._write(fd, data)
        if self.room <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written = self._write(fd, bytes(data[: int(min(self.room, len(data)))]))
        self.room -= written
        return written


class Tmpfs:
    """A real tmpfs of `size` bytes mounted at `folder` (needs root); `fill` takes all its free space."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._filler = folder / ".filler"

    def fill(self) -> None:
        with self._filler.open("ab", buffering=0) as f:
            block = bytes(4096)
            with contextlib.suppress(OSError):  # ENOSPC: full
                while True:
                    f.write(block)
            with contextlib.suppress(OSError):  # the last few bytes, one at a time
                while True:
                    f.write(b"\0")

    def free(self) -> None:
        self._filler.unlink(missing_ok=True)


@contextlib.contextmanager
def tmpfs(folder: Path, size: int) -> Iterator[Tmpfs | None]:
    """Mount a tmpfs of `size` bytes at `folder`; yields None (and mounts nothing) where that is not allowed."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        yield None
        return
    try:
        yield Tmpfs(folder)
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)
