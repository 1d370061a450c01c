"""Perplexity: exp(mean NLL) against F.cross_entropy, the uniform model's V, and the true model's edge."""

from __future__ import annotations

import math

from mlterms.demos.hand.losses import cross_entropy
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

SHOWN = 6  # tokens in the per-token table


@demo(
    summary="Perplexity is exp(mean negative log-likelihood per token) of held-out text under a language "
    "model: 1 for a perfect model, V for a uniform guess over V tokens; lower is better.",
    params=[
        Param("vocab", "int", 10, "V, the vocabulary size", min=2, max=50),
        Param("tokens", "int", 400, "N, held-out tokens scored", min=50, max=2000),
    ],
)
def run(r: Report, *, vocab: int, tokens: int) -> None:
    import torch

    logits = 2 * torch.randn(tokens, vocab, dtype=torch.float64)  # (N, V) the model's next-token scores
    targets = torch.multinomial(torch.softmax(logits, dim=1), 1)[
        :, 0
    ]  # (N,) text drawn from the model itself
    ppl = by_hand(r, logits, targets)
    uniform(r, targets, vocab)
    true_model_wins(r, logits, targets, ppl)
    s = r.section("see also")
    s.note(
        "'language model' shows where the next-token probabilities come from (the chain rule, a bigram "
        "model fit by counting); 'cross-entropy' is the mean NLL itself, and perplexity is its exp."
    )


def by_hand(r: Report, logits, targets) -> float:
    import torch
    import torch.nn.functional as F

    s = r.section("1. exp of the mean negative log-likelihood")
    nll = cross_entropy(logits, targets)  # (N,) -log softmax(logits)[target], by hand
    p = (-nll).exp()  # (N,) the probability the model gave each true token
    s.table(
        ["token", "target", "p(target)", "-log p(target)"],
        [[i, targets[i], p[i], nll[i]] for i in range(SHOWN)],
        title=f"the first {SHOWN} of N = {len(targets)} tokens",
    )
    ppl = math.exp(float(nll.mean()))
    s.scalar("mean NLL (nats per token)", nll.mean())
    s.scalar("perplexity = exp(mean NLL)", ppl)
    r.check_close(
        "exp(mean NLL) by hand == exp(F.cross_entropy(logits, targets))",
        ppl,
        math.exp(F.cross_entropy(logits, targets)),
        atol=1e-9 * ppl,
    )
    geo = float(torch.exp(torch.log(p).mean()))
    r.check_close(
        "perplexity == 1 / geometric mean of p(target)", ppl, 1 / geo, atol=1e-9 * ppl, kind="property"
    )
    s.note(
        "Perplexity is the inverse of the geometric mean of the probabilities given to the true tokens: "
        "a perplexity of 4 means the model was, on average, as unsure as a fair choice among 4 tokens. "
        "It is the same number in any log base (2 ** mean bits == e ** mean nats), and one token given "
        "a tiny probability raises it a lot."
    )
    r.exercise(
        "perplexity-of-four",
        "A model gave these probabilities to the true tokens of a 4-token text: what is its perplexity?",
        math.exp(-sum(math.log(float(q)) for q in p[:4]) / 4),
        given={"p(target)": p[:4]},
        tolerance=1e-3,
    )
    return ppl


def uniform(r: Report, targets, V: int) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("2. the uniform model: perplexity V")
    flat = torch.zeros(len(targets), V, dtype=torch.float64)  # (N, V) equal logits
    ppl = math.exp(float(cross_entropy(flat, targets).mean()))
    m = max(1, V // 2)
    # uniform over m tokens, the true one among them: m equal logits, the rest -inf
    ranks = (torch.arange(V)[None, :] - targets[:, None]) % V  # (N, V) 0 at the target
    partial = torch.where(ranks < m, 0.0, float("-inf")).double()
    ppl_m = math.exp(float(F.cross_entropy(partial, targets)))
    s.table(
        ["model", "perplexity"],
        [[f"uniform over all V = {V}", ppl], [f"uniform over {m} tokens, target among them", ppl_m]],
    )
    r.check_close(f"uniform model's perplexity == V = {V}", ppl, float(V), atol=1e-9 * V)
    r.check_close(f"uniform over {m} tokens (target kept) == {m}", ppl_m, float(m), atol=1e-9 * V)
    s.note("Perplexity reads as an effective number of choices per token (a branching factor).")
    r.exercise("uniform-vocab", "A uniform model over V tokens: its perplexity?", V, given={"V": V})


def true_model_wins(r: Report, logits, targets, ppl: float) -> None:
    s = r.section("3. the model that generated the text has the lowest perplexity (in expectation)")
    rows, worse = [["the generating model (T = 1)", ppl]], True
    for T, what in [(0.4, "too sharp"), (3.0, "too flat")]:
        other = math.exp(float(cross_entropy(logits / T, targets).mean()))
        rows.append([f"softmax(logits / {T:g}): {what}", other])
        worse = worse and other > ppl
    s.table(["model scoring the same text", "perplexity"], rows)
    s.note(
        "The text here was sampled from softmax(logits), so its expected NLL is smallest under that same "
        "distribution (cross-entropy >= entropy, with equality only for the true distribution). An "
        "overconfident model pays for the tokens it rules out; an underconfident one for spreading its bets."
    )
    r.effect(
        "the generating model beats a sharper and a flatter one on its own samples",
        worse,
        "; ".join(f"{a}: {b:.3f}" for a, b in rows),
    )
