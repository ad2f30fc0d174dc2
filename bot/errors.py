"""The project's exceptions.

MoodbotError                  root: the CLI prints its message as one line and exits 2
├── ConfigError               config.yaml or a command-line option is wrong
├── DataError                 a labelled or recorded file cannot be used
├── ModelError                a model cannot be found, loaded or understood
├── SourceError               a chat source failed
│   ├── SourceRetryable       worth trying again after a pause
│   └── SourceEnded           the stream is over (ended, private, chat off)
└── OutputError               an output (VTube Studio) cannot be reached or refused moodbot
"""

from __future__ import annotations

import reprlib

__all__ = [
    "ConfigError",
    "DataError",
    "ModelError",
    "MoodbotError",
    "OutputError",
    "SourceEnded",
    "SourceError",
    "SourceRetryable",
    "quoted",
]

_QUOTED = reprlib.Repr()
_QUOTED.maxlevel, _QUOTED.maxlist, _QUOTED.maxdict, _QUOTED.maxtuple, _QUOTED.maxset = 2, 6, 4, 6, 6
_QUOTED.maxstring = _QUOTED.maxother = _QUOTED.maxlong = 80


class MoodbotError(Exception):
    """Something the user can fix or should know about; its message is one line."""


class ConfigError(MoodbotError):
    """A configuration key or command-line option has a wrong name, type or value."""


class DataError(MoodbotError):
    """A data file is missing, unreadable or has the wrong shape."""


class ModelError(MoodbotError):
    """A model path or id cannot be loaded, or its labels cannot be read as sentiment."""


class SourceError(MoodbotError):
    """A chat source failed."""


class SourceRetryable(SourceError):
    """A passing failure (HTTP 429/5xx, timeout, connection error): retry after a pause."""


class SourceEnded(SourceError):
    """The stream has ended, gone private or has its chat turned off."""


def quoted(value: object, limit: int = 100) -> str:
    """`value` as an error message quotes it: its repr, cut to about `limit` characters.

    A bad value can be megabytes (a pasted file, a YAML alias bomb): the one-line error must not be.
    """
    try:
        text = _QUOTED.repr(value)
    except ValueError:  # an int of more digits than Python will print
        text = (
            f"a number of ~{value.bit_length() * 0.30103:.0f} digits"
            if isinstance(value, int)
            else type(value).__name__
        )
    return text if len(text) <= limit else text[: limit - 1] + "…"


class OutputError(MoodbotError):
    """An output moodbot drives (VTube Studio) cannot be reached, or refused moodbot."""
