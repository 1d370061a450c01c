"""Distilling: a small student learns from a big teacher's softened outputs, and beats the same
student trained on the labels alone."""

from __future__ import annotations

import math

from mlterms.demos.hand.fit import fit_adam
from mlterms.demos.hand.kl import kl_by_hand, log_softmax_by_hand
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

C, PER_CLASS = 3, 10  # classes; labelled examples per class the students get


def distillation_loss(student_logits, teacher_logits, labels, T: float, alpha: float):
    """Hinton et al. (2015): alpha T^2 KL(softmax(teacher/T) || softmax(student/T)) + (1 - alpha) CE.

    F.kl_div takes the STUDENT's log-probabilities first and the target (teacher) second;
    T^2 keeps the soft term's gradient on the scale of the hard one. Logits (B, C), labels (B,).
    """
    import torch.nn.functional as F

    soft = F.kl_div(
        F.log_softmax(student_logits / T, -1),
        F.log_softmax(teacher_logits / T, -1),
        reduction="batchmean",
        log_target=True,
    )
    return alpha * T**2 * soft + (1 - alpha) * F.cross_entropy(student_logits, labels)


def blobs(n_per: int):
    """n_per points of each of 3 overlapping Gaussian classes around a circle: x (3 n_per, 2), y."""
    import torch

    angles = torch.arange(C) * 2 * math.pi / C
    centers = 1.5 * torch.stack([angles.cos(), angles.sin()], 1)  # (C, 2)
    y = torch.arange(C).repeat_interleave(n_per)
    return centers[y] + torch.randn(len(y), 2), y


@demo(
    summary="Distilling trains a smaller student on a big teacher's softened outputs, softmax(logits / T) "
    "with T > 1, loss = T^2 KL(teacher || student) plus cross-entropy on the labels: with 30 labels the "
    "distilled student generalises better than the same student trained on the labels alone.",
    params=[
        Param("T", "float", 4.0, "distillation temperature", min=1.0, max=10.0),
        Param("alpha", "float", 0.9, "weight of the soft (teacher) term", min=0.0, max=1.0),
    ],
)
def run(r: Report, *, T: float, alpha: float) -> None:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    x_big, y_big = blobs(100)  # (300, 2) the teacher's training set
    x, y = blobs(PER_CLASS)  # (30, 2) what the students see
    x_test, y_test = blobs(300)  # (900, 2) held out
    teacher = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, C))
    fit_adam(list(teacher.parameters()), lambda: F.cross_entropy(teacher(x_big), y_big), 40, 0.05)
    with torch.no_grad():
        z_teacher = teacher(x)  # (30, C) fixed soft targets

    def student() -> nn.Module:
        return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, C))

    labels_only, distilled = student(), student()
    distilled.load_state_dict(labels_only.state_dict())  # the same start: only the loss differs
    fit_adam(list(labels_only.parameters()), lambda: F.cross_entropy(labels_only(x), y), 60, 0.15)
    losses = fit_adam(
        list(distilled.parameters()),
        lambda: distillation_loss(distilled(x), z_teacher, y, T, alpha),
        100,
        0.1,
    )
    soft_targets(r, z_teacher, y, T)
    the_loss(r, distilled, x, z_teacher, y, T, alpha, losses)
    why_t_squared(r)
    result(r, x_test, y_test, {"teacher": teacher, "labels only": labels_only, "distilled": distilled})


def soft_targets(r: Report, z_teacher, y, T: float) -> None:
    import torch.nn.functional as F

    s = r.section("1. softened targets: what the teacher knows beyond the label")
    s.note(
        "softmax(z / T) with T > 1 raises the small probabilities, so the student also learns WHICH wrong "
        "classes the teacher finds plausible ('dark knowledge'), not just the argmax. The teacher was "
        "trained on 300 labelled points; the students get only 30 of their own."
    )
    z = z_teacher[:1]  # (1, C)
    s.table(
        ["T", *[f"p(class {c})" for c in range(C)]],
        [[1, *F.softmax(z, -1)[0]], [T, *F.softmax(z / T, -1)[0]]],
        title=f"teacher on one class-{int(y[0])} example",
    )
    r.exercise(
        "soft-max-prob",
        "The teacher's logits for one example: what is its largest probability at temperature T?",
        F.softmax(z / T, -1).max(),
        given={"logits": z[0], "T": T},
        tolerance=1e-3,
    )


def the_loss(r: Report, student, x, z_teacher, y, T: float, alpha: float, losses) -> None:
    import torch

    s = r.section("2. the distillation loss, as trained")
    s.note(
        f"loss = alpha T² KL(softmax(teacher/T) || softmax(student/T)) + (1 - alpha) CE(student, label), "
        f"alpha = {alpha:g}, T = {T:g} (Hinton et al., 2015). F.kl_div(input, target) takes the STUDENT's "
        "log-probabilities first: swapped, it computes KL(student || teacher), another loss. "
        "reduction='batchmean' is the true KL; 'mean' would also divide by the number of classes."
    )
    s.plot("distilled student's training loss", list(range(0, len(losses), 5)), loss=losses[::5])
    with torch.no_grad():
        z = student(x)  # (30, C)
        trained = distillation_loss(z, z_teacher, y, T, alpha)
        ce = -log_softmax_by_hand(z)[torch.arange(len(y)), y].mean()  # cross-entropy by hand
        by_hand = alpha * T**2 * kl_by_hand(z_teacher, z, T) + (1 - alpha) * ce
        p = torch.distributions.Categorical(logits=z_teacher / T)
        q = torch.distributions.Categorical(logits=z / T)
        kl_ref = torch.distributions.kl_divergence(p, q).mean()
    s.tensor("teacher logits, examples 0-3", z_teacher[:4])
    s.tensor("student logits, examples 0-3", z[:4])
    s.tensor("labels, examples 0-3", y[:4])
    s.scalar("training loss on examples 0-3", distillation_loss(z[:4], z_teacher[:4], y[:4], T, alpha))
    s.scalar("training loss of the trained student (all 30)", trained)
    r.check_close(
        "KL by hand == torch.distributions.kl_divergence", kl_by_hand(z_teacher, z, T), kl_ref, atol=1e-6
    )
    r.check_close(
        "the loss used in training == alpha T² KL by hand + (1 - alpha) CE by hand",
        trained,
        by_hand,
        atol=1e-5,
    )


def why_t_squared(r: Report) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("3. why multiply by T²")
    z = torch.randn(8, C, dtype=torch.float64) * 2  # (B, C) fresh logits
    zt = torch.randn(8, C, dtype=torch.float64) * 2
    rows, scaled = [], []
    for temp in (1.0, 2.0, 4.0, 8.0):
        zs = z.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(kl_by_hand(zt, zs, temp), zs)
        q, p = F.softmax(z / temp, -1), F.softmax(zt / temp, -1)
        r.check_close(
            f"T={temp:g}: autograd dKL/dz == (q - p) / (T B)", g, (q - p) / (temp * len(z)), atol=1e-12
        )
        rows.append([temp, g.norm(), temp**2 * g.norm()])
        scaled.append(float(temp**2 * g.norm()))
    s.table(["T", "‖∂KL/∂z‖", "‖∂(T²·KL)/∂z‖"], rows, title="8 random examples")
    s.note(
        "The soft-target gradient shrinks like 1/T² for large T; T² keeps it on the scale of the hard loss."
    )
    r.check(
        "the T²·KL gradient stays within 2x from T=2 to T=8",
        max(scaled[1:]) < 2 * min(scaled[1:]),
        f"{min(scaled[1:]):.3f} .. {max(scaled[1:]):.3f}",
        kind="property",
    )


def result(r: Report, x_test, y_test, models: dict) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("4. on held-out data: distilled vs labels only")
    rows, ce = [], {}
    with torch.no_grad():
        for name, m in models.items():
            z = m(x_test)
            ce[name] = float(F.cross_entropy(z, y_test))
            rows.append(
                [
                    name,
                    sum(p.numel() for p in m.parameters()),
                    (z.argmax(-1) == y_test).float().mean(),
                    ce[name],
                ]
            )
    s.table(
        ["model", "parameters", "held-out accuracy", "held-out cross-entropy"],
        rows,
        title=f"{len(y_test)} held-out points, 3 overlapping classes; students 2-16-3, teacher 2-32-32-3",
    )
    s.note(
        "Trained on 30 hard labels, the student fits their noise and grows overconfident: its held-out "
        "cross-entropy soars. The teacher's soft targets say how sure to be, point by point."
    )
    r.effect(
        "the distilled student's held-out cross-entropy beats the label-only student's by 1.5x",
        1.5 * ce["distilled"] < ce["labels only"],
        f"{ce['distilled']:.3f} vs {ce['labels only']:.3f}",
    )
