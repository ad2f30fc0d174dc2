"""The `moodbot` command: parse options, set up logging, turn errors into one line."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import dataclasses
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from .console import ConsoleHandler, StatusLine, safe_streams
from .errors import DataError, MoodbotError

__all__ = ["main"]

log = logging.getLogger("bot")

DEFAULT_TRAIN = Path("data/build/train.tsv")
DEFAULT_DEV = Path("data/build/dev.tsv")
BACKENDS = ["auto", "torch", "onnx", "onnx-int8"]  # model.backend's choices (config.ModelConfig)
_VOD_HELP = "the video the moment links open: a YouTube or Twitch VOD URL or id (default: the session's YouTube video)"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `moodbot` and `python -m bot`; returns the exit code."""
    safe_streams()  # before anything is printed: a console that cannot show 草 gets "?", not a crash
    parser = _parser()
    args = parser.parse_args(argv)
    args.status_line = _setup_logging(args.verbose)
    try:
        return args.handler(args) or 0
    except MoodbotError as exc:
        print(f"moodbot: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("moodbot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `moodbot doctor | head`: the reader left; so do we, without a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moodbot", description="Live mood meter for VTuber streams.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    p = commands.add_parser("run", help="run the mood meter and serve the OBS overlay")
    p.add_argument("--config", type=Path, help="config file (default: config.yaml if present)")
    p.add_argument(
        "--video", action="append", help="a YouTube video URL or id, @handle or channel URL (repeat it for a collab)"
    )
    p.add_argument(
        "--twitch",
        action="append",
        metavar="CHANNEL",
        help="a Twitch channel: name, #name or https://www.twitch.tv/name (repeatable; with --video for a simulcast)",
    )
    p.add_argument("--replay", help="a recorded chat file (JSONL) to play instead of live chat")
    p.add_argument("--speed", type=float, help="replay speed: 2 = twice as fast, 0 = as fast as possible")
    p.add_argument("--loop", action="store_true", default=None, help="start the recording again when it ends")
    p.add_argument("--record", help="also write every message read to this file (replay format)")
    p.add_argument("--model", help="bundled, a model folder or a hub id")
    p.add_argument(
        "--backend",
        choices=BACKENDS,
        help="how the model runs (default auto: ONNX int8 where it gives fp32's answers, else fp32, else torch)",
    )
    p.add_argument("--host", help="address to serve the overlay on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to serve the overlay on (default 8765)")
    p.set_defaults(handler=_run)

    p = commands.add_parser(
        "vts-check", help="connect to VTube Studio, ask it to allow moodbot, and say what is ready for the avatar"
    )
    p.add_argument("--config", type=Path, help="config file (default: config.yaml if present)")
    p.add_argument("--url", help="VTube Studio's plugin API address (default ws://127.0.0.1:8001)")
    p.set_defaults(handler=_vts_check)
    p = commands.add_parser("doctor", help="check this machine: Python, model, port, overlay, YouTube, data folder")
    p.add_argument("--config", type=Path, help="config file (default: config.yaml if present)")
    p.set_defaults(handler=_doctor)

    p = commands.add_parser("train", help="fine-tune a pre-trained encoder on labelled chat")
    p.add_argument(
        "--data", type=Path, action="append", help=f"labelled CSV/TSV/JSONL (repeatable; default {DEFAULT_TRAIN})"
    )
    p.add_argument(
        "--dev",
        type=Path,
        action="append",
        help=f"labelled dev file (repeatable; default {DEFAULT_DEV}, or 10%% of --data)",
    )
    p.add_argument(
        "--base", default="minilm", help="encoder to start from: minilm, bundled, a folder or a hub id (default minilm)"
    )
    p.add_argument(
        "--out", type=Path, default=Path("runs/model"), help="folder to write the model to (default runs/model)"
    )
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=8e-5, help="peak learning rate (default 8e-5)")
    p.add_argument("--max-length", type=int, default=64, help="tokens kept per line (default 64)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    p.add_argument("--threads", type=int, help="CPU threads (default: all cores; fewer if the machine is busy)")
    p.add_argument("--no-extend-vocab", action="store_true", help="do not add missing kana/kanji to the vocabulary")
    p.add_argument("--fp32-weights", action="store_true", help="save float32 weights (default: float16, half the size)")
    p.set_defaults(handler=_train)

    p = commands.add_parser("eval", help="score a model on a labelled file, beside VADER")
    p.add_argument("--data", type=Path, required=True, help="labelled CSV or TSV (text, label[, lang])")
    p.add_argument("--model", default="bundled", help="bundled (default), a model folder or a hub id")
    p.add_argument(
        "--label-map", metavar="LABEL=CLASS,...", help="map the model's labels, e.g. LABEL_0=negative,LABEL_1=positive"
    )
    p.add_argument(
        "--backend",
        choices=BACKENDS,
        default="auto",
        help="auto (default: what `moodbot run` uses), torch, onnx or onnx-int8 (int8 also reports agreement with fp32)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=_eval)

    p = commands.add_parser("bench", help="measure what this machine can take (model, flow, latency, overload)")
    p.add_argument("--config", type=Path, help="config file (default: config.yaml if present)")
    p.add_argument("--model", help="bundled, a model folder or a hub id")
    p.add_argument("--backend", choices=BACKENDS, help="model backend to measure (default: the config's, auto)")
    p.add_argument("--chat", type=Path, help="recorded chat whose lines are used (default: the bundled sample)")
    p.add_argument("--latency-seconds", type=float, default=20.0)
    p.add_argument("--overload-seconds", type=float, default=30.0)
    p.add_argument("--no-cold-start", action="store_true", help="skip starting a separate `moodbot run`")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=_bench)

    p = commands.add_parser("soak", help="play hours of chat, compressed, and watch memory, files and tasks")
    p.add_argument("--hours", type=float, default=8.0, help="hours of stream to play (default 8)")
    p.add_argument("--speed", type=float, default=100.0, help="times faster than the sample chat's pace (default 100)")
    p.add_argument("--config", type=Path, help="config file (default: config.yaml if present)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=_soak)

    p = commands.add_parser(
        "report", help="turn a session's mood history into an HTML report with its moments, CSVs and a PNG chart"
    )
    p.add_argument("session", nargs="?", default="latest", help="session file or name, or latest (default)")
    p.add_argument(
        "--dir", type=Path, help="where sessions are kept (default: the sessions folder in moodbot's data folder)"
    )
    p.add_argument("--config", type=Path, help="config file that sets history.dir or files.data_dir")
    p.add_argument("--list", action="store_true", help="list the sessions and stop")
    p.add_argument("--vod", help=_VOD_HELP)
    p.set_defaults(handler=_report)

    p = commands.add_parser(
        "analyze", help="score a finished stream's chat as fast as the model can, then write its report"
    )
    chat = p.add_mutually_exclusive_group(required=True)
    chat.add_argument("--video", help="a finished YouTube stream (URL or id) with its chat replay")
    chat.add_argument("--replay", help="a recorded chat file (JSONL)")
    p.add_argument("--config", type=Path, help="config file (default: config.yaml if present)")
    p.add_argument("--dir", type=Path, help="where to write the session and report (default: history.dir)")
    p.add_argument("--model", help="bundled, a model folder or a hub id")
    p.add_argument("--backend", choices=BACKENDS, help="how the model runs (default auto)")
    p.add_argument("--vod", help=_VOD_HELP)
    p.set_defaults(handler=_analyze)

    p = commands.add_parser("export-onnx", help="export a model to ONNX (fp32 and int8) for the onnx backends")
    p.add_argument("--model", default="bundled", help="bundled (default) or a model folder")
    p.add_argument("--out", type=Path, default=Path("models/onnx"), help="folder to write (default models/onnx)")
    int8 = p.add_mutually_exclusive_group()
    int8.add_argument("--no-int8", action="store_true", help="skip the int8 quantisation")
    int8.add_argument("--no-fp32", action="store_true", help="keep only the int8 file (fp32 is made to check it)")
    p.add_argument(
        "--check",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a CSV/TSV of chat lines to measure int8's agreement with fp32 on, beside the sample chat (repeatable)",
    )
    p.set_defaults(handler=_export_onnx)

    p = commands.add_parser("data", help="rebuild the training data from the downloaded archives")
    p.add_argument("--downloads", type=Path, default=Path("data/downloads"))
    p.add_argument("--chat", type=Path, default=Path("data/chat"), help="our chat corpus (train.tsv, dev.tsv)")
    p.add_argument("--out", type=Path, default=Path("data/build"))
    p.set_defaults(handler=_data)
    return parser


def _setup_logging(verbose: bool) -> StatusLine:
    """Log lines on stderr, each on its own line beside the status line that is returned.

    moodbot's own lines at INFO; other libraries only warn, unless --verbose: httpx logs each
    poll (2.5 a second, with the URL and API key) and websockets each connection at INFO.
    """
    status = StatusLine(sys.stderr)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        handlers=[ConsoleHandler(status)],
    )
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("websockets").setLevel(logging.WARNING)  # even with --verbose: a line per request
    logging.getLogger("matplotlib").setLevel(logging.WARNING)  # a line for each font it skips
    # transformers reads these when it is first imported (not here: `moodbot --help` stays fast).
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    return status


def _run(args: argparse.Namespace) -> int:
    import asyncio

    overrides = {
        "source.video": args.video,
        "source.twitch": args.twitch,
        "source.replay": args.replay,
        "source.speed": args.speed,
        "source.loop": args.loop,
        "source.record": args.record,
        "model.path": args.model,
        "model.backend": args.backend,
        "server.host": args.host,
        "server.port": args.port,
    }
    # Sources given on the command line replace the ones in the config file.
    chats = ("source.video", "source.twitch", "source.replay")
    clear = [key for key in chats if overrides[key] is None] if any(overrides[key] for key in chats) else []
    config = _load_run_config(args.config, overrides, clear=clear)
    asyncio.run(_run_until_signalled(config, args.status_line))
    return 0


def _config_file(path: Path | None) -> Path | None:
    """The config file to read: `path`, else ./config.yaml, else config.yaml in the user's config folder."""
    if path is not None:
        return path
    import platformdirs

    for candidate in (
        Path("config.yaml"),
        Path(platformdirs.user_config_dir("moodbot", appauthor=False), "config.yaml"),
    ):
        if candidate.is_file():
            return candidate
    return None


def _load_run_config(path: Path | None, overrides: dict, *, clear: Sequence[str] = ()):
    """The config file (see `_config_file`), with the options given on the command line on top."""
    from .config import load_config

    wanted = {key: value for key, value in overrides.items() if value is not None}
    wanted.update(dict.fromkeys(clear))
    return load_config(_config_file(path), wanted)


# One Ctrl-C often arrives twice (the terminal signals the whole process group, `timeout`
# signals child and group): a repeat this soon is the same request, not "force it".
_SIGNAL_ECHO = 1.0
# Ctrl-Break is Windows' other console interrupt.
_STOP_SIGNALS = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGBREAK") if hasattr(signal, name)]


@contextlib.contextmanager
def _stop_on_signals(stop_soon: Callable[[], object]) -> Iterator[None]:
    """Inside: the first Ctrl-C or SIGTERM calls `stop_soon`; another one a second later quits at once.

    After it, until the exit handlers run, a late signal quits at once too (an echo of the first
    is ignored), so none can raise KeyboardInterrupt; from the exit handlers on, when all is
    written, late signals are ignored: the interpreter's own teardown would otherwise hand them
    to the system's default and die by SIGINT. `signal.signal` is used on every platform:
    `loop.add_signal_handler` does not exist on Windows, and on Unix the loop closes its wakeup
    pipe before it hands SIGINT back to KeyboardInterrupt, so a late Ctrl-C printed "Bad file
    descriptor" or a traceback from an atexit callback.
    """
    if threading.current_thread() is not threading.main_thread():  # only the main thread takes signals
        yield
        return
    first: list[float] = []

    def quit_now() -> None:
        # os.write: a signal handler may run in the middle of another write to sys.stderr.
        os.write(2, b"\nmoodbot: stopping now\n")
        os._exit(130)

    def during(signum: int, frame: object) -> None:
        if not first:
            first.append(time.monotonic())
            stop_soon()
        elif time.monotonic() - first[0] > _SIGNAL_ECHO:
            quit_now()

    def after(signum: int, frame: object) -> None:
        if not first or time.monotonic() - first[0] > _SIGNAL_ECHO:
            quit_now()

    for sig in _STOP_SIGNALS:
        signal.signal(sig, during)
    try:
        yield
    finally:
        for sig in _STOP_SIGNALS:
            signal.signal(sig, after)
        atexit.register(_ignore_stop_signals)


def _ignore_stop_signals() -> None:
    for sig in _STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)


async def _run_until_signalled(config, status: StatusLine) -> None:
    import asyncio

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal() -> None:  # in the event loop, so it may print
        if not stop.is_set():
            with status.aside():
                print("moodbot: stopping (Ctrl-C again to force)", file=sys.stderr, flush=True)
            stop.set()

    with _stop_on_signals(lambda: loop.call_soon_threadsafe(on_signal)):
        from .app import run_bot

        await run_bot(config, stop=stop, status=status)


def _vts_check(args: argparse.Namespace) -> int:
    import asyncio

    from .outputs.vtube_studio import check, format_check

    config = _load_run_config(args.config, {"vtube_studio.url": args.url}).vtube_studio
    print(f"connecting to VTube Studio at {config.url} ...", flush=True)

    def asking() -> None:
        print('VTube Studio shows a popup: click "Allow" to let moodbot in', flush=True)

    report = asyncio.run(check(config, on_asking=asking))
    text, ready = format_check(report, config)
    print(text)
    return 0 if ready else 1


def _train(args: argparse.Namespace) -> int:
    from .tools.examples import read_examples, split_examples
    from .tools.training import TrainConfig, train

    data = args.data or [DEFAULT_TRAIN]
    if not args.data and not DEFAULT_TRAIN.is_file():
        raise DataError(f"no training data at {DEFAULT_TRAIN}: run `make data`, or give --data FILE")
    examples = [ex for path in data for ex in read_examples(path)]
    if args.dev:
        dev = [ex for path in args.dev for ex in read_examples(path)]
    elif not args.data:
        dev = read_examples(DEFAULT_DEV)
    else:
        examples, dev = split_examples(examples, [0.9, 0.1], seed=args.seed)
    config = TrainConfig(
        base=args.base,
        out=args.out,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        max_length=args.max_length,
        seed=args.seed,
        device=args.device,
        extend_vocab=not args.no_extend_vocab,
        fp16_weights=not args.fp32_weights,
    )
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    log.info("training %s on %d lines, dev %d lines, %d epochs", args.base, len(examples), len(dev), args.epochs)
    result = train(config, examples, dev, progress=sys.stderr.isatty())
    print(f"best epoch {result.best_epoch}: dev macro-F1 {result.best_macro_f1:.4f}; model saved to {result.out}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from .config import ModelConfig
    from .scoring import load_scorer
    from .scoring.sentiment import EMOTIONS
    from .tools.calibration import expected_calibration_error
    from .tools.evaluation import (
        agreement,
        evaluate,
        evaluate_emotions,
        format_emotions,
        format_report,
        vader_predict,
    )
    from .tools.examples import read_examples

    if args.data.suffix.lower() not in (".csv", ".tsv"):
        raise DataError(f"{args.data}: eval takes a .csv or .tsv file with text and label columns")
    examples = read_examples(args.data)
    texts = [ex.text for ex in examples]
    config = ModelConfig(path=args.model, backend=args.backend, label_map=_parse_label_map(args.label_map) or {})
    scorer = load_scorer(config)
    scored = scorer.score(texts)
    predicted = [s.label for s in scored]
    report = evaluate(examples, predicted)
    baseline = evaluate(examples, vader_predict(texts))
    gold = [ex.label for ex in examples]
    raw = scorer.score(texts, calibrated=False)
    extra: dict = {
        "ece": expected_calibration_error(
            [s.confidence_share for s in scored], [p == g for p, g in zip(predicted, gold)]
        ),
        "ece_uncalibrated": expected_calibration_error(
            [s.confidence_share for s in raw], [s.label == g for s, g in zip(raw, gold)]
        ),
        "temperature": scorer.calibration.temperature,
    }
    emotions = None
    if scorer.emotion_labels:
        tags = [[e for e in EMOTIONS if (s.emotions or {}).get(e, 0.0) >= 0.5] for s in scored]
        emotions = evaluate_emotions(examples, tags)
    if scorer.backend == "onnx-int8":  # quantisation must not change the answers
        fp32 = load_scorer(dataclasses.replace(config, backend="onnx")).predict(texts)
        extra["agreement_with_fp32"] = agreement(predicted, fp32)
    if args.json:
        out = {"model": args.model, "backend": scorer.backend, **report.to_json(), **extra}
        if emotions:
            out["emotions"] = {name: e.to_json() for name, e in emotions.items()}
        out["baseline"] = {"name": "vader", **baseline.to_json()}
        print(json.dumps(out))
        return 0
    print(format_report(f"{args.model} ({scorer.backend})", report, baseline))
    print(
        f"\ncalibration: ECE {extra['ece']:.3f} with temperature {extra['temperature']:.2f} "
        f"(uncalibrated {extra['ece_uncalibrated']:.3f}), 10 bins"
    )
    if emotions:
        print("\n" + format_emotions(emotions))
    if "agreement_with_fp32" in extra:
        print(f"\nint8 labels agree with the fp32 export's on {extra['agreement_with_fp32']:.1%} of lines")
    return 0


def _parse_label_map(text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    pairs = [item.split("=", 1) for item in text.split(",") if item.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise DataError(f"--label-map {text!r}: write it as LABEL=CLASS,LABEL=CLASS")
    return {label.strip(): klass.strip() for label, klass in pairs}


def _bench(args: argparse.Namespace) -> int:
    import asyncio

    from .sources import SAMPLE_CHAT
    from .tools.bench import BenchOptions, format_bench, run_bench

    overrides = {"model.path": args.model, "model.backend": args.backend}
    config = _load_run_config(args.config, overrides)
    options = BenchOptions(
        config=config,
        chat=args.chat or SAMPLE_CHAT,
        latency_seconds=args.latency_seconds,
        overload_seconds=args.overload_seconds,
        cold_start=not args.no_cold_start,
        config_file=args.config,
    )
    result = asyncio.run(run_bench(options))
    print(json.dumps(result) if args.json else format_bench(result))
    return 0


def _soak(args: argparse.Namespace) -> int:
    import asyncio

    from .tools.soak import run_soak

    result = asyncio.run(run_soak(_load_run_config(args.config, {}), hours=args.hours, speed=args.speed))
    if args.json:
        print(json.dumps(result))
    else:
        rss, files, tasks = result["rss_mb"], result["open_files"], result["tasks"]
        print(
            f"{result['stream_hours']:g} h of chat at {result['speed']:g}x in {result['wall_seconds']:.0f} s: "
            f"{result['read']} read, {result['scored']} scored, {result['dropped']} dropped, {result['frames']} frames\n"
            f"memory {rss['after_warmup']:.0f} MB after warm-up -> {rss['end']:.0f} MB at the end (peak {rss['max']:.0f}); "
            f"open files {files['after_warmup']} -> {files['end']}; tasks {tasks['after_warmup']} -> {tasks['end']}"
        )
    return 0


def _report(args: argparse.Namespace) -> int:
    from .tools.report import find_session, list_sessions

    folder = args.dir or _load_run_config(args.config, {}).sessions_folder()
    if folder is None:
        raise DataError("history.dir is null in the config: no sessions are kept; give --dir FOLDER")
    if args.list:
        for path in list_sessions(folder):
            print(path.stem)
        return 0
    _write_report(find_session(args.session, folder), args.vod)
    return 0


def _write_report(path: Path, vod: str | None) -> None:
    from .tools.moments import KINDS, format_time
    from .tools.report import read_session, summary, write_chart, write_csv
    from .tools.report_html import stream_view, write_html, write_moments_csv

    session = read_session(path)
    view = stream_view(session, vod)
    out = {suffix: session.path.with_name(session.path.stem + suffix) for suffix in (".csv", ".png", ".html")}
    out["moments"] = session.path.with_name(session.path.stem + "_moments.csv")
    write_csv(session, out[".csv"])
    write_chart(session, out[".png"])
    write_moments_csv(view, out["moments"])
    write_html(session, view, out[".html"])
    print(summary(session))
    for kind in KINDS:
        if view.moments[kind]:
            best = view.moments[kind][0]
            print(
                f"{kind:<12} {format_time(best.start)} (intensity {best.intensity:g}; {len(view.moments[kind])} found)"
            )
    print(f"wrote {out['.html']} ({out['.html'].stat().st_size / 1000:.0f} kB), {out['.csv']}, {out['moments']}")
    print(f"  and {out['.png']}")


def _analyze(args: argparse.Namespace) -> int:
    import asyncio

    from .tools.analyze import analyze

    overrides = {
        "source.video": [args.video] if args.video else None,
        "source.replay": args.replay,
        "model.path": args.model,
        "model.backend": args.backend,
        "history.dir": str(args.dir.resolve()) if args.dir else None,
    }
    clear = [key for key in ("source.video", "source.twitch", "source.replay") if overrides.get(key) is None]
    config = _load_run_config(args.config, overrides, clear=clear)
    path = asyncio.run(analyze(config))
    _write_report(path, args.vod)
    return 0


def _doctor(args: argparse.Namespace) -> int:
    import asyncio

    from .tools.doctor import run_doctor

    if not args.verbose:  # the report is the output; the checks' own log lines would only interleave
        logging.getLogger().setLevel(logging.WARNING)
    path = _config_file(args.config)
    config = _load_run_config(path, {})
    return asyncio.run(run_doctor(config, config_path=path and path.resolve(), out=sys.stdout))


def _export_onnx(args: argparse.Namespace) -> int:
    from .scoring.onnx_export import export_onnx, read_export
    from .tools.examples import read_examples

    check = {str(path): [ex.text for ex in read_examples(path)] for path in args.check}
    written = export_onnx(args.model, args.out, quantize=not args.no_int8, keep_fp32=not args.no_fp32, check=check)
    for path in written:
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    int8 = (read_export(args.out) or {}).get("int8")
    if int8:
        verdict = "meets" if int8["meets_bar"] else "falls short of"
        bar = f"{int8['bar']:.0%} of fp32's labels on every set of {int8['bar_min_lines']}+ lines"
        print(f"int8 {verdict} the bar ({bar}): auto will use", end=" ")
        print("int8" if int8["meets_bar"] else "fp32")
    print(f"use it with model.path: {args.out} (model.backend: auto picks the file)")
    return 0


def _data(args: argparse.Namespace) -> int:
    from .tools.corpus import build_training_data

    if not args.downloads.is_dir():
        raise DataError(f"{args.downloads}: no such folder; run `make data`, which downloads the archives first")
    counts = build_training_data(args.downloads, args.chat, args.out)
    print(
        f"wrote {args.out}/train.tsv ({counts['train']} lines: {counts['public']} public, "
        f"{counts['chat_train']} chat x2) and {args.out}/dev.tsv ({counts['dev']} lines)"
    )
    return 0
