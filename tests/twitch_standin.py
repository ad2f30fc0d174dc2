"""A stand-in for Twitch chat (IRC over WebSocket) on 127.0.0.1, written from Twitch's public docs
(https://dev.twitch.tv/docs/chat/irc/) and as strict as Twitch about how a client gets in:

- `CAP REQ :…` is answered `CAP * ACK` for known capabilities and `CAP * NAK` if any is unknown.
  Without `twitch.tv/tags` lines come bare (no `@tags`); without `twitch.tv/commands` a client
  gets no USERNOTICE, CLEARMSG, CLEARCHAT, ROOMSTATE or RECONNECT.
- `NICK` without `PASS` must be `justinfan<digits>` (the anonymous login), else
  `NOTICE * :Improperly formatted auth` and the connection is closed; a `PASS` that is not
  `oauth:…` gets the same; an oauth token gets `Login authentication failed` (no accounts here).
- `JOIN` before a successful `NICK` gets `451 You have not registered`; a channel that is not
  one of `channels` exactly (lower case, with `#`) gets `NOTICE msg_channel_suspended`.
- `PING` is sent on request; a connection that does not answer `PONG :<same text>` within
  `pong_timeout` is closed, as Twitch does.
- Each chat line goes to every connection joined to its channel at that moment, and nowhere
  else: a client that is not joined when a line is said never gets it.

Everything a client sends is kept (`received`), so a test can check it only ever logged in,
joined and answered pings.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

CAPABILITIES = {"twitch.tv/tags", "twitch.tv/commands", "twitch.tv/membership"}
_NEEDS_COMMANDS = {"USERNOTICE", "CLEARMSG", "CLEARCHAT", "ROOMSTATE", "RECONNECT", "USERSTATE", "HOSTTARGET"}
_ANONYMOUS = re.compile(r"justinfan\d+")
_HOST = "tmi.twitch.tv"
_ids = itertools.count(1)


def escape_tag(value: str) -> str:
    """A tag value as Twitch writes it."""
    return value.replace("\\", "\\\\").replace(";", "\\:").replace(" ", "\\s").replace("\r", "\\r").replace("\n", "\\n")


@dataclass(frozen=True)
class Said:
    """A line the server sends: its tags (unescaped), and the rest of it."""

    body: str
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def command(self) -> str:
        parts = self.body.split(" ")
        return parts[1] if self.body.startswith(":") else parts[0]

    def for_client(self, client: Client) -> str | None:
        """The line as this client gets it, or None if its capabilities keep it from it."""
        if self.command in _NEEDS_COMMANDS and "twitch.tv/commands" not in client.caps:
            return None
        if self.tags and "twitch.tv/tags" in client.caps:
            return "@" + ";".join(f"{k}={escape_tag(v)}" for k, v in self.tags.items()) + " " + self.body
        return self.body


@dataclass(eq=False)
class Client:
    """One connection, as the server sees it."""

    ws: ServerConnection
    caps: set[str] = field(default_factory=set)
    password: str | None = None
    nick: str | None = None
    channels: set[str] = field(default_factory=set)
    joins: list[str] = field(default_factory=list)  # every channel it was let into, in order
    received: list[str] = field(default_factory=list)
    pongs: list[str] = field(default_factory=list)

    async def send(self, *lines: str) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send("".join(line + "\r\n" for line in lines))


class TwitchStandIn:
    """`async with TwitchStandIn({"kira"}) as twitch:` a Twitch chat server at `twitch.url`."""

    def __init__(self, channels: set[str], *, pong_timeout: float = 2.0) -> None:
        self.channels = channels
        self.pong_timeout = pong_timeout
        self.clients: list[Client] = []
        self.most_joined = 0  # the most connections joined to a channel at one moment
        self._joined = asyncio.Condition()
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> TwitchStandIn:
        self._server = await serve(self._serve, "127.0.0.1", 0, compression=None)
        self.url = f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in self._tasks:
            task.cancel()
        self._server.close()
        await self._server.wait_closed()

    @property
    def received(self) -> list[str]:
        """Every line every client sent, in order of connections."""
        return [line for client in self.clients for line in client.received]

    def joined(self, channel: str) -> list[Client]:
        return [c for c in self.clients if channel in c.channels and c.ws.state.name == "OPEN"]

    async def wait_joined(self, channel: str, count: int = 1, timeout: float = 10.0) -> list[Client]:
        """Wait until `count` connections have joined `#channel` in all (over the server's life)."""
        async with asyncio.timeout(timeout), self._joined:
            await self._joined.wait_for(lambda: sum(f"#{channel}" in c.joins for c in self.clients) >= count)
        return self.joined(f"#{channel}")

    # ---------- what the channel says ----------

    async def say(self, channel: str, said: Said) -> int:
        """Send a line to every connection joined to `#channel`; how many got it."""
        clients = self.joined(f"#{channel}")
        for client in clients:
            line = said.for_client(client)
            if line is not None:
                await client.send(line)
        return len(clients)

    @staticmethod
    def privmsg(
        channel: str,
        text: str,
        *,
        login: str = "viewer",
        msg_id: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Said:
        """A chat message as Twitch sends it, with the tags a real one has (any can be replaced)."""
        base = {
            "badge-info": "",
            "badges": "",
            "color": "#1E90FF",
            "display-name": login.capitalize(),
            "emotes": "",
            "first-msg": "0",
            "flags": "",
            "id": msg_id or f"00000000-0000-4000-8000-{next(_ids):012d}",
            "mod": "0",
            "returning-chatter": "0",
            "room-id": "12345",
            "subscriber": "0",
            "tmi-sent-ts": str(int(time.time() * 1000)),
            "turbo": "0",
            "user-id": str(abs(hash(login)) % 10**9),
            "user-type": "",
        }
        return Said(f":{login}!{login}@{login}.{_HOST} PRIVMSG #{channel} :{text}", {**base, **(tags or {})})

    @staticmethod
    def usernotice(channel: str, msg_id: str, tags: Mapping[str, str], text: str | None = None) -> Said:
        base = {
            "badge-info": "",
            "badges": "",
            "display-name": tags.get("login", "someone").capitalize(),
            "emotes": "",
            "id": f"00000000-0000-4000-9000-{next(_ids):012d}",
            "mod": "0",
            "msg-id": msg_id,
            "room-id": "12345",
            "subscriber": "0",
            "tmi-sent-ts": str(int(time.time() * 1000)),
            "user-id": "777",
        }
        body = f":{_HOST} USERNOTICE #{channel}" + (f" :{text}" if text is not None else "")
        return Said(body, {**base, **tags})

    # ---------- what the server does to connections ----------

    async def ping(self, client: Client) -> bool:
        """PING one connection; close it (as Twitch does) if it does not PONG in time."""
        await client.send(f"PING :{_HOST}")
        try:
            async with asyncio.timeout(self.pong_timeout):
                while f":{_HOST}" not in client.pongs:
                    await asyncio.sleep(0.01)
        except TimeoutError:
            await client.ws.close()
            return False
        return True

    async def reconnect(self, channel: str, *, close_after: float) -> list[Client]:
        """Tell the connections joined to `#channel` to reconnect; close them `close_after` s later."""
        clients = self.joined(f"#{channel}")
        for client in clients:
            await client.send(Said(f":{_HOST} RECONNECT").for_client(client) or "")

        async def close_later() -> None:
            await asyncio.sleep(close_after)
            for client in clients:
                await client.ws.close()

        self._tasks.add(asyncio.create_task(close_later()))
        return clients

    def drop(self, channel: str) -> None:
        """Cut every connection joined to `#channel` without a word (no RECONNECT, no close frame)."""
        for client in self.joined(f"#{channel}"):
            client.ws.transport.abort()

    # ---------- the protocol ----------

    async def _serve(self, ws: ServerConnection) -> None:
        client = Client(ws)
        self.clients.append(client)
        try:
            async for frame in ws:
                text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
                for raw in text.split("\r\n"):
                    if raw:
                        client.received.append(raw)
                        if not await self._command(client, raw):
                            return
        except ConnectionClosed:
            pass

    async def _command(self, client: Client, raw: str) -> bool:
        """Answer one line; False when the server closes the connection."""
        command, _, rest = raw.partition(" ")
        command = command.upper()
        nick = client.nick or "*"
        if command == "CAP":
            sub, _, caps = rest.partition(" ")
            wanted = caps.removeprefix(":").split()
            if sub.upper() != "REQ":
                return True
            if set(wanted) <= CAPABILITIES:
                client.caps |= set(wanted)
                await client.send(f":{_HOST} CAP * ACK :{' '.join(wanted)}")
            else:
                await client.send(f":{_HOST} CAP * NAK :{' '.join(wanted)}")
        elif command == "PASS":
            client.password = rest
        elif command == "NICK":
            return await self._login(client, rest.strip())
        elif command == "JOIN":
            await self._join(client, rest.strip())
        elif command == "PART":
            client.channels.discard(rest.strip())
        elif command == "PONG":
            client.pongs.append(rest.strip())
        elif command == "PRIVMSG":
            pass  # an anonymous login may not chat: Twitch drops it without a word
        else:
            await client.send(f":{_HOST} 421 {nick} {command} :Unknown command")
        return True

    async def _login(self, client: Client, nick: str) -> bool:
        if client.password is None and _ANONYMOUS.fullmatch(nick):
            client.nick = nick
            await client.send(
                f":{_HOST} 001 {nick} :Welcome, GLHF!",
                f":{_HOST} 002 {nick} :Your host is {_HOST}",
                f":{_HOST} 003 {nick} :This server is rather new",
                f":{_HOST} 004 {nick} :-",
                f":{_HOST} 375 {nick} :-",
                f":{_HOST} 372 {nick} :You are in a great big world of Pony!",
                f":{_HOST} 376 {nick} :>",
            )
            return True
        password = client.password or ""
        refusal = "Login authentication failed" if password.startswith("oauth:") else "Improperly formatted auth"
        await client.send(f":{_HOST} NOTICE * :{refusal}")
        await client.ws.close()
        return False

    async def _join(self, client: Client, target: str) -> None:
        if client.nick is None:
            await client.send(f":{_HOST} 451 * JOIN :You have not registered")
            return
        nick = client.nick
        for channel in target.split(","):
            if not channel.startswith("#") or channel[1:] not in self.channels:
                notice = Said(
                    f":{_HOST} NOTICE {channel} :This channel does not exist or has been suspended.",
                    {"msg-id": "msg_channel_suspended"},
                )
                await client.send(notice.for_client(client) or "")
                continue
            client.channels.add(channel)
            client.joins.append(channel)
            roomstate = Said(
                f":{_HOST} ROOMSTATE {channel}",
                {
                    "emote-only": "0",
                    "followers-only": "-1",
                    "r9k": "0",
                    "room-id": "12345",
                    "slow": "0",
                    "subs-only": "0",
                },
            )
            lines = [
                f":{nick}!{nick}@{nick}.{_HOST} JOIN {channel}",
                f":{nick}.{_HOST} 353 {nick} = {channel} :{nick}",
                f":{nick}.{_HOST} 366 {nick} {channel} :End of /NAMES list",
            ]
            room = roomstate.for_client(client)
            await client.send(*lines, *([room] if room else []))
            self.most_joined = max(self.most_joined, len(self.joined(channel)))
            async with self._joined:
                self._joined.notify_all()
