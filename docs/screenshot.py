"""Make docs/explore.svg, the README's picture of `mlterms explore`, with Textual's save_screenshot.

    python docs/screenshot.py

It opens the bundled glossary at 'attention', runs its demo (torch loads), and saves the screen
at 110x34. Run it again after a change of the explorer's layout, and commit the picture.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from mlterms.demos.registry import names
from mlterms.explore.app import ExploreApp
from mlterms.explore.model import Atlas
from mlterms.explore.tabs.demo import DemoTab
from mlterms.glossary import bundled_path, load

HERE = Path(__file__).resolve().parent
SIZE = (110, 34)


async def main() -> None:
    app = ExploreApp(Atlas(load(str(bundled_path())), names()), start="attention")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        for _ in range(3000):  # the demo runs in its thread: wait for its report
            await pilot.pause(0.02)
            if app.query_one(DemoTab).report is not None:
                break
        await pilot.pause(0.2)
        app.save_screenshot(filename="explore.svg", path=str(HERE))
        print(f"wrote {HERE / 'explore.svg'}")


if __name__ == "__main__":
    asyncio.run(main())
