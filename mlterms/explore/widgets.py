"""The explorer's own widgets: an input that Escape leaves, the term list, and the link bar.

Glossary text is shown literally: it goes into Rich Text objects (render.text), never markup.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from mlterms.explore.matching import matching
from mlterms.explore.model import Atlas, LinkGroup
from mlterms.render import clean, text

DEMO_MARK = "◆"
SEPARATOR = " · "


def background(name: str, work: Callable[[], None]) -> threading.Thread:
    """Run work in a daemon thread: quitting never waits for a demo that is still computing."""
    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    return thread


def deliver(app: Any, fn: Callable[..., None], *args: Any) -> None:
    """From a worker thread: call fn on the UI thread, unless the app has closed meanwhile."""
    with contextlib.suppress(RuntimeError):
        app.call_from_thread(fn, *args)


class OpenTerm(Message):
    """Open a term (from the list, a link or the reading order); term is None for a link that
    names no entry."""

    def __init__(self, term: str | None, shown: str) -> None:
        super().__init__()
        self.term, self.shown = term, shown


class Field(Input):
    """A text input that Escape leaves (the app moves the focus back to the term list)."""

    BINDINGS = [
        Binding("escape", "leave", "leave the input"),
        Binding("ctrl+q", "app.quit", "quit"),  # the app's own ctrl+q, named in the footer here
    ]

    class Left(Message):
        """Escape was pressed in the field."""

    def action_leave(self) -> None:
        self.post_message(self.Left())


class TermList(Vertical):
    """The filter box over the list of every term; Enter (or a click) opens the highlighted term."""

    def __init__(self, atlas: Atlas, **kwargs) -> None:
        super().__init__(**kwargs)
        self.atlas = atlas
        self.shown = list(atlas.entries)

    def compose(self) -> ComposeResult:
        yield Field(placeholder="/ filter", id="filter")
        yield OptionList(*self.options(), id="terms")

    def on_mount(self) -> None:
        terms = self.query_one("#terms", OptionList)
        with_demo = sum(1 for e in self.atlas.entries if self.atlas.demo(e.term))
        terms.border_title = f"{len(self.atlas.entries)} terms"
        terms.border_subtitle = f"{DEMO_MARK} {with_demo} demos" if with_demo else ""
        terms.highlighted = 0 if self.shown else None

    def options(self) -> list[Option]:
        found = []
        for entry in self.shown:
            mark = (f"{DEMO_MARK} ", "green") if self.atlas.demo(entry.term) else "  "
            found.append(Option(Text.assemble(mark, text(entry.term))))
        return found

    def refilter(self, query: str) -> None:
        """Show the terms that match the query, best first, the first one highlighted."""
        self.shown = matching(self.atlas.entries, query)
        terms = self.query_one("#terms", OptionList)
        terms.set_options(self.options())
        terms.highlighted = 0 if self.shown else None
        total = len(self.atlas.entries)
        terms.border_title = f"{len(self.shown)} of {total} terms" if query.strip() else f"{total} terms"

    def first(self) -> str | None:
        return self.shown[0].term if self.shown else None

    def highlight(self, term: str) -> None:
        """Move the cursor to the term, if the filter shows it."""
        for i, entry in enumerate(self.shown):
            if entry.term == term:
                self.query_one("#terms", OptionList).highlighted = i
                return

    def move(self, step: int) -> None:
        terms = self.query_one("#terms", OptionList)
        terms.action_cursor_down() if step > 0 else terms.action_cursor_up()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.refilter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter opens the first match and leaves the filter."""
        event.stop()
        first = self.first()
        self.query_one("#terms", OptionList).focus()
        if first is not None:
            self.post_message(OpenTerm(first, first))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        term = self.shown[event.option_index].term
        self.post_message(OpenTerm(term, term))


Piece = tuple[str, int | None]  # text, and the index of the link it shows (None: a label or a gap)


def arrange(groups: list[LinkGroup], width: int) -> list[list[Piece]]:
    """The link groups as lines of at most `width` cells: 'see also   a · b', wrapped under the
    first link. A link wider than the line gets a line of its own (the terminal folds it)."""
    if not groups:
        return []
    indent = max(len(g.label) for g in groups) + 2
    lines: list[list[Piece]] = []
    index = 0
    for group in groups:
        line: list[Piece] = [(group.label.ljust(indent), None)]
        used = indent
        for n, link in enumerate(group.links):
            shown = clean(link.shown)
            if n and used + len(SEPARATOR) + len(shown) > width:
                lines.append(line)
                line, used = [(" " * indent, None)], indent
            elif n:
                line.append((SEPARATOR, None))
                used += len(SEPARATOR)
            line.append((shown, index))
            used += len(shown)
            index += 1
        lines.append(line)
    return lines


class LinkBar(Widget, can_focus=True):
    """`see also`, `builds on` and `used by` as links: the arrow keys move between them, Enter or a
    click opens one."""

    BINDINGS = [
        Binding("left,up", "step(-1)", "Previous link", show=False),
        Binding("right,down", "step(1)", "Next link", show=False),
        Binding("enter", "open", "Open the link", show=False),
    ]
    cursor = reactive(0)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.groups: list[LinkGroup] = []

    @property
    def links(self):
        return [link for group in self.groups for link in group.links]

    def show(self, groups: list[LinkGroup]) -> None:
        self.groups = groups
        self.cursor = 0
        self.display = bool(groups)
        self.refresh(layout=True)

    def lines(self, width: int) -> list[list[Piece]]:
        return arrange(self.groups, max(width, 10))

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Text:
        out = Text()
        for row, line in enumerate(self.lines(self.content_size.width)):
            out.append("\n" if row else "")
            for piece, index in line:
                out.append(piece, self.style_of(index))
        return out

    def style_of(self, index: int | None) -> str:
        if index is None:
            return "dim"
        dangling = self.links[index].term is None
        if index == self.cursor and self.has_focus:
            return "reverse bold"
        return "dim strike" if dangling else "underline"

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_step(self, step: int) -> None:
        if self.links:
            self.cursor = (self.cursor + step) % len(self.links)

    def action_open(self) -> None:
        if self.links:
            link = self.links[self.cursor]
            self.post_message(OpenTerm(link.term, link.shown))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        lines = self.lines(self.content_size.width)
        if offset is None or offset.y >= len(lines):
            return
        x = 0
        for piece, index in lines[offset.y]:
            if index is not None and x <= offset.x < x + len(piece):
                self.cursor = index
                self.action_open()
                return
            x += len(piece)
