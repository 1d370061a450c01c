"""Logits: raw scores, defined up to a shift; log-probs are the normalised ones; log-odds for two classes."""

from __future__ import annotations

from mlterms.demos.hand.losses import log_softmax
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="Logits are the raw, unnormalised scores a classifier outputs before softmax (or sigmoid), "
    "any real numbers; the largest is the predicted class, and for two classes the logit is the log-odds.",
    params=[
        Param("classes", "int", 4, "C, classes", min=2, max=10),
        Param("shift", "float", 50.0, "c, a constant added to every logit", min=-1000, max=1000),
    ],
)
def run(r: Report, *, classes: int, shift: float) -> None:
    import torch

    z = 3 * torch.randn(3, classes, dtype=torch.float64) + 2 * torch.randn(
        3, 1, dtype=torch.float64
    )  # (B, C)
    labels = torch.randint(0, classes, (3,))  # (B,)
    normalised(r, z)
    up_to_a_shift(r, z, labels, shift)
    prediction(r, z)
    log_odds(r)


def normalised(r: Report, z) -> None:
    import torch.nn.functional as F

    s = r.section("logits, probabilities and log-probabilities")
    lp = log_softmax(z)  # (B, C) = z - logsumexp(z)
    s.tensor("logits z (B, C): any real numbers", z)
    s.tensor("softmax(z): in (0, 1), rows sum to 1", lp.exp())
    s.tensor("log-probs z - logsumexp(z): <= 0", lp)
    s.table(
        ["row", "sum of logits", "logsumexp(z)", "logsumexp(log-probs)"],
        [[i, z[i].sum(), z[i].logsumexp(0), lp[i].logsumexp(0)] for i in range(len(z))],
    )
    s.note(
        "Logits carry no scale of their own: subtracting logsumexp(z) from a row gives the log-probs, "
        "the one logit vector of that row whose exponentials sum to 1. Log-probs are logits too."
    )
    r.check_close("z - logsumexp(z) by hand == F.log_softmax", lp, F.log_softmax(z, dim=-1), atol=1e-12)
    r.check_close(
        "log_softmax(log-probs) == log-probs",
        log_softmax(lp),
        lp,
        atol=1e-12,
        kind="property",
    )
    r.check("every log-prob <= 0", bool((lp <= 0).all()), f"largest {float(lp.max()):.4f}", kind="property")
    r.exercise(
        "log-prob",
        "What is the log-probability of class 0 in this row of logits?",
        lp[0, 0],
        given={"logits": z[0]},
        tolerance=1e-3,
    )


def up_to_a_shift(r: Report, z, labels, c: float) -> None:
    import torch.nn.functional as F

    s = r.section(f"a shift changes nothing: z + {c:g}")
    moved = z + c  # (B, C)
    s.table(
        ["loss", "on z", f"on z + {c:g}"],
        [
            ["F.cross_entropy(logits)", F.cross_entropy(z, labels), F.cross_entropy(moved, labels)],
            [
                "F.nll_loss(log_softmax(logits))",
                F.nll_loss(log_softmax(z), labels),
                F.nll_loss(log_softmax(moved), labels),
            ],
            ["F.nll_loss(logits): wrong", F.nll_loss(z, labels), F.nll_loss(moved, labels)],
        ],
    )
    s.note(
        "softmax(z + c) = softmax(z), so every loss built on it is unchanged. F.nll_loss expects "
        "log-probs and only picks -input[label]: given raw logits it moves with c and can go below 0. "
        "(Why subtracting the max keeps softmax finite: mlterms demo softmax.)"
    )
    r.check_close(
        "softmax(z + c) == softmax(z)",
        log_softmax(moved).exp(),
        log_softmax(z).exp(),
        atol=1e-9,
        kind="property",
    )
    r.check_close(
        "F.nll_loss(log_softmax(z)) == F.cross_entropy(z)",
        F.nll_loss(log_softmax(z), labels),
        F.cross_entropy(z, labels),
        atol=1e-12,
    )


def prediction(r: Report, z) -> None:
    s = r.section("the prediction is the largest logit")
    p = log_softmax(z).exp()
    s.table(
        ["row", "argmax logits", "argmax softmax", "top probability"],
        [[i, int(z[i].argmax()), int(p[i].argmax()), p[i].max()] for i in range(len(z))],
    )
    s.note("softmax keeps the order of the logits, so predicting a class needs no softmax at all.")
    r.check_equal(
        "argmax of softmax == argmax of logits", p.argmax(-1).tolist(), z.argmax(-1).tolist(), kind="property"
    )
    r.exercise(
        "predicted",
        "Which class (0-based) does this row of logits predict?",
        int(z[1].argmax()),
        given={"logits": z[1]},
    )


def log_odds(r: Report) -> None:
    import torch

    s = r.section("two classes: the logit is the log-odds")
    p = torch.tensor([0.01, 0.2, 0.5, 0.8, 0.99], dtype=torch.float64)  # (5,) probabilities of class 1
    odds = p / (1 - p)
    s.table(
        ["p", "odds p / (1 - p)", "log-odds", "sigmoid(log-odds)"],
        [[p[i], odds[i], odds[i].log(), torch.sigmoid(odds[i].log())] for i in range(5)],
    )
    s.note(
        "A binary classifier outputs one logit z with p = sigmoid(z), so z = log(p / (1 - p)). Two "
        "softmax logits [a, b] say the same with one number: softmax([a, b])[0] = sigmoid(a - b)."
    )
    r.check_close("log(p / (1 - p)) == torch.logit(p)", odds.log(), torch.logit(p), atol=1e-12)
    ab = torch.randn(6, 2, dtype=torch.float64)  # (6, 2) two-class logits
    r.check_close(
        "softmax([a, b])[0] == sigmoid(a - b)",
        torch.softmax(ab, -1)[:, 0],
        torch.sigmoid(ab[:, 0] - ab[:, 1]),
        atol=1e-12,
        kind="property",
    )
