"""`moodbot bench` runs and prints the documented figures (on a tiny model: shape, not speed)."""

import json
import os

import pytest
from helpers import write_recording

from bot.cli import main

pytestmark = pytest.mark.slow


def test_bench_json_shape(tiny_classifier, tmp_path, capsys):
    """--json prints one object with every documented key."""
    chat = write_recording(
        tmp_path / "chat.jsonl", [(i * 0.05, t) for i, t in enumerate(["so good", "hate it", "what time"] * 60)]
    )
    code = main(
        [
            "bench",
            "--json",
            "--model",
            str(tiny_classifier),
            "--chat",
            str(chat),
            "--latency-seconds",
            "2",
            "--overload-seconds",
            "2",
            "--no-cold-start",
        ]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("raw_msgs_per_s", "naive_msgs_per_s", "bot_msgs_per_s", "latency_ms", "offered_msgs_per_s", "overload"):
        assert key in result
    assert result["distinct_lines"] == 3  # "so good", "hate it", "what time", 60 times each
    assert set(result["latency_ms"]) == {"p50", "p95", "p99"}
    assert {"offered", "processed", "dropped", "max_queue", "rss_mb_start", "rss_mb_end", "latency_ms_p95"} <= set(
        result["overload"]
    )
    assert result["overload"]["max_queue"] <= result["overload"]["queue_size"]
    assert result["bot_msgs_per_s"] > 0 and result["raw_msgs_per_s"] > 0
    assert result["bot_dropped"] == 0  # the flow's figure reads a recording, which waits for the model
    assert result["bot_cpu_ms_per_1000_msgs"] > 0
    cpu = result["cpu_at_streamer_rate"]
    assert cpu["offered_msgs_per_s"] == 30 and 0 < cpu["cpu_percent_of_one_core"] < 100 * (os.cpu_count() or 1)


def test_bench_table_and_cold_start(tiny_classifier, tmp_path, capsys):
    """The default output is a readable table, with a real `moodbot run` timed to its first mood."""
    chat = write_recording(tmp_path / "chat.jsonl", [(i * 0.05, t) for i, t in enumerate(["so good", "hate it"] * 50)])
    assert (
        main(
            [
                "bench",
                "--model",
                str(tiny_classifier),
                "--chat",
                str(chat),
                "--latency-seconds",
                "1",
                "--overload-seconds",
                "1",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "moodbot flow" in out and "latency" in out and "first mood after" in out
