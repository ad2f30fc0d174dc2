"""Reading YouTube's pages: video state, chat continuations, innertube settings."""

import copy

import pytest
from youtube_fakes import chat_page, load_json, load_text

from bot.sources.youtube.pages import (
    ChatPage,
    Innertube,
    VideoState,
    find_chat,
    find_json,
    parse_chat_page,
    parse_innertube,
    parse_video_page,
)

LIVE_CHAT = load_json("pages/live_chat_page_ytInitialData.json")
MENU = LIVE_CHAT["contents"]["liveChatRenderer"]["header"]["liveChatHeaderRenderer"]["viewSelector"][
    "sortFilterSubMenuRenderer"
]["subMenuItems"]
TOP_TOKEN, LIVE_TOKEN = (item["continuation"]["reloadContinuationData"]["continuation"] for item in MENU)


def test_recorded_menu_holds_two_views():
    """The recorded live_chat page lists "Top chat" then "Live chat", each with its own token."""
    assert [item["title"] for item in MENU] == ["Top chat", "Live chat"]
    assert TOP_TOKEN != LIVE_TOKEN


@pytest.mark.parametrize(("mode", "token"), [("live", LIVE_TOKEN), ("top", TOP_TOKEN)])
def test_chat_continuation_per_mode(mode, token):
    """The recorded live_chat object gives the "Live chat" token for live mode, "Top chat" for top."""
    assert find_chat(LIVE_CHAT, mode) == ChatPage(token)


@pytest.mark.parametrize("mode", ["live", "top"])
def test_chat_page_html(mode):
    """The same continuations come out of the page's HTML (`window["ytInitialData"] = ...`)."""
    expected = LIVE_TOKEN if mode == "live" else TOP_TOKEN
    assert parse_chat_page(chat_page(), mode).continuation == expected


def test_localised_titles_fall_back_on_order():
    """With titles in another language, YouTube's fixed order (Top first, Live second) decides."""
    data = copy.deepcopy(LIVE_CHAT)
    menu = data["contents"]["liveChatRenderer"]["header"]["liveChatHeaderRenderer"]["viewSelector"][
        "sortFilterSubMenuRenderer"
    ]["subMenuItems"]
    menu[0]["title"], menu[1]["title"] = "上位のチャット", "チャット"
    assert find_chat(data, "live").continuation == LIVE_TOKEN
    assert find_chat(data, "top").continuation == TOP_TOKEN


def test_no_menu_uses_the_renderers_own_continuation():
    """Without the view menu, the renderer's own continuation is used rather than nothing."""
    data = copy.deepcopy(LIVE_CHAT)
    del data["contents"]["liveChatRenderer"]["header"]
    own = LIVE_CHAT["contents"]["liveChatRenderer"]["continuations"][0]["invalidationContinuationData"]["continuation"]
    assert find_chat(data, "live").continuation == own


def test_chat_disabled_page():
    """A live_chat page with chat turned off gives no continuation and YouTube's own words."""
    page = parse_chat_page(load_text("pages/handmade_live_chat_disabled.html"))
    assert page == ChatPage(None, "Chat is disabled for this live stream.")


def test_page_without_chat_data():
    """A page with no ytInitialData at all (a consent wall, an error page) gives neither."""
    assert parse_chat_page("<html><body>Before you continue to YouTube</body></html>") == ChatPage()


@pytest.mark.parametrize(
    ("name", "video_id", "state", "reason"),
    [
        ("handmade_watch_live.html", "7kdepDepMjk", VideoState.LIVE, ""),
        ("handmade_watch_upcoming.html", "upcomingVid", VideoState.UPCOMING, "This live event will begin in 2 hours."),
        ("handmade_watch_archived.html", "archivedVid", VideoState.ENDED, ""),
        ("handmade_watch_private.html", "7kdepDepMjk", VideoState.PRIVATE, "This video is private"),
        ("handmade_watch_unavailable.html", "goneVideo01", VideoState.UNAVAILABLE, "Video unavailable"),
        ("handmade_watch_ordinary.html", "dQw4w9WgXcQ", VideoState.NOT_LIVE, ""),
        ("handmade_channel_not_live.html", None, VideoState.UNKNOWN, ""),
    ],
)
def test_watch_page_states(name, video_id, state, reason):
    """A watch page says which video it shows and whether it is live, upcoming, archived, private or gone."""
    page = parse_video_page(load_text(f"pages/{name}"))
    assert (page.video_id, page.state, page.reason) == (video_id, state, reason)


@pytest.mark.parametrize(
    ("mode", "token"), [("live", "handmade-replay-all-archivedVid"), ("top", "handmade-replay-top-archivedVid")]
)
def test_archived_page_replay_continuation(mode, token):
    """An archived stream's watch page holds the chat replay continuation for each mode."""
    page = parse_video_page(load_text("pages/handmade_watch_archived.html"), mode)
    assert page.chat == ChatPage(token)
    assert page.title == "【Tetris】finished stream"


def test_archived_page_without_replay():
    """When chat replay is off, the watch page's chat panel says so instead of giving a token."""
    page = parse_video_page(load_text("pages/handmade_watch_archived_no_replay.html"))
    assert page.chat == ChatPage(None, "Live chat replay has been turned off for this video.")


def test_current_innertube_settings():
    """ytcfg.set({...}) on a current page gives the API key, client version and visitor data."""
    found = parse_innertube(load_text("pages/handmade_watch_live.html"))
    assert found == Innertube("handmade-api-key", "2.20261101.01.00", "handmadeVisitorData")


@pytest.mark.parametrize(
    ("name", "video_id"),
    [("live_page.txt", "fEvM-OUbaKs"), ("extradata_page.txt", "fzI9FNjXQ0o"), ("invalid_video_id_page.txt", None)],
)
def test_recorded_2020_pages(name, video_id):
    """Real 2020 pages: the canonical video wins over other embedded players; no player data is UNKNOWN."""
    html = load_text(f"pages/{name}")
    page = parse_video_page(html)
    assert page.video_id == video_id
    assert page.state is VideoState.UNKNOWN
    found = parse_innertube(html)
    assert (found.api_key, found.client_version) == ("AIzaSyAO_FJ2SlqU8Q4STEHLGCilw_Y9_11qcW8", "20200226")


def test_find_json_skips_a_broken_assignment():
    """A truncated assignment does not hide a later, complete one."""
    html = 'var ytInitialData = {"broken": ;\n<script>var ytInitialData = {"ok": 1};</script>'
    assert find_json(html, "ytInitialData") == {"ok": 1}
    assert find_json("<html></html>", "ytInitialPlayerResponse") is None
