"""Temperature: softmax(z / T), its two limits, entropy rising with T, and sampling at a temperature."""

from __future__ import annotations

import math

from mlterms.demos.hand.activations import entropy, softmax
from mlterms.demos.hand.decoding import frequencies, frequency_tolerance
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="Temperature T divides the logits before softmax, softmax(z / T): T > 1 flattens the "
    "distribution (more varied samples), T < 1 sharpens it, and T -> 0 gives the argmax.",
    params=[
        Param("T", "float", 0.7, "the temperature", min=0.05, max=20),
        Param("classes", "int", 5, "K, the number of logits", min=2, max=10),
        Param("samples", "int", 20000, "samples drawn at temperature T", min=1000, max=50000),
    ],
)
def run(r: Report, *, T: float, classes: int, samples: int) -> None:
    import torch

    z = (2 * torch.randn(classes, dtype=torch.float64)).sort(descending=True).values  # (K,) largest first
    s = r.section(f"softmax(z / T) at T = {T:g}")
    p = softmax(z, T)
    s.tensor("logits z (K,), sorted", z)
    s.tensor(f"softmax(z / {T:g})", p)
    r.check_close(
        "softmax(z / T) by hand == torch.softmax(z / T)", p, torch.softmax(z / T, dim=-1), atol=1e-12
    )
    limits(r, z, T)
    entropy_curve(r, z, T)
    sampling(r, z, T, samples)
    s = r.section("see also")
    s.note(
        "The demo 'softmax' has the stable formula and the gradient (p - y) / T; 'distilling' uses a "
        "high T for the teacher's soft targets."
    )


def limits(r: Report, z, T: float) -> None:
    import torch

    s = r.section("T -> 0: the argmax; T -> inf: uniform")
    K = len(z)
    gap, spread = float(z[0] - z[1]), float(z[0] - z[-1])  # top gap, whole range
    rows, near_hot, near_flat = [], True, True
    for t in sorted({0.05, 0.2, 0.5, 1.0, 2.0, 5.0, 20.0, T}):
        q = softmax(z, t)
        one_hot = torch.zeros(K, dtype=torch.float64)
        one_hot[0] = 1.0
        hot_bound = (K - 1) * math.exp(-gap / t)  # 1 - p_max <= (K - 1) e^(-gap / T)
        near_hot = near_hot and float(1 - q[0]) <= hot_bound * (1 + 1e-12)
        lo, hi = 1 / (1 + (K - 1) * math.exp(spread / t)), 1 / (1 + (K - 1) * math.exp(-spread / t))
        near_flat = near_flat and bool(((q >= lo * (1 - 1e-12)) & (q <= hi * (1 + 1e-12))).all())
        rows.append([t, q[0], (q - one_hot).abs().max(), (q - 1 / K).abs().max(), entropy(q)])
    s.table(
        ["T", "p(top class)", "max|p - one_hot(argmax)|", "max|p - 1/K|", "entropy (nats)"],
        rows,
        title=f"K = {K}; top gap {gap:.3f}, range {spread:.3f}",
    )
    s.note(
        "Dividing by a small T multiplies every gap between logits: the top class takes the rest "
        "exponentially fast, 1 - p_max <= (K - 1) e^(-gap / T), so T -> 0 is the argmax (greedy "
        "decoding). A large T shrinks the gaps toward 0: every p_i lies between "
        "1 / (1 + (K - 1) e^(range / T)) and 1 / (1 + (K - 1) e^(-range / T)), both -> 1/K. The order of the "
        "classes never changes."
    )
    r.check(
        "1 - p_max <= (K - 1) exp(-gap / T) at every T of the table",
        near_hot,
        f"gap {gap:.3f}",
        kind="property",
    )
    r.check(
        "every p_i within the uniform bounds at every T of the table",
        near_flat,
        f"range {spread:.3f}",
        kind="property",
    )
    r.exercise(
        "entropy-at-infinity",
        "As T -> inf, what does the entropy of softmax(z / T) approach, in nats, for K classes?",
        math.log(K),
        given={"K": K},
        tolerance=1e-3,
    )


def entropy_curve(r: Report, z, T: float) -> None:
    import torch

    s = r.section("entropy rises with T")
    temps = torch.logspace(-2, 2, 81, dtype=torch.float64)  # (81,) T from 0.01 to 100
    H = entropy(softmax(z[None, :] / temps[:, None]))  # (81,) one softmax per row, T folded into z
    s.plot(
        "entropy of softmax(z / T) (nats) against log10 T",
        temps.log10(),
        entropy=H,
        ln_K=torch.full_like(H, math.log(len(z))),
    )
    s.note(
        "From 0 (one-hot) at T -> 0 to ln K (uniform) at T -> inf, never falling: its derivative in "
        "T is the variance of z under softmax(z / T), divided by T^3, never negative."
    )
    steps = H[1:] - H[:-1]
    r.check(
        "entropy never falls as T rises (81 temperatures, 0.01 to 100)",
        bool((steps >= -1e-12).all()),
        f"smallest step {float(steps.min()):.1e}",
        kind="property",
    )
    r.check(
        "entropy stays within [0, ln K]",
        float(H.min()) >= -1e-12 and float(H.max()) <= math.log(len(z)) + 1e-12,
        f"{float(H.min()):.4f} to {float(H.max()):.4f}, ln K = {math.log(len(z)):.4f}",
        kind="property",
    )


def sampling(r: Report, z, T: float, n: int) -> None:
    import torch

    s = r.section(f"sampling at T = {T:g}: {n} draws")
    p = softmax(z, T)
    u = torch.rand(n, len(z), dtype=torch.float64).clamp(min=1e-300)  # (n, K)
    gumbel = torch.argmax(z / T - (-u.log()).log(), dim=1)  # (n,) the Gumbel-max trick, by hand
    drawn = torch.multinomial(p, n, replacement=True)  # (n,) PyTorch's sampler
    f_gumbel, f_torch = frequencies(gumbel, len(z)), frequencies(drawn, len(z))  # (K,) each
    tol = frequency_tolerance(p, n)  # 5 binomial standard errors (+ 5 counts for rare classes)
    s.table(
        ["class", "z", "p = softmax(z / T)", "Gumbel-max freq", "torch.multinomial freq", "5 SE + 5/n"],
        [[i, z[i], p[i], f_gumbel[i], f_torch[i], tol[i]] for i in range(len(z))],
    )
    s.note(
        "Sampling by hand: argmax_i (z_i / T + g_i), with g_i = -log(-log u_i) and u_i uniform "
        "(Gumbel noise), lands on class i with probability softmax(z / T)_i. Each frequency is a "
        "binomial proportion with standard error sqrt(p (1 - p) / n), so it sits within a few of "
        "them of p. A language model sampling at T > 1 picks unlikely tokens more often, at T < 1 "
        "it keeps closer to the most likely one."
    )
    r.check(
        "Gumbel-max frequencies == softmax(z / T), within 5 SE",
        bool(((f_gumbel - p).abs() <= tol).all()),
        f"max|f - p| / tolerance {float(((f_gumbel - p).abs() / tol).max()):.2f}",
        kind="reference",
    )
    r.check(
        "torch.multinomial frequencies == softmax(z / T), within 5 SE",
        bool(((f_torch - p).abs() <= tol).all()),
        f"max|f - p| / tolerance {float(((f_torch - p).abs() / tol).max()):.2f}",
        kind="reference",
    )
    r.exercise(
        "top-count",
        "n samples at temperature T from these logits: about how many land on the first (largest) logit?",
        n * p[0],
        given={"logits": z, "T": T, "n": n},
        tolerance=max(1.0, 3 * float((n * p[0] * (1 - p[0])).sqrt())),
    )
