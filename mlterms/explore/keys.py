"""Every key of `mlterms explore`, and the `?` screen that lists them."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

# (keys, what they do): one-key shortcuts act only when no text input has the focus
KEYS = [
    ("/", "filter the terms by name or alias (fuzzy: bn finds batch normalization)"),
    ("↑ ↓  j k", "move in the term list"),
    ("Enter", "open the highlighted term; in the filter, open the first match"),
    ("Tab  Shift+Tab", "move the focus: filter, terms, tabs, links, inputs"),
    ("← →  Enter", "on the links under a definition: choose one, open it"),
    ("Backspace  Escape", "back to the term opened before"),
    ("Escape", "in an input: leave it (the focus goes back to the term list)"),
    ("d", "the Demo tab: run the term's demo (a second d waits for the first run)"),
    ("Enter in a knob", "run the demo again with the knobs' values"),
    ("e", "the Exercise tab: predict the demo's numbers before seeing the report"),
    ("p", "the Path tab: what to read first, each step a link"),
    ("z", "the Quiz tab: practise the due cards (saved as you answer)"),
    ("1-4", "in the quiz: pick an option, or grade a recall card"),
    ("n", "in the quiz: don't know"),
    (":u", "typed in the quiz's answer box: undo the last answer"),
    ("?", "this list of keys"),
    ("q", "quit"),
    ("Ctrl+Q", "quit, even from an input"),
    ("Ctrl+C", "Textual's default: copy in an input, else say how to quit"),
    ("mouse", "click a term, a tab, a link, a step or a button; the wheel scrolls"),
]


def key_table() -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold yellow", no_wrap=True)
    table.add_column()
    for keys, what in KEYS:
        table.add_row(keys, what)
    return table


class KeysScreen(ModalScreen[None]):
    """The `?` screen: every key. Escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", show=False)]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="keys"):
            yield Static(key_table())
            yield Static("Escape, q or ? closes this list.", classes="dim-note")

    def on_mount(self) -> None:
        self.query_one("#keys").border_title = "keys of mlterms explore"

    def action_close(self) -> None:
        self.dismiss()
