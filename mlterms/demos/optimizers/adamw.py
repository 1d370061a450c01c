"""AdamW: Adam with the weight decay taken out of the gradient, by hand against torch.optim.adamw.adamw."""

from __future__ import annotations

from mlterms.demos.hand.optimizers import adamw_step
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

SCALES = (0.01, 1.0, 100.0)  # gradient sizes of three weights: tiny, ordinary, large
WARM = 10  # noise steps that fill m and v before the step that is compared


def functional(name: str, w, g, m, v, t, lr: float, wd: float) -> None:
    """One in-place step of torch.optim.adam.adam or torch.optim.adamw.adamw, the optimizers' kernels."""
    from torch.optim.adam import adam
    from torch.optim.adamw import adamw

    fn = adamw if name == "adamw" else adam
    fn([w], [g], [m], [v], [], [t], amsgrad=False, beta1=0.9, beta2=0.999, lr=lr, weight_decay=wd, eps=1e-8,
       maximize=False, foreach=False)  # fmt: skip


def trajectory(name: str, w0, grads, lr: float, wd: float):
    """Iterates of torch's adam / adamw fed the gradient sequence grads (S, D); state copied, not shared."""
    import torch

    w, m, v, t, path = w0.clone(), torch.zeros_like(w0), torch.zeros_like(w0), torch.tensor(0.0), [w0.clone()]
    for g in grads:
        functional(name, w, g.clone(), m, v, t, lr, wd)
        path.append(w.clone())
    return torch.stack(path), (m, v, t)


@demo(
    summary="AdamW is Adam with decoupled weight decay: each step first shrinks every weight by the "
    "same factor (1 - lr * wd), outside m and v, then takes the plain Adam step; Adam's own "
    "weight_decay adds wd * w to the gradient (l2), where the division by sqrt(v) rescales it per weight.",
    params=[
        Param("lr", "float", 0.01, "the learning rate", min=0.001, max=0.1),
        Param("wd", "float", 0.1, "the weight-decay coefficient", min=0.01, max=1.0),
    ],
)
def run(r: Report, *, lr: float, wd: float) -> None:
    import torch

    dt = torch.float64
    scales = torch.tensor(SCALES, dtype=dt)
    w0 = torch.ones(3, dtype=dt)  # (3,) three weights of the same size
    grads = (1 + 0.2 * torch.randn(WARM + 1, 3, dtype=dt)) * scales  # (S, 3) gradients of sizes 0.01, 1, 100
    path, m, v = [w0], torch.zeros(3, dtype=dt), torch.zeros(3, dtype=dt)
    for t, g in enumerate(grads, start=1):
        w, m, v = adamw_step(path[-1], g, m, v, t, lr, wd)
        path.append(w)
    ref, _ = trajectory("adamw", w0, grads, lr, wd)
    r.check_close(
        f"hand AdamW == torch.optim.adamw.adamw, {len(grads)} steps", torch.stack(path), ref, atol=1e-12
    )
    decoupled(r, w0, grads, lr, wd)
    per_weight(r, w0, grads, lr, wd)
    r.exercise(
        "decay-after-k",
        "AdamW, lr and wd as given, a weight whose Adam update happens to be 0 at every step: what fraction "
        "of it is left after k steps?",
        (1 - lr * wd) ** 100,
        given={"lr": lr, "wd": wd, "k": 100},
        tolerance=1e-3,
    )


def decoupled(r: Report, w0, grads, lr: float, wd: float) -> None:
    import torch

    s = r.section("decoupled: the decay never enters m and v")
    s.tensor("gradients fed to the optimizers (step, weight), the last one compared", grads)
    _, (m, v, t) = trajectory("adam", w0, grads[:-1], lr, 0.0)  # Adam's state after WARM steps
    w = torch.ones(3, dtype=w0.dtype)
    states = [(w.clone(), m.clone(), v.clone(), t.clone()) for _ in range(2)]
    (wa, ma, va, ta), (wb, mb, vb, tb) = states
    g = grads[-1]
    functional("adamw", wa, g.clone(), ma, va, ta, lr, wd)  # AdamW from w
    wb.mul_(1 - lr * wd)
    functional("adam", wb, g.clone(), mb, vb, tb, lr, 0.0)  # shrink by hand, then Adam without decay
    s.table(["gradient size", "w: AdamW(wd)", "w: Adam(0) after shrink", "m: AdamW", "m: Adam(0)"],
            [[SCALES[i], wa[i], wb[i], ma[i], mb[i]] for i in range(3)],
            title=f"one step from w = 1 after {WARM} steps, lr {lr:g}, wd {wd:g}")  # fmt: skip
    r.check_close("adamw(wd) step == adam(wd=0) step from w * (1 - lr wd), same m and v", torch.cat([wa, ma, va]),
                  torch.cat([wb, mb, vb]), atol=1e-12, kind="property")  # fmt: skip


def per_weight(r: Report, w0, grads, lr: float, wd: float) -> None:
    import torch

    s = r.section("how much the decay moves each weight in one step")
    pulls = {}
    for name in ("adam", "adamw"):
        _, (m, v, t) = trajectory(name, w0, grads[:-1], lr, wd)  # m, v after WARM steps with the decay on
        moved = []
        for decay in (wd, 0.0):
            w = torch.ones(3, dtype=w0.dtype)
            functional(name, w, grads[-1].clone(), m.clone(), v.clone(), t.clone(), lr, decay)
            moved.append(w)
        pulls[name] = (moved[1] - moved[0]) / (
            lr * wd
        )  # (3,) the decay's share of the step, in units of lr*wd*w
    s.table(["gradient size", "Adam + L2 (weight_decay)", "AdamW"],
            [[SCALES[i], pulls["adam"][i], pulls["adamw"][i]] for i in range(3)],
            title=f"the next step at w = 1 with wd {wd:g} minus the same step with wd 0, in units of lr * wd * w")  # fmt: skip
    s.note(
        "Adam's weight_decay adds wd * w to the gradient, and the sum is divided by sqrt(v_hat), the "
        "weight's own gradient size: the decay's pull falls as the weight's gradients grow, "
        "close to lr * wd * w on weights with small gradients, next to nothing on weights with large ones. AdamW's pull is "
        "lr * wd * w on every weight. Under plain SGD both are exactly l2 regularization (`mlterms demo "
        "weight decay`, which also compares them on held-out data)."
    )
    r.check_close("AdamW's pull is exactly lr * wd * w for every weight", pulls["adamw"],
                  torch.ones(3, dtype=w0.dtype), atol=1e-9, kind="property")  # fmt: skip
    spread = float(pulls["adam"].max() / pulls["adam"].min())
    r.effect("Adam + L2: the decay's pull differs over 100x between the tiny- and large-gradient weights",
             spread > 100, f"max / min = {spread:.3g}")  # fmt: skip
