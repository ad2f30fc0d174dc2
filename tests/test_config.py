"""config.yaml: read once, every mistake named in one line."""

import dataclasses
import re
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


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("mood:\n  short_windw: 10\n", "mood.short_windw: unknown key; did you mean mood.short_window?"),
        ("moood:\n  x: 1\n", "moood: unknown key; did you mean mood?"),
        ("server:\n  port: eighty\n", "server.port: must be a whole number (got 'eighty')"),
        ("server:\n  port: 70000\n", "server.port: must be 0..65535 (got 70000)"),
        ("worker:\n  batch_size: true\n", "worker.batch_size: must be a whole number (got True)"),
        ("model:\n  backend: tensorflow\n", "model.backend: must be one of torch, onnx, onnx-int8 (got 'tensorflow')"),
        (
            "mood:\n  short_window: 60\n  long_window: 30\n",
            "mood.long_window: must be at least mood.short_window (got 30.0)",
        ),
        ("model:\n  label_map: [a, b]\n", "model.label_map: must be a mapping of text to text"),
        ("server:\n  host: 0.0.0.0\n", "server.host: must be a loopback address unless server.allow_remote is true"),
        ("source: 5\n", "source: must be a mapping of keys"),
        ("[1, 2]\n", "must be a mapping of sections"),
        ("mood:\n  short_window: [\n", "line"),
    ],
)
def test_mistakes_are_named_in_one_line(tmp_path, yaml_text, message):
    """A wrong key, type or value stops with one line naming the key and what is allowed."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


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
