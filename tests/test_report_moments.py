"""The report's moments: the HTML report in real Chromium, the moments CSV, VOD links and stream time."""

import csv
import json

import pytest

from bot.cli import main
from bot.tools.report import read_session
from bot.tools.report_html import MOMENT_COLUMNS, stream_view, vod_url
from tests.planted import BURSTS, planted_lines

START = 1_800_000_000.0
VIDEO = "dQw4w9WgXcQ"
HOSTILE = "<img src=x onerror=\"document.title='pwned'\">LOL"


def write_session(path, lines, *, source=f"youtube-{VIDEO}", offsets=True, recorded_at=START, extra=()):
    """A history as `moodbot analyze` writes it: the header, message lines with emotions, a window."""
    rows = [{"type": "session", "started": START, "source": source, "model": "bundled", "version": 1}]
    for i, line in enumerate(lines):
        row = {
            "type": "message",
            "time": round(recorded_at + line.at, 3),
            "id": f"m{i}",
            "author": line.author,
            "text": line.text,
            "kind": "text",
            "valence": round(line.valence, 4),
            "label": "positive",
            "emotions": {k: round(v, 3) for k, v in line.emotions.items()},
        }
        if offsets:
            row["offset"] = round(line.at, 3)
        rows.append(row)
    rows += extra
    rows.append(
        {
            "type": "window",
            "time": START + 5,
            "needle": 0.3,
            "mood": "happy",
            "short": {"valence": 0.3, "rate": 5.0, "shares": {"negative": 0.1, "neutral": 0.3, "positive": 0.6}},
            "totals": {"messages": len(lines), "scored": len(lines), "dropped": 0},
        }
    )
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def planted_with_hostile_quote():
    """The planted chat, with the most laughing line of the laughter burst written as HTML."""
    lines = planted_lines(5.0, language="ja")
    burst = [i for i, line in enumerate(lines) if BURSTS["laughter"] <= line.at <= BURSTS["laughter"] + 15]
    hostile = lines[burst[3]]
    lines[burst[3]] = type(hostile)(hostile.at, "=cmd|' /C calc'!A0", HOSTILE, hostile.valence, {"laughter": 1.0})
    return lines


@pytest.fixture
def report_files(tmp_path, capsys):
    path = write_session(tmp_path / "2026-01-01_200000_stream.jsonl", planted_with_hostile_quote())
    assert main(["report", path.stem, "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    return path, out


async def test_html_report_in_chromium(report_files, chromium):
    """The timeline renders; clicking a moment's marker scrolls to it; links open the VOD at its second; chat is text."""
    path, out = report_files
    html_path = path.with_name(path.stem + ".html")
    assert f"wrote {html_path}" in out
    page = await chromium.new_page(viewport={"width": 1100, "height": 700})
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    await page.goto(html_path.as_uri())
    # The timeline: the mood line and emotion lines have points across the stream, a marker per moment.
    points = await page.eval_on_selector("#timeline polyline.mood", "e => e.points.numberOfItems")
    assert points > 100
    box = await page.eval_on_selector("#timeline", "e => e.getBoundingClientRect().width")
    assert box > 500
    assert await page.locator("#timeline polyline.emo").count() >= 5
    markers = await page.locator("a.marker").count()
    items = await page.locator("ol.moments > li").count()
    assert markers == items >= 3
    # Clicking the sad marker brings its entry into view and marks it.
    target = page.locator("#moment-sad-1")
    assert not await target.is_visible() or not await _in_view(page, "#moment-sad-1")
    await page.locator('a.marker[href="#moment-sad-1"]').click()
    await page.wait_for_function("document.getElementById('moment-sad-1').classList.contains('picked')")
    assert await _in_view(page, "#moment-sad-1")
    # Each moment's link opens the video at the moment's second.
    links = await page.eval_on_selector_all(
        "a.vod", "es => es.map(e => [e.href, e.dataset.seconds, e.closest('li').dataset.start])"
    )
    assert len(links) == items
    for href, seconds, start in links:
        assert href == f"https://youtu.be/{VIDEO}?t={int(float(start))}" and seconds == str(int(float(start)))
    sad_start = float(await target.get_attribute("data-start"))
    assert abs(sad_start - BURSTS["sad"]) <= 10
    # Chat text is text: the hostile line shows literally, made no element and ran nothing.
    quotes = await page.eval_on_selector_all("#moment-laughter-1 .text", "es => es.map(e => e.textContent)")
    assert HOSTILE in quotes
    assert await page.locator("blockquote img").count() == 0
    assert await page.title() != "pwned"
    # Self-contained: nothing but the file itself was requested.
    assert requests == [html_path.as_uri()]


async def _in_view(page, selector):
    return await page.eval_on_selector(
        selector, "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
    )


def test_moments_csv_for_clip_tools(report_files):
    """The moments CSV lists each moment with its second and VOD link; chat never runs as a formula."""
    path, _ = report_files
    raw = path.with_name(path.stem + "_moments.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == MOMENT_COLUMNS
    first = {row[0]: row for row in rows[1:] if row[1] == "1"}
    for kind, at in BURSTS.items():
        assert abs(int(first[kind][3]) - at) <= 10
        assert first[kind][8] == f"https://youtu.be/{VIDEO}?t={first[kind][3]}"
    assert HOSTILE in first["laughter"][9:]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_report_prints_the_top_moment_of_each_kind(report_files):
    """`moodbot report` names the top laughter, hype and sad moments with their times."""
    _, out = report_files
    assert "laughter     10:00" in out
    assert "hype         25:30" in out


def test_recorded_chat_counts_from_its_first_message(tmp_path):
    """A chat recorded long before the session (a replay file) counts from its first message; a live one from the start."""
    lines = planted_lines(5.0, language="id")
    shift = lines[0].at
    recorded = write_session(tmp_path / "a.jsonl", lines, offsets=False, recorded_at=START - 86400, source="replay")
    view = stream_view(read_session(recorded))
    assert "first message" in view.base
    assert abs(view.moments["hype"][0].start - (BURSTS["hype"] - shift)) <= 10
    live = write_session(tmp_path / "b.jsonl", lines, offsets=False, recorded_at=START + 30, source="twitch-kira")
    view = stream_view(read_session(live))
    assert "moodbot started" in view.base and view.vod is None
    assert abs(view.moments["hype"][0].start - (BURSTS["hype"] + 30)) <= 10


def test_vod_links(report_files):
    """Links carry the second: YouTube as ?t=SECONDS, Twitch as ?t=1h2m3s; a VOD given by URL wins."""
    path, _ = report_files
    session = read_session(path)
    assert stream_view(session).vod == ("youtube", VIDEO)
    twitch = stream_view(session, "https://www.twitch.tv/videos/2012345678").vod
    assert twitch == ("twitch", "2012345678")
    assert vod_url(twitch, 3723.9) == "https://www.twitch.tv/videos/2012345678?t=1h2m3s"
    assert vod_url(("youtube", VIDEO), 3723.9) == f"https://youtu.be/{VIDEO}?t=3723"
    assert vod_url(None, 10) is None
