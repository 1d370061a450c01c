"""Tokenization: byte-pair encoding learned by hand on a toy corpus, checked against a second,
regex-based encoder, exact round trips, and fewer tokens than characters on held-out text."""

from __future__ import annotations

import re

from mlterms.demos.hand.tokens import decode, encode, learn, words
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

CORPUS = (
    "the low tower is lower than the new tower. the newest tower is the widest and the lowest. "
    "a slow walker walks slower than the fastest walker. the wider road is newer than the old road. "
    "the older walker talks to the newer walker on the lowest road."
)
HELD_OUT = "the slowest tower talks. an older road is wider than the new walkers."


@demo(
    summary="Tokenization cuts text into tokens from a fixed vocabulary: byte-pair encoding (BPE) starts "
    "from characters and merges the most frequent adjacent pair again and again, so frequent words "
    "become one token and rare ones stay in pieces; learned and checked by hand, no tokenizer library.",
    params=[
        Param("merges", "int", 30, "merges to learn (each adds one token to the vocabulary)", min=0, max=80)
    ],
)
def run(r: Report, *, merges: int) -> None:
    learned, split = learn(CORPUS, merges)
    pairs = [p for p, _ in learned]
    training(r, learned, split, pairs)
    held_out(r, pairs, merges)


def training(r: Report, learned, split, pairs) -> None:
    s = r.section("learning: count adjacent pairs, merge the most frequent, repeat")
    base = sorted(set(CORPUS))
    s.note(
        f"The corpus ({len(CORPUS)} characters) is cut into words, each keeping its leading space "
        f"(shown as '_'), and every word starts as its characters: {len(base)} base symbols. Each merge "
        "glues the most frequent adjacent pair into a new symbol; merges never cross words."
    )
    show = [[i + 1, f"{shown(a)} + {shown(b)}", n, shown(a + b)] for i, ((a, b), n) in enumerate(learned)]
    s.table(["merge", "pair", "count in corpus", "new token"], show[:12] + (show[-3:] if len(show) > 15 else show[12:]),
            title=f"{len(learned)} merges" + (" (first 12 and last 3)" if len(show) > 15 else ""))  # fmt: skip
    s.table(
        ["vocabulary", "size"],
        [["base characters", len(base)], ["merged tokens", len(pairs)], ["total", len(base) + len(pairs)]],
    )
    again = {w: encode(w, pairs) for w in split}
    r.check(
        "encoding the corpus words with the merges == the segmentation training ended with",
        again == split,
        f"{len(split)} distinct words",
        kind="reference",
    )
    counts = [n for _, n in learned]
    r.check(
        "each chosen pair's count never rises from one merge to the next",
        all(a >= b for a, b in zip(counts, counts[1:], strict=False)),
        " >= ".join(map(str, counts[:8])) + (" ..." if len(counts) > 8 else ""),
        kind="property",
    )


def shown(token: str) -> str:
    """A token with its spaces as '_', quoted: ' the' -> "'_the'"."""
    return repr(token.replace(" ", "_"))


def regex_encode(text: str, pairs) -> list[str]:
    """A second encoder: each word as symbols joined by \\x00, each merge a regex substitution."""
    out = []
    for w in words(text):
        joined = "\x00".join(w)
        for a, b in pairs:  # merge a, b only where both are whole symbols
            pattern = f"(?<![^\\x00]){re.escape(a)}\\x00{re.escape(b)}(?![^\\x00])"
            joined = re.sub(pattern, (a + b).replace("\\", "\\\\"), joined)  # a backslash is escaped
        out += joined.split("\x00")
    return out


def held_out(r: Report, pairs, merges: int) -> None:
    import random

    s = r.section("on held-out text: encode, decode, count")
    tokens = encode(HELD_OUT, pairs)
    s.note(f"held-out: {HELD_OUT!r}")
    s.note(f"{len(tokens)} tokens: " + " | ".join(t.replace(" ", "_") for t in tokens))
    alphabet = sorted(set(CORPUS))
    rnd = random.Random(r.seed)
    samples = [HELD_OUT] + [
        "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 40))) for _ in range(20)
    ]
    differ = [t for t in samples if encode(t, pairs) != regex_encode(t, pairs)]
    r.check("list encoder == regex encoder (held-out and 20 random strings)", not differ,
            f"{len(differ)} of {len(samples)} differ", kind="reference")  # fmt: skip
    bad = [t for t in samples if decode(encode(t, pairs)) != t]
    r.check(
        "decode(encode(text)) == text, held-out and 20 random strings",
        not bad,
        f"{len(bad)} differ",
        kind="property",
    )
    s.table(
        ["held-out text", "count"],
        [["characters", len(HELD_OUT)], ["tokens", len(tokens)], ["characters per token", len(HELD_OUT) / len(tokens)]],
    )  # fmt: skip
    s.note(
        "Words seen often in training (' the', ' tower', ' road') come out whole; unseen ones "
        "('slowest', 'walkers') are built from learned pieces, and any string of known characters can "
        "still be encoded, one character at worst. No merges: one token per character."
    )
    r.effect(
        "fewer tokens than characters on held-out text",
        len(tokens) < len(HELD_OUT),
        f"{len(tokens)} tokens < {len(HELD_OUT)} characters",
        asserted=merges >= 1,
    )
    word = " slowest"
    r.exercise(
        "word-tokens",
        "With the merges learned here, into how many tokens is the word encoded?",
        len(encode(word, pairs)),
        given={"word": word, "merges": [a + "+" + b for a, b in pairs]},
    )
