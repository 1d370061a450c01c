"""The Definition tab: the entry's bullets, aliases, sources and layer, then its links."""

from __future__ import annotations

from rich.console import Group
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from mlterms.explore.model import Atlas, layer
from mlterms.explore.widgets import LinkBar
from mlterms.glossary import Entry
from mlterms.render import bullet_grid, text
from mlterms.render.entries import NO_DEFINITION

WELCOME = (
    "Pick a term on the left: ↑/↓ or j/k move, Enter opens it, / filters by name or alias.\n\n"
    "Then d runs its demo, p shows what to read first, z starts the quiz. "
    "The links below a definition open other terms; Backspace goes back. ? lists every key."
)


def entry_view(atlas: Atlas, entry: Entry) -> Group:
    """The entry as Rich renderables: term, aliases, bullets, sources, layer and demo hint."""
    parts: list = [text(entry.term, "bold cyan")]
    if entry.aliases:
        parts.append(text("aka " + ", ".join(entry.aliases), "dim"))
    parts += [text(""), bullet_grid(entry.definition or [NO_DEFINITION], "" if entry.definition else "dim")]
    extra = [text(f"source: {source}", "dim") for source in entry.sources]
    origin = layer(entry)
    if origin:
        extra.append(text(f"layer: {origin}", "dim"))
    if atlas.demo(entry.term):
        extra.append(text("demo: press d to run it, with its knobs", "green"))
    return Group(*parts, *([text(""), *extra] if extra else []))


class DefinitionTab(VerticalScroll):
    """What the term means, and the links that lead on from it."""

    def __init__(self, atlas: Atlas, **kwargs) -> None:
        super().__init__(**kwargs)
        self.atlas = atlas

    def compose(self) -> ComposeResult:
        yield Static(text(WELCOME), id="entry")
        yield LinkBar(id="links")

    def on_mount(self) -> None:
        self.query_one(LinkBar).display = False

    def show(self, entry: Entry) -> None:
        self.query_one("#entry", Static).update(entry_view(self.atlas, entry))
        self.query_one(LinkBar).show(self.atlas.link_groups(entry))
        self.scroll_home(animate=False)
