"""The bounded queue and the micro-batcher."""

import asyncio

from helpers import msg

from bot.chatqueue import ChatQueue


async def test_flood_never_grows_past_the_bound_and_drops_oldest():
    """10,000 messages into a queue of 100: 100 kept (the newest), 9,900 dropped and counted."""
    queue = ChatQueue(100)
    for i in range(10_000):
        queue.put(msg(str(i)))
    assert queue.depth == 100 and queue.max_depth == 100
    assert queue.dropped == 9_900
    batch = await queue.get_batch(1000, 0)
    assert [q.message.text for q in batch] == [str(i) for i in range(9_900, 10_000)]


async def test_batch_stops_at_max_size():
    """A full queue gives batches of batch_size without waiting."""
    queue = ChatQueue(1000)
    for i in range(70):
        queue.put(msg(str(i)))
    sizes = [len(await queue.get_batch(32, 10.0)) for _ in range(2)]
    assert sizes == [32, 32]
    assert queue.depth == 6


async def test_batch_waits_at_most_max_wait():
    """A trickle is batched for max_wait, then sent as it is."""
    queue = ChatQueue(1000)
    loop = asyncio.get_running_loop()

    async def trickle():
        for i in range(3):
            queue.put(msg(str(i)))
            await asyncio.sleep(0.02)

    feeder = asyncio.create_task(trickle())
    started = loop.time()
    batch = await queue.get_batch(32, 0.15)
    took = loop.time() - started
    await feeder
    assert len(batch) == 3
    assert 0.12 <= took < 0.5


async def test_batch_waits_for_the_first_message():
    """An empty queue blocks until chat arrives, then returns promptly with max_wait 0."""
    queue = ChatQueue(10)
    getter = asyncio.create_task(queue.get_batch(32, 0))
    await asyncio.sleep(0.05)
    assert not getter.done()
    queue.put(msg("hi"))
    batch = await asyncio.wait_for(getter, 1)
    assert [q.message.text for q in batch] == ["hi"]


async def test_batch_stops_when_cancelled_as_a_message_arrives():
    """Shutdown cancels the batcher; a message arriving in that instant neither keeps it
    waiting nor gets lost (it stays queued for the drain)."""
    queue = ChatQueue(10)
    queue.put(msg("first"))
    getter = asyncio.create_task(queue.get_batch(32, 1.0))
    await asyncio.sleep(0.05)  # holding "first", waiting for more
    queue.put(msg("second"))
    getter.cancel()
    done, _ = await asyncio.wait([getter], timeout=3)
    assert getter in done and getter.cancelled()
    assert [q.message.text for q in queue.drain()] == ["second"]


def test_enqueue_time_is_recorded():
    """Each message carries when it entered the queue (for latency figures)."""
    times = iter([5.0, 6.0])
    queue = ChatQueue(10, clock=lambda: next(times))
    queue.put(msg("a"))
    queue.put(msg("b"))
    assert [q.enqueued for q in queue.drain()] == [5.0, 6.0]


async def test_recorded_chat_waits_for_room_instead_of_dropping():
    """put_waiting (recordings): 1,000 messages through a queue of 10, none dropped, in order."""
    queue = ChatQueue(10)
    taken = []

    async def consume():
        while len(taken) < 1_000:
            taken.extend(q.message.text for q in await queue.get_batch(4, 0))
            await asyncio.sleep(0)

    consumer = asyncio.create_task(consume())
    for i in range(1_000):
        await queue.put_waiting(msg(str(i)))
        assert queue.depth <= 10
    await asyncio.wait_for(consumer, 5)
    assert taken == [str(i) for i in range(1_000)]
    assert queue.dropped == 0 and queue.max_depth == 10
