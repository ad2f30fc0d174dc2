"""What a process holds: memory in MB, for the bench and the soak."""

from __future__ import annotations

import os

__all__ = ["rss_mb"]


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of `pid` (this process by default), in MiB."""
    import psutil

    return psutil.Process(pid or os.getpid()).memory_info().rss / 2**20
