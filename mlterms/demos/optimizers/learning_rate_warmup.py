"""Learning rate warmup: Adam's first steps are as large as any, so the lr ramps up; fine-tuning a pretrained fit."""

from __future__ import annotations

from mlterms.demos.hand.descent import adam_step
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

D, N, HELD_OUT, B, STEPS, EARLY = 20, 256, 500, 8, 40, 20  # weights, examples, minibatch, steps, spike window


def warmup_lr(t: int, lr: float, warmup: int) -> float:
    """Linear warmup: lr * t / W for steps t = 1..W, then lr."""
    return lr * min(1.0, t / warmup)


def train(w0, data, batches, lr: float, warmup: int):
    """Adam on minibatches of a least-squares fit, by hand; returns the path and the normalised steps
    |m_hat / sqrt(v_hat)| averaged over the weights, one per step."""
    import torch

    X, y = data
    w, m, v, path, ratio = w0.clone(), torch.zeros_like(w0), torch.zeros_like(w0), [w0.clone()], []
    for t, idx in enumerate(batches, start=1):
        xb, yb = X[idx], y[idx]  # (B, D), (B,)
        g = 2 * xb.T @ (xb @ w - yb) / len(idx)  # (D,) gradient of the minibatch MSE
        lr_t = warmup_lr(t, lr, warmup)
        new, m, v = adam_step(w, g, m, v, t, lr_t)
        ratio.append(float((new - w).abs().mean()) / lr_t)
        w = new
        path.append(w)
    return path, ratio


def torch_train(w0, data, batches, lr: float, warmup: int) -> list:
    """The same run with torch.optim.adam.adam, given the warmed-up lr at each call."""
    import torch
    from torch.optim.adam import adam

    X, y = data
    w, m, v, t, path = w0.clone(), torch.zeros_like(w0), torch.zeros_like(w0), torch.tensor(0.0), [w0.clone()]
    for step, idx in enumerate(batches, start=1):
        g = 2 * X[idx].T @ (X[idx] @ w - y[idx]) / len(idx)
        adam([w], [g], [m], [v], [], [t], amsgrad=False, beta1=0.9, beta2=0.999, lr=warmup_lr(step, lr, warmup),
             weight_decay=0.0, eps=1e-8, maximize=False, foreach=False)  # fmt: skip
        path.append(w.clone())
    return path


@demo(
    summary="Learning rate warmup ramps the learning rate up from near 0 over the first W steps (here "
    "linearly, lr * t / W): Adam's first steps move every weight by about lr, before v has seen enough "
    "gradients to say how noisy they are, and warmup keeps those steps small.",
    params=[
        Param("lr", "float", 0.03, "the learning rate after warmup", min=0.005, max=0.05),
        Param("warmup", "int", 50, "warmup steps W", min=10, max=100),
    ],
)
def run(r: Report, *, lr: float, warmup: int) -> None:
    import torch

    dt = torch.float64
    w_true = torch.randn(D, dtype=dt)
    X, Xh = torch.randn(N, D, dtype=dt), torch.randn(HELD_OUT, D, dtype=dt)  # train, held out
    y, yh = X @ w_true + 0.3 * torch.randn(N, dtype=dt), Xh @ w_true + 0.3 * torch.randn(HELD_OUT, dtype=dt)
    w0 = torch.linalg.lstsq(X, y.unsqueeze(1)).solution.squeeze(1) + 0.01 * torch.randn(
        D, dtype=dt
    )  # "pretrained"
    batches = torch.randint(0, N, (STEPS, B))  # the same minibatches for both runs
    runs = {
        "no warmup": train(w0, (X, y), batches, lr, 1),
        f"warmup {warmup}": train(w0, (X, y), batches, lr, warmup),
    }
    ref = torch_train(w0, (X, y), batches, lr, warmup)
    r.check_close(f"hand Adam with warmup == torch.optim.adam.adam (lr set each step), {STEPS} steps",
                  torch.stack(runs[f"warmup {warmup}"][0]), torch.stack(ref), atol=1e-12)  # fmt: skip
    schedule(r, lr, warmup)
    held = {name: [float(((Xh @ w - yh) ** 2).mean()) for w in path] for name, (path, _) in runs.items()}
    spikes(r, held, runs, warmup)


def schedule(r: Report, lr: float, warmup: int) -> None:
    s = r.section("the schedule")
    s.table(
        ["step t", "lr_t = lr * min(1, t / W)"],
        [[t, warmup_lr(t, lr, warmup)] for t in sorted({1, 2, 10, warmup, STEPS})],
    )
    s.note(
        "Warmup is usually the first piece of a learning rate schedule (warmup then cosine decay, `mlterms "
        "demo learning rate schedule`); this demo only looks at its first steps."
    )
    r.exercise(
        "first-step",
        "Adam with linear warmup over W steps to lr: how far does each weight move on step 1 (bias-corrected, "
        "any nonzero gradient)?",
        lr / warmup,
        given={"lr": lr, "W": warmup},
        tolerance=1e-3 * lr / warmup,
    )


def spikes(r: Report, held: dict, runs: dict, warmup: int) -> None:
    s = r.section(f"fine-tuning a pretrained least-squares fit with Adam, minibatches of {B}")
    s.plot("held-out MSE per step", list(range(STEPS + 1)), **held)
    rise = {name: max(ys[1 : EARLY + 1]) - ys[0] for name, ys in held.items()}
    ratio = runs["no warmup"][1]
    s.table(["run", "held-out MSE at the start", f"worst rise in steps 1-{EARLY}", f"after {STEPS} steps"],
            [[name, ys[0], rise[name], ys[-1]] for name, ys in held.items()])  # fmt: skip
    s.table(["step t", "mean |step| / lr_t, no warmup"], [[t, ratio[t - 1]] for t in (1, 2, 3, 5, 10, 20, STEPS)],
            title="Adam's normalised step: exactly 1 at step 1, smaller once v holds several gradients")  # fmt: skip
    s.note(
        "Near a minimum the minibatch gradients are mostly noise. Adam's first step is lr * sign(g) for every "
        "weight, whatever the gradient's size; over the next steps m_hat / sqrt(v_hat) falls as the noise "
        "starts to cancel in m. Without warmup these first full-size steps "
        "push the pretrained weights away and the held-out loss jumps; warmup makes them small while v fills."
    )
    r.check("Adam's first step is lr_1 for every weight (normalised step 1)", abs(ratio[0] - 1) < 1e-5,
            f"{ratio[0]:.6f}", kind="property")  # fmt: skip
    plain, warm = rise["no warmup"], rise[f"warmup {warmup}"]
    r.effect("the held-out loss rises less in the first steps with warmup", warm < plain,
             f"{warm:.3g} < {plain:.3g}")  # fmt: skip
