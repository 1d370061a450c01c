"""What the explorer's tests share: a small glossary, a fake fast demo, and a way to run the app."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

from mlterms.demos import registry
from mlterms.demos.registry import Param
from mlterms.demos.report import Report
from mlterms.glossary import parse

NOTES = """\
### what is a fake thing
- aka: ft
- a thing made up for the explorer's tests
- it sums the numbers 1 to n
- see also: other thing, missing thing
- builds on: base thing

### other thing
- the other one
- see also: fake thing

### base thing
- what the fake thing builds on

### batch normalization
- aka: bn
- normalizes over the batch
- builds on: base thing

### softmax
- turns scores into probabilities
"""

FAKE = "fake thing"


class Calls:
    """What the fake demo saw: how many runs, on which threads, with which n."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.ns: list[int] = []
        self.gate: threading.Event | None = None  # when set up, each run waits for it


def fake_demo(calls: Calls):
    def fake_thing(r: Report, *, n: int) -> None:
        calls.threads.append(threading.current_thread())
        calls.ns.append(n)
        if calls.gate is not None:
            calls.gate.wait(10)
        total = sum(range(1, n + 1))
        s = r.section("the sum by a loop")
        s.note("Add the numbers one at a time.")
        s.table(["i", "running total"], [[i, sum(range(1, i + 1))] for i in range(1, n + 1)])
        s.plot("running total", list(range(1, n + 1)), total=[sum(range(1, i + 1)) for i in range(1, n + 1)])
        r.check_equal("loop == n(n+1)/2", total, n * (n + 1) // 2, kind="reference")
        r.exercise("sum", "What is 1 + 2 + ... + n?", total, given={"n": n})
        r.exercise("last", "What is the last term added?", n, given={"n": n})

    return fake_thing


def register_fake(monkeypatch) -> Calls:
    """The fake demo on a copy of the registry, thrown away after the test."""
    monkeypatch.setattr(registry, "_DEMOS", dict(registry._DEMOS))
    calls = Calls()
    knob = Param("n", "int", 4, "how many numbers to add", min=1, max=10)
    registry.register(FAKE, fake_demo(calls), "The sum of 1 to n, by a loop and by the closed form.", (knob,))
    return calls


def make_app(start: str | None = None, seed: int | None = 1):
    from mlterms.explore.app import ExploreApp
    from mlterms.explore.model import Atlas

    return ExploreApp(Atlas(parse(NOTES, "notes.md"), registry.names()), start=start, seed=seed)


def drive(app, scenario: Callable[..., Awaitable[None]], size=(100, 30)) -> None:
    """Run the app headless at this size and play the scenario against it (a Pilot)."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await scenario(pilot)

    asyncio.run(main())


def plain(widget) -> str:
    """What a Static shows, as plain text (its content may be any Rich renderable)."""
    import io

    from rich.console import Console

    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text().rstrip("\n")


async def until(pilot, condition: Callable[[], bool], seconds: float = 20.0) -> None:
    """Let the app work (a demo in its thread, the quiz's loop) until the condition holds."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            await pilot.pause()
            return
        await pilot.pause(0.02)
    raise AssertionError("the app did not get there in time")
