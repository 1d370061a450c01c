"""The explorer App: the term list on the left, the open term's tabs on the right, the keys, and
the history that Backspace and Escape walk back through.

One-key shortcuts act only when no text input has the focus (check_action), and Escape in an
input only leaves it (widgets.Field). A terminal smaller than MIN_SIZE shows a message instead
of a broken layout, and the layout comes back when the terminal grows.
"""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Input, OptionList, Static, TabbedContent, TabPane

from mlterms.explore.keys import KeysScreen
from mlterms.explore.model import Atlas
from mlterms.explore.tabs.definition import DefinitionTab
from mlterms.explore.tabs.demo import DemoTab
from mlterms.explore.tabs.exercise import ExerciseTab
from mlterms.explore.tabs.path import PathTab
from mlterms.explore.tabs.quiz import QuizTab, utcnow
from mlterms.explore.widgets import Field, OpenTerm, TermList
from mlterms.render import text

MIN_SIZE = (60, 16)  # columns, lines: below this the two panes cannot both be read
ONE_KEY = {"filter", "move", "demo", "exercise", "path", "quiz", "keys", "quit_app", "answer", "go_back"}
TABS = [("Definition", "definition"), ("Demo", "demo"), ("Exercise", "exercise"), ("Path", "path")]

CSS = """
#main { height: 1fr; }
#left { width: 30%; min-width: 26; max-width: 34; }
Field { border: none; height: 1; padding: 0 1; background: $boost; }
Field:focus { background: $accent 30%; }
#terms { height: 1fr; border: round $primary 50%; scrollbar-size-vertical: 1; }
#terms:focus { border: round $accent; }
#tabs { width: 1fr; }
TabPane { padding: 0 1; }
LinkBar { height: auto; margin-top: 1; }
LinkBar:focus { background: $boost; }
#demo-head { height: auto; }
#knobs { height: auto; margin-bottom: 1; }
.knob { height: auto; }
.knob-name { width: auto; min-width: 8; padding-right: 1; }
.knob-value { width: 12; }
.knob-note { width: 1fr; padding-left: 1; height: auto; text-wrap: nowrap; text-overflow: ellipsis; }
.knob-note.error { text-wrap: wrap; }
#demo-running { height: 1; }
#demo-running LoadingIndicator { width: 6; height: 1; min-height: 1; }
#report { height: 1fr; }
#ex-list { height: auto; }
.ex-question { margin-top: 1; }
.ex-row { height: auto; }
.ex-answer { width: 24; }
.ex-verdict { width: 1fr; padding-left: 1; height: auto; }
#ex-score { margin-top: 1; }
#reveal, #quiz-anyway { margin-top: 1; }
#quiz-buttons { height: auto; margin-top: 1; }
.pick { height: 1; min-width: 5; border: none; margin-right: 1; }
#quiz-answer { margin-top: 1; }
#quiz-feedback { margin-bottom: 1; }
#path-list { height: 1fr; border: none; }
#too-small { display: none; height: 1fr; content-align: center middle; text-align: center; }
Screen.too-small #main, Screen.too-small Footer { display: none; }
Screen.too-small #too-small { display: block; }
KeysScreen { align: center middle; }
#keys { width: 90%; height: 90%; border: round $accent; background: $surface; padding: 0 1; }
"""


class ExploreApp(App[int]):
    """`mlterms explore`: browse, follow links, run demos, answer exercises, practise."""

    TITLE = "mlterms explore"
    CSS = CSS
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("slash", "filter", "filter"),
        Binding("j", "move(1)", "down", show=False),
        Binding("k", "move(-1)", "up", show=False),
        Binding("d", "demo", "demo"),
        Binding("e", "exercise", "exercise"),
        Binding("p", "path", "path"),
        Binding("z", "quiz", "quiz"),
        Binding("backspace,escape", "go_back", "back"),
        Binding("question_mark", "keys", "keys"),
        Binding("q", "quit_app", "quit"),
        *(Binding(key, f"answer('{key}')", show=False) for key in ("1", "2", "3", "4", "n")),
    ]

    def __init__(
        self, atlas: Atlas, start: str | None = None, seed: int | None = None, clock=utcnow, first_paint=False
    ) -> None:
        """`seed` and `clock` make the quiz repeatable (tests); `first_paint` exits once the term
        list is drawn (the benchmark's time to first paint)."""
        super().__init__()
        self.atlas, self.start, self.seed, self.clock = atlas, start, seed, clock
        self.first_paint = first_paint
        self.current: str | None = None
        self.history: list[str] = []

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield TermList(self.atlas, id="left")
            with TabbedContent(id="tabs", initial="definition"):
                yield TabPane("Definition", DefinitionTab(self.atlas, id="definition-tab"), id="definition")
                yield TabPane("Demo", DemoTab(id="demo-tab"), id="demo")
                yield TabPane("Exercise", ExerciseTab(id="exercise-tab"), id="exercise")
                yield TabPane("Path", PathTab(self.atlas, id="path-tab"), id="path")
                yield TabPane(
                    "Quiz", QuizTab(self.atlas.glossary, self.seed, self.clock, id="quiz-tab"), id="quiz"
                )
        yield Footer()
        yield Static(id="too-small")

    def on_mount(self) -> None:
        self.query_one("#terms", OptionList).focus()
        if self.start is not None:
            self.open_term(self.start, remember=False)
        self.fit(self.size.width, self.size.height)
        if self.first_paint:
            self.call_after_refresh(self.exit)

    def on_resize(self, event: events.Resize) -> None:
        self.fit(event.size.width, event.size.height)

    def fit(self, width: int, height: int) -> None:
        """Below MIN_SIZE, a message in place of the layout."""
        small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        self.screen.set_class(small, "too-small")
        if small:
            message = (
                f"mlterms explore needs a terminal of at least {MIN_SIZE[0]}x{MIN_SIZE[1]};"
                f" this one is {width}x{height}.\nMake the window larger, or press q to quit."
            )
            self.query_one("#too-small", Static).update(text(message, "bold"))

    # --- keys ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """One-key shortcuts type into a focused input instead of acting (the footer then shows
        the input's own keys)."""
        return not (action in ONE_KEY and isinstance(self.focused, Input))

    def action_filter(self) -> None:
        self.query_one("#filter", Field).focus()

    def action_move(self, step: int) -> None:
        self.query_one(TermList).move(step)

    def action_demo(self) -> None:
        self.show_tab("demo")

    def action_exercise(self) -> None:
        self.show_tab("exercise")

    def action_path(self) -> None:
        self.show_tab("path")

    def action_quiz(self) -> None:
        self.show_tab("quiz")

    def action_go_back(self) -> None:
        if not self.history:
            self.notify("Nothing to go back to.", timeout=2)
            return
        self.open_term(self.history.pop(), remember=False)

    def action_keys(self) -> None:
        self.push_screen(KeysScreen())

    def action_quit_app(self) -> None:
        self.exit(return_code=0)

    def action_answer(self, key: str) -> None:
        if self.query_one(TabbedContent).active == "quiz":
            self.query_one(QuizTab).key(key)

    # --- terms and tabs -----------------------------------------------------------------------

    def open_term(self, term: str, remember: bool = True) -> None:
        """Show the term's definition; with remember, Backspace comes back to the term open now."""
        if remember and self.current is not None and self.current != term:
            self.history.append(self.current)
        self.current = term
        demo = self.atlas.demo(term)
        self.query_one(DefinitionTab).show(self.atlas.entry(term))
        self.query_one(DemoTab).load(term, demo)
        self.query_one(ExerciseTab).reset(term, demo)
        self.query_one(TermList).highlight(term)
        self.sub_title = term
        self.query_one(TabbedContent).active = "definition"

    def show_tab(self, pane: str) -> None:
        """Switch to a tab (its TabActivated event does what the tab needs); again if it is shown."""
        tabs = self.query_one(TabbedContent)
        if tabs.active == pane:
            self.entered(pane)
        else:
            tabs.active = pane

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.entered(event.pane.id or "")

    def entered(self, pane: str) -> None:
        """A tab was opened (by key or mouse): run the demo, ask the exercises, order the path,
        start the quiz, as each needs."""
        demo, exercise = self.query_one(DemoTab), self.query_one(ExerciseTab)
        if pane == "quiz":
            self.query_one(QuizTab).start()
        elif self.current is None:
            return
        elif pane == "path":
            self.query_one(PathTab).show(self.current)
            self.query_one("#path-list", OptionList).focus()
        elif pane == "demo" and demo.report is None:
            demo.run()
        elif pane == "demo" and demo.running:
            self.notify("The demo is still running.", timeout=2)
        elif (
            pane == "exercise"
            and demo.report is None
            and demo.name_ is not None
            and (demo.run() or demo.running)
        ):
            exercise.computing()
        elif pane == "exercise" and exercise.pending:
            self.call_after_refresh(exercise.next_question)

    def on_open_term(self, event: OpenTerm) -> None:
        if event.term is None:
            self.notify(f"'{event.shown}' is not in the glossary.", timeout=3)
        else:
            self.open_term(event.term)

    def on_field_left(self, event: Field.Left) -> None:
        self.query_one("#terms", OptionList).focus()

    def on_demo_tab_finished(self, event: DemoTab.Finished) -> None:
        exercise = self.query_one(ExerciseTab)
        if event.report is None:
            exercise.head(event.error or "the demo failed", "bold red")
            return
        exercise.load(event.report)
        if self.query_one(TabbedContent).active == "exercise":
            self.call_after_refresh(exercise.next_question)

    def on_exercise_tab_reveal(self, event: ExerciseTab.Reveal) -> None:
        self.show_tab("demo")


def run(atlas: Atlas, start: str | None = None, first_paint: bool = False) -> int:
    """Run the app full-screen; its exit status (0 unless Textual itself failed)."""
    app = ExploreApp(atlas, start, first_paint=first_paint)
    app.run()
    return app.return_code or 0
