"""Mixed precision: bf16 and fp16 rounding against fp32, and loss scaling saving small fp16 gradients."""

from __future__ import annotations

import math

from mlterms.demos.hand.optimizers import round_significand
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

FORMATS = (("bfloat16", 8, 2.0**-126), ("float16", 11, 2.0**-14))  # significand bits, smallest normal
HALF_TINY = 2.0**-25  # half of fp16's smallest subnormal 2^-24: anything up to it rounds to 0


@demo(
    summary="Mixed precision computes in 16-bit floats (bf16 or fp16) and keeps the master weights and "
    "the update in fp32; fp16's narrow range makes small gradients underflow to 0, so the loss is "
    "multiplied by a scale S before backward and the gradients divided by S after.",
    params=[
        Param("scale_exp", "int", 16, "the loss scale is S = 2^scale_exp", min=0, max=28),
        Param("smallest", "float", -10.0, "log10 of the smallest gradient", min=-12.0, max=-5.0),
    ],
)
def run(r: Report, *, scale_exp: int, smallest: float) -> None:
    rounding(r)
    lost_update(r)
    loss_scaling(r, scale_exp, smallest)


def rounding(r: Report) -> None:
    import torch

    s = r.section("rounding: 8 significand bits (bf16), 11 (fp16), 24 (fp32)")
    x = (torch.randn(4000) * torch.exp(torch.empty(4000).uniform_(-9, 11))).float()  # (4000,) fp32 values
    x = x[(x.abs() >= 2.0**-14) & (x.abs() <= 60000)]  # inside fp16's normal range
    rows = []
    for name, bits, _ in FORMATS:
        dt = getattr(torch, name)
        cast = x.to(dt).double()  # torch's conversion, round to nearest even
        hand = round_significand(x.double(), bits)
        rel = ((cast - x.double()).abs() / x.double().abs()).max().item()
        u = 2.0**-bits  # unit roundoff: half the spacing just above 1
        rows.append([name, bits, torch.finfo(dt).eps, u, rel, float(torch.finfo(dt).max)])
        r.check_close(f"{name}: hand rounding to {bits} bits == x.to(torch.{name})", hand, cast, atol=0.0)
        r.check(f"{name}: relative rounding error <= 2^-{bits}", rel <= u, f"max {rel:.3g} <= {u:.3g}",
                kind="property")  # fmt: skip
    s.table(["format", "significand bits", "eps (spacing at 1)", "unit roundoff 2^-bits", "max relative error",
             "largest finite"], rows, title=f"{len(x)} random fp32 values from 1e-4 to 6e4")  # fmt: skip
    s.note(
        "bf16 keeps fp32's 8 exponent bits (range to 3.4e38) but only 8 significand bits: about 2-3 decimal "
        "digits. fp16 has 3 more significand bits but 5 exponent bits: its largest number is 65504 and its "
        "smallest normal 6.1e-5. On a CPU this demo shows the numbers only: 16-bit speed-ups need hardware "
        "that computes in them (GPUs' tensor cores), so none is claimed here."
    )


def lost_update(r: Report) -> None:
    import torch

    s = r.section("why the master weights stay in fp32")
    w, step = 1.0, 1e-3  # a weight and a typical lr * grad
    rows, after = [], {}
    for name in ("bfloat16", "float16", "float32"):
        dt = getattr(torch, name)
        new = float(torch.tensor(w, dtype=dt) + torch.tensor(step, dtype=dt))
        after[name] = new
        rows.append([name, new, new - w])
    s.table(["format", f"{w:g} + {step:g}", "the change kept"], rows)
    s.note(
        "Near 1, bf16's numbers are 2^-7 = 0.0078 apart: an update of 0.001 rounds away and the weight never "
        "moves. Mixed-precision training therefore keeps an fp32 copy of the weights, adds the update there, "
        "and casts to 16 bits only for the forward and backward passes."
    )
    r.check("bf16: 1 + 0.001 rounds back to 1 (the update is lost); fp32 keeps it",
            after["bfloat16"] == w and abs(after["float32"] - w - step) < 1e-6,
            ", ".join(f"{k} {v:.7g}" for k, v in after.items()), kind="property")  # fmt: skip


def loss_scaling(r: Report, scale_exp: int, smallest: float) -> None:
    import torch

    scale = 2.0**scale_exp
    s = r.section(f"loss scaling: gradients from 1e{smallest:g} to 1e-2, stored in fp16, S = 2^{scale_exp}")
    n = 2000
    g = (torch.sign(torch.randn(n)) * 10 ** torch.empty(n).uniform_(smallest, -2)).float()  # (n,) fp32 "true"
    plain = g.half().float()  # what an fp16 backward would store
    scaled = (g * scale).half().float() / scale  # backward of S * loss in fp16, unscaled in fp32
    zeros = int((plain == 0).sum())
    predicted = int((g.abs() <= HALF_TINY).sum())

    def med_rel(h) -> float:
        ok = torch.isfinite(h)
        return float(((h[ok] - g[ok]).abs() / g[ok].abs()).median()) if ok.any() else math.inf

    inf = int(torch.isinf(scaled).sum())
    s.table(["", "gradients that became 0", "became inf", "median relative error"],
            [["fp16, no scaling", zeros, 0, med_rel(plain)],
             [f"fp16, S = 2^{scale_exp}", int((scaled == 0).sum()), inf, med_rel(scaled)],
             ["bf16, no scaling", int((g.bfloat16() == 0).sum()), 0, med_rel(g.bfloat16().float())]])  # fmt: skip
    s.note(
        "fp16 stores nothing below 2^-24 = 6e-8 (values up to half of it round to 0) and only few bits "
        "below 6.1e-5 (subnormals). Multiplying the loss by S multiplies every gradient by S (the chain rule "
        "is linear), lifting them into range; dividing by S in fp32 afterwards gives them back. Too large an "
        "S overflows the largest gradients to inf: torch.amp.GradScaler then skips that step and halves S "
        "(it starts at 2^16). bf16's range needs no scaling, at the price of fewer bits."
    )
    r.check_equal("fp16 zeros == the gradients with |g| <= 2^-25 (half the smallest subnormal)", zeros, predicted,
                  kind="reference")  # fmt: skip
    asserted = 8 <= scale_exp <= 20 and smallest <= -8
    r.effect("loss scaling keeps more gradients than none (fewer zeros)", int((scaled == 0).sum()) < zeros,
             f"{int((scaled == 0).sum())} < {zeros}", asserted=asserted)  # fmt: skip
    r.effect("and makes the median relative error smaller", med_rel(scaled) < med_rel(plain),
             f"{med_rel(scaled):.2g} < {med_rel(plain):.2g}", asserted=asserted)  # fmt: skip
    r.exercise(
        "largest-safe-scale",
        "fp16's largest number is 65504. What is the largest power of two S = 2^k that does not overflow "
        "the largest of these gradients? Give k.",
        math.floor(math.log2(65504 / float(g.abs().max()))),
        given={"largest |gradient|": float(g.abs().max()), "fp16 max": 65504},
    )
    r.exercise(
        "bf16-spacing",
        "bf16 has 8 significand bits. How far apart are its numbers between 1 and 2?",
        2.0**-7,
        given={"bits": 8},
        tolerance=1e-6,
    )
