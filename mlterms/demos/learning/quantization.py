"""Quantization: float32 weights stored as int8 codes and one scale; round-trip error at most scale / 2."""

from __future__ import annotations

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

QMIN, QMAX = -128, 127  # int8
OUT, IN = 32, 64


def quantize(w, scale):
    """Symmetric int8: q = clamp(round(w / scale), -128, 127), and back: w_hat = q * scale.
    scale is a number, or one per row (OUT, 1). Returns the codes q (as float) and w_hat.

    w / scale is computed as w * (1 / scale), as PyTorch's kernels do: the largest |w| lands on 127.5,
    a tie, and the two ways of dividing can round it to different sides (then the clamp decides)."""
    q = (w * (1.0 / scale)).round().clamp(QMIN, QMAX)  # same shape as w, whole numbers
    return q, q * scale


def symmetric_scale(w, dim=None):
    """max |w| / ((qmax - qmin) / 2) = max |w| / 127.5, over the whole tensor or each row (dim=1)."""
    top = w.abs().max() if dim is None else w.abs().amax(dim=dim, keepdim=True)
    return top / ((QMAX - QMIN) / 2)


@demo(
    summary="Quantization stores numbers with fewer bits, eg float32 weights as int8 codes times a scale: "
    "4x less memory and faster integer maths, for a rounding error of at most scale / 2 per weight.",
    params=[
        Param("outlier", "float", 20.0, "one weight set to this many standard deviations", min=1.0, max=100.0)
    ],
)
def run(r: Report, *, outlier: float) -> None:
    import torch
    from torch.ao.quantization.observer import MinMaxObserver

    w = torch.randn(OUT, IN) * 0.05  # (32, 64) a layer's weights, std 0.05
    w[0, 0] = outlier * 0.05  # one large weight: common in trained models
    x = torch.randn(500, IN)  # (500, 64) held-out inputs to the layer

    s = r.section("1. per tensor: one scale for all 2048 weights")
    scale = symmetric_scale(w)
    observer = MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric)
    observer(w)
    ref_scale, ref_zero = observer.calculate_qparams()
    r.check_close(
        "scale max|w| / 127.5 == torch.ao MinMaxObserver (per_tensor_symmetric)",
        scale,
        ref_scale[0],
        atol=1e-9,
    )
    q, w_hat = quantize(w, scale)
    fake = torch.fake_quantize_per_tensor_affine(w, float(scale), int(ref_zero[0]), QMIN, QMAX)
    r.check_close("round trip by hand == torch.fake_quantize_per_tensor_affine", w_hat, fake, atol=1e-7)
    err = (w - w_hat).abs()
    slack = 1e-6 * float(w.abs().max())  # a few float32 roundings of the largest weight: it sits on the tie
    r.check("every weight is within scale / 2 of its original", bool((err <= scale / 2 + slack).all()),
            f"max {float(err.max()):.2e} <= {float(scale) / 2:.2e}", kind="property")  # fmt: skip
    r.check("the codes are whole numbers in [-128, 127]", bool((q == q.round()).all() and q.min() >= QMIN and q.max() <= QMAX),
            kind="property")  # fmt: skip
    s.tensor("w[0, :4] (float32)", w[0, :4])
    s.tensor("q[0, :4] (int8 codes)", q[0, :4])
    s.tensor("w_hat[0, :4] = q * scale", w_hat[0, :4])
    s.table(
        ["store", "bytes"],
        [["float32 weights", 4 * w.numel()], ["int8 codes + one float32 scale", w.numel() + 4]],
    )

    s = r.section("2. per channel: one scale for each output row")
    row_scale = symmetric_scale(w, dim=1)  # (32, 1)
    _, w_row = quantize(w, row_scale)
    fake_row = torch.fake_quantize_per_channel_affine(w, row_scale[:, 0], torch.zeros(OUT, dtype=torch.int32), 0,
                                                      QMIN, QMAX)  # fmt: skip
    r.check_close(
        "per-channel round trip by hand == torch.fake_quantize_per_channel_affine", w_row, fake_row, atol=1e-7
    )
    y = x @ w.T  # (500, 32) the float layer's outputs
    rel = {name: float(((x @ m.T - y) ** 2).mean().sqrt() / y.pow(2).mean().sqrt()) for name, m in
           (("int8, one scale per tensor", w_hat), ("int8, one scale per row", w_row))}  # fmt: skip
    s.table(["weights", "relative RMS error of the layer's outputs"], [[k, v] for k, v in rel.items()],
            title="500 held-out inputs")  # fmt: skip
    s.note(f"One weight at {outlier:g} standard deviations stretches the per-tensor scale, so every other weight "
           "gets few of the 256 levels. A scale per row confines the damage to row 0. Post-training quantization "
           "like this needs no retraining; quantization-aware training simulates the rounding (fake quantize) "
           "while training. Pruning and distilling are other ways to shrink a model.")  # fmt: skip
    tensor_err, row_err = rel.values()
    r.effect("int8 per row keeps the layer's outputs within 2% (RMS)", row_err < 0.02, f"{row_err:.4f}")
    r.effect("with an outlier, a scale per row beats one scale per tensor", row_err < tensor_err,
             f"{row_err:.4f} < {tensor_err:.4f}", asserted=outlier >= 5)  # fmt: skip
    m = round(float(torch.rand(())) * 2 + 0.5, 2)
    r.exercise("int8-scale", "Symmetric int8 with max |w| = m: what is the scale, m / 127.5?", m / 127.5,
               given={"max_abs": m}, tolerance=1e-5)  # fmt: skip
    v = round(float(torch.rand(())) * m, 3)
    r.exercise("round-trip", "With that scale, what does a weight v come back as (q = round(v / scale))?",
               round(v / (m / 127.5)) * (m / 127.5), given={"v": v, "scale": m / 127.5}, tolerance=1e-5)  # fmt: skip
