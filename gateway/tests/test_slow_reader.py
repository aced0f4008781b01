"""A socket whose reader does not keep up holds up the market-data fan-out of its process once, for at most
`GATEWAY_WS_SLOW_SEND_S`, and is then dropped and closed; the other sockets get every frame, in order.

The sockets here are stand-ins for the consumer's two relay hooks (`relayed`, `too_slow`): one whose send never
finds room (as a paused uvicorn transport makes `send` wait), one that takes everything. The relay, its channel
layer (this run's: in memory, or Redis) and its timing are the real ones.
"""

import asyncio
from typing import Any

from gateway import push


class Reader:
    def __init__(self, *, stuck: bool) -> None:
        self.stuck = stuck
        self.frames: list[str] = []
        self.dropped = 0
        self.waits = 0
        self.never = asyncio.Event()

    async def relayed(self, message: dict[str, Any], out: dict[str, Any]) -> None:
        if self.dropped:  # as the consumer does once `too_slow` marked it closing
            return
        if self.stuck:
            self.waits += 1
            await self.never.wait()  # no room in its buffers, ever
        self.frames.append(out["text"])

    def too_slow(self) -> None:
        self.dropped += 1


async def _fan_out(frames: int) -> tuple[Reader, Reader]:
    from channels.layers import get_channel_layer

    relay = push.relay()
    stuck, reader = Reader(stuck=True), Reader(stuck=False)
    group = "test.slow-reader"
    await relay.join(group, stuck)
    await relay.join(group, reader)
    layer = get_channel_layer()
    for n in range(frames):
        await layer.group_send(group, {"type": "push.trade", "group": group, "text": f"frame {n}"})
    for _ in range(200):
        if len(reader.frames) == frames:
            break
        await asyncio.sleep(0.05)
    await relay.leave(group, stuck)
    await relay.leave(group, reader)
    return stuck, reader


def test_a_reader_that_does_not_keep_up_is_dropped_and_holds_up_the_others_once(
    settings: Any,
) -> None:
    settings.GATEWAY_WS_SLOW_SEND_S = 0.2
    stuck, reader = asyncio.run(_fan_out(20))

    assert reader.frames == [f"frame {n}" for n in range(20)]
    # Waited for once (the first frame), then dropped: never waited for again.
    assert (stuck.waits, stuck.dropped, stuck.frames) == (1, 1, [])


def test_a_reader_that_keeps_up_is_never_dropped(settings: Any) -> None:
    settings.GATEWAY_WS_SLOW_SEND_S = 0.2

    async def run() -> Reader:
        relay = push.relay()
        reader = Reader(stuck=False)
        await relay.join("test.fast-reader", reader)
        from channels.layers import get_channel_layer

        for n in range(50):
            await get_channel_layer().group_send(
                "test.fast-reader",
                {"type": "push.trade", "group": "test.fast-reader", "text": str(n)},
            )
        for _ in range(100):
            if len(reader.frames) == 50:
                break
            await asyncio.sleep(0.02)
        await relay.leave("test.fast-reader", reader)
        return reader

    reader = asyncio.run(run())
    assert not reader.dropped
    assert reader.frames == [str(n) for n in range(50)]
