"""Twitch IRC lines read into messages, events and channels (pure, no network)."""

import pytest

from bot.chat import ChatEvent, Kind
from bot.errors import ConfigError
from bot.sources.twitch.irc import apply_emotes, parse_channel, parse_line, to_event, to_message, unescape_tag

SOURCE = "twitch:kira"
NOW = 1_800_000_000.0


def line(tags: str, body: str):
    return parse_line(f"@{tags} {body}")


@pytest.mark.parametrize(
    ("pasted", "channel"),
    [
        ("kira", "kira"),
        ("#kira", "kira"),
        ("KiraVT", "kiravt"),
        ("https://www.twitch.tv/kira_vt", "kira_vt"),
        ("https://twitch.tv/Kira?sr=a", "kira"),
        ("www.twitch.tv/kira/", "kira"),
        ("m.twitch.tv/kira", "kira"),
        ("https://www.twitch.tv/popout/kira/chat?popout=", "kira"),
        ("  #kira  ", "kira"),
    ],
)
def test_channel_forms(pasted, channel):
    """A name, #name or a twitch.tv URL all name the channel, in lower case."""
    assert parse_channel(pasted) == channel


@pytest.mark.parametrize(
    "pasted", ["", "#", "kira vt", "https://www.youtube.com/@kira", "https://www.twitch.tv/videos/123", "a" * 26]
)
def test_not_a_channel_is_one_line_listing_the_forms(pasted):
    """Anything else stops with one line that lists what is accepted."""
    with pytest.raises(ConfigError) as err:
        parse_channel(pasted)
    message = str(err.value)
    assert "not a Twitch channel" in message and "#name" in message and "https://www.twitch.tv/name" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("escaped", "value"),
    [
        ("plain", "plain"),
        (r"Kira\sFan", "Kira Fan"),
        (r"a\:b", "a;b"),
        (r"back\\slash", "back\\slash"),
        (r"line\rone\ntwo", "line\rone\ntwo"),
        (r"\\s", "\\s"),  # an escaped backslash then a plain s: not a space
        (r"unknown\x", "unknownx"),  # an unknown escape is the character itself
        ("trailing\\", "trailing"),  # a lone backslash at the end is dropped
    ],
)
def test_tag_values_are_unescaped(escaped, value):
    """IRCv3 escapes in tag values read back as the characters they stand for."""
    assert unescape_tag(escaped) == value


def test_a_line_parts():
    """Tags, prefix, command and parameters (with the trailing one) come apart right."""
    parsed = parse_line(r"@id=x;display-name=Kira\sFan;empty= :kira!kira@kira.tmi.twitch.tv PRIVMSG #kira :hi :) there")
    assert parsed.tags == {"id": "x", "display-name": "Kira Fan", "empty": ""}
    assert parsed.prefix == "kira!kira@kira.tmi.twitch.tv"
    assert parsed.command == "PRIVMSG" and parsed.params == ("#kira", "hi :) there")
    assert parsed.channel == "#kira" and parsed.text == "hi :) there"
    assert parse_line("PING :tmi.twitch.tv").params == ("tmi.twitch.tv",)
    assert parse_line(":tmi.twitch.tv RECONNECT").command == "RECONNECT"
    assert parse_line(":tmi.twitch.tv 001 justinfan1 :Welcome, GLHF!").command == "001"
    for broken in ("", "@only-tags", ":prefix-only", "@a=b :p"):
        with pytest.raises(ValueError):
            parse_line(broken)


def test_emote_ranges_count_code_points():
    """Ranges after emoji (two UTF-16 units each) still land on the emote names."""
    text = "😂👍 hi Kappa and PogChamp 😂"
    assert apply_emotes(text, "25:6-10/88:16-23") == (text, ("Kappa", "PogChamp"))


def test_each_occurrence_in_order_and_bad_ranges_skipped():
    """Repeats are listed each time, in text order; out-of-range or garbled ranges cost nothing."""
    text = "Kappa hi Kappa LUL"
    assert apply_emotes(text, "425618:15-17/25:0-4,9-13") == (text, ("Kappa", "Kappa", "LUL"))
    assert apply_emotes("short", "25:3-40/x:y-z/25:4-1//") == ("short", ())


def test_an_emote_against_other_text_becomes_its_own_word():
    """An emote touching other characters is spaced out so it reads as one token."""
    assert apply_emotes("wow<3yes", "9:3-4") == ("wow <3 yes", ("<3",))


def test_privmsg_with_every_tag():
    """display-name, user-id, id, tmi-sent-ts, badges, emotes and first-msg land on the message."""
    parsed = line(
        r"badge-info=subscriber/14;badges=subscriber/12,vip/1;display-name=Kira\sFan;emotes=25:3-7;first-msg=1;"
        r"id=abc-1;mod=0;tmi-sent-ts=1764230400250;user-id=4242",
        ":kirafan!kirafan@kirafan.tmi.twitch.tv PRIVMSG #kira :hi Kappa",
    )
    message = to_message(parsed, SOURCE, NOW)
    assert message.id == "abc-1" and message.time == 1764230400.25
    assert message.author.name == "Kira Fan" and message.author.id == "4242"
    assert message.author.member and message.author.vip
    assert not (message.author.moderator or message.author.owner)
    assert message.text == "hi Kappa" and message.emotes == ("Kappa",)
    assert message.kind is Kind.TEXT and message.first and message.source == SOURCE


@pytest.mark.parametrize(
    ("badges", "tags", "flags"),
    [
        ("broadcaster/1", "", {"owner"}),
        ("moderator/1", "", {"moderator"}),
        ("founder/0", "", {"member"}),
        ("", ";mod=1;subscriber=1", {"moderator", "member"}),
        ("", ";vip=1", {"vip"}),
        ("premium/1", "", set()),
    ],
)
def test_badges_become_author_flags(badges, tags, flags):
    """Broadcaster → owner, moderator, subscriber/founder → member, VIP; other badges mean nothing."""
    parsed = line(f"badges={badges};id=x{tags}", ":v!v@v.tmi.twitch.tv PRIVMSG #kira :hi")
    author = to_message(parsed, SOURCE, NOW).author
    assert {f for f in ("owner", "moderator", "member", "vip") if getattr(author, f)} == flags


def test_missing_tags_fall_back_to_the_login_and_now():
    """Without display-name, user-id or tmi-sent-ts the login and the time of reading stand in."""
    message = to_message(parse_line(":shy!shy@shy.tmi.twitch.tv PRIVMSG #kira :hello"), SOURCE, NOW)
    assert message.author.name == "shy" and message.author.id == "shy" and message.time == NOW
    assert message.id and message.text == "hello"


def test_cheer_is_a_paid_message_in_bits():
    """`bits` makes a paid message: amount in bits, currency "bits"."""
    parsed = line("bits=100;id=c1", ":v!v@v.tmi.twitch.tv PRIVMSG #kira :Cheer100 great run")
    message = to_message(parsed, SOURCE, NOW)
    assert message.kind is Kind.SUPERCHAT and message.paid
    assert (message.amount, message.currency, message.amount_text) == (100.0, "bits", "100 bits")
    one = to_message(line("bits=1;id=c2", ":v!v@v.tmi.twitch.tv PRIVMSG #kira :Cheer1"), SOURCE, NOW)
    assert one.amount_text == "1 bit"


def test_me_action_is_read_without_its_wrapper():
    """`/me waves` arrives wrapped in CTCP ACTION; the text is the words, emote ranges relative to them."""
    parsed = line("emotes=25:6-10;id=a1", ":v!v@v.tmi.twitch.tv PRIVMSG #kira :\x01ACTION waves Kappa\x01")
    message = to_message(parsed, SOURCE, NOW)
    assert message.text == "waves Kappa" and message.emotes == ("Kappa",)


def test_subs_are_memberships_and_only_the_viewers_words_are_text():
    """sub, resub (with its message) and subgift are memberships; a mystery gift is not counted twice."""

    def notice(msg_id, text=None):
        tags = rf"msg-id={msg_id};login=mika;display-name=Mika;user-id=9;id=n-{msg_id};system-msg=Mika\ssubscribed!"
        return line(tags, ":tmi.twitch.tv USERNOTICE #kira" + (f" :{text}" if text else ""))

    resub = to_message(notice("resub", "two years already!"), SOURCE, NOW)
    assert resub.kind is Kind.MEMBERSHIP and resub.text == "two years already!" and resub.author.member
    assert resub.author.name == "Mika" and resub.author.id == "9"
    assert to_message(notice("sub"), SOURCE, NOW).text == ""
    assert to_message(notice("subgift"), SOURCE, NOW).kind is Kind.MEMBERSHIP
    assert to_message(notice("submysterygift"), SOURCE, NOW) is None
    assert to_message(notice("announcement", "stream starts at 9"), SOURCE, NOW).kind is Kind.TEXT
    assert to_event(notice("resub", "x"), SOURCE, NOW) is None


def test_raid_is_an_event_not_a_message():
    """A raid USERNOTICE gives a ChatEvent with the raider, the viewers and Twitch's own words."""
    parsed = line(
        r"msg-id=raid;login=mika;display-name=Mika;msg-param-displayName=Mika;msg-param-login=mika;"
        r"msg-param-viewerCount=15;system-msg=15\sraiders\sfrom\sMika\shave\sjoined!;tmi-sent-ts=1764230400000;id=r1",
        ":tmi.twitch.tv USERNOTICE #kira",
    )
    assert to_message(parsed, SOURCE, NOW) is None
    assert to_event(parsed, SOURCE, NOW) == ChatEvent(
        kind="raid", time=1764230400.0, source=SOURCE, name="Mika", count=15, text="15 raiders from Mika have joined!"
    )


@pytest.mark.parametrize(
    "tags",
    ["tmi-sent-ts=²", "tmi-sent-ts=" + "1" * 5000, "bits=" + "9" * 5000, "bits=٣", "emotes=25:²-3,0-x,-1-4"],
)
def test_garbled_numbers_cost_their_value_not_the_line(tags):
    """A tag whose number is not ASCII digits, or absurdly long, is ignored; the message still reads."""
    message = to_message(line(f"{tags};id=g1", ":v!v@v.tmi.twitch.tv PRIVMSG #kira :hello"), SOURCE, NOW)
    assert message.text == "hello" and message.time == NOW and message.kind is Kind.TEXT and message.emotes == ()
    raid = line("msg-id=raid;msg-param-viewerCount=²;tmi-sent-ts=x", ":tmi.twitch.tv USERNOTICE #kira")
    assert to_event(raid, SOURCE, NOW).count == 0
