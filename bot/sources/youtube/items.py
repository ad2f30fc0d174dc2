"""Turn YouTube's get_live_chat / get_live_chat_replay JSON into ChatMessages.

Pure: no I/O. Written here rather than reusing pytchat's parser and renderers, because those
write emoji as their first shortcut (we keep the glyph), drop any item without
`authorPhoto.thumbnails[1]` or a channel id, read only the first action of a replay item,
crash on a response without `continuations`, and know fewer currency symbols.

Items that are not chat (deletions, polls, banners, tickers, mode changes, viewer engagement
notes, placeholders, anything new) are skipped without error: YouTube adds item kinds at will.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import emoji as emoji_lib

from ...chat import Author, ChatMessage, Kind

__all__ = [
    "ChatItem",
    "ChatResponse",
    "message_text",
    "parse_actions",
    "parse_amount",
    "parse_chat_response",
    "parse_item",
]

logger = logging.getLogger(__name__)

# Continuations that lead on to more chat; playerSeekContinuationData only jumps within a replay.
_CHAT_CONTINUATIONS = (
    "invalidationContinuationData",
    "timedContinuationData",
    "reloadContinuationData",
    "liveChatReplayContinuationData",
)
_SEEK_CONTINUATION = "playerSeekContinuationData"

# Symbols YouTube shows (en locale first, then the ones other locales use); any other
# three-letter code (PHP, CHF, ...) already is the ISO 4217 code.
_CURRENCIES = {
    "$": "USD",
    "US$": "USD",
    "A$": "AUD",
    "CA$": "CAD",
    "HK$": "HKD",
    "MX$": "MXN",
    "NT$": "TWD",
    "NZ$": "NZD",
    "R$": "BRL",
    "£": "GBP",
    "€": "EUR",
    "₹": "INR",
    "₩": "KRW",
    "￦": "KRW",
    "¥": "JPY",
    "￥": "JPY",
    "CN¥": "CNY",
    "₱": "PHP",
    "₫": "VND",
    "₪": "ILS",
    "₺": "TRY",
    "₽": "RUB",
    "zł": "PLN",
    "Rp": "IDR",
    "RM": "MYR",
    "R": "ZAR",
    "S$": "SGD",
    "฿": "THB",
}
_NUMBER = re.compile(r"\d(?:[\d.,\s]*\d)?")
_THOUSANDS_COMMA = re.compile(r"\d{1,3}(?:,\d{2,3})*,\d{3}")  # 1,000 and Indian 1,00,000
_THOUSANDS_DOT = re.compile(r"\d{1,3}(?:\.\d{3})+")  # 1.000 (prices never show three decimals)
_MAX_SECONDS = 1e11  # about the year 5000: a time or wait beyond it is garbage, not chat


@dataclass(frozen=True, slots=True)
class ChatItem:
    """A message, with where it sits in the video when it comes from a replay."""

    message: ChatMessage
    offset: float | None = None  # seconds into the video (replays only)


@dataclass(frozen=True, slots=True)
class ChatResponse:
    """What one get_live_chat(_replay) response says."""

    items: tuple[ChatItem, ...] = ()
    continuation: str | None = None  # the token for the next request; None: none was given
    timeout: float | None = None  # seconds YouTube asks us to wait before the next request
    seek: str | None = None  # a replay's playerSeekContinuationData token
    ended: bool = False  # no chat contents at all: what YouTube answers once a stream is over


def parse_chat_response(data: Any) -> ChatResponse:
    """Read one response; raise ValueError when it is not shaped like one."""
    if isinstance(data, dict) and isinstance(data.get("response"), dict) and "responseContext" not in data:
        data = data["response"]  # older recordings wrap the response in {"response": ...}
    if not isinstance(data, dict) or "responseContext" not in data:
        raise ValueError("not a live chat response")
    try:
        return _read_response(data)
    except (AttributeError, KeyError, TypeError) as exc:
        raise ValueError(f"a live chat response of an unexpected shape ({exc!r})") from exc


def _read_response(data: Mapping[str, Any]) -> ChatResponse:
    contents = data.get("continuationContents")
    if contents is None:
        return ChatResponse(ended=True)
    chat = contents.get("liveChatContinuation") if isinstance(contents, dict) else None
    if not isinstance(chat, dict):
        return ChatResponse()
    continuation, timeout, seek = None, None, None
    for entry in chat.get("continuations") or ():
        for key, value in entry.items():
            if key in _CHAT_CONTINUATIONS and continuation is None:
                continuation = value.get("continuation")
                if "timeoutMs" in value:
                    timeout = _wait(value["timeoutMs"])
            elif key == _SEEK_CONTINUATION:
                seek = value.get("continuation")
    return ChatResponse(tuple(parse_actions(chat.get("actions") or ())), continuation, timeout, seek)


def parse_actions(actions: Iterable[Mapping[str, Any]], offset: float | None = None) -> Iterator[ChatItem]:
    """The chat messages among `actions`, in order; replay actions carry their video offset."""
    for action in actions:
        if "replayChatItemAction" in action:
            replay = action["replayChatItemAction"]
            try:
                replay_offset = _seconds(replay.get("videoOffsetTimeMsec", 0), 1000)
            except (TypeError, ValueError) as exc:
                logger.warning("skipped a replay item at an unreadable place in the video (%s)", exc)
                continue
            yield from parse_actions(replay.get("actions") or (), replay_offset)
            continue
        add = action.get("addChatItemAction")
        # A held-back message can reappear through replaceChatItemAction once approved.
        item = add.get("item") if add else (action.get("replaceChatItemAction") or {}).get("replacementItem")
        message = parse_item(item) if item else None
        if message is not None:
            yield ChatItem(message, offset)


def parse_item(item: Mapping[str, Any]) -> ChatMessage | None:
    """The message in one chat item, or None when the item is not a message."""
    for renderer, body in item.items():
        build = _BUILDERS.get(renderer)
        if build is None:
            continue
        try:
            return build(body)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # One oddly shaped item must not stop the chat; YouTube changes shapes without notice.
            logger.warning("skipped a %s that YouTube shaped unexpectedly (%r)", renderer, exc)
    return None


def message_text(obj: Mapping[str, Any] | None) -> tuple[str, tuple[str, ...]]:
    """The text of a `{"runs": [...]}` or `{"simpleText": ...}` object, and the emoji in it."""
    if not obj:
        return "", ()
    if "simpleText" in obj:
        return str(obj["simpleText"]), ()
    parts: list[str] = []
    emotes: list[str] = []
    for run in obj.get("runs") or ():
        if "emoji" in run:
            token = _emoji_token(run["emoji"])
            parts.append(token)
            emotes.append(token)
        else:
            parts.append(run.get("text", ""))
    return "".join(parts), tuple(emotes)


def parse_amount(text: str) -> tuple[float | None, str | None]:
    """ "¥1,000" → (1000.0, "JPY"): the amount and the ISO code, or the symbol shown if unknown."""
    match = _NUMBER.search(text)
    if match is None:
        return None, None
    symbol = (text[: match.start()] + text[match.end() :]).strip()
    amount = _to_float(match.group())
    return (amount if math.isfinite(amount) else None), _CURRENCIES.get(symbol, symbol) or None


def _seconds(value: Any, per_second: int) -> float:
    """YouTube's whole counts of µs or ms ("1764230400250000", 5035) in seconds.

    ValueError for anything else: 1e400, NaN, 400 digits (Python's int would take them all).
    """
    try:
        result = int(value) / per_second
    except OverflowError:
        result = math.inf
    if not -_MAX_SECONDS <= result <= _MAX_SECONDS:
        raise ValueError(f"not a sane count of 1/{per_second} s ({type(value).__name__})")
    return result


def _wait(value: Any) -> float | None:
    # An unreadable wait leaves the reader's default: the rest of the answer is still good.
    try:
        return _seconds(value, 1000)
    except (TypeError, ValueError):
        logger.debug("ignored a timeoutMs that is no number of milliseconds")
        return None


def _to_float(number: str) -> float:
    number = re.sub(r"\s", "", number)
    if "," in number and "." in number:
        # Whichever separator comes last is the decimal one: 1,234.50 or 1.234,50.
        decimal = "." if number.rfind(".") > number.rfind(",") else ","
        number = number.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in number:
        number = number.replace(",", "") if _THOUSANDS_COMMA.fullmatch(number) else number.replace(",", ".")
    elif _THOUSANDS_DOT.fullmatch(number):
        number = number.replace(".", "")
    return float(number)


def _emoji_token(data: Mapping[str, Any]) -> str:
    shortcuts = data.get("shortcuts") or []
    if data.get("isCustomEmoji"):
        return shortcuts[0] if shortcuts else _label(data.get("image"))
    emoji_id = data.get("emojiId", "")
    if emoji_lib.is_emoji(emoji_id):
        return emoji_id  # standard emoji: YouTube uses the glyph itself as the id
    for shortcut in shortcuts:
        glyph = emoji_lib.emojize(shortcut, language="alias")
        if emoji_lib.is_emoji(glyph):
            return glyph
    return shortcuts[0] if shortcuts else emoji_id


def _label(picture: Mapping[str, Any] | None) -> str:
    """The accessibility label of an image or sticker: what it shows, in words."""
    accessibility = (picture or {}).get("accessibility") or {}
    return str((accessibility.get("accessibilityData") or {}).get("label", ""))


def _author(body: Mapping[str, Any], *, member: bool = False) -> Author:
    moderator = owner = False
    for badge in body.get("authorBadges") or ():
        renderer = badge.get("liveChatAuthorBadgeRenderer") or {}
        icon = (renderer.get("icon") or {}).get("iconType")
        if icon == "OWNER":
            owner = True
        elif icon == "MODERATOR":
            moderator = True
        elif "customThumbnail" in renderer:  # only membership badges are custom pictures
            member = True
    return Author(
        name=message_text(body.get("authorName"))[0],
        id=body.get("authorExternalChannelId", ""),
        member=member,
        moderator=moderator,
        owner=owner,
    )


def _message(
    body: Mapping[str, Any], kind: Kind, text: str, emotes: tuple[str, ...] = (), *, member: bool = False, **money: Any
) -> ChatMessage:
    return ChatMessage(
        id=str(body["id"]),
        time=_seconds(body.get("timestampUsec", 0), 1_000_000),
        author=_author(body, member=member),
        text=text,
        kind=kind,
        emotes=emotes,
        **money,
    )


def _text_message(body: Mapping[str, Any]) -> ChatMessage:
    return _message(body, Kind.TEXT, *message_text(body.get("message")))


def _paid_message(body: Mapping[str, Any]) -> ChatMessage:
    return _message(body, Kind.SUPERCHAT, *message_text(body.get("message")), **_money(body))


def _paid_sticker(body: Mapping[str, Any]) -> ChatMessage:
    # The sticker's description ("Shiba raising its paw") is the only words it has.
    return _message(body, Kind.SUPERSTICKER, _label(body.get("sticker")), **_money(body))


def _money(body: Mapping[str, Any]) -> dict[str, Any]:
    shown = message_text(body.get("purchaseAmountText"))[0]
    amount, currency = parse_amount(shown)
    return {"amount": amount, "currency": currency, "amount_text": shown}


def _membership(body: Mapping[str, Any]) -> ChatMessage:
    # A milestone carries the member's own words in `message`; a new member only YouTube's
    # header ("Welcome to ...!" / "New member"), and the legacy item its `eventText`.
    for key in ("message", "headerSubtext", "headerPrimaryText", "eventText"):
        text, emotes = message_text(body.get(key))
        if text:
            return _message(body, Kind.MEMBERSHIP, text, emotes, member=True)
    return _message(body, Kind.MEMBERSHIP, "", member=True)


def _gift_purchase(body: Mapping[str, Any]) -> ChatMessage:
    header = (body.get("header") or {}).get("liveChatSponsorshipsHeaderRenderer") or {}
    merged = {**header, "id": body["id"], "timestampUsec": body.get("timestampUsec", 0)}
    merged.setdefault("authorExternalChannelId", body.get("authorExternalChannelId", ""))
    return _message(merged, Kind.MEMBERSHIP, *message_text(header.get("primaryText")))


_BUILDERS = {
    "liveChatTextMessageRenderer": _text_message,
    "liveChatPaidMessageRenderer": _paid_message,
    "liveChatPaidStickerRenderer": _paid_sticker,
    "liveChatMembershipItemRenderer": _membership,
    "liveChatLegacyPaidMessageRenderer": _membership,
    "liveChatSponsorshipsGiftPurchaseAnnouncementRenderer": _gift_purchase,
    "liveChatSponsorshipsGiftRedemptionAnnouncementRenderer": _membership,
}
