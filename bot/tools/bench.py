"""`moodbot bench`: how much chat this machine can take, measured side by side in one run.

Figures (all on the bundled sample chat's lines):

- raw_msgs_per_s: tokenizer + model forward at the best batch size, nothing else;
- naive_msgs_per_s: `pipeline(...)` called once per message;
- torch_raw_msgs_per_s, raw_vs_torch (ONNX backends only): the raw figure of the torch model
  the export came from, and how much faster the ONNX backend is;
- distinct_lines: how many of the lines differ once normalised (the flow scores a repeat once);
- bot_msgs_per_s: the real flow, replay at full speed → queue → worker → aggregator →
  broadcaster with a websocket client connected, from first message in to last frame out;
  bot_dropped: messages it dropped (0: a recording waits for the model, with the configured queue);
- latency_ms: queue entry → first websocket frame counting the message, at a steady load;
- bot_cpu_ms_per_1000_msgs: CPU time (user+sys) the flow spent per 1,000 messages at full speed;
- cpu_at_streamer_rate: the share of one core the flow takes at 30 msg/s offered (a busy stream);
- overload: offered at 10x what the bot sustains: what was processed, dropped, queued, memory;
- rss_mb and cold_start_s: of a real `moodbot run` process, to its first frame with a mood.

Ratios compare figures from the same run; absolute numbers move with whatever else the
machine is doing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import itertools
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..app import Bot, run_bot
from ..chat import Author, ChatMessage, SourceState, SourceStatus
from ..config import AppConfig, HistoryConfig, ModelConfig, SourceConfig
from ..errors import MoodbotError
from ..latency import percentile
from ..scoring import ModelScorer, load_scorer
from ..scoring.base import padded_chunks
from ..scoring.torch_backend import TorchScorer
from ..sources import SAMPLE_CHAT
from ..sources.replay import ReplaySource
from .resources import rss_mb

__all__ = ["BenchOptions", "PacedSource", "format_bench", "run_bench"]

_BATCH_SIZES = (8, 16, 32, 64)
_WARMUP_SECONDS = 2.0


@dataclass(frozen=True, kw_only=True)
class BenchOptions:
    """What to measure, and for how long."""

    config: AppConfig
    chat: Path = SAMPLE_CHAT
    naive_messages: int = 300
    offered_msgs_per_s: float = 50.0
    streamer_msgs_per_s: float = 30.0  # a busy stream's chat, for the CPU share it costs
    latency_seconds: float = 20.0
    overload_factor: float = 10.0
    overload_seconds: float = 30.0
    cold_start: bool = True
    config_file: Path | None = None  # handed to the cold-started `moodbot run`


class PacedSource:
    """Offers chat lines at a steady rate for a while: the load generator of the benchmark."""

    def __init__(self, texts: Sequence[str], rate: float, seconds: float) -> None:
        self.texts = texts
        self.rate = rate
        self.seconds = seconds
        self.offered = 0
        self._status = SourceStatus(SourceState.CONNECTING, "bench", name="bench")

    @property
    def status(self) -> SourceStatus:
        return self._status

    async def messages(self) -> AsyncIterator[ChatMessage]:
        self._status = SourceStatus(SourceState.LIVE, f"{self.rate:.0f} msg/s", name="bench")
        lines = itertools.cycle(self.texts)
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < self.seconds:
            for _ in range(int(elapsed * self.rate) - self.offered):
                n = self.offered
                self.offered += 1
                author = Author(name=f"viewer{n % 997}", id=f"v{n % 997}")
                yield ChatMessage(id=f"bench-{n}", time=time.time(), author=author, text=next(lines))
            await asyncio.sleep(0.005)
        self._status = SourceStatus(SourceState.ENDED, "bench load finished", name="bench")


async def run_bench(options: BenchOptions) -> dict[str, Any]:
    """Every figure, as one JSON-ready dict."""
    messages = await _read_all(options.chat)
    texts = [m.text for m in messages if m.text.strip()]
    result: dict[str, Any] = {
        "model": options.config.model.path,
        "messages": len(texts),
        "cpus": os.cpu_count(),
    }
    if options.cold_start:
        result.update(await _cold_start(options))
    cache = options.config.files.data_folder() / "onnx"
    scorer = await asyncio.to_thread(functools.partial(load_scorer, options.config.model, cache=cache))
    result["backend"] = scorer.backend
    # The flow scores a repeated line once (the raw figure does not): say how much the chat repeats.
    result["distinct_lines"] = len({scorer.normalize(text) for text in texts})
    result["rss_mb_in_bench"] = round(rss_mb(), 1)
    raw, batch = await asyncio.to_thread(_raw_speed, scorer, texts)
    result["raw_msgs_per_s"], result["raw_batch_size"] = round(raw, 1), batch
    if isinstance(scorer, TorchScorer):
        torch_model = scorer
    else:  # an ONNX backend: against the torch model it was exported from
        torch_model = await asyncio.to_thread(_torch_twin, options.config.model, scorer)
        torch_raw, _ = await asyncio.to_thread(_raw_speed, torch_model, texts)
        result["torch_raw_msgs_per_s"] = round(torch_raw, 1)
        result["raw_vs_torch"] = round(raw / torch_raw, 2)
    result["naive_msgs_per_s"] = round(await asyncio.to_thread(_naive_speed, torch_model.pipeline, options, texts), 1)
    del torch_model
    scorer.forget()
    cpu_before = time.process_time()
    bot_speed, result["bot_dropped"] = await _bot_speed(options, scorer, len(messages), len(texts))
    result["bot_msgs_per_s"] = round(bot_speed, 1)
    result["bot_cpu_ms_per_1000_msgs"] = round((time.process_time() - cpu_before) * 1e6 / len(messages))
    result["bot_vs_raw"] = round(result["bot_msgs_per_s"] / raw, 3)
    if result["naive_msgs_per_s"]:
        result["bot_vs_naive"] = round(result["bot_msgs_per_s"] / result["naive_msgs_per_s"], 2)
    scorer.forget()
    latency = await _steady_latency(options, scorer, texts)
    result["offered_msgs_per_s"] = options.offered_msgs_per_s
    result["latency_ms"] = latency
    scorer.forget()
    result["cpu_at_streamer_rate"] = await _cpu_at(options, scorer, texts)
    scorer.forget()
    result["overload"] = await _overload(options, scorer, texts, result["bot_msgs_per_s"])
    return result


async def _read_all(path: Path) -> list[ChatMessage]:
    return [m async for m in ReplaySource(path, speed=0).messages()]


def _raw_speed(scorer: ModelScorer, texts: Sequence[str]) -> tuple[float, int]:
    """Messages/s of tokenizer + forward alone (batches padded as they come), at the best batch size."""

    def forward(batch: list[str]) -> None:
        for _, input_ids, mask in padded_chunks(scorer.token_ids(batch), len(batch), scorer.pad_id):
            scorer.forward(input_ids, mask)

    forward(list(texts[:16]))  # the first call pays one-off costs
    best = (0.0, 0)
    for size in _BATCH_SIZES:
        started = time.perf_counter()
        for start in range(0, len(texts), size):
            forward(list(texts[start : start + size]))
        best = max(best, (len(texts) / (time.perf_counter() - started), size))
    return best


def _torch_twin(config: ModelConfig, scorer: ModelScorer) -> TorchScorer:
    from ..scoring.onnx_export import exported_from

    folder = getattr(scorer, "folder", config.path)
    twin = load_scorer(dataclasses.replace(config, path=exported_from(str(folder)), backend="torch"))
    assert isinstance(twin, TorchScorer)
    return twin


def _naive_speed(pipe: Any, options: BenchOptions, texts: Sequence[str]) -> float:
    """Messages/s of a transformers pipeline called once per message (the usual first try)."""
    sample = list(texts[: options.naive_messages])
    pipe(sample[0])
    started = time.perf_counter()
    for text in sample:
        pipe(text)
    return len(sample) / (time.perf_counter() - started)


def _bench_config(options: BenchOptions) -> AppConfig:
    config = options.config
    return dataclasses.replace(
        config,
        server=dataclasses.replace(config.server, port=0),
        history=HistoryConfig(dir=None),
        source=SourceConfig(replay=str(options.chat), speed=0),
    )


async def _bot_speed(options: BenchOptions, scorer: ModelScorer, total: int, scorable: int) -> tuple[float, int]:
    """Messages/s through the whole flow, first message in to the frame that counts the last, and
    how many were dropped (none: a recording at speed 0 waits for the model, as `moodbot run` does)."""
    config = _bench_config(options)
    done = asyncio.Event()
    finished_at: list[float] = []
    watchers: list[asyncio.Task] = []

    async def watch(bot: Bot) -> None:
        from websockets.asyncio.client import connect

        async with connect(bot.broadcaster.ws_url) as ws:
            async for frame in ws:
                message = json.loads(frame)
                if message["type"] == "event":  # hype, laughter... in the sample chat
                    continue
                totals = message["totals"]
                if totals["scored"] + totals["failed"] >= scorable:
                    finished_at.append(time.monotonic())
                    done.set()
                    return

    def ready(bot: Bot) -> None:
        watchers.append(asyncio.create_task(watch(bot)))

    bot = await run_bot(config, stop=done, scorer=scorer, on_ready=ready, status_interval=None, announce=False)
    for task in watchers:
        task.cancel()
    if not finished_at or bot.first_read_at is None:
        raise MoodbotError("bench: the flow did not finish the sample chat")
    return total / (finished_at[0] - bot.first_read_at), bot.queue.dropped


async def _under_load(options: BenchOptions, scorer: ModelScorer, source: PacedSource) -> Bot:
    stop = asyncio.Event()
    config = _bench_config(options)
    task = asyncio.create_task(
        run_bot(config, stop=stop, scorer=scorer, sources={"bench": source}, status_interval=None, announce=False)
    )
    await asyncio.sleep(source.seconds + 1.0)
    stop.set()
    return await task


async def _steady_latency(options: BenchOptions, scorer: ModelScorer, texts: Sequence[str]) -> dict[str, float | None]:
    source = PacedSource(texts, options.offered_msgs_per_s, options.latency_seconds)
    bot = await _under_load(options, scorer, source)
    samples = _after_warmup(bot)
    return {f"p{p}": _ms(percentile(samples, p)) for p in (50, 95, 99)}


async def _cpu_at(options: BenchOptions, scorer: ModelScorer, texts: Sequence[str]) -> dict[str, float]:
    """The share of one core the whole flow takes at a busy stream's pace (user+sys of this process,
    the load generator and the overlay client included: an upper bound)."""
    source = PacedSource(texts, options.streamer_msgs_per_s, options.latency_seconds)
    wall, cpu = time.monotonic(), time.process_time()
    await _under_load(options, scorer, source)
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    return {
        "offered_msgs_per_s": options.streamer_msgs_per_s,
        "seconds": round(wall, 1),
        "cpu_percent_of_one_core": round(100 * cpu / wall, 1),
        "cpu_ms_per_1000_msgs": round(cpu * 1e6 / max(source.offered, 1)),
    }


async def _overload(
    options: BenchOptions, scorer: ModelScorer, texts: Sequence[str], sustained: float
) -> dict[str, Any]:
    rate = options.overload_factor * sustained
    source = PacedSource(texts, rate, options.overload_seconds)
    start_rss = rss_mb()
    bot = await _under_load(options, scorer, source)
    return {
        "offered_msgs_per_s": round(rate, 1),
        "seconds": options.overload_seconds,
        "offered": source.offered,
        "processed": bot.worker.stats.scored if bot.worker else 0,
        "dropped": bot.queue.dropped,
        "max_queue": bot.queue.max_depth,
        "queue_size": bot.queue.maxsize,
        "rss_mb_start": round(start_rss, 1),
        "rss_mb_end": round(rss_mb(), 1),
        "latency_ms_p95": _ms(percentile(_after_warmup(bot), 95)),
    }


def _after_warmup(bot: Bot) -> list[float]:
    # The latency meter keeps samples in arrival order; skip the first seconds' worth.
    samples = list(bot.latency.samples)
    skip = int(len(samples) * min(1.0, _WARMUP_SECONDS / max(bot.clock() - (bot.first_read_at or 0), 1e-9)))
    return samples[skip:]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


async def _cold_start(options: BenchOptions) -> dict[str, float]:
    """Start a real `moodbot run`, time it to the first frame with a mood, and read its memory."""
    from websockets.asyncio.client import connect

    model = options.config.model
    args = [
        "--replay",
        str(options.chat),
        "--speed",
        "1",
        "--port",
        "0",
        "--model",
        model.path,
        "--backend",
        model.backend,
    ]
    if options.config_file:
        args += ["--config", str(options.config_file)]
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        url = await asyncio.wait_for(_overlay_url(process), 120)
        async with connect(url.replace("http://", "ws://") + "ws") as ws:
            async for frame in ws:
                message = json.loads(frame)
                if message["type"] != "event" and message["totals"]["scored"] > 0:
                    break
        cold = time.monotonic() - started
        memory = rss_mb(process.pid)
    finally:
        process.terminate()
        await process.wait()
    return {"cold_start_s": round(cold, 2), "rss_mb": round(memory, 1)}


async def _overlay_url(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    async for line in process.stdout:
        text = line.decode()
        if text.startswith("Overlay ready:"):
            return text.split()[2]
    raise MoodbotError("bench: `moodbot run` exited before serving the overlay")


def format_bench(result: dict[str, Any]) -> str:
    """The figures as a table a streamer can read."""
    o = result["overload"]
    lat = result["latency_ms"]
    cpu = result["cpu_at_streamer_rate"]
    rows = [
        ("model", f"{result['model']} ({result['backend']}), {result['cpus']} CPUs"),
        ("raw model", f"{result['raw_msgs_per_s']:.0f} msg/s (tokenizer + forward, batch {result['raw_batch_size']})"),
        ("chat", f"{result['messages']} lines, {result['distinct_lines']} distinct (the flow scores a repeat once)"),
        *(
            [
                (
                    "torch fp32 model",
                    f"{result['torch_raw_msgs_per_s']:.0f} msg/s (the same model in torch: {result['raw_vs_torch']:.2f}x)",
                )
            ]
            if "torch_raw_msgs_per_s" in result
            else []
        ),
        ("naive pipeline", f"{result['naive_msgs_per_s']:.0f} msg/s (torch pipeline called per message)"),
        (
            "moodbot flow",
            f"{result['bot_msgs_per_s']:.0f} msg/s  = {result['bot_vs_raw']:.2f}x raw, {result.get('bot_vs_naive', 0):.1f}x naive, "
            f"{result['bot_dropped']} dropped, {result['bot_cpu_ms_per_1000_msgs']} ms CPU per 1,000 messages",
        ),
        (
            "busy stream",
            f"{cpu['cpu_percent_of_one_core']:.1f}% of one core at {cpu['offered_msgs_per_s']:.0f} msg/s "
            f"({cpu['cpu_ms_per_1000_msgs']} ms CPU per 1,000 messages)",
        ),
        (
            "latency",
            f"p50 {lat['p50']} ms, p95 {lat['p95']} ms, p99 {lat['p99']} ms at {result['offered_msgs_per_s']:.0f} msg/s",
        ),
        (
            "overload",
            f"{o['offered_msgs_per_s']:.0f} msg/s for {o['seconds']:.0f} s: {o['processed']} scored, {o['dropped']} dropped, "
            f"queue max {o['max_queue']}/{o['queue_size']}, p95 {o['latency_ms_p95']} ms",
        ),
        ("memory", f"{o['rss_mb_start']:.0f} → {o['rss_mb_end']:.0f} MB during overload"),
    ]
    if "cold_start_s" in result:
        rows.append(
            (
                "moodbot run",
                f"{result['rss_mb']:.0f} MB with the model loaded, first mood after {result['cold_start_s']:.1f} s",
            )
        )
    width = max(len(name) for name, _ in rows)
    verdict = (
        f"This machine keeps up with chat up to about {result['bot_msgs_per_s']:.0f} messages/s "
        "(big streams: 10-50, bursts over 100); beyond that the oldest messages are skipped and counted."
    )
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows) + "\n\n" + verdict
