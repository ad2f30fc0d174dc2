"""config.yaml: read once, every mistake named in one line."""

import dataclasses
import math
import re
import typing
from pathlib import Path

import pytest

from bot.config import AppConfig, load_config
from bot.errors import ConfigError

ROOT = Path(__file__).parent.parent


def test_shipped_config_is_the_defaults():
    """The documented config.yaml loads and equals the built-in defaults."""
    assert load_config(ROOT / "config.yaml") == AppConfig()


def test_every_key_is_documented_in_config_yaml():
    """Each section and key of the config objects appears in config.yaml with a comment above it."""
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    for section in dataclasses.fields(AppConfig):
        assert re.search(rf"^{section.name}:$", text, re.M), section.name
        for key in dataclasses.fields(section.type if isinstance(section.type, type) else section.default_factory):
            match = re.search(rf"^(  #.*\n)+  {key.name}:", text, re.M)
            assert match, f"{section.name}.{key.name} is not documented"
            if isinstance(key.default_factory, type) and dataclasses.is_dataclass(key.default_factory):
                block = text[match.end() :].split("\n  # ", 1)[0]  # the nested keys, up to the next key
                for inner in dataclasses.fields(key.default_factory):
                    found = re.search(rf"^(    #.*\n)+    {inner.name}:", block, re.M)
                    assert found, f"{section.name}.{key.name}.{inner.name} is not documented"


ALIAS_BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
model:
  label_map: *g
"""


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("mood:\n  short_windw: 10\n", "mood.short_windw: unknown key; did you mean mood.short_window?"),
        ("moood:\n  x: 1\n", "moood: unknown key; did you mean mood?"),
        ("server:\n  port: eighty\n", "server.port: must be a whole number (got 'eighty')"),
        ("server:\n  port: 70000\n", "server.port: must be 0..65535 (got 70000)"),
        ("worker:\n  batch_size: true\n", "worker.batch_size: must be a whole number (got True)"),
        (
            "model:\n  backend: tensorflow\n",
            "model.backend: must be one of auto, torch, onnx, onnx-int8 (got 'tensorflow')",
        ),
        (
            "mood:\n  short_window: 60\n  long_window: 30\n",
            "mood.long_window: must be at least mood.short_window (got 30.0)",
        ),
        ("model:\n  label_map: [a, b]\n", "model.label_map: must be a mapping of text to text"),
        ("server:\n  host: 0.0.0.0\n", "server.host: must be a loopback address unless server.allow_remote is true"),
        ("source: 5\n", "source: must be a mapping of keys"),
        ("[1, 2]\n", "must be a mapping of sections"),
        ("mood:\n  short_window: [\n", "line"),
        (ALIAS_BOMB, "aliases (*name) are not allowed"),
        ("server:\n  allowed_origins: &o [x]\nmodel:\n  label_map: *o\n", "aliases (*name) are not allowed"),
        ("mood:\n  short_window: " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply"),
        ("youtube:\n  base_url: 'http://[::1'\n", "youtube.base_url: must be an http(s) URL"),
        ("youtube:\n  base_url: 'http://:80'\n", "youtube.base_url: must be an http(s) URL"),
        ("youtube:\n  base_url: 'http://example.com:99999'\n", "youtube.base_url: must be an http(s) URL"),
        ("youtube:\n  base_url: 'http://exa mple.com'\n", "youtube.base_url: must be an http(s) URL"),
        ("model:\n  threads: 99999999999999\n", "model.threads: must be 1..256, or null"),
        ("history:\n  flush_interval: 0.000001\n", "history.flush_interval: must be 0.5..60"),
        ("source:\n  speed: " + "9" * 400 + "\n", "source.speed: must be a number"),
        ("server:\n  port: " + "9" * 5000 + "\n", "server.port: must be a whole number"),
        ("model:\n  device: " + "x" * 100_000 + "\n", "model.device: must be cpu or cuda"),
        ("server:\n  host: " + "x" * 100_000 + "\n", "server.host: must be a loopback address"),
        (
            "vtube_studio:\n  hotkeys: {cheer: Sparkle}\n",
            "vtube_studio.hotkeys: must be keyed by hype, laughter, mood_drop, tech_problem (got ['cheer'])",
        ),
        ("vtube_studio:\n  hotkeys: {hype: ''}\n", "vtube_studio.hotkeys: must be a hotkey name or id for each event"),
        ("vtube_studio:\n  updates_per_s: 0.5\n", "vtube_studio.updates_per_s: must be 1..60 (got 0.5)"),
        ("vtube_studio:\n  url: http://127.0.0.1:8001\n", "vtube_studio.url: must be a ws:// URL"),
    ],
    ids=lambda value: value[:30],
)
def test_mistakes_are_named_in_one_line(tmp_path, yaml_text, message):
    """A wrong key, type or value (aliases, absurd nesting, broken URLs, absurd numbers too) stops with one
    short line naming the key and what is allowed, quoting at most ~100 characters of the value."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert message in str(err.value)
    assert "\n" not in str(err.value) and len(str(err.value)) < 300, str(err.value)[:500]


def test_missing_config_file():
    """A config file that is not there is named."""
    with pytest.raises(ConfigError, match="no such config file"):
        load_config("/nonexistent/moodbot.yaml")


def test_command_line_overrides_are_checked_too(tmp_path):
    """--port and friends go through the same checks as the file."""
    config = load_config(None, {"server.port": 9000, "source.speed": 2})
    assert config.server.port == 9000 and config.source.speed == 2.0
    with pytest.raises(ConfigError, match=r"source\.speed"):
        load_config(None, {"source.speed": -1})


def test_remote_binding_needs_the_explicit_key():
    """Listening beyond this machine needs server.allow_remote: true."""
    config = load_config(None, {"server.host": "0.0.0.0", "server.allow_remote": True})
    assert config.server.host == "0.0.0.0"


def absurd_numbers():
    """(key, value) for every numeric key and each absurd value of its type."""
    for section in dataclasses.fields(AppConfig):
        hints = typing.get_type_hints(section.default_factory)
        for key in dataclasses.fields(section.default_factory):
            kind = hints[key.name]
            if kind in (int, int | None):
                values = [10**12, -(10**12)]
            elif kind in (float, float | None):
                values = [1e12, -1e12, math.inf, math.nan]
            else:
                continue
            for value in values:
                yield pytest.param(f"{section.name}.{key.name}", value, id=f"{section.name}.{key.name}={value}")


@pytest.mark.parametrize(("key", "value"), list(absurd_numbers()))
def test_every_number_has_sane_bounds(key, value):
    """No numeric key takes 10^12, -10^12, infinity or NaN."""
    with pytest.raises(ConfigError, match=rf"^{re.escape(key)}: must be"):
        load_config(None, {key: value})


def test_empty_section_takes_command_line_options(tmp_path):
    """An empty `server:` section plus --port is the defaults plus that port."""
    path = tmp_path / "config.yaml"
    path.write_text("server:\nmood:\n", encoding="utf-8")
    config = load_config(path, {"server.port": 9000})
    assert config.server.port == 9000 and config.mood == AppConfig().mood


def test_vts_token_lives_in_the_user_data_folder(tmp_path):
    """By default the VTube Studio token is kept in platformdirs' user data folder for moodbot; token_file moves it."""
    import platformdirs

    default = load_config(ROOT / "config.yaml").vtube_studio.token_path
    assert default == Path(platformdirs.user_data_dir("moodbot", appauthor=False)) / "vtube_studio_token.txt"
    moved = load_config(None, {"vtube_studio.token_file": str(tmp_path / "t.txt")}).vtube_studio.token_path
    assert moved == tmp_path / "t.txt"
