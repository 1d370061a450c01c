"""Zero-shot learning: inputs mapped into a space of class descriptions (attribute vectors), learned on
seen classes only, then matched by cosine to the descriptions of classes never seen in training."""

from __future__ import annotations

import math

from mlterms.demos.hand.learning import accuracy, ridge, with_bias
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

ATTRS, DIM, UNSEEN, LAM = 8, 16, 5, 1.0  # attributes per description, input dims, new classes, ridge


def examples(descriptions, per_class: int, mix):
    """Inputs of each class: its description (C, 8) plus noise, mixed into 16 input values, plus noise:
    x = (a_c + 0.3 N(0, I)) M^T + 0.5 N(0, I). Returns x (C * per_class, 16), y (C * per_class,)."""
    import torch

    y = torch.arange(len(descriptions)).repeat_interleave(per_class)
    a = descriptions[y] + 0.3 * torch.randn(len(y), ATTRS, dtype=mix.dtype)
    return a @ mix.T + 0.5 * torch.randn(len(y), DIM, dtype=mix.dtype), y


def cosine_scores(mapped, descriptions):
    """cos(v_i, a_c) for every mapped input (N, 8) and class description (C, 8): (N, C)."""
    import torch.nn.functional as F

    return F.normalize(mapped, dim=1) @ F.normalize(descriptions, dim=1).T


@demo(
    summary="Zero-shot learning recognises classes of which it saw no example in training, from a description "
    "of each (attributes, or a text embedding): inputs are mapped into the descriptions' space and matched "
    "to the closest description.",
    params=[Param("seen", "int", 12, "classes with training examples", min=2, max=30)],
)
def run(r: Report, *, seen: int) -> None:
    import torch

    dt = torch.float64
    mix = torch.randn(DIM, ATTRS, dtype=dt) / math.sqrt(ATTRS)  # (16, 8) how attributes show in the input
    seen_desc = torch.randn(seen, ATTRS, dtype=dt)  # (seen, 8) descriptions of the training classes
    new_desc = torch.randn(UNSEEN, ATTRS, dtype=dt)  # (5, 8) descriptions only: no example ever
    x, y = examples(seen_desc, 20, mix)  # (seen * 20, 16) the training set: seen classes only

    s = r.section(f"1. learn a map from inputs to descriptions, on {seen} seen classes")
    v = ridge(with_bias(x), seen_desc[y], LAM)  # (17, 8): each input's target is its class's description
    stacked = torch.cat(
        [with_bias(x), math.sqrt(LAM) * torch.eye(DIM + 1, dtype=dt)]
    )  # ridge = least squares
    targets = torch.cat([seen_desc[y], torch.zeros(DIM + 1, ATTRS, dtype=dt)])
    r.check_close("ridge map (x^T x + lam I)^-1 x^T A == torch.linalg.lstsq on [x; sqrt(lam) I], [A; 0]", v,
                  torch.linalg.lstsq(stacked, targets).solution, atol=1e-9)  # fmt: skip
    s.note("The training data holds no example of the 5 new classes. What links them to the seen ones is the "
           "description space: each class is a vector of 8 attributes (in practice eg 'striped', 'has hooves', or "
           "the text embedding of its name), and the map V learns where an input's attributes are, not its class.")  # fmt: skip

    s = r.section(
        f"2. classify held-out inputs of the {UNSEEN} unseen classes by cosine to their descriptions"
    )
    x_new, y_new = examples(new_desc, 40, mix)  # (200, 16) held out, classes never trained on
    scores = cosine_scores(with_bias(x_new) @ v, new_desc)  # (200, 5)
    first = [int((y_new == c).nonzero()[0]) for c in range(UNSEEN)]
    s.heatmap("cosine of a mapped input (rows: one per unseen class) and each unseen description", scores[first],
              rows=[f"input of class {c}" for c in range(UNSEEN)], cols=[f"class {c}" for c in range(UNSEEN)])  # fmt: skip
    acc = accuracy(scores, y_new)
    wrong = torch.roll(torch.arange(UNSEEN), 1)  # every class given another class's description
    shuffled = accuracy(cosine_scores(with_bias(x_new) @ v, new_desc[wrong]), y_new)
    s.table(["matched against", "held-out accuracy"],
            [["the right descriptions", acc], ["descriptions moved to other classes", shuffled],
             ["chance", 1 / UNSEEN]], title=f"{len(y_new)} inputs of {UNSEEN} classes never seen in training")  # fmt: skip
    s.note("The descriptions carry the information: given to the wrong classes, the same map scores below chance. "
           f"With fewer seen classes than attributes ({ATTRS}), the map never learns some attribute directions. "
           "Few-shot and one-shot learning get a few or one example of each new class; zero-shot gets none. "
           "CLIP does this with the text embedding of a prompt such as 'a photo of a zebra' as the description.")  # fmt: skip
    enough = seen >= 10
    r.effect(f"held-out accuracy on unseen classes is far above chance (> 2 / {UNSEEN})", acc > 2 / UNSEEN,
             f"{acc:.2f} vs {1 / UNSEEN:.2f}", asserted=enough)  # fmt: skip
    r.effect("the right descriptions beat descriptions given to other classes", acc > shuffled + 0.3,
             f"{acc:.2f} vs {shuffled:.2f}", asserted=enough)  # fmt: skip
    mapped = torch.round(torch.randn(3, dtype=dt) * 10) / 10
    desc = torch.round(torch.randn(3, 3, dtype=dt) * 10) / 10
    r.exercise("which-class", "An input mapped to v, and the descriptions of three unseen classes (rows): which class "
               "does the largest cosine pick?", int(cosine_scores(mapped[None], desc).argmax()),
               given={"v": mapped, "descriptions": desc})  # fmt: skip
