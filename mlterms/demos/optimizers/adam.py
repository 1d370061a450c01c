"""Adam: per-parameter steps from running moments, by hand against torch.optim.adam.adam, on badly scaled features."""

from __future__ import annotations

import math

from mlterms.demos.hand.descent import adam_step
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

SCALES = (1.0, 10.0, 100.0)  # feature scales: the loss's curvatures differ by about 10^4
N = 64


def torch_adam(w0, grad_fn, steps: int, lr: float, b2: float) -> list:
    """Adam's iterates from torch.optim.adam.adam, the function Adam.step() calls (in place)."""
    import torch
    from torch.optim.adam import adam

    w, m, v, t, path = w0.clone(), torch.zeros_like(w0), torch.zeros_like(w0), torch.tensor(0.0), [w0.clone()]
    for _ in range(steps):
        adam([w], [grad_fn(w)], [m], [v], [], [t], amsgrad=False, beta1=0.9, beta2=b2, lr=lr,
             weight_decay=0.0, eps=1e-8, maximize=False, foreach=False)  # fmt: skip
        path.append(w.clone())
    return path


def hand_adam(w0, grad_fn, steps: int, lr: float, b2: float) -> list:
    import torch

    w, m, v, path = w0.clone(), torch.zeros_like(w0), torch.zeros_like(w0), [w0.clone()]
    for t in range(1, steps + 1):
        w, m, v = adam_step(w, grad_fn(w), m, v, t, lr, betas=(0.9, b2))
        path.append(w)
    return path


@demo(
    summary="Adam keeps running means of each parameter's gradient (m) and squared gradient (v), "
    "bias-corrected, and steps by lr * m_hat / (sqrt(v_hat) + eps): every parameter gets a step of "
    "about lr whatever its gradient's scale, which helps when features have very different scales.",
    params=[
        Param("lr", "float", 0.1, "Adam's learning rate", min=0.01, max=0.3),
        Param("beta2", "float", 0.999, "decay of the squared-gradient mean v", min=0.9, max=0.9999),
        Param("steps", "int", 100, "steps for each method", min=10, max=300),
    ],
)
def run(r: Report, *, lr: float, beta2: float, steps: int) -> None:
    import torch

    dt = torch.float64
    scales = torch.tensor(SCALES, dtype=dt)
    X = torch.randn(N, 3, dtype=dt) * scales  # (N, 3) features on scales 1, 10, 100
    w_true = 3 * torch.randn(3, dtype=dt) / scales  # (3,) each feature matters about equally
    y = X @ w_true + 0.1 * torch.randn(N, dtype=dt)  # (N,)
    A, b = 2 * X.T @ X / N, 2 * X.T @ y / N  # mean((Xw - y)^2) has gradient A w - b

    def grad_fn(w):
        return A @ w - b

    w0 = torch.zeros(3, dtype=dt)
    path = hand_adam(w0, grad_fn, steps, lr, beta2)
    r.check_close(f"hand Adam == torch.optim.adam.adam, all {steps} steps", torch.stack(path),
                  torch.stack(torch_adam(w0, grad_fn, steps, lr, beta2)), atol=1e-8)  # fmt: skip
    # 1e-8: at lr ~0.25 the two orders of float64 rounding drift apart to ~1.1e-9 on weights of size
    # ~3 and stay there (hypothesis found it); no bias correction differs by ~3. (Where eps sits,
    # which moves the path by ~2e-9, the tests check against numpy.)
    race(r, (X, y, A, b), path, lr, steps)
    invariance(r, w0, grad_fn, lr, beta2)
    bias_correction(r, beta2)


def race(r: Report, data, path, lr: float, steps: int) -> None:
    import torch

    X, y, A, b = data
    s = r.section(f"least squares on features of scales {SCALES}: {steps} steps from w = 0")
    s.note("mean((X w - y)^2) over 64 points: its gradient is A w - b.")
    lams = torch.linalg.eigvalsh(A)
    w_opt = torch.linalg.solve(A, b)  # (3,) the least-squares solution

    def excess(w) -> float:
        return float(((X @ w - y) ** 2).mean() - ((X @ w_opt - y) ** 2).mean())

    sgd_lr = 2 / float(lams[0] + lams[-1])  # plain gradient descent's best fixed rate
    w, sgd_path = torch.zeros(3, dtype=X.dtype), [torch.zeros(3, dtype=X.dtype)]
    for _ in range(steps):
        w = w - sgd_lr * (A @ w - b)
        sgd_path.append(w)
    sgd_ex, adam_ex = [excess(w) for w in sgd_path], [excess(w) for w in path]
    s.tensor("A = 2 X^T X / N", A).tensor("b = 2 X^T y / N", b)
    s.scalar("curvatures of the loss (eigenvalues of 2 X^T X / N)", ", ".join(f"{v:.3g}" for v in lams))
    s.plot("log10 (loss - least-squares loss) per step", list(range(steps + 1)),
           sgd=[math.log10(max(e, 1e-300)) for e in sgd_ex], adam=[math.log10(max(e, 1e-300)) for e in adam_ex])  # fmt: skip
    s.table(["", "w", "loss - least-squares loss"],
            [[f"SGD, lr {sgd_lr:.2e} (its best fixed)", [round(float(v), 4) for v in sgd_path[-1]], sgd_ex[-1]],
             [f"Adam, lr {lr:g}", [round(float(v), 4) for v in path[-1]], adam_ex[-1]],
             ["least squares (solve)", [round(float(v), 4) for v in w_opt], 0.0]])  # fmt: skip
    s.note(
        "SGD's lr must stay below 2 / (largest curvature), so the weight of the scale-1 feature barely "
        "moves. Adam divides each coordinate by its own gradient size: all three move at about lr per "
        "step. It helps this much because the scales are per feature (per coordinate); on a valley "
        "tilted off the axes its advantage shrinks (`mlterms demo optimizer`)."
    )
    r.effect(f"Adam ends nearer the least-squares loss than SGD at its best fixed lr ({steps} steps)",
             adam_ex[-1] < sgd_ex[-1], f"{adam_ex[-1]:.3g} < {sgd_ex[-1]:.3g}")  # fmt: skip


def invariance(r: Report, w0, grad_fn, lr: float, beta2: float) -> None:
    import torch

    s = r.section("the step does not depend on the gradient's scale")
    c = 1000.0
    plain = torch.stack(hand_adam(w0, grad_fn, 20, lr, beta2))
    scaled = torch.stack(hand_adam(w0, lambda w: c * grad_fn(w), 20, lr, beta2))  # the loss times 1000
    s.note(
        f"Multiply the loss by {c:g}: m grows {c:g}x and sqrt(v) grows {c:g}x, so m_hat / sqrt(v_hat) and "
        "the whole path are unchanged (up to eps). SGD's steps would grow 1000x and diverge: its lr has to "
        "be retuned for every rescaling of the loss, Adam's does not."
    )
    s.tensor("w after 20 steps, loss x1", plain[-1]).tensor(f"w after 20 steps, loss x{c:g}", scaled[-1])
    r.check_close(f"Adam's path with the loss x{c:g} == its path with the loss x1", scaled, plain, atol=1e-6,
                  kind="property")  # fmt: skip


def bias_correction(r: Report, beta2: float) -> None:
    import torch

    s = r.section("bias correction: m and v start at 0")
    b1, g = 0.9, 1.0
    rows = []
    for t in (1, 2, 3, 5, 10, 100):
        m, v = (1 - b1**t) * g, (1 - beta2**t) * g * g  # the means of a constant gradient g after t steps
        rows.append([t, m, v, m / math.sqrt(v), (m / (1 - b1**t)) / math.sqrt(v / (1 - beta2**t))])
    s.table(["step t", "m_t", "v_t", "m / sqrt(v), uncorrected", "m_hat / sqrt(v_hat)"], rows,
            title="a constant gradient g = 1: the step in units of lr")  # fmt: skip
    s.note(
        "Without the correction the step is (1 - b1^t) / sqrt(1 - b2^t) times lr: "
        f"{(1 - b1) / math.sqrt(1 - beta2):.3g} at step 1, and with b2 {beta2:g} it stays well above 1 for the first "
        "1 / (1 - b2) steps or so, until v's average has filled up. With it, the first step moves every parameter "
        "by lr, whatever its gradient: a large step for a parameter whose gradient is tiny or noise (see "
        "`mlterms demo learning rate warmup`)."
    )
    g1 = torch.tensor([1e-3, -0.5, 40.0], dtype=torch.float64)
    p1, _, _ = adam_step(torch.zeros(3, dtype=torch.float64), g1, torch.zeros(3, dtype=torch.float64),
                         torch.zeros(3, dtype=torch.float64), 1, 0.01, betas=(0.9, beta2))  # fmt: skip
    r.check_close("Adam's first step is -lr * sign(g) for every parameter (up to eps)", p1,
                  -0.01 * g1.sign(), atol=1e-6, kind="property")  # fmt: skip
    r.exercise(
        "first-step-without-correction",
        "Adam without bias correction, betas (0.9, b2), a first gradient g != 0: the first step is how "
        "many times lr?",
        (1 - b1) / math.sqrt(1 - beta2),
        given={"beta1": b1, "beta2": beta2},
        tolerance=1e-2,
    )
    r.exercise(
        "first-step-per-parameter",
        "Adam with lr 0.01 (bias-corrected) gets these first gradients: by how much does each parameter move?",
        [0.01, 0.01, 0.01],
        given={"gradient": g1},
        tolerance=1e-4,
    )
