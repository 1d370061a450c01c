"""Greedy decoding: the argmax at every step, the T -> 0 limit of sampling, short-sighted and repetitive."""

from __future__ import annotations

import math

from mlterms.demos.hand.decoding import (
    WORDS,
    all_sequences,
    beam_search,
    bigram_table,
    greedy,
    sequence_logprob,
    words,
)
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

LOOP_STEPS = 30  # tokens generated from the random table


@demo(
    summary="Greedy decoding generates text by taking the single most likely next token at every step: "
    "fast and deterministic (sampling at T -> 0), but short-sighted, and on a small model it loops.",
    params=[
        Param("steps", "int", 4, "tokens generated from the hand-made table", min=1, max=5),
        Param("vocab", "int", 8, "V of the random bigram table of section 3", min=3, max=12),
    ],
)
def run(r: Report, *, steps: int, vocab: int) -> None:
    logP = bigram_table().log()
    picked = step_by_step(r, logP, steps)
    short_sighted(r, logP, picked)
    loops(r, vocab)
    s = r.section("see also")
    s.note(
        "'beam search' keeps several prefixes instead of one and finds the likelier 'a dog ran </s>'; "
        "'top-k sampling' and 'top-p sampling' draw at random from the head of the distribution; "
        "'temperature' is the knob whose T -> 0 limit is greedy."
    )


def step_by_step(r: Report, logP, steps: int) -> list[int]:
    import torch

    s = r.section(f"1. the argmax at every step ({steps} tokens, hand-made bigram table)")
    picked = greedy(logP, steps)
    rows, prev, total = [], 0, 0.0
    for t, b in enumerate(picked):
        p = logP[prev].exp()
        top = p.argsort(descending=True)[:3].tolist()
        total += float(logP[prev, b])
        rows.append(
            [t + 1, WORDS[prev], ", ".join(f"{WORDS[i]} {p[i]:.2f}" for i in top), WORDS[b], math.exp(total)]
        )
        prev = b
    s.table(["step", "previous", "the three likeliest next tokens", "greedy picks", "p(prefix)"], rows)
    s.scalar("greedy output", words(picked))
    n, T = 200, 0.005
    prev_t = torch.zeros(n, dtype=torch.long)
    drawn = []
    for _ in range(steps):  # sample all n sequences at once from softmax(log p / T)
        prev_t = torch.multinomial(torch.softmax(logP[prev_t] / T, dim=1), 1)[:, 0]
        drawn.append(prev_t)
    same = (torch.stack(drawn, dim=1) == torch.tensor(picked)).all(dim=1)  # (n,)
    r.check(
        "greedy == all 200 samples at temperature 0.005 (torch.multinomial)",
        bool(same.all()),
        f"{int(same.sum())} of {n} equal",
        kind="reference",
    )
    ((one, _),) = beam_search(logP, steps, width=1)
    r.check_equal("greedy == beam search of width 1", words(picked), words(one), kind="reference")
    r.exercise(
        "greedy-probability",
        "Greedy from <s> on this table: what is the probability of the first 3 tokens it picks?",
        math.exp(sequence_logprob(logP, greedy(logP, 3))),
        given={
            "rows (previous -> next: p)": {
                WORDS[a]: {
                    WORDS[b]: round(float(logP[a, b].exp()), 2)
                    for b in range(len(WORDS))
                    if logP[a, b] > float("-inf")
                }
                for a in range(len(WORDS) - 1)
            }
        },
        tolerance=1e-3,
    )
    return picked


def short_sighted(r: Report, logP, picked: list[int]) -> None:
    s = r.section("2. short-sighted: the best next token is not the start of the best sequence")
    T = len(picked)
    every, scores = all_sequences(logP, T)  # (V^T, T), (V^T,)
    best_lp, best = float(scores.max()), every[scores.argmax()].tolist()
    s.table(
        ["", "sequence", "p(sequence)"],
        [
            ["greedy", words(picked), math.exp(sequence_logprob(logP, picked))],
            [f"best of all V^{T} = {len(scores)} (exhaustive)", words(best), math.exp(best_lp)],
        ],
    )
    s.note(
        "Greedy takes 'the' (0.55) over 'a' (0.45) and never looks back, but after 'the' every word is "
        "uncertain while 'a' is followed by 'dog' 9 times in 10. It can only be as good as the best "
        "sequence, never better."
    )
    r.check(
        "p(greedy) <= p(best sequence by exhaustive enumeration)",
        sequence_logprob(logP, picked) <= best_lp + 1e-12,
        kind="property",
    )


def loops(r: Report, V: int) -> None:
    import torch

    s = r.section(f"3. on a random bigram table (V = {V}, no end token) greedy falls into a loop")
    logP = torch.log_softmax(2 * torch.randn(V, V, dtype=torch.float64), dim=1)  # (V, V)
    g = greedy(logP, LOOP_STEPS, start=0)
    sampled, prev = [], 0
    for _ in range(LOOP_STEPS):
        prev = int(torch.multinomial(logP[prev].exp(), 1))
        sampled.append(prev)
    tail = g[V:]  # from step V on it must be periodic: some token has repeated by then
    period = next(k for k in range(1, V + 1) if tail[k:] == tail[:-k] or k >= len(tail))
    distinct = {
        name: len(set(zip(x[:-1], x[1:], strict=True))) for name, x in [("greedy", g), ("sampled", sampled)]
    }
    s.table(
        ["decoder", f"{LOOP_STEPS} tokens (ids)", "distinct bigrams"],
        [
            ["greedy", " ".join(map(str, g)), distinct["greedy"]],
            ["sampled at T = 1", " ".join(map(str, sampled)), distinct["sampled"]],
        ],
    )
    s.note(
        "On a bigram model the next greedy token is a function of the previous one alone, so as soon as a "
        "token comes back the output repeats forever, with a period of at most V. Larger models are subtler "
        "but greedy and beam search still commonly repeat themselves; sampling makes it less likely."
    )
    r.check(
        f"greedy's output is periodic from step V on, with period {period} <= V",
        tail[period:] == tail[:-period],
        kind="property",
    )
    r.effect(
        "sampled text has more distinct bigrams than greedy text",
        distinct["sampled"] > distinct["greedy"],
        f"{distinct['sampled']} > {distinct['greedy']}",
    )
    r.exercise(
        "distinct-bigrams",
        "Greedy on a bigram model over V tokens: at most how many distinct bigrams "
        "(pairs of neighbours) in its output, however long?",
        V,
        given={"V": V},
    )
