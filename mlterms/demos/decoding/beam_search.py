"""Beam search: the k best prefixes kept at every step, against greedy and exhaustive enumeration."""

from __future__ import annotations

import math

from mlterms.demos.hand.decoding import (
    all_sequences,
    beam_search,
    bigram_table,
    greedy,
    sequence_logprob,
    words,
)
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

RANDOM_V, RANDOM_STEPS, TABLES = 6, 4, 20  # section 2: 20 random bigram tables


@demo(
    summary="Beam search keeps the `width` likeliest prefixes at every step instead of greedy's one, and "
    "so can find a more likely whole sequence; it is still not guaranteed to find the likeliest.",
    params=[
        Param("width", "int", 2, "k, prefixes kept at every step", min=1, max=8),
        Param("steps", "int", 4, "tokens generated", min=1, max=5),
    ],
)
def run(r: Report, *, width: int, steps: int) -> None:
    logP = bigram_table().log()
    beam = step_by_step(r, logP, width, steps)
    against_exhaustive(r, logP, width, steps, beam)
    random_tables(r)
    s = r.section("see also")
    s.note(
        "'greedy decoding' is the width-1 case, shown step by step there with its loops; 'top-k sampling' "
        "and 'top-p sampling' pick at random instead of keeping the likeliest, which gives more varied text."
    )


def step_by_step(r: Report, logP, width: int, steps: int):
    s = r.section(f"1. the beam, step by step (width k = {width}, hand-made bigram table)")
    rows = []
    for t in range(1, steps + 1):
        for rank, (ids, lp) in enumerate(beam_search(logP, t, width)):
            rows.append([t if rank == 0 else "", rank + 1, words(ids), math.exp(lp)])
    s.table(["step", "rank", "prefix", "p(prefix)"], rows)
    s.note(
        f"At every step each of the k prefixes is extended by each of the V tokens, the k·V candidates are "
        f"scored by their total log-probability, and the best k are kept: {width} x {logP.shape[0]} = "
        f"{width * logP.shape[0]} scores a step, against V^T for trying every sequence."
    )
    r.exercise(
        "candidates-per-step",
        "A beam of width k over a vocabulary of V tokens: how many candidate prefixes are scored at each step?",
        width * logP.shape[0],
        given={"k": width, "V": logP.shape[0]},
    )
    r.exercise(
        "best-after-two",
        "On the hand-made table (p(the) = 0.55, p(a) = 0.45; after 'the' at best 0.4; after 'a', 'dog' 0.9), "
        "what is the probability of the best 2-token prefix a beam of width 2 keeps?",
        math.exp(beam_search(logP, 2, 2)[0][1]),
        given={"p(the)": 0.55, "p(a)": 0.45, "p(cat | the)": 0.4, "p(dog | a)": 0.9},
        tolerance=1e-3,
    )
    return beam_search(logP, steps, width)


def against_exhaustive(r: Report, logP, width: int, steps: int, beam) -> None:
    import torch

    s = r.section(f"2. against greedy and against all V^{steps} sequences")
    every, scores = all_sequences(logP, steps)  # (V^T, T), (V^T,) scored by indexing, not by the beam
    best = every[scores.argmax()].tolist()
    g = greedy(logP, steps)
    s.table(
        ["decoder", "sequence", "p(sequence)"],
        [
            ["greedy (width 1)", words(g), math.exp(sequence_logprob(logP, g))],
            [f"beam search, width {width}", words(beam[0][0]), math.exp(beam[0][1])],
            [f"exhaustive: best of {len(scores)}", words(best), math.exp(float(scores.max()))],
        ],
    )
    V = logP.shape[0]
    rows = [sum(b * V ** (steps - 1 - i) for i, b in enumerate(ids)) for ids, _ in beam]  # base-V index
    r.check_close(
        "every beam entry's score == its log-probability in the exhaustive table",
        torch.tensor([lp for _, lp in beam], dtype=torch.float64),
        scores[rows],
        atol=1e-12,
    )
    wide = beam_search(logP, steps, logP.shape[0] ** (steps - 1))  # every prefix kept: no pruning at all
    r.check_equal(
        "a beam wide enough to keep every prefix == exhaustive best",
        words(wide[0][0]),
        words(best),
        kind="reference",
    )
    r.check(
        "p(beam's best) <= p(exhaustive best)", beam[0][1] <= float(scores.max()) + 1e-12, kind="property"
    )
    r.effect(
        "a beam of width >= 2 finds a likelier sequence than greedy on the hand-made table",
        beam[0][1] > sequence_logprob(logP, g) + 1e-9,
        f"{math.exp(beam[0][1]):.4f} > {math.exp(sequence_logprob(logP, g)):.4f}",
        asserted=width >= 2 and steps >= 2,
    )
    s.note(
        "Greedy commits to 'the' (0.55); the beam also keeps 'a' (0.45), whose next word 'dog' (0.9) makes "
        "'a dog' (0.405) overtake every prefix starting with 'the' at step 2."
    )


def random_tables(r: Report) -> None:
    import torch

    s = r.section(
        f"3. {TABLES} random bigram tables (V = {RANDOM_V}, {RANDOM_STEPS} tokens): how wide is wide enough?"
    )
    found = {k: 0 for k in range(1, RANDOM_V + 1)}
    ratio = {k: 0.0 for k in found}
    never_above = True
    for _ in range(TABLES):
        logP = torch.log_softmax(0.7 * torch.randn(RANDOM_V, RANDOM_V, dtype=torch.float64), dim=1)
        _, scores = all_sequences(logP, RANDOM_STEPS, start=0)
        top = float(scores.max())
        for k in found:
            lp = beam_search(logP, RANDOM_STEPS, k, start=0)[0][1]
            found[k] += lp >= top - 1e-12
            ratio[k] += math.exp(lp - top) / TABLES
            never_above = never_above and lp <= top + 1e-12
    s.table(
        ["width k", "tables where beam found the best", "mean p(beam) / p(best)"],
        [[k, f"{found[k]} of {TABLES}", ratio[k]] for k in found],
    )
    s.note(
        "Wider beams find the likeliest sequence more often, but only a beam that keeps every prefix is "
        "sure to (on a bigram model, keeping the best prefix per last token would be enough: that is the "
        "Viterbi algorithm); in practice widths of 4 to 10 are common, and a very wide beam tends to "
        "prefer short, bland outputs, one reason sampling is used for open-ended text."
    )
    r.check("no beam beats exhaustive enumeration on any table", never_above, kind="property")
