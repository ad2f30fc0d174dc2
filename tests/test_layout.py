"""The house rules that keep the layout true: the live bot never loads the tools, and the
command line starts without loading a model library."""

import subprocess
import sys

LIVE_MODULES = [
    "bot.app",
    "bot.worker",
    "bot.broadcaster",
    "bot.history",
    "bot.outputs.vtube_studio",
    "bot.sources",
    "bot.sources.youtube",
    "bot.sources.replay",
    "bot.scoring",
    "bot.scoring.torch_backend",
    "bot.scoring.onnx_backend",
    "bot.scoring.auto",
]


def loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code`."""
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return set(out.stdout.split())


def test_the_live_bot_never_imports_the_tools_or_matplotlib():
    """Everything `moodbot run` loads leaves bot.tools (training, bench, report...) and matplotlib alone."""
    loaded = loaded_after("\n".join(f"import {name}" for name in LIVE_MODULES))
    assert set(LIVE_MODULES) <= loaded
    assert not {name for name in loaded if name.startswith("bot.tools")}
    assert "matplotlib" not in loaded


def test_the_command_line_starts_without_model_libraries():
    """`moodbot --help` and `moodbot report --help` load neither torch nor transformers (they start in well under a second)."""
    loaded = loaded_after("import bot.cli\nbot.cli._parser()")
    assert not loaded & {"torch", "transformers", "onnxruntime", "matplotlib", "numpy"}


def test_the_onnx_path_scores_chat_without_torch():
    """The bundled model through model.backend: auto scores chat with onnxruntime and tokenizers
    alone: neither torch nor transformers is imported (half a gigabyte and seconds of start-up)."""
    loaded = loaded_after(
        "from bot.config import ModelConfig\n"
        "from bot.scoring import load_scorer\n"
        "scorer = load_scorer(ModelConfig())\n"
        "assert scorer.backend == 'onnx-int8', scorer.backend\n"
        "assert scorer.score(['草', 'no audio??'])[0].emotions"
    )
    assert "onnxruntime" in loaded
    assert not loaded & {"torch", "transformers"}
