"""A language model: the chain rule, a count-based bigram model fit on a toy corpus, held-out perplexity."""

from __future__ import annotations

import math
from itertools import product

from mlterms.demos.hand.decoding import (
    WORDS,
    bigram_table,
    count_bigrams,
    pairs,
    sample_sentences,
    sequence_logprob,
    words,
)
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

V = len(WORDS)
HELD_OUT = 60  # sentences


@demo(
    summary="A language model gives a probability to every sequence of tokens, through the chain rule "
    "p(x_1..x_T) = prod_t p(x_t | x_<t); a bigram model keeps only the previous token, and counting "
    "pairs in a corpus fits one.",
    params=[
        Param("sentences", "int", 30, "training sentences drawn from the true model", min=5, max=400),
        Param("alpha", "float", 0.1, "add-alpha smoothing of the counts", min=0.01, max=5),
    ],
)
def run(r: Report, *, sentences: int, alpha: float) -> None:
    import torch

    true_P = bigram_table()
    train = sample_sentences(true_P, sentences)
    held_out = sample_sentences(true_P, HELD_OUT)
    P = count_bigrams(train, V, alpha)
    chain_rule(r, true_P)
    fitting(r, train, P, alpha)
    held_out_perplexity(r, train, held_out, P, true_P, alpha)
    s = r.section("see also")
    s.note(
        "'perplexity' takes the held-out number apart; 'greedy decoding', 'beam search', 'top-k "
        "sampling' and 'top-p sampling' generate text from the hand-made table; a neural language model "
        "is trained the same way, on the true prefixes (teacher forcing)."
    )
    r.check_close(
        "fitted rows sum to 1", P.sum(dim=1), torch.ones(V, dtype=torch.float64), atol=1e-12, kind="property"
    )


def chain_rule(r: Report, P) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("1. the chain rule: a sentence's probability, one factor per token")
    s.heatmap("the hand-made bigram model p(next | previous)", P, list(WORDS), list(WORDS))
    sentence = [1, 3, 5, 7]  # the cat sat </s>
    prev = [0] + sentence[:-1]
    s.table(
        ["t", "previous", "token", "p(token | previous)"],
        [[t + 1, WORDS[a], WORDS[b], P[a, b]] for t, (a, b) in enumerate(zip(prev, sentence, strict=True))],
        title=f"p({words(sentence)})",
    )
    by_hand = math.prod(float(P[a, b]) for a, b in zip(prev, sentence, strict=True))
    s.scalar(f"p({words(sentence)}) = product of the factors", by_hand)
    nll = F.cross_entropy(P[prev].log(), torch.tensor(sentence), reduction="sum")  # -sum log p
    r.check_close(
        "product of the factors == exp(-F.cross_entropy(log P[prev], next, sum))",
        by_hand,
        math.exp(-nll),
        1e-12,
    )
    s.note(
        "Any sequence model factorises this way; a bigram model keeps only x_(t-1) of the prefix x_<t, "
        "an RNN or a transformer keeps all of it. Every factor is at most 1, so longer sentences get "
        "smaller probabilities: compare sentences by their mean log-probability per token (see "
        "'perplexity')."
    )
    r.exercise(
        "sentence-probability",
        "With these factors p(the|<s>), p(cat|the), p(sat|cat), p(</s>|sat), what is p(the cat sat </s>)?",
        by_hand,
        given={"factors": [P[a, b] for a, b in zip(prev, sentence, strict=True)]},
        tolerance=1e-4,
    )


def fitting(r: Report, train, P, alpha: float) -> None:
    import torch

    s = r.section(f"2. fitting by counting: {len(train)} training sentences, add-{alpha:g} smoothing")
    s.table(["#", "training sentence"], [[i, words(x)] for i, x in enumerate(train[:5])], title="the first 5")
    prevs, nexts = pairs(train)
    counts = torch.bincount(torch.tensor(prevs) * V + torch.tensor(nexts), minlength=V * V).reshape(V, V)
    smoothed = counts.double() + alpha
    r.check_close(
        "fitted model == (torch.bincount of pairs + alpha) / row totals",
        P,
        smoothed / smoothed.sum(dim=1, keepdim=True),
        atol=1e-12,
    )
    s.heatmap("fitted p(next | previous)", P, list(WORDS), list(WORDS))
    s.note(
        "With no smoothing (alpha -> 0) the counts are the maximum-likelihood fit, but a pair never seen "
        "in training gets probability 0, and one such pair in held-out text makes its perplexity "
        "infinite; adding alpha to every count keeps every probability above 0."
    )
    total = sum(math.exp(sequence_logprob(P.log(), list(ids))) for ids in product(range(V), repeat=3))
    s.scalar("sum of p(x_1 x_2 x_3) over all V^3 three-token sequences", total)
    r.check_close(
        "the chain rule gives a distribution: p over all V^3 sequences sums to 1",
        total,
        1.0,
        1e-9,
        kind="property",
    )


def perplexity_of(P, sentences) -> float:
    """exp of the mean negative log-likelihood per token."""
    prevs, nexts = pairs(sentences)
    return math.exp(-sum(math.log(float(P[a, b])) for a, b in zip(prevs, nexts, strict=True)) / len(nexts))


def held_out_perplexity(r: Report, train, held_out, P, true_P, alpha: float) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section(f"3. held-out perplexity ({HELD_OUT} new sentences)")
    _, nexts = pairs(train)
    unigram = (torch.bincount(torch.tensor(nexts), minlength=V).double() + alpha).expand(V, V)
    unigram = unigram / unigram.sum(dim=1, keepdim=True)  # every row the same: the previous token is ignored
    uniform = torch.full((V, V), 1 / V, dtype=torch.float64)
    ppl = {
        name: perplexity_of(m, held_out)
        for name, m in [("uniform", uniform), ("unigram", unigram), ("bigram", P)]
    }
    ppl["true model"] = perplexity_of(true_P, held_out)
    s.table(
        ["model", "held-out perplexity"],
        [
            ["uniform over V", ppl["uniform"]],
            ["unigram (counts)", ppl["unigram"]],
            ["bigram (counts)", ppl["bigram"]],
            ["the true table (a floor)", ppl["true model"]],
        ],
    )
    prevs, nexts = pairs(held_out)
    ref = math.exp(F.cross_entropy(P[prevs].log(), torch.tensor(nexts)))
    r.check_close("held-out perplexity by hand == exp(F.cross_entropy)", ppl["bigram"], ref, 1e-9)
    r.effect(
        "the bigram model beats the unigram and the uniform model on held-out sentences",
        ppl["bigram"] < ppl["unigram"] < ppl["uniform"],
        f"{ppl['bigram']:.3f} < {ppl['unigram']:.3f} < {ppl['uniform']:.3f}",
    )
    s.note(
        f"The uniform model's perplexity is V = {V} whatever the text. Counting tokens (unigram) lowers it, "
        "using the previous token (bigram) lowers it further; the true table, which generated the text, "
        "is the floor that the fitted model approaches, on average, as the training sentences grow (knob 'sentences')."
    )
    r.exercise(
        "uniform-perplexity",
        "A model that gives every one of V tokens the same probability: what is its perplexity on any text?",
        V,
        given={"V": V},
        tolerance=1e-6,
    )
