"""Turning YouTube's chat JSON into ChatMessages."""

import logging

import pytest
from youtube_fakes import load_json

from bot.chat import Author, Kind
from bot.sources.youtube.items import ChatResponse, parse_actions, parse_amount, parse_chat_response


def messages_of(name):
    return [item.message for item in parse_chat_response(load_json(name)).items]


def by_id(name):
    return {message.id: message for message in messages_of(name)}


def test_text_message():
    """A recorded text message keeps its id, time (Unix seconds), author and text."""
    (message,) = messages_of("live/textmessage.json")
    assert message.id.startswith("CjkKGkNLTzR0NUN6NC1RQ0ZacXZEUW9kWFhrQVBn")
    assert message.time == pytest.approx(1569119896.722467)
    assert message.author == Author(name="name", id="UCr59VU_cvfru0-jarrdL3Mw")
    assert (message.text, message.kind, message.emotes, message.amount) == ("text", Kind.TEXT, (), None)


def test_two_messages_in_order():
    """Messages of one response come out in the order YouTube sent them."""
    texts = [m.text for m in messages_of("live/paramgen_firstread.json")]
    assert texts == ["伝説を見た！", "あかん、なんもできん。見たい。"]


def test_superchat():
    """A recorded superchat carries its amount, ISO currency and the amount as shown; its ticker twin is dropped."""
    (message,) = messages_of("live/superchat.json")
    assert message.kind is Kind.SUPERCHAT and message.paid
    assert (message.amount, message.currency, message.amount_text) == (846.0, "JPY", "￥846")
    assert message.text == "ボルガ博士お許しください代"
    assert message.author.name == "九十九 万"


def test_supersticker():
    """A recorded supersticker reads as its sticker's description, with its amount."""
    (message,) = messages_of("live/supersticker.json")
    assert message.kind is Kind.SUPERSTICKER
    assert (message.amount, message.currency, message.amount_text) == (200.0, "JPY", "￥200")
    assert message.text == "気付いてもらえるように人差し指を上げたり下げたりしている柴犬"


def test_unknown_currency_keeps_its_symbol():
    """A currency nobody knows keeps the symbol YouTube showed, and the amount is still read."""
    (message,) = messages_of("live/unregistered_currency.json")
    assert (message.amount, message.currency, message.amount_text) == (10800.0, "[UNREGISTERD]", "[UNREGISTERD]10,800")


@pytest.mark.parametrize("name", ["live/newSponsor_rev.json", "live/newSponsor.json"])
def test_new_member(name):
    """A new member (current and legacy item shapes) is a membership, by a member, with YouTube's words."""
    (message,) = messages_of(name)
    assert message.kind is Kind.MEMBERSHIP
    assert message.author.member
    assert message.text == "新規メンバー"


def test_member_badge_and_old_envelope():
    """A member badge marks the author a member; the old {"response": ...} envelope is unwrapped."""
    (message,) = messages_of("live/chat.json")
    assert message.author.member and not message.author.moderator
    assert message.text == "message"


def test_emoji_runs():
    """Standard emoji stay glyphs, member and YouTube emoji their shortcuts; emotes lists them in order."""
    messages = by_id("live/handmade_emoji_runs.json")
    first = messages["handmade-emoji-1"]
    assert first.text == "草 😂😂 :_pekoHi:"
    assert first.emotes == ("😂", "😂", ":_pekoHi:")
    second = messages["handmade-emoji-2"]
    assert second.text == "👏 thanks everyone :yt:"  # its emojiId was no glyph: converted from :clapping_hands:
    assert second.emotes == ("👏", ":yt:")


def test_author_flags():
    """Moderator, owner and member badges set the matching author flags; a verified badge sets none."""
    messages = by_id("live/handmade_emoji_runs.json")
    assert messages["handmade-emoji-1"].author == Author(
        name="@member_mod", id="UChandmadeMemberMod00001", member=True, moderator=True
    )
    assert messages["handmade-emoji-2"].author == Author(name="@streamer", id="UChandmadeOwner000000001", owner=True)


def test_membership_milestone_and_gifts():
    """A milestone keeps the member's own words; gift purchases and redemptions are memberships too."""
    messages = by_id("live/handmade_emoji_runs.json")
    milestone = messages["handmade-milestone-1"]
    assert (milestone.kind, milestone.text) == (Kind.MEMBERSHIP, "half a year already :_pekoLove:")
    assert milestone.emotes == (":_pekoLove:",)
    purchase = messages["handmade-gift-purchase"]
    assert (purchase.kind, purchase.text) == (Kind.MEMBERSHIP, "Sent 5 Pekora Ch. gift memberships")
    assert purchase.author == Author(name="@gifter", id="UChandmadeGifter00000001", member=True)
    redemption = messages["handmade-gift-redemption"]
    assert (redemption.kind, redemption.text) == (Kind.MEMBERSHIP, "received a gift membership by @gifter")
    assert redemption.author.member


def test_usd_superchat_with_emoji():
    """A superchat's message keeps its emoji; the ticker repeating it is not a second message."""
    messages = messages_of("live/handmade_emoji_runs.json")
    (superchat,) = [m for m in messages if m.kind is Kind.SUPERCHAT]
    assert (superchat.text, superchat.emotes) == ("GG 🎉", ("🎉",))
    assert (superchat.amount, superchat.currency, superchat.amount_text) == (5.0, "USD", "$5.00")
    assert len(messages) == 6


def test_recorded_non_messages_are_skipped():
    """Of 19 recorded actions only the text, membership and sticker are messages; the rest pass silently."""
    messages = [item.message for item in parse_actions(load_json("live/chat_downloader_actions.json"))]
    assert [m.kind for m in messages] == [Kind.TEXT, Kind.MEMBERSHIP, Kind.SUPERSTICKER]
    assert messages[0].text == "Consistency Level ASL ❤️"
    assert (messages[2].amount, messages[2].currency) == (9.99, "USD")


def test_deletions_polls_banners_are_skipped(caplog):
    """Deletions, polls, banners (even a pinned message), placeholders and unknown kinds yield nothing, quietly."""
    with caplog.at_level(logging.WARNING):
        messages = messages_of("live/handmade_deleted_polls_banners.json")
    assert [m.id for m in messages] == ["handmade-keep-1", "handmade-keep-2"]
    assert caplog.records == []


def test_oddly_shaped_item_is_skipped(caplog):
    """An item YouTube shaped unexpectedly is skipped with a warning; the others still come through."""
    actions = [
        {"addChatItemAction": {"item": {"liveChatTextMessageRenderer": {"message": {"runs": []}}}}},  # no id
        {"addChatItemAction": {"item": {"liveChatPaidMessageRenderer": "not an object"}}},
        {"addChatItemAction": {"item": {"liveChatTextMessageRenderer": {"id": "ok", "message": {"simpleText": "hi"}}}}},
    ]
    with caplog.at_level(logging.WARNING):
        assert [item.message.text for item in parse_actions(actions)] == ["hi"]
    assert len(caplog.records) == 2


def test_replay_page_offsets():
    """Replay items carry their place in the video from videoOffsetTimeMsec."""
    response = parse_chat_response(load_json("replay/pt0-0.json"))
    assert len(response.items) == 50
    assert response.items[0].offset == 12.0 and response.items[-1].offset == 15.0
    assert response.continuation == "___continuation___"
    assert response.seek is None


def test_replay_member_item():
    """A replayed member's message keeps its badge and offset."""
    (item,) = parse_chat_response(load_json("replay/replay_member_text.json")).items
    assert item.offset == pytest.approx(5025.12)
    assert item.message.author.member


def test_replay_end():
    """The end of a replay has no chat continuation, only a seek."""
    assert parse_chat_response(load_json("replay/replay_end.json")) == ChatResponse(seek="___reload_continuation___")


def test_end_of_stream():
    """The recorded answer after a stream ended (no continuationContents) reads as ended."""
    assert parse_chat_response(load_json("live/finished_live.json")) == ChatResponse(ended=True)


@pytest.mark.parametrize(
    ("name", "timeout"),
    [("live/textmessage.json", 5.041), ("live/superchat.json", 8.86), ("live/newSponsor_rev.json", 10.0)],
)
def test_timeouts(name, timeout):
    """timeoutMs of timed and invalidation continuations becomes the wait in seconds."""
    response = parse_chat_response(load_json(name))
    assert response.timeout == pytest.approx(timeout)
    assert response.continuation


def test_missing_continuation():
    """Chat contents without any continuation give continuation None, not an error."""
    data = {"responseContext": {}, "continuationContents": {"liveChatContinuation": {"actions": []}}}
    assert parse_chat_response(data) == ChatResponse()


@pytest.mark.parametrize(
    "data",
    [
        [],
        "text",
        {"error": {"code": 400}},
        {"responseContext": {}, "continuationContents": {"liveChatContinuation": {"continuations": ["x"]}}},
        {"responseContext": {}, "continuationContents": {"liveChatContinuation": {"actions": [["x"]]}}},
    ],
)
def test_malformed_response(data):
    """Anything not shaped like a chat response is a ValueError (the reader retries it)."""
    with pytest.raises(ValueError):
        parse_chat_response(data)


@pytest.mark.parametrize(
    ("shown", "amount", "currency"),
    [
        ("¥1,000", 1000.0, "JPY"),
        ("￥846", 846.0, "JPY"),
        ("$5.00", 5.0, "USD"),
        ("CA$10.00", 10.0, "CAD"),
        ("PHP\xa0100.00", 100.0, "PHP"),
        ("CHF\xa020.00", 20.0, "CHF"),
        ("₹1,00,000.00", 100000.0, "INR"),
        ("1.234,56\xa0€", 1234.56, "EUR"),
        ("5,00 €", 5.0, "EUR"),
        ("₩10.000", 10000.0, "KRW"),
        ("Free", None, None),
    ],
)
def test_amounts(shown, amount, currency):
    """Amounts read in any grouping style; symbols become ISO codes where known."""
    assert parse_amount(shown) == (amount, currency)
