"""The Twitch reader against a Twitch stand-in on 127.0.0.1 (IRC over a real websocket)."""

import asyncio
import contextlib
import random
import re

import pytest
from twitch_standin import Said, TwitchStandIn
from websockets.asyncio.client import connect

from bot.chat import ChatSource, Kind, SourceState
from bot.config import TwitchConfig
from bot.errors import SourceEnded
from bot.sources.twitch import TwitchSource

pytestmark = pytest.mark.timeout(60)

CHANNEL = "kira"


class Sleeps:
    """Back-off sleeps that return at once (the stand-in is always there), recorded with the
    status the source showed while it waited."""

    def __init__(self):
        self.delays = []
        self.statuses = []
        self.source = None

    async def __call__(self, seconds):
        self.delays.append(seconds)
        self.statuses.append(self.source.status)
        await asyncio.sleep(0)


@contextlib.asynccontextmanager
async def standin(channels=(CHANNEL,)):
    async with TwitchStandIn(set(channels)) as twitch:
        yield twitch


def source_for(twitch, channel=CHANNEL, **kwargs):
    config = TwitchConfig(url=twitch.url, connect_timeout=5, max_backoff=8)
    return TwitchSource(channel, config, rng=random.Random(7), **kwargs)


@contextlib.asynccontextmanager
async def reading(source):
    """Read `source` in the background; yields the queue its messages (or its error) arrive on."""
    inbox = asyncio.Queue()

    async def run():
        try:
            async for message in source.messages():
                inbox.put_nowait(message)
        except Exception as exc:
            inbox.put_nowait(exc)

    task = asyncio.create_task(run())
    try:
        yield inbox
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def take(inbox, count, timeout=10.0):
    """The next `count` messages; fails if fewer arrive in time."""
    got = []
    async with asyncio.timeout(timeout):
        while len(got) < count:
            item = await inbox.get()
            if isinstance(item, Exception):
                raise item
            got.append(item)
    return got


async def until(condition, timeout=5.0):
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def nothing_more(inbox, wait=0.3):
    await asyncio.sleep(wait)
    assert inbox.empty(), [inbox.get_nowait() for _ in range(inbox.qsize())]


def commands(lines):
    return [line.split(" ", 1)[0] for line in lines]


def test_twitch_source_knows_its_chat():
    """`#Kira` is the chat `twitch:kira`, connecting until it has joined."""
    source: ChatSource = TwitchSource("#Kira", TwitchConfig())  # what type checkers verify against the protocol
    assert source.key == "twitch:kira"
    assert source.status.state is SourceState.CONNECTING


async def test_logs_in_anonymously_and_reads_tagged_chat():
    """CAP REQ, NICK justinfan…, JOIN #channel; escaped tags, badges, emotes after emoji and bits come through."""
    async with standin() as twitch:
        source = source_for(twitch)
        async with reading(source) as inbox:
            await twitch.wait_joined(CHANNEL)
            await until(lambda: source.status.state is SourceState.LIVE)
            assert source.status.detail == "chat of #kira"
            tags = {
                "display-name": "Kira Fan;\\",  # sent escaped: Kira\sFan\:\\
                "badges": "subscriber/12,vip/1",
                "first-msg": "1",
                "tmi-sent-ts": "1764230400250",
                "user-id": "4242",
            }
            await twitch.say(CHANNEL, twitch.privmsg(CHANNEL, "hello chat", login="kirafan", msg_id="m1", tags=tags))
            emotes = {"emotes": "25:6-10/88:16-23", "badges": "moderator/1"}
            text = "😂👍 hi Kappa and PogChamp"
            await twitch.say(CHANNEL, twitch.privmsg(CHANNEL, text, msg_id="m2", tags=emotes))
            await twitch.say(CHANNEL, twitch.privmsg(CHANNEL, "Cheer100 GG", msg_id="m3", tags={"bits": "100"}))
            first, second, cheer = await take(inbox, 3)
    sent = twitch.clients[0].received
    assert sent[0] == "CAP REQ :twitch.tv/tags twitch.tv/commands"
    assert re.fullmatch(r"NICK justinfan\d+", sent[1])
    assert sent[2] == "JOIN #kira"
    assert first.id == "m1" and first.time == 1764230400.25 and first.text == "hello chat"
    assert first.author.name == "Kira Fan;\\" and first.author.id == "4242"
    assert first.author.member and first.author.vip and first.first
    assert first.source == "twitch:kira"
    assert second.text == text and second.emotes == ("Kappa", "PogChamp") and second.author.moderator
    assert cheer.kind is Kind.SUPERCHAT and (cheer.amount, cheer.currency) == (100.0, "bits")


async def test_ping_is_answered_and_chat_goes_on():
    """PING :tmi.twitch.tv gets PONG :tmi.twitch.tv on the same connection, which Twitch then keeps open."""
    async with standin() as twitch, reading(source_for(twitch)) as inbox:
        (client,) = await twitch.wait_joined(CHANNEL)
        assert await twitch.ping(client)
        await twitch.say(CHANNEL, twitch.privmsg(CHANNEL, "still here", msg_id="p1"))
        (message,) = await take(inbox, 1)
    assert message.text == "still here"
    assert client.pongs == [":tmi.twitch.tv"]
    assert len(twitch.clients) == 1


async def test_reconnect_in_a_burst_loses_and_doubles_nothing():
    """RECONNECT mid-burst: a new connection joins at once; every line arrives exactly once, in order."""
    async with standin() as twitch:
        source = source_for(twitch)
        async with reading(source) as inbox:
            await twitch.wait_joined(CHANNEL)

            async def burst(numbers):
                for n in numbers:
                    await twitch.say(CHANNEL, twitch.privmsg(CHANNEL, f"line {n}", msg_id=f"b{n}"))
                    await asyncio.sleep(0.01)

            await burst(range(20))
            await twitch.reconnect(CHANNEL, close_after=0.4)
            await burst(range(20, 80))  # about 0.6 s: over the handover and past the old one's close
            messages = await take(inbox, 80)
            await nothing_more(inbox)
            states = source.status.state
    assert [m.id for m in messages] == [f"b{n}" for n in range(80)]
    assert twitch.most_joined == 2  # both connections were joined at once: lines came twice and were dropped
    assert len(twitch.clients) == 2 and all(c.joins == ["#kira"] for c in twitch.clients)
    assert states is SourceState.LIVE


async def test_a_deleted_line_stays_read_like_a_deleted_youtube_line():
    """CLEARMSG / CLEARCHAT yield nothing and take nothing back: what was read stays counted."""
    async with standin() as twitch, reading(source_for(twitch)) as inbox:
        await twitch.wait_joined(CHANNEL)
        await twitch.say(CHANNEL, twitch.privmsg(CHANNEL, "something rude", login="troll", msg_id="d1"))
        clear = {"login": "troll", "room-id": "12345", "target-msg-id": "d1", "tmi-sent-ts": "1764230400000"}
        await twitch.say(CHANNEL, Said(f":tmi.twitch.tv CLEARMSG #{CHANNEL} :something rude", clear))
        timeout = {"ban-duration": "600", "room-id": "12345", "target-user-id": "666", "tmi-sent-ts": "1"}
        await twitch.say(CHANNEL, Said(f":tmi.twitch.tv CLEARCHAT #{CHANNEL} :troll", timeout))
        await twitch.say(CHANNEL, Said(f":tmi.twitch.tv CLEARCHAT #{CHANNEL}", {"room-id": "12345"}))
        await twitch.say(CHANNEL, twitch.privmsg(CHANNEL, "welcome back", msg_id="d2"))
        messages = await take(inbox, 2)
        await nothing_more(inbox)
    assert [m.id for m in messages] == ["d1", "d2"]


async def test_raid_is_an_event_and_subs_are_memberships():
    """A raid reaches on_event (not the mood); sub and resub are membership messages."""
    events = []
    async with standin() as twitch, reading(source_for(twitch, on_event=events.append)) as inbox:
        await twitch.wait_joined(CHANNEL)
        raid = {
            "login": "mika",
            "msg-param-displayName": "Mika",
            "msg-param-login": "mika",
            "msg-param-viewerCount": "15",
            "system-msg": "15 raiders from Mika have joined!",
        }
        await twitch.say(CHANNEL, twitch.usernotice(CHANNEL, "raid", raid))
        resub = {"login": "rin", "msg-param-cumulative-months": "24", "system-msg": "rin subscribed at Tier 1."}
        await twitch.say(CHANNEL, twitch.usernotice(CHANNEL, "resub", resub, text="two years PogChamp"))
        (message,) = await take(inbox, 1)
        await nothing_more(inbox)
    assert message.kind is Kind.MEMBERSHIP and message.text == "two years PogChamp" and message.author.name == "Rin"
    (event,) = events
    assert (event.kind, event.name, event.count, event.source) == ("raid", "Mika", 15, "twitch:kira")
    assert event.text == "15 raiders from Mika have joined!"  # sent escaped (\s), read back whole


async def test_unknown_channel_is_one_clear_line_and_the_source_ends():
    """NOTICE msg_channel_suspended: SourceEnded with one line that names the channel; status ended."""
    async with standin() as twitch:
        source = source_for(twitch, channel="nosuchchannel")
        with pytest.raises(SourceEnded) as err:
            async with asyncio.timeout(10):
                async for _ in source.messages():
                    pass
    message = str(err.value)
    assert "#nosuchchannel" in message and "does not exist or has been suspended" in message
    assert "\n" not in message
    assert source.status.state is SourceState.ENDED and source.status.detail == message


async def test_server_closing_without_a_word_reconnects_with_back_off():
    """The connection cut with no RECONNECT and no close frame: reconnecting after a back-off, then live again."""
    sleeps = Sleeps()
    async with standin() as twitch:
        source = sleeps.source = source_for(twitch, sleep=sleeps)
        async with reading(source) as inbox:
            await twitch.wait_joined(CHANNEL)
            await twitch.say(CHANNEL, twitch.privmsg(CHANNEL, "before", msg_id="c1"))
            await take(inbox, 1)
            twitch.drop(CHANNEL)
            await twitch.wait_joined(CHANNEL, count=2)
            await twitch.say(CHANNEL, twitch.privmsg(CHANNEL, "after", msg_id="c2"))
            (after,) = await take(inbox, 1)
    assert after.id == "c2"
    assert len(sleeps.delays) == 1 and 0.5 <= sleeps.delays[0] <= 1.0
    (waiting,) = sleeps.statuses
    assert waiting.state is SourceState.RECONNECTING
    assert waiting.detail == "connection lost (no close frame received or sent), retrying in 1 s"
    assert source.status.state is SourceState.LIVE
    assert commands(twitch.clients[1].received[:3]) == ["CAP", "NICK", "JOIN"]


async def test_unreachable_twitch_backs_off_up_to_the_cap():
    """Nothing listening: connecting (not ended), with waits of 1, 2, 4, 8, 8 s (jittered down by up to half)."""
    sleeps = Sleeps()
    async with standin() as twitch:
        url = twitch.url
    source = sleeps.source = TwitchSource(
        CHANNEL, TwitchConfig(url=url, max_backoff=8), sleep=sleeps, rng=random.Random(1)
    )
    async with reading(source):
        async with asyncio.timeout(10):
            while len(sleeps.delays) < 5:
                await asyncio.sleep(0.01)
    for delay, cap in zip(sleeps.delays, [1, 2, 4, 8, 8]):
        assert cap / 2 <= delay <= cap
    assert source.status.state is SourceState.CONNECTING
    assert source.status.detail.startswith("connection failed")


async def test_nothing_is_ever_posted():
    """Across a whole session the client only logs in, joins and answers pings: it never sends chat."""
    async with standin() as twitch, reading(source_for(twitch)) as inbox:
        (client,) = await twitch.wait_joined(CHANNEL)
        await twitch.ping(client)
        await twitch.say(CHANNEL, twitch.privmsg(CHANNEL, "hi", msg_id="n1"))
        await take(inbox, 1)
    assert set(commands(twitch.received)) == {"CAP", "NICK", "JOIN", "PONG"}


# ---------- the stand-in is as strict as Twitch ----------


async def exchange(url, *lines, read=1.0):
    """Send raw lines to the stand-in; everything it answered in `read` s, and whether it closed."""
    answers = []
    async with connect(url) as ws:
        for line in lines:
            await ws.send(line)
        closed = False
        try:
            async with asyncio.timeout(read):
                async for frame in ws:
                    answers += [a for a in frame.split("\r\n") if a]
            closed = True
        except TimeoutError:
            pass
    return answers, closed


async def test_standin_refuses_a_nick_that_is_not_anonymous():
    """NICK without PASS must be justinfan<digits>: otherwise 'Improperly formatted auth' and the door shuts."""
    async with standin() as twitch:
        answers, closed = await exchange(twitch.url, "NICK moodbot", "JOIN #kira")
    assert answers == [":tmi.twitch.tv NOTICE * :Improperly formatted auth"] and closed


async def test_standin_refuses_join_before_login_and_wrong_channels():
    """JOIN before NICK is refused (451); a channel not in lower case is one that does not exist."""
    async with standin() as twitch:
        early, _ = await exchange(twitch.url, "JOIN #kira", read=0.3)
        upper, _ = await exchange(
            twitch.url, "CAP REQ :twitch.tv/tags twitch.tv/commands", "NICK justinfan123", "JOIN #Kira", read=0.3
        )
    assert early == [":tmi.twitch.tv 451 * JOIN :You have not registered"]
    assert "@msg-id=msg_channel_suspended :tmi.twitch.tv NOTICE #Kira :" in upper[-1]
    assert not any(" JOIN " in a for a in upper)


async def test_standin_without_cap_req_sends_bare_lines_and_no_commands():
    """No CAP REQ: chat arrives without tags, and USERNOTICEs not at all, as Twitch does."""
    async with standin() as twitch:
        async with connect(twitch.url) as ws:
            await ws.send("NICK justinfan99")
            await ws.send("JOIN #kira")
            await twitch.wait_joined(CHANNEL)
            await twitch.say(CHANNEL, twitch.usernotice(CHANNEL, "raid", {"login": "mika"}))
            await twitch.say(CHANNEL, twitch.privmsg(CHANNEL, "hello", login="v"))
            frames = []
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.3):
                    async for frame in ws:
                        frames.append(frame)
        answers, _ = await exchange(twitch.url, "CAP REQ :twitch.tv/tags twitch.tv/unknown", read=0.3)
    lines = [a for f in frames for a in f.split("\r\n") if a]
    assert lines[-1] == ":v!v@v.tmi.twitch.tv PRIVMSG #kira :hello"
    assert not any("USERNOTICE" in a or a.startswith("@") for a in lines)
    assert answers == [":tmi.twitch.tv CAP * NAK :twitch.tv/tags twitch.tv/unknown"]
