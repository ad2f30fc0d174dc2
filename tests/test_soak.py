"""A compressed stream through the whole bot: no memory, file or task growth."""

import pytest

from bot.config import AppConfig
from bot.tools.soak import run_soak

pytestmark = pytest.mark.slow


async def test_half_hour_at_100x_does_not_leak(bundled_scorer):
    """30 minutes of chat in 18 s: memory, open files and tasks end where they were after warm-up."""
    result = await run_soak(AppConfig(), hours=0.5, speed=100, scorer=bundled_scorer, sample_every=1.0)
    print("soak:", result)
    assert result["scored"] > 1000 and result["frames"] > 50
    assert result["rss_mb"]["end"] - result["rss_mb"]["after_warmup"] < 25
    assert result["open_files"]["end"] <= result["open_files"]["after_warmup"] + 2
    assert result["tasks"]["end"] <= result["tasks"]["after_warmup"] + 1
