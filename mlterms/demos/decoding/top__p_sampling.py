"""Top-p (nucleus) sampling: the smallest set of tokens holding mass p, whose size follows the entropy."""

from __future__ import annotations

import math

from mlterms.demos.hand.activations import entropy
from mlterms.demos.hand.decoding import frequencies, frequency_tolerance, nucleus_size, top_p_filter
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

TEMPS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)


@demo(
    summary="Top-p (nucleus) sampling draws the next token from the smallest set of likeliest tokens whose "
    "probabilities add up to at least p, renormalised: few tokens when the model is sure, many when it is not.",
    params=[
        Param("top_p", "float", 0.9, "p, the mass the nucleus must hold", min=0.05, max=1.0),
        Param("vocab", "int", 12, "V, tokens in the distribution", min=2, max=30),
        Param("samples", "int", 20000, "draws from the nucleus", min=2000, max=50000),
    ],
)
def run(r: Report, *, top_p: float, vocab: int, samples: int) -> None:
    import torch

    z = (1.5 * torch.randn(vocab, dtype=torch.float64)).sort(descending=True).values  # (V,) logits, sorted
    q = nucleus(r, z, top_p)
    sampled(r, q, samples)
    with_entropy(r, z, top_p)
    s = r.section("see also")
    s.note(
        "'top-k sampling' keeps a fixed number of tokens whatever the shape; 'temperature' changes the "
        "shape, and with it the nucleus; p = 1 is plain sampling, and a tiny p is greedy decoding."
    )


def nucleus(r: Report, z, top_p: float):
    import torch

    s = r.section(f"1. the nucleus for p = {top_p:g}")
    p = torch.softmax(z, dim=0)
    m = nucleus_size(p, top_p)  # by hand: add the sorted probabilities until they reach p
    q = top_p_filter(p, top_p)
    cum = p.sort(descending=True).values.cumsum(0)  # (V,)
    before = cum - p.sort(descending=True).values  # mass of the tokens above each one
    m_ref = int((before < top_p - 1e-12).sum())  # a token is kept if the mass above it is still short of p
    s.table(
        ["token", "p", "cumulative p", "in the nucleus", "top-p p"],
        [[i, p[i], cum[i], "yes" if q[i] > 0 else "", q[i]] for i in range(len(z))],
    )
    s.scalar("nucleus size m", m)
    r.check_equal(
        "nucleus size by the running sum == count of tokens whose mass above is < p",
        m,
        m_ref,
        kind="reference",
    )
    short = float(cum[m - 2]) if m >= 2 else 0.0
    r.check(
        "smallest: the top m - 1 hold less than p, the top m at least p",
        short < top_p <= float(cum[m - 1]) + 1e-12,
        f"{short:.4f} < {top_p:g} <= {float(cum[m - 1]):.4f}",
        kind="property",
    )
    r.check_close("the nucleus, renormalised, sums to 1", q.sum(), 1.0, 1e-12, kind="property")
    r.exercise(
        "nucleus-size",
        "Sorted probabilities below: how many tokens are in the nucleus for this p?",
        m,
        given={"p (sorted)": p, "top_p": top_p},
    )
    return q


def sampled(r: Report, q, n: int) -> None:
    import torch

    s = r.section(f"2. {n} samples from the nucleus")
    f = frequencies(torch.multinomial(q, n, replacement=True), len(q))  # (V,)
    tol = frequency_tolerance(q, n)  # 5 binomial standard errors, and 5 counts
    kept = int((q > 0).sum())
    s.table(
        ["token", "top-p p", "torch.multinomial freq", "5 SE + 5/n"],
        [[i, q[i], f[i], tol[i]] for i in range(kept)],
    )
    r.check(
        "frequencies == top-p p, within 5 SE",
        bool(((f - q).abs() <= tol).all()),
        f"max|f - p| / tolerance {float(((f - q).abs() / tol).max()):.2f}",
        kind="reference",
    )
    r.check("no sample outside the nucleus", float(f[q == 0].sum()) == 0.0, kind="property")


def with_entropy(r: Report, z, top_p: float) -> None:
    import torch

    s = r.section("3. the nucleus grows with the entropy of the distribution")
    rows, sizes, ents = [], [], []
    for T in TEMPS:
        p = torch.softmax(z / T, dim=0)
        sizes.append(nucleus_size(p, top_p))
        ents.append(float(entropy(p)))
        rows.append([T, ents[-1], math.exp(ents[-1]), sizes[-1]])
    s.table(["temperature T", "entropy (nats)", "exp(entropy)", f"nucleus size, p = {top_p:g}"], rows)
    s.note(
        "Raising T flattens softmax(z / T): its entropy rises, each top-m mass falls, and so more tokens are "
        "needed to reach p. A sure model samples among a handful, an unsure one among many; exp(entropy) "
        "is a rough guide to the count. Top-k would keep the same number at every row."
    )
    r.check(
        "the nucleus never shrinks as T (and the entropy) rises",
        all(a <= b for a, b in zip(sizes, sizes[1:], strict=False))
        and all(a <= b + 1e-12 for a, b in zip(ents, ents[1:], strict=False)),
        " <= ".join(map(str, sizes)),
        kind="property",
    )
