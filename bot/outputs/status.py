"""Where an output stands, as the status line, the log and the payload show it. Pure data."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["OutputState", "OutputStatus"]


class OutputState(enum.StrEnum):
    """The life of an output's connection."""

    CONNECTING = "connecting"
    WAITING = "waiting"  # for the streamer (e.g. to click "Allow" in VTube Studio)
    LIVE = "live"
    RECONNECTING = "reconnecting"
    OFF = "off"  # given up until moodbot restarts (the streamer said no)


@dataclass(frozen=True, slots=True)
class OutputStatus:
    """A state with a short human reason ("VTube Studio closed the connection; retrying in 4 s")."""

    state: OutputState
    detail: str = ""
