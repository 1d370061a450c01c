"""Demos: generative."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mlterms.demos.registry import demo
from mlterms.demos.report import Report
from mlterms.demos.sequences import fit

if TYPE_CHECKING:
    import torch


# ---------------------------------------------------------------------------------------------
# helpers: the hand computations, small enough to test on their own


def ddpm_betas(T: int = 1000, start: float = 1e-4, end: float = 0.02) -> torch.Tensor:
    """DDPM's linear noise schedule (Ho et al., 2020): beta_1..beta_T as a (T,) float64 tensor."""
    import torch

    return torch.linspace(start, end, T, dtype=torch.float64)


def alpha_bar(betas: torch.Tensor) -> torch.Tensor:
    """abar_t = prod_{s<=t} (1 - beta_s): how much of x_0 survives at step t. Index t-1 holds step t."""
    return (1 - betas).cumprod(0)


def noise_step_by_step(
    x0: torch.Tensor, betas: torch.Tensor, n: int, keep: list[int]
) -> dict[int, torch.Tensor]:
    """n independent chains x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps_t; the samples (n, D) at keep."""
    import torch

    shrink, scale = (1 - betas).sqrt().tolist(), betas.sqrt().tolist()
    eps = torch.randn(max(keep), n, x0.shape[0]).double()  # (t, n, D): float32 draws are faster
    x = x0.expand(n, -1)  # (n, D)
    out = {}
    for t in range(1, max(keep) + 1):
        x = torch.add(shrink[t - 1] * x, eps[t - 1], alpha=scale[t - 1])
        if t in keep:
            out[t] = x
    return out


def noise_closed_form(x0: torch.Tensor, abar_t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """Jump straight to step t: x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps."""
    return abar_t.sqrt() * x0 + (1 - abar_t).sqrt() * eps


def karras_sigmas(n: int, sigma_min: float = 0.002, sigma_max: float = 80.0, rho: float = 7.0) -> list[float]:
    """Karras et al. (2022) noise levels, sigma_max down to sigma_min, evenly spaced in sigma^(1/rho)."""
    lo, hi = sigma_min ** (1 / rho), sigma_max ** (1 / rho)
    return [(hi + i / (n - 1) * (lo - hi)) ** rho for i in range(n)]


def cosine_lr(step: int, total: int, lr_max: float, lr_min: float = 0.0) -> float:
    """Cosine annealing: lr_min + (lr_max - lr_min) (1 + cos(pi step / total)) / 2."""
    return lr_min + (lr_max - lr_min) * (1 + math.cos(math.pi * step / total)) / 2


def kl_by_hand(teacher_logits: torch.Tensor, student_logits: torch.Tensor, T: float) -> torch.Tensor:
    """Mean over the batch of KL(p || q), p = softmax(teacher/T), q = softmax(student/T)."""
    log_p = teacher_logits / T - (teacher_logits / T).logsumexp(-1, keepdim=True)  # (B, C)
    log_q = student_logits / T - (student_logits / T).logsumexp(-1, keepdim=True)
    return (log_p.exp() * (log_p - log_q)).sum(-1).mean()


def cosine_by_hand(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Cosine similarity of every row of a (N, D) with every row of b (M, D): (N, M)."""
    dots = (a[:, None, :] * b[None, :, :]).sum(-1)  # (N, M)
    norms = (a * a).sum(-1).sqrt()[:, None] * (b * b).sum(-1).sqrt()[None, :]
    return dots / norms


def blr_posterior(
    phi: torch.Tensor, y: torch.Tensor, alpha: float, beta: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Bayesian linear regression with 2 features, prior w ~ N(0, I/alpha), noise precision beta.

    Posterior N(m, S): S = (alpha I + beta Phi^T Phi)^-1 (2x2 inverse written out), m = beta S Phi^T y.
    """
    import torch

    a = alpha * torch.eye(2, dtype=phi.dtype) + beta * phi.T @ phi  # (2, 2) posterior precision
    det = a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0]
    S = torch.stack([torch.stack([a[1, 1], -a[0, 1]]), torch.stack([-a[1, 0], a[0, 0]])]) / det
    m = beta * S @ (phi.T @ y)  # (2,)
    return m, S


# ---------------------------------------------------------------------------------------------
# demos


@demo(
    "timestep",
    summary="A timestep t indexes a step of a process: in diffusion, how far noising has gone "
    "(x_t = sqrt(abar_t) x_0 + sqrt(1-abar_t) eps); in a sequence model, a position.",
)
def timestep(r: Report) -> None:
    import torch

    T, n = 1000, 500
    betas = ddpm_betas(T)  # (T,) 1e-4 .. 0.02
    abar = alpha_bar(betas)  # (T,)
    x0 = torch.tensor([1.0, 0.5, -0.5, -1.0], dtype=torch.float64)  # (D,) one data point
    keep = [1, 10, 100, 250, 500, 1000]
    chains = noise_step_by_step(x0, betas, n, keep)  # {t: (n, D)} n independent chains

    s = r.section("1. the diffusion forward process, step by step")
    s.note(
        "In DDPM, t = 0 is clean data and each step t = 1..1000 shrinks the signal a little and adds a "
        "little Gaussian noise: x_t = sqrt(1 - beta_t) x_(t-1) + sqrt(beta_t) eps_t, with beta rising "
        "linearly from 1e-4 to 0.02. The denoiser is told t, so it knows how much noise to expect."
    )
    s.tensor(
        "one chain: x_t at t = 1, 10, 100, 250, 500, 1000 (6, D=4)", torch.stack([chains[t][0] for t in keep])
    )
    every = torch.arange(0, T, 10)
    s.plot(
        "signal and noise scales",
        every + 1,
        signal_sqrt_abar=abar[every].sqrt(),
        noise_sqrt_1_minus_abar=(1 - abar[every]).sqrt(),
    )

    s = r.section("2. closed form: jump to any t in one draw")
    s.note(
        "Gaussians compose, so x_t given x_0 is N(sqrt(abar_t) x_0, (1 - abar_t) I) with abar_t the "
        "product of (1 - beta_s) up to t. Training samples a random t per example and uses this jump."
    )
    scale, var, means, variances = 1.0, 0.0, [], []
    for b in betas.tolist():  # the exact moments of the step-by-step chain, one step at a time
        scale, var = math.sqrt(1 - b) * scale, (1 - b) * var + b
        means.append(scale)
        variances.append(var)
    f64 = torch.float64
    r.check_close(
        "step moments: product of sqrt(1 - beta_s) == sqrt(abar_t)",
        torch.tensor(means, dtype=f64),
        abar.sqrt(),
        1e-12,
    )
    r.check_close("step moments: variance == 1 - abar_t", torch.tensor(variances, dtype=f64), 1 - abar, 1e-12)

    rows = []
    for t in keep:
        a = abar[t - 1]
        jump = noise_closed_form(x0, a, torch.randn(n, 4).double())  # (n, D)
        sd = (1 - a).sqrt()
        steps = chains[t]
        # standard errors of the difference of two independent estimates, n samples each
        z_mean = ((steps.mean(0) - jump.mean(0)) / (sd * math.sqrt(2 / n))).abs().max()
        z_sd = ((steps.std(0) - jump.std(0)) / (sd / math.sqrt(n))).abs().max()
        rows.append([t, a, a.sqrt(), sd, steps.mean(0)[0], jump.mean(0)[0], steps.std(0)[0], jump.std(0)[0]])
        r.check(
            f"t={t}: means agree (step-by-step vs jump)", float(z_mean) < 5, f"max |z| {float(z_mean):.2f}"
        )
        r.check(f"t={t}: sds agree (step-by-step vs jump)", float(z_sd) < 5, f"max |z| {float(z_sd):.2f}")
    s.table(
        [
            "t",
            "abar_t",
            "sqrt(abar_t)",
            "sqrt(1-abar_t)",
            "mean, steps",
            "mean, jump",
            "sd, steps",
            "sd, jump",
        ],
        rows,
        title=f"x_t[0] (x_0[0] = 1) over {n} samples per route",
    )
    r.check(
        "x_1000 is almost pure noise: abar_1000 < 1e-4",
        float(abar[-1]) < 1e-4,
        f"abar = {float(abar[-1]):.2e}",
    )

    s = r.section("3. the other timestep: a position in a sequence")
    s.note(
        "In an RNN or transformer, t is the index of a token in the sequence: step t of the RNN reads "
        "x_t and h_(t-1). Nothing is noised; it is just the order of the inputs (see the RNN demo)."
    )
    s.table(["t", "token"], [[t, tok] for t, tok in enumerate(["the", "cat", "sat", "down"])])


@demo(
    "schedule",
    summary="A schedule fixes a quantity as a function of the step: the Karras sigma schedule a "
    "diffusion sampler steps through, and a cosine learning-rate schedule checked against PyTorch.",
)
def schedule(r: Report) -> None:
    import torch

    n, smin, smax = 10, 0.002, 80.0
    sig7 = karras_sigmas(n, smin, smax, rho=7.0)
    sig1 = karras_sigmas(n, smin, smax, rho=1.0)  # rho = 1: plain linear spacing
    ref = torch.linspace(smax ** (1 / 7), smin ** (1 / 7), n, dtype=torch.float64) ** 7

    s = r.section("1. noise schedule: Karras sigmas (sigma_karras)")
    s.note(
        "sigma_i = (sigma_max^(1/rho) + i/(n-1) (sigma_min^(1/rho) - sigma_max^(1/rho)))^rho with "
        "rho = 7 (Karras et al., 2022). sigma is the sd of the noise in x = x_0 + sigma eps. This is a "
        "SAMPLING schedule: the noise levels a solver visits from pure noise down to clean data (k-diffusion "
        "appends a final sigma = 0). rho = 7 spends most steps at low noise, where fine detail is decided. "
        "DDPM's timestep t is the same idea in other units: sigma = sqrt((1 - abar_t) / abar_t), from 0.01 "
        "at t = 1 to 157 at t = 1000."
    )
    s.table(
        ["i", "sigma, rho=7", "sigma, rho=1 (linear)"],
        [[i, a, b] for i, (a, b) in enumerate(zip(sig7, sig1, strict=True))],
    )
    s.plot(
        "log10 sigma",
        list(range(n)),
        rho_7=[math.log10(v) for v in sig7],
        rho_1=[math.log10(v) for v in sig1],
    )
    sig7_t = torch.tensor(sig7, dtype=torch.float64)
    r.check_close("formula (loop) == linspace in sigma^(1/rho) space, ^rho", sig7_t, ref, atol=1e-12)
    r.check_close("first sigma is sigma_max = 80", sig7[0], smax, atol=1e-9)
    r.check_close("last sigma is sigma_min = 0.002", sig7[-1], smin, atol=1e-12)
    r.check("strictly decreasing", all(a > b for a, b in zip(sig7, sig7[1:], strict=False)))
    gaps = (sig7_t ** (1 / 7)).diff()
    r.check_close("evenly spaced in sigma^(1/7)", gaps, gaps.mean().expand_as(gaps), atol=1e-12)
    low7, low1 = sum(v < 1 for v in sig7), sum(v < 1 for v in sig1)
    r.check(
        "rho=7 puts more steps below sigma=1 than linear spacing", low7 > low1, f"{low7} vs {low1} of {n}"
    )

    s = r.section("2. learning-rate schedule: cosine annealing")
    s.note(
        "The same word for a different knob: lr_t = lr_min + (lr_max - lr_min)(1 + cos(pi t / T)) / 2 "
        "decays the learning rate smoothly over T steps (often after a short linear warmup)."
    )
    total, lr_max, lr_min = 20, 0.1, 0.001
    mine = torch.tensor([cosine_lr(t, total, lr_max, lr_min) for t in range(total + 1)], dtype=torch.float64)
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr_max)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total, eta_min=lr_min)
    theirs = []
    for _ in range(total + 1):
        theirs.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    s.plot("learning rate", list(range(total + 1)), cosine=mine)
    r.check_close(
        "formula == torch CosineAnnealingLR", mine, torch.tensor(theirs, dtype=torch.float64), atol=1e-12
    )
    r.check_close("starts at lr_max", mine[0], lr_max, atol=1e-15)
    r.check_close("ends at lr_min", mine[-1], lr_min, atol=1e-15)
    r.check_close("halfway it is the average", mine[total // 2], (lr_max + lr_min) / 2, atol=1e-15)


def _blobs(n_per: int, centers: torch.Tensor, sd: float) -> tuple[torch.Tensor, torch.Tensor]:
    """n_per Gaussian points around each center: x (n_per * C, 2), labels (n_per * C,)."""
    import torch

    C = centers.shape[0]
    y = torch.arange(C).repeat_interleave(n_per)
    return centers[y] + sd * torch.randn(len(y), centers.shape[1]), y


@demo(
    "distilling",
    summary="Distillation trains a small student to match a big teacher's temperature-softened "
    "outputs (KL at temperature T, times T^2), keeping most of the accuracy with far fewer weights.",
)
def distilling(r: Report) -> None:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    C, T, alpha = 3, 4.0, 0.7
    angles = torch.arange(C) * 2 * math.pi / C
    centers = 1.5 * torch.stack([angles.cos(), angles.sin()], 1)  # (C, 2)
    x, y = _blobs(100, centers, 0.8)  # (300, 2) overlapping classes
    x_test, y_test = _blobs(200, centers, 0.8)

    teacher = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, C))
    student = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, C))
    fit(list(teacher.parameters()), lambda: F.cross_entropy(teacher(x), y), 100, lr=0.02)
    with torch.no_grad():
        soft_targets = teacher(x)  # (N, C) teacher logits, fixed

    def distill_loss() -> torch.Tensor:
        z = student(x)
        soft = F.kl_div(
            F.log_softmax(z / T, -1),
            F.log_softmax(soft_targets / T, -1),
            reduction="batchmean",
            log_target=True,
        )
        return alpha * T**2 * soft + (1 - alpha) * F.cross_entropy(z, y)

    losses = fit(list(student.parameters()), distill_loss, 100, lr=0.05)

    s = r.section("1. softened targets: what the teacher knows beyond the label")
    s.note(
        "softmax(z / T) with T > 1 raises the small probabilities, so the student also learns WHICH wrong "
        "classes the teacher finds plausible ('dark knowledge'), not just the argmax."
    )
    with torch.no_grad():
        z_t = teacher(x[:1])  # (1, C)
    s.table(
        ["T", *[f"p(class {c})" for c in range(C)]],
        [[1, *F.softmax(z_t, -1)[0]], [T, *F.softmax(z_t / T, -1)[0]]],
        title=f"teacher on one class-{int(y[0])} example",
    )

    s = r.section("2. the distillation loss")
    s.note(
        f"loss = {alpha} · T² · KL(softmax(teacher/T) || softmax(student/T)) + {1 - alpha:.1f} · CE(student, "
        "label) (Hinton et al., 2015). F.kl_div takes the STUDENT's log-probabilities first and the "
        "teacher's probabilities second; reduction='batchmean' is the true KL, 'mean' also divides by C."
    )
    with torch.no_grad():
        z_s = student(x)
        p = F.softmax(soft_targets / T, -1)
        mine = kl_by_hand(soft_targets, z_s, T)
        ref = F.kl_div(F.log_softmax(z_s / T, -1), p, reduction="batchmean")
    s.scalar("KL by hand (trained student)", mine)
    r.check_close("hand KL == F.kl_div(log_softmax(s/T), softmax(t/T), 'batchmean')", mine, ref, atol=1e-6)

    z = torch.randn(8, C, dtype=torch.float64) * 2  # (B, C) fresh logits for the gradient table
    zt = torch.randn(8, C, dtype=torch.float64) * 2
    rows, scaled = [], []
    for temp in (1.0, 2.0, 4.0, 8.0):
        zs = z.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(kl_by_hand(zt, zs, temp), zs)
        q, p = F.softmax(zs / temp, -1), F.softmax(zt / temp, -1)
        by_formula = (q - p) / (temp * len(z))  # dKL/dz = (q - p) / (T B)
        r.check_close(f"T={temp:g}: autograd == (q - p) / (T·B)", g, by_formula.detach(), atol=1e-12)
        rows.append([temp, g.norm(), temp**2 * g.norm()])
        scaled.append(float(temp**2 * g.norm()))
    s.table(["T", "‖∂KL/∂z‖", "‖∂(T²·KL)/∂z‖"], rows, title="why multiply by T²")
    s.note(
        "The soft-target gradient shrinks like 1/T²; multiplying by T² keeps it on the scale of the hard loss."
    )
    r.check(
        "T²·KL gradient stays within 2x from T=2 to T=8",
        max(scaled[1:]) < 2 * min(scaled[1:]),
        f"{min(scaled[1:]):.3f} .. {max(scaled[1:]):.3f}",
    )

    s = r.section("3. result")
    with torch.no_grad():
        acc_t = (teacher(x_test).argmax(-1) == y_test).float().mean()
        pred_s = student(x_test).argmax(-1)
        acc_s = (pred_s == y_test).float().mean()
        agree = (pred_s == teacher(x_test).argmax(-1)).float().mean()
    n_t = sum(q.numel() for q in teacher.parameters())
    n_s = sum(q.numel() for q in student.parameters())
    s.plot("student distillation loss", list(range(0, len(losses), 5)), loss=losses[::5])
    s.table(
        ["model", "parameters", "test accuracy"],
        [["teacher 2-32-32-3", n_t, acc_t], ["student 2-4-3", n_s, acc_s]],
        title=f"{len(y_test)} test points, 3 overlapping classes",
    )
    s.scalar("student agrees with teacher", agree)
    r.check_equal(
        "teacher parameters (2·32+32 + 32·32+32 + 32·3+3)", n_t, 2 * 32 + 32 + 32 * 32 + 32 + 32 * 3 + 3
    )
    r.check("student is over 40x smaller", n_t > 40 * n_s, f"{n_t} vs {n_s}")
    r.check(
        "student keeps the accuracy (within 5 points)",
        float(acc_s) >= float(acc_t) - 0.05,
        f"{float(acc_s):.2f} vs {float(acc_t):.2f}",
    )
    r.check(
        "student agrees with the teacher on > 90% of test points", float(agree) > 0.9, f"{float(agree):.2f}"
    )


@demo(
    "one-shot learning",
    summary="One-shot learning classifies new classes from a single labelled example each, by "
    "nearest embedding (cosine similarity) in a space learned beforehand on other classes.",
)
def one_shot_learning(r: Report) -> None:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    rot, _ = torch.linalg.qr(torch.randn(8, 8))  # (8, 8) random rotation: hides which dims matter

    def observe(codes: torch.Tensor, per_class: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Samples of each class: its 4-d code plus small noise, and 4 dims of large irrelevant noise."""
        y = torch.arange(len(codes)).repeat_interleave(per_class)
        signal = codes[y] + 0.3 * torch.randn(len(y), 4)  # (n, 4) what identifies the class
        nuisance = 2.0 * torch.randn(len(y), 4)  # (n, 4) lighting, pose, ... shared by all classes
        return torch.cat([signal, nuisance], 1) @ rot.T, y  # (n, 8)

    # 1. learn an embedding on MANY examples of 16 base classes
    x_base, y_base = observe(torch.randn(16, 4), 20)  # (320, 8)
    embed = nn.Linear(8, 4, bias=False)  # x (8) -> embedding (4)
    head = nn.Linear(4, 16)  # used only to train the embedding, then thrown away
    losses = fit(
        [*embed.parameters(), *head.parameters()],
        lambda: F.cross_entropy(head(embed(x_base)), y_base),
        100,
        0.05,
    )

    # 2. five NEW classes, one labelled example each
    n_way, n_query = 5, 15
    novel = torch.randn(n_way, 4)
    support, _ = observe(novel, 1)  # (5, 8): the single example per class
    queries, y_q = observe(novel, n_query)  # (75, 8)
    with torch.no_grad():
        e_s, e_q = embed(support).double(), embed(queries).double()  # (5, 4), (75, 4)
    sims = cosine_by_hand(e_q, e_s)  # (75, 5)
    pred = sims.argmax(-1)
    acc = (pred == y_q).float().mean()
    acc_raw = (cosine_by_hand(queries.double(), support.double()).argmax(-1) == y_q).float().mean()

    s = r.section("1. an embedding learned on other classes")
    s.note(
        "One-shot learning does not learn a classifier from one example from scratch: it reuses prior "
        "knowledge. Here an embedding is trained on 16 base classes (20 examples each), learning which "
        "directions tell classes apart and which are noise. The novel classes are never trained on."
    )
    s.plot("base-class training loss", list(range(0, len(losses), 5)), loss=losses[::5])

    s = r.section("2. classify by the nearest single example")
    s.note(
        "cos(a, b) = a·b / (‖a‖ ‖b‖). Each query gets the label of the most similar support example: "
        f"a {n_way}-way, 1-shot task with {n_query} queries per class."
    )
    first = [int((y_q == c).nonzero()[0]) for c in range(n_way)]  # one query of each class
    s.heatmap(
        "cosine similarity, one query per class vs the 5 support examples",
        sims[first],
        rows=[f"query (class {c})" for c in range(n_way)],
        cols=[f"support {c}" for c in range(n_way)],
    )
    ref = F.cosine_similarity(e_q[:, None, :], e_s[None, :, :], dim=-1)  # (75, 5)
    r.check_close("hand dot/(norm·norm) == F.cosine_similarity", sims, ref, atol=1e-12)
    r.check("cosine similarities lie in [-1, 1]", bool((sims.abs() <= 1 + 1e-12).all()))
    s.table(
        ["compare in", "accuracy"],
        [["raw input (8 dims)", acc_raw], ["learned embedding (4 dims)", acc], ["chance", 1 / n_way]],
        title=f"{len(y_q)} queries of {n_way} unseen classes",
    )
    r.check("embedding beats chance by far (> 2x)", float(acc) > 2 / n_way, f"{float(acc):.2f}")
    r.check(
        "embedding beats raw-input similarity",
        float(acc) > float(acc_raw),
        f"{float(acc):.2f} vs {float(acc_raw):.2f}",
    )


@demo(
    "bayesian neural network",
    summary="A Bayesian model predicts a distribution, not a number: a posterior over weights gives "
    "a predictive mean and sd, and the sd grows away from the data (exact Bayesian linear regression).",
)
def bayesian_neural_network(r: Report) -> None:
    import torch

    f64 = torch.float64
    noise_sd, prior_sd, n = 50.0, 1000.0, 8  # prices in $1000s
    size = 1.2 + 1.6 * torch.rand(n, dtype=f64)  # (n,) thousand sq ft, all between 1.2 and 2.8
    price = 150 + 300 * size + noise_sd * torch.randn(n, dtype=f64)  # (n,)

    def features(s: torch.Tensor) -> torch.Tensor:
        return torch.stack([torch.ones_like(s), s - 2.0], -1)  # (n, 2): intercept, centred size

    alpha, beta = 1 / prior_sd**2, 1 / noise_sd**2  # prior precision, noise precision
    phi = features(size)
    m, S = blr_posterior(phi, price, alpha, beta)  # posterior N(m, S) over the 2 weights

    s = r.section("1. a distribution over the weights")
    s.note(
        "A Bayesian neural network puts a distribution on every weight and predicts by averaging over "
        "it. For a deep net that posterior has no closed form (variational inference, MC dropout, "
        "ensembles, Laplace approximate it); for a linear model with Gaussian prior and noise it is exact, "
        "so here every number can be checked. Model: price = w0 + w1 (size - 2) + noise, noise sd $50k."
    )
    s.table(["house", "size (1000 sq ft)", "price ($1000)"], [[i, size[i], price[i]] for i in range(n)])
    s.tensor("posterior mean m (w0, w1)", m)
    s.tensor("posterior covariance S", S)
    A = alpha * torch.eye(2, dtype=f64) + beta * phi.T @ phi
    r.check_close(
        "posterior mean: hand 2x2 inverse == torch.linalg.solve",
        m,
        torch.linalg.solve(A, beta * phi.T @ price),
        1e-9,
    )
    r.check_close("posterior cov: hand 2x2 inverse == torch.linalg.inv", S, torch.linalg.inv(A), 1e-9)

    s = r.section("2. the predictive distribution")
    s.note(
        "predictive mean = phi(x)·m; variance = noise² (aleatoric: never goes away) + phi(x)ᵀ S phi(x) "
        "(epistemic: uncertainty about the weights, small near the data, growing away from it)."
    )
    at = torch.tensor([1.0, 2.0, 2.5, 3.0, 4.0, 6.0], dtype=f64)
    phi_at = features(at)  # (6, 2)
    mean = phi_at @ m
    epi = ((phi_at @ S) * phi_at).sum(-1)  # (6,) phi^T S phi
    sd = (noise_sd**2 + epi).sqrt()
    s.table(
        ["size", "prediction", "mean ($1000)", "sd ($1000)", "sd from weights"],
        [
            [a, f"${1000 * mu:,.0f} ± ${1000 * sg:,.0f}", mu, sg, e.sqrt()]
            for a, mu, sg, e in zip(at, mean, sd, epi, strict=True)
        ],
    )
    grid = torch.arange(0.0, 6.01, 0.25, dtype=f64)
    g_phi = features(grid)
    g_mean = g_phi @ m
    g_epi = ((g_phi @ S) * g_phi).sum(-1)
    g_sd = (noise_sd**2 + g_epi).sqrt()
    s.plot(
        "predicted price ($1000) vs size; data lies in 1.2-2.8",
        grid,
        mean=g_mean,
        upper_2sd=g_mean + 2 * g_sd,
        lower_2sd=g_mean - 2 * g_sd,
    )
    s.plot(
        "predictive sd ($1000)",
        grid,
        total=g_sd,
        weights_only=g_epi.sqrt(),
        noise=torch.full_like(grid, noise_sd),
    )
    r.check(
        "sd far from the data (size 6) > sd near it (size 2)",
        float(sd[-1]) > float(sd[1]),
        f"{float(sd[-1]):.1f} > {float(sd[1]):.1f}",
    )
    r.check(
        "predictive sd is never below the noise sd",
        bool((g_sd >= noise_sd).all()),
        f"min {float(g_sd.min()):.1f} >= {noise_sd:g}",
    )

    s = r.section("3. the same answer by sampling weights (Monte Carlo)")
    N = 20000
    w = m + torch.randn(N, 2, dtype=f64) @ torch.linalg.cholesky(S).T  # (N, 2) weights ~ N(m, S)
    y_samp = w @ phi_at.T + noise_sd * torch.randn(N, len(at), dtype=f64)  # (N, 6) one price per draw
    z_mean = ((y_samp.mean(0) - mean) / (sd / math.sqrt(N))).abs().max()
    z_sd = ((y_samp.std(0) - sd) / (sd / math.sqrt(2 * N))).abs().max()
    s.table(
        ["size", "closed-form mean", "MC mean", "closed-form sd", "MC sd"],
        [
            [a, mu, mc, sg, ms]
            for a, mu, mc, sg, ms in zip(at, mean, y_samp.mean(0), sd, y_samp.std(0), strict=True)
        ],
        title=f"{N} weight samples",
    )
    r.check(
        "MC predictive means match the closed form (within 5 s.e.)",
        float(z_mean) < 5,
        f"max |z| {float(z_mean):.2f}",
    )
    r.check(
        "MC predictive sds match the closed form (within 5 s.e.)",
        float(z_sd) < 5,
        f"max |z| {float(z_sd):.2f}",
    )


def _sines(n: int, length: int = 16) -> torch.Tensor:
    """n random sine waves (n, length): amplitude 0.5-1.5, 1 or 2 periods, random phase."""
    import torch

    amp = 0.5 + torch.rand(n, 1)
    freq = torch.randint(1, 3, (n, 1)).float()
    phase = 2 * math.pi * torch.rand(n, 1)
    t = torch.arange(length) / length  # (length,)
    return amp * torch.sin(2 * math.pi * freq * t + phase)


@demo(
    "denoising",
    summary="Denoising: noise is added to clean inputs on purpose and a model is trained to recover "
    "the clean version; the MSE to the clean signal falls below that of the noisy input.",
)
def denoising(r: Report) -> None:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    sigma = 0.3
    clean = _sines(256)  # (N, 16) training signals
    clean_test = _sines(64)
    noisy_test = clean_test + sigma * torch.randn_like(clean_test)  # (64, 16), fixed test noise
    net = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 16))  # noisy (16) -> clean guess (16)

    def loss() -> torch.Tensor:
        noisy = clean + sigma * torch.randn_like(clean)  # FRESH noise every step; the target stays clean
        return F.mse_loss(net(noisy), clean)

    losses = fit(list(net.parameters()), loss, 150, lr=0.01)
    with torch.no_grad():
        denoised = net(noisy_test)
    mse_noisy = F.mse_loss(noisy_test, clean_test)
    mse_net = F.mse_loss(denoised, clean_test)
    padded = F.pad(noisy_test[:, None], (1, 1), mode="circular")  # (64, 1, 18): the sines are periodic
    smooth = F.avg_pool1d(padded, 3, stride=1)[:, 0]  # (64, 16) 3-point moving average
    mse_smooth = F.mse_loss(smooth, clean_test)

    s = r.section("1. corrupt on purpose, learn to undo it")
    s.note(
        "The training pairs are (clean + noise, clean): no labels are needed, the clean data is the "
        "target. New noise is drawn at every step, so the model cannot memorise it. With MSE the best "
        "possible denoiser outputs E[clean | noisy], the average of all clean signals that could explain "
        "the input. A diffusion model is exactly such a denoiser, trained at every noise level (timestep)."
    )
    s.plot("training MSE to the clean signal", list(range(0, len(losses), 5)), mse=losses[::5])
    r.check("training loss fell", losses[-1] < 0.5 * losses[0], f"{losses[0]:.3f} -> {losses[-1]:.3f}")

    s = r.section("2. on new test signals")
    s.plot("one test signal", list(range(16)), clean=clean_test[0], noisy=noisy_test[0], denoised=denoised[0])
    s.table(
        ["signal", "MSE to clean"],
        [["noisy input", mse_noisy], ["3-point moving average", mse_smooth], ["denoiser", mse_net]],
        title=f"64 test signals, noise sd {sigma} (MSE ≈ sd² = {sigma**2:.2f})",
    )
    r.check(
        "denoised MSE < noisy MSE",
        float(mse_net) < float(mse_noisy),
        f"{float(mse_net):.4f} < {float(mse_noisy):.4f}",
    )
    se = sigma**2 * math.sqrt(2 / noisy_test.numel())  # standard error of a mean of squared N(0, sigma²)
    r.check_close("noisy-input MSE ≈ sigma² (within 5 s.e.)", float(mse_noisy), sigma**2, atol=5 * se)
