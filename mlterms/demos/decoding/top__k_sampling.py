"""Top-k sampling: keep the k likeliest tokens, renormalise, sample; the same k on peaked and flat rows."""

from __future__ import annotations

from mlterms.demos.hand.decoding import frequencies, frequency_tolerance, inverse_cdf_sample, top_k_filter
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="Top-k sampling draws the next token only from the k most probable ones, their probabilities "
    "renormalised to sum to 1: the unlikely tail is never picked, whatever the shape of the distribution.",
    params=[
        Param("k", "int", 3, "tokens kept (at most the vocabulary)", min=1, max=30),
        Param("vocab", "int", 12, "V, tokens in the distribution", min=2, max=30),
        Param("samples", "int", 20000, "draws from the filtered distribution", min=2000, max=50000),
    ],
)
def run(r: Report, *, k: int, vocab: int, samples: int) -> None:
    import torch

    k = min(k, vocab)
    z = (1.5 * torch.randn(vocab, dtype=torch.float64)).sort(descending=True).values  # (V,) logits, sorted
    q = filtered(r, z, k)
    sampled(r, q, samples)
    peaked_and_flat(r, z, k)
    s = r.section("see also")
    s.note(
        "'top-p sampling' keeps a varying number of tokens instead, as many as it takes to cover a mass p; "
        "'temperature' reshapes the distribution before either filter; 'greedy decoding' is top-k with k = 1."
    )


def filtered(r: Report, z, k: int):
    import torch

    s = r.section(f"1. keep the top k = {k} of V = {len(z)}, renormalise")
    p = torch.softmax(z, dim=0)
    q = top_k_filter(p, k)  # by hand: sort, keep k, divide by their sum
    kth = torch.topk(z, k).values[-1]
    q_ref = torch.softmax(torch.where(z < kth, float("-inf"), z), dim=0)  # the logit-masking way
    s.table(["token", "logit", "p", "top-k p"], [[i, z[i], p[i], q[i]] for i in range(len(z))])
    r.check_close(
        "top-k by hand (sort, keep, renormalise) == softmax of logits masked below the k-th", q, q_ref, 1e-12
    )
    kept = q > 0
    r.check(
        "the kept tokens keep their odds: q_i / q_j == p_i / p_j",
        bool(torch.allclose(q[kept] / q[0], p[kept] / p[0], rtol=1e-12)),
        kind="property",
    )
    s.note(
        f"The {k} kept tokens held {float(p[:k].sum()):.3f} of the mass; dividing by it rescales them without "
        "changing their order or their ratios, and the other tokens get exactly 0."
    )
    r.exercise(
        "top-after-filter",
        "Keep the top k of these probabilities and renormalise: what is the largest one now?",
        q.max(),
        given={"p (sorted)": p, "k": k},
        tolerance=1e-3,
    )
    return q


def sampled(r: Report, q, n: int) -> None:
    import torch

    s = r.section(f"2. {n} samples")
    by_hand = frequencies(inverse_cdf_sample(q, n), len(q))  # (V,)
    by_torch = frequencies(torch.multinomial(q, n, replacement=True), len(q))
    tol = frequency_tolerance(q, n)  # 5 binomial standard errors, and 5 counts
    shown = int((q > 0).sum()) + 1 if len(q) > int((q > 0).sum()) else len(q)
    s.table(
        ["token", "top-k p", "inverse-CDF freq", "torch.multinomial freq", "5 SE + 5/n"],
        [[i, q[i], by_hand[i], by_torch[i], tol[i]] for i in range(shown)],
        title="the kept tokens and the first dropped one",
    )
    for name, f in [("inverse-CDF sampler by hand", by_hand), ("torch.multinomial", by_torch)]:
        r.check(
            f"{name}: frequencies == top-k p, within 5 SE",
            bool(((f - q).abs() <= tol).all()),
            f"max|f - p| / tolerance {float(((f - q).abs() / tol).max()):.2f}",
            kind="reference",
        )
    r.check(
        "no sample outside the top k",
        float(by_hand[q == 0].sum() + by_torch[q == 0].sum()) == 0.0,
        kind="property",
    )


def peaked_and_flat(r: Report, z, k: int) -> None:
    import torch

    s = r.section(f"3. the same k = {k} on a peaked and a flat distribution")
    rows, masses = [], []
    for T in (0.25, 0.5, 1.0, 2.0, 4.0):
        p = torch.softmax(z / T, dim=0)
        masses.append(float(p[:k].sum()))
        smallest = float(p[k - 1])
        rows.append([T, masses[-1], smallest, float(p[k]) if k < len(p) else 0.0])
    s.table(["temperature T", "mass in the top k", "smallest kept p", "largest dropped p"], rows)
    s.note(
        "On a peaked row (low T) the top k hold nearly all the mass, yet the last kept tokens are unlikely "
        "and still get drawn; on a flat row (high T) the same k throws away plausible tokens. A fixed k "
        "cannot suit both: top-p sampling adapts the number kept to the shape."
    )
    r.check(
        "the top-k mass never rises with T (raising T flattens softmax(z / T))",
        all(a >= b - 1e-12 for a, b in zip(masses, masses[1:], strict=False)),
        " >= ".join(f"{m:.3f}" for m in masses),
        kind="property",
    )
