"""The real interactive quiz in a pseudo-terminal: Rich output, line editing, Ctrl-C."""

from __future__ import annotations

import json
import os
import sys

import pytest

pexpect = pytest.importorskip("pexpect")

NOTES = """\
### what is dropout
- zeroes each unit with probability p during training
- see also: overfitting

### what is overfitting
- fits the training data too well

### what is softmax
- turns scores into probabilities

### what is relu
- max(0, x)

### what is gelu
- x times the normal CDF of x
"""


ANSI = r"(?:\x1b\[[0-9;]*m)*"  # Rich's styling between the words of one line


@pytest.fixture
def spawn(tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "MLTERMS_GLOSSARY")}
    env.update(MLTERMS_HOME=str(tmp_path / "home"), TERM="xterm-256color")
    children = []

    def start(*args: str):
        child = pexpect.spawn(
            sys.executable,
            ["-m", "mlterms", "--glossary", str(notes), "quiz", *args],
            env=env,
            encoding="utf-8",
            timeout=20,
            dimensions=(40, 100),
        )
        children.append(child)
        return child

    yield start
    for child in children:
        child.close(force=True)


def state(tmp_path) -> dict:
    return json.loads((tmp_path / "home" / "state.json").read_text())["cards"]


def test_typed_answer_in_a_terminal(spawn, tmp_path):
    child = spawn("--mode", "typed", "--term", "dropout")
    child.expect("Question 1/1")
    child.expect("_____|zeroes each unit")
    child.expect(r"term \(Enter if you don't know\): ")
    child.sendline("dropuot")
    child.expect(r"accepted \(you wrote 'dropuot'\)")
    child.expect("next review in 10 minutes")
    child.expect("Done: ")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert state(tmp_path)["dropout"]["log"][0][1] == 3


def test_ctrl_c_ends_quietly_with_a_summary_and_keeps_answers(spawn, tmp_path):
    child = spawn("--mode", "recall", "--count", "3", "--seed", "2")
    child.expect("Question 1/3")
    child.expect(r"your definition \(Enter to reveal\): ")
    child.sendline("no idea")
    child.expect(r"grade \[1 again 1m · 2 hard 6m · 3 good 10m · 4 easy \d+d\]: ")
    child.sendline("4")
    child.expect("graded easy")
    child.expect("Question 2/3")
    child.expect(r"your definition \(Enter to reveal\): ")
    child.sendintr()
    child.expect("Done: ")
    child.expect("1 of 1 right")
    child.expect(pexpect.EOF)
    assert "Traceback" not in child.before
    child.close()
    assert child.exitstatus == 0
    assert len(state(tmp_path)) == 1


def test_previews_relearning_and_undo_in_a_terminal(spawn, tmp_path):
    child = spawn("--mode", "recall", "--term", "relu,gelu", "--seed", "3")
    child.expect(r"Question 1/2")
    child.expect(f"what is {ANSI}(relu|gelu)")
    first = child.match.group(1)
    child.expect(r"your definition \(Enter to reveal\): ")
    child.sendline("")
    child.expect(r"grade \[1 again 1m · 2 hard 6m · 3 good 10m · 4 easy \d+d\]: ")
    child.sendline("1")  # again: the card comes back at the end
    child.expect(f"graded again{ANSI} · {ANSI}{first}")
    child.expect("Question 2/2")
    child.expect(r"your definition \(Enter to reveal\): ")
    child.sendline(":u")  # take back the 'again'
    child.expect(f"undone: {first} \\(asked again\\)")
    child.expect("Question 1/2")
    child.expect(r"your definition \(Enter to reveal\): ")
    child.sendline("")
    child.expect(r"grade \[")
    child.sendline("3")
    child.expect(f"graded good{ANSI} · {ANSI}{first}")
    child.expect("Question 2/2")
    child.expect(r"your definition \(Enter to reveal\): ")
    child.sendline("")
    child.expect(r"grade \[")
    child.sendline("1")
    child.expect("Again")  # relearning: the missed card, asked again in the sitting
    child.expect(r"your definition \(Enter to reveal\): ")
    child.sendline("")
    child.expect(r"grade \[1 again 1m · 2 hard 6m · 3 good 10m · 4 easy \d+d\]: ")
    child.sendline("3")
    child.expect("Done: ")
    child.expect("1 of 2 right")
    child.expect("Relearned: ")
    child.expect(pexpect.EOF)
    assert "Traceback" not in child.before
    child.close()
    assert child.exitstatus == 0
    cards = state(tmp_path)
    assert [review[1] for review in cards[first]["log"]] == [3]  # the undone 'again' is gone
    second = "gelu" if first == "relu" else "relu"
    assert [review[1] for review in cards[second]["log"]] == [1, 3]
    assert all(isinstance(review[2], int) and review[2] >= 0 for review in cards[second]["log"])  # ms


def test_a_compute_session_in_a_terminal(spawn, tmp_path):
    from mlterms.demos import registry
    from mlterms.render.exercise import answer_text

    def answer(exercise_id: str, seed: int) -> str:
        found = [e for e in registry.run("softmax", seed).exercises if e.id == exercise_id]
        return answer_text(found[0].answer)

    ids = {"largest probability": "largest-prob", "Cross-entropy of": "grad-true-class"}
    child = spawn("--mode", "compute", "-t", "softmax", "--seed", "4")
    child.timeout = 120  # the first question imports torch
    child.expect(r"Question 1/2.*compute")
    child.expect("largest probability|Cross-entropy of")
    first = ids[child.match.group(0)]
    child.expect(r"your answer \(Enter if you don't know\): ")
    child.sendline(answer(first, 4))
    child.expect(f"✓ right: {answer(first, 4)}")
    child.expect("Question 2/2")
    child.expect("largest probability|Cross-entropy of")
    second = ids[child.match.group(0)]
    child.expect(r"your answer \(Enter if you don't know\): ")
    child.sendline("99")
    child.expect(f"✗ wrong: the answer is {answer(second, 4)} \\(you said 99\\)")
    child.expect("computed by: mlterms demo softmax --seed 4")
    child.expect("Again")  # relearning: new numbers, from the next seed
    child.expect(r"your answer \(Enter if you don't know\): ")
    child.sendline(answer(second, 5))
    child.expect(f"✓ right: {answer(second, 5)}")
    child.expect("Done: ")
    child.expect("1 of 2 right")
    child.expect(f"Relearned: softmax/{second} \\(1 repeat\\)")
    child.expect(pexpect.EOF)
    assert "Traceback" not in child.before
    child.close()
    assert child.exitstatus == 0
    cards = state(tmp_path)
    assert [r[1] for r in cards[f"exercise:softmax:{second}"]["log"]] == [1, 3]
