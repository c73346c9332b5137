"""The fake Slack Web API in a process of its own, so a benchmarked app pays only for itself.

    python -m tests.benchmarks.fake_slack_server     (prints its base_url, serves until killed)

`RemoteFakeSlack` starts it as a child process (spawn) and controls it over a pipe: channel
members are set, rate limits enforced and recorded calls cleared between runs, exactly as on
an in-process fake; `calls_to` brings back what a method's calls were (`RemoteCall`).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, NamedTuple

from tests.support.fake_slack import FakeSlack

# how an answer's confirmation begins: the app's, and the hand-written ORM app's
CONFIRMATIONS = ("✓ ", "Saved your answer")


class RemoteCall(NamedTuple):
    """One call the fake in the child process recorded; `at` is time.monotonic() there,
    which on Linux is the same clock as in this process."""

    channel: str
    ok: bool
    status: int
    at: float


async def _serve(control: Connection) -> None:
    async with FakeSlack() as fake:
        control.send(fake.base_url)
        while True:
            command: tuple[Any, ...] = await asyncio.to_thread(control.recv)
            if command[0] == "members":
                fake.set_channel_members(command[1], list(command[2]))
            elif command[0] == "limits":
                fake.enforce_rate_limits(
                    per_channel_per_second=command[1], workspace_per_minute=command[2]
                )
                fake.message_clock = time.time  # real ts, as Slack's
            elif command[0] == "calls":
                control.send(
                    [
                        RemoteCall(str(call.args.get("channel", "")), call.ok, call.status, call.at)
                        for call in fake.calls_to(command[1])
                    ]
                )
                continue
            elif command[0] == "clear":
                fake.calls.clear()
            elif command[0] == "confirmed":
                control.send(_confirmed(fake))
                continue
            elif command[0] == "count":
                control.send(len(fake.calls))
                continue
            elif command[0] == "stop":
                control.send("stopped")
                return
            control.send("ok")


def _confirmed(fake: FakeSlack) -> dict[str, int]:
    """Person → answer confirmations (ephemeral notes starting as in CONFIRMATIONS) Slack
    took for them."""
    counts: dict[str, int] = {}
    for call in fake.delivered("chat.postEphemeral"):
        if str(call.args.get("text", "")).startswith(CONFIRMATIONS):
            user = str(call.args.get("user"))
            counts[user] = counts.get(user, 0) + 1
    return counts


def _child(control: Connection) -> None:
    asyncio.run(_serve(control))


class RemoteFakeSlack:
    """A FakeSlack running in a child process; use as `async with RemoteFakeSlack() as fake`."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._control, child_end = context.Pipe()
        self._process = context.Process(target=_child, args=(child_end,), daemon=True)
        self.base_url = ""

    async def _ask(self, *command: Any) -> Any:
        self._control.send(command)
        return await asyncio.to_thread(self._control.recv)

    async def __aenter__(self) -> RemoteFakeSlack:
        self._process.start()
        self.base_url = await asyncio.to_thread(self._control.recv)
        return self

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        try:
            await self._ask("stop")
        finally:
            await asyncio.to_thread(self._process.join, 10)
            if self._process.is_alive():
                self._process.terminate()

    async def set_channel_members(self, channel_id: str, user_ids: list[str]) -> None:
        await self._ask("members", channel_id, user_ids)

    async def enforce_rate_limits(
        self, *, per_channel_per_second: float, workspace_per_minute: int | None
    ) -> None:
        await self._ask("limits", per_channel_per_second, workspace_per_minute)

    async def calls_to(self, method: str) -> list[RemoteCall]:
        return list(await self._ask("calls", method))

    async def clear_calls(self) -> None:
        await self._ask("clear")

    async def confirmed(self) -> dict[str, int]:
        """Person → answer confirmations Slack took for them since the calls were cleared."""
        return dict(await self._ask("confirmed"))

    async def call_count(self) -> int:
        return int(await self._ask("count"))


async def _main() -> None:
    async with FakeSlack() as fake:
        print(fake.base_url, flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(_main())
