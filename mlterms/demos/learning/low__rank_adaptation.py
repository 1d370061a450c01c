"""Low-rank adaptation (LoRA): adapt a frozen weight W0 by a trainable low-rank update B @ A."""

from __future__ import annotations

from mlterms.demos.hand.fit import fit_adam
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

OUT, IN, TRUE_RANK = 16, 24, 2
N_TRAIN, ALPHA = 48, 4.0
STEPS, LR = 60, 0.1


def lora_forward(x, w0, a, b, scale: float):
    """y = x W0^T + scale * (x A^T) B^T, never forming B @ A: x (N, in), W0 (out, in), A (r, in), B (out, r)."""
    return x @ w0.T + scale * (x @ a.T) @ b.T  # (N, out)


@demo(
    summary="Low-rank adaptation (LoRA) fine-tunes a big model cheaply: each weight W0 stays frozen and a "
    "trainable update B @ A of small rank r is added, so only r * (in + out) numbers train instead of out * in.",
    params=[Param("rank", "int", 2, "rank r of the update B @ A", min=1, max=8)],
)
def run(r: Report, *, rank: int) -> None:
    import torch

    w0 = torch.randn(OUT, IN) / IN**0.5  # (16, 24) the "pretrained" weight, frozen
    delta = (
        torch.randn(OUT, TRUE_RANK) @ torch.randn(TRUE_RANK, IN) / IN**0.5
    )  # (16, 24) the new task's change
    x, x_test = torch.randn(N_TRAIN, IN), torch.randn(500, IN)  # (20, 24), (500, 24)
    y = x @ (w0 + delta).T + 0.1 * torch.randn(N_TRAIN, OUT)  # (20, 16) the new task's few examples
    y_test = x_test @ (w0 + delta).T
    scale = ALPHA / rank
    a = (torch.randn(rank, IN) / IN**0.5).requires_grad_()  # (r, 24) random
    b = torch.zeros(OUT, rank, requires_grad=True)  # (16, r) zero: B @ A = 0 at the start

    s = r.section(f"1. W = W0 + (alpha / r) B @ A, with r = {rank}")
    lora_count, full_count = a.numel() + b.numel(), w0.numel()
    s.table(["what trains", "parameters"],
            [["full fine-tuning: all of W", full_count], [f"LoRA: A ({rank}, {IN}) and B ({OUT}, {rank})", lora_count]])  # fmt: skip
    r.check_equal("trainable parameters == r * (in + out)", lora_count, rank * (IN + OUT), kind="reference")
    with torch.no_grad():
        r.check_close("with B = 0 at the start the adapted model equals the frozen one exactly",
                      lora_forward(x, w0, a, b, scale), x @ w0.T, atol=0.0, kind="property")  # fmt: skip
    losses = fit_adam([a, b], lambda: ((lora_forward(x, w0, a, b, scale) - y) ** 2).mean(), STEPS, LR)
    r.check(
        "the training loss falls",
        losses[-1] < losses[0],
        f"{losses[-1]:.4f} < {losses[0]:.4f}",
        kind="property",
    )

    s = r.section(f"2. train A and B on {N_TRAIN} examples of the new task; W0 never changes")
    s.plot("training MSE", list(range(STEPS)), loss=losses)
    with torch.no_grad():
        merged = w0 + scale * b @ a  # (16, 24) folded in once: no extra cost when serving
        r.check_close("adapter forward x W0^T + s (x A^T) B^T == x (W0 + s B A)^T (the merged weight)",
                      lora_forward(x_test, w0, a, b, scale), x_test @ merged.T, atol=1e-5)  # fmt: skip
        rank_seen = int(torch.linalg.matrix_rank(b @ a))
        r.check("rank(B @ A) <= r", rank_seen <= rank, f"matrix_rank {rank_seen} <= {rank}", kind="property")
        full = torch.linalg.lstsq(
            x, y
        ).solution.T  # (16, 24) full fine-tuning: the least-squares W (min norm)
        mse = {name: float(((x_test @ m.T - y_test) ** 2).mean()) for name, m in
               (("frozen W0 (no adaptation)", w0), (f"LoRA, rank {rank}", merged), ("full fine-tuning (least squares)", full))}  # fmt: skip
    s.table(
        ["model", "held-out MSE"],
        [[k, v] for k, v in mse.items()],
        title="500 held-out inputs of the new task",
    )
    s.note(f"The new task changed W0 by a rank-{TRUE_RANK} matrix, so a rank-{TRUE_RANK} update can hold it: LoRA "
           f"gets close to full fine-tuning while training {lora_count} of {full_count} numbers (try rank=1: too "
           "small a family for this change). A distilled or pruned model is smaller; a LoRA model keeps its size "
           "and is cheaper to adapt and to store per task (only A and B).")  # fmt: skip
    frozen, lora, _ = mse.values()
    r.effect(
        "LoRA lowers the held-out error far below the frozen model",
        lora < 0.2 * frozen,
        f"{lora:.3f} vs {frozen:.3f}",
    )
    r.exercise("lora-parameters", "A LoRA update of rank r on a (out, in) weight: how many numbers train?",
               8 * (4096 + 4096), given={"out": 4096, "in": 4096, "r": 8})  # fmt: skip
    r.exercise("lora-fraction", "And what fraction is that of full fine-tuning's out * in?",
               8 * (4096 + 4096) / 4096**2, given={"out": 4096, "in": 4096, "r": 8}, tolerance=1e-5)  # fmt: skip
