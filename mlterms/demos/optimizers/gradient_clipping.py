"""Gradient clipping: rescale a too-long gradient to max_norm, on a loss with a cliff, against clip_grad_norm_."""

from __future__ import annotations

import math

from mlterms.demos.hand.optimizers import clip_total_norm
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

WIDTH, BASIN = 0.1, 0.5  # the cliff's width and the basin's width
STEPS, EDGE = 60, 1.0  # steps per run; the cliff's position


def loss(w, height: float):
    """A basin 1 - exp(-w^2 / 2 s^2) around 0, flat far away, and at w = EDGE a cliff of the given
    height and width 0.1: a sigmoid step, whose slope in the middle is height / (4 * 0.1)."""
    import torch

    return 1 - torch.exp(-(w**2) / (2 * BASIN**2)) + height * torch.sigmoid((w - EDGE) / WIDTH)


def slope(w: float, height: float) -> float:
    """f'(w) written out: the basin's w / s^2 exp(-w^2 / 2 s^2) plus the cliff's height s(1 - s) / width."""
    s = 1 / (1 + math.exp(-(w - EDGE) / WIDTH))
    return w / BASIN**2 * math.exp(-(w**2) / (2 * BASIN**2)) + height * s * (1 - s) / WIDTH


def descend(w0: float, lr: float, height: float, max_norm: float | None) -> list[float]:
    """Gradient descent from w0 by hand, the gradient clipped to max_norm (None: not clipped)."""
    path = [w0]
    for _ in range(STEPS):
        g = slope(path[-1], height)
        if max_norm is not None and abs(g) > max_norm:
            g = g * max_norm / (abs(g) + 1e-6)
        path.append(path[-1] - lr * g)
    return path


def descend_torch(w0: float, lr: float, height: float, max_norm: float) -> list[float]:
    """The same clipped run with autograd's gradient and torch.nn.utils.clip_grad_norm_."""
    import torch
    from torch.nn.utils import clip_grad_norm_

    w = torch.tensor([w0], dtype=torch.float64, requires_grad=True)
    path = [w0]
    for _ in range(STEPS):
        w.grad = None
        loss(w, height).sum().backward()
        clip_grad_norm_([w], max_norm)
        with torch.no_grad():
            w -= lr * w.grad  # type: ignore[operator]
        path.append(float(w.detach()))
    return path


@demo(
    summary="Gradient clipping rescales the gradient when its norm exceeds max_norm, g = g * max_norm / "
    "||g|| (the direction is kept): one huge gradient, as on the face of a cliff in the loss, can no "
    "longer throw the parameters far away in a single step.",
    params=[
        Param("max_norm", "float", 1.0, "the largest gradient norm let through", min=0.1, max=5.0),
        Param("height", "float", 40.0, "the cliff's height (its slope is height / 0.4)", min=10.0, max=100.0),
        Param("lr", "float", 0.1, "the learning rate", min=0.02, max=0.3),
    ],
)
def run(r: Report, *, max_norm: float, height: float, lr: float) -> None:
    import torch

    together(r, max_norm)
    w0 = EDGE + 0.1 * float(torch.rand(1))  # at the top of the cliff, within one width of its middle
    s = r.section(f"a loss with a cliff: {STEPS} steps of gradient descent from w0 = {w0:.3f}")
    s.scalar("w0", w0)
    plain, clipped = descend(w0, lr, height, None), descend(w0, lr, height, max_norm)
    ref = descend_torch(w0, lr, height, max_norm)
    r.check_close("clipped run by hand == autograd + torch.nn.utils.clip_grad_norm_, every step",
                  torch.tensor(clipped), torch.tensor(ref), atol=1e-9)  # fmt: skip
    f = {name: [float(loss(torch.tensor(w), height)) for w in path] for name, path in
         (("plain", plain), ("clipped", clipped))}  # fmt: skip
    s.plot(
        "w per step: the basin is at 0, the cliff at 1", list(range(STEPS + 1)), plain=plain, clipped=clipped
    )
    g0 = slope(w0, height)
    s.table(["run", "first step", "w at the end", "loss at the end"],
            [["no clipping", -lr * g0, plain[-1], f["plain"][-1]],
             [f"clipped to {max_norm:g}", -lr * g0 * min(1.0, max_norm / (abs(g0) + 1e-6)), clipped[-1],
              f["clipped"][-1]]])  # fmt: skip
    s.note(
        f"On the cliff's face the gradient is {abs(g0):.3g}: the plain step throws w {lr * abs(g0):.3g} away, "
        "onto the flat plateau where the gradient is about 0, and it stays there. Clipped, every step is at "
        f"most lr * max_norm = {lr * max_norm:.3g} long, so it walks down the cliff into the basin. Clipping "
        "changes only the length: a small gradient passes unchanged."
    )
    r.effect("clipped descent ends at a lower loss than plain descent", f["clipped"][-1] < f["plain"][-1],
             f"{f['clipped'][-1]:.3g} < {f['plain'][-1]:.3g}")  # fmt: skip


def together(r: Report, max_norm: float) -> None:
    import torch
    from torch.nn.utils import clip_grad_norm_

    s = r.section("the rule: every gradient scaled by one factor")
    grads = [torch.randn(2, 3, dtype=torch.float64), torch.randn(3, dtype=torch.float64)]  # a weight, a bias
    params = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = g.clone()
    torch_norm = float(clip_grad_norm_(params, max_norm))
    clipped, norm = clip_total_norm(grads, max_norm)
    s.tensor("grad of W (2, 3)", grads[0]).tensor("grad of b (3,)", grads[1])
    s.table(["", "value"], [["total norm sqrt(sum of all squares)", norm], ["max_norm", max_norm],
                            ["scale min(1, max_norm / norm)", min(1.0, max_norm / (norm + 1e-6))]])  # fmt: skip
    s.note(
        "clip_grad_norm_ treats all the gradients as one long vector: its norm decides one scale for every "
        "tensor, so the update keeps its direction. clip_grad_value_ instead clamps each entry to "
        "[-c, c], which changes the direction. In a loop: loss.backward(), clip, then optimizer.step()."
    )
    r.check_close("hand clip == torch.nn.utils.clip_grad_norm_ (both tensors)",
                  torch.cat([c.flatten() for c in clipped]), torch.cat([p.grad.flatten() for p in params]),  # type: ignore[union-attr]
                  atol=1e-12)  # fmt: skip
    r.check_close("hand total norm == the norm clip_grad_norm_ returns", norm, torch_norm, atol=1e-12)
    flat, raw = torch.cat([c.flatten() for c in clipped]), torch.cat([g.flatten() for g in grads])
    cos = float(flat @ raw / (flat.norm() * raw.norm()))
    r.check("the clipped gradient has norm min(norm, max_norm) and the same direction",
            abs(float(flat.norm()) - min(norm, max_norm)) < 1e-5 and cos > 1 - 1e-12,
            f"norm {float(flat.norm()):.4f}, cosine {cos:.12f}", kind="property")  # fmt: skip
    r.exercise(
        "clipped-entry",
        "clip_grad_norm_ with this max_norm on these two gradients: what does the first entry of W's "
        "gradient become?",
        float(clipped[0][0, 0]),
        given={"grad W": grads[0], "grad b": grads[1], "max_norm": max_norm},
        tolerance=1e-3,
    )
