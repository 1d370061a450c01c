"""Perceptron: the learning rule converging on separable data within Novikoff's bound, and failing on XOR
until a hidden layer makes it separable."""

from __future__ import annotations

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

MAX_EPOCHS = 100
N_TEST = 400


def predict(w, x):
    """sign(w . x), with x augmented by a constant 1 so that w's last entry is the bias; 0 counts as +1."""
    import torch

    return torch.where(x @ w >= 0, 1.0, -1.0).to(x.dtype)


def train(x, y, epochs: int = MAX_EPOCHS):
    """The perceptron rule: for each example in turn, if y (w . x) <= 0 then w <- w + y x. Stops after an
    epoch without a mistake. Returns the final w, the weights after every update, and the mistakes per epoch."""
    import torch

    w = torch.zeros(x.shape[1], dtype=x.dtype)
    path, per_epoch = [w.clone()], []
    for _ in range(epochs):
        mistakes = 0
        for xi, yi in zip(x, y, strict=True):
            if yi * (xi @ w) <= 0:
                w = w + yi * xi
                path.append(w.clone())
                mistakes += 1
        per_epoch.append(mistakes)
        if mistakes == 0:
            break
    return w, path, per_epoch


def by_autograd(x, y, epochs: int):
    """The same visits as `train`, each an SGD step of lr 1 on the perceptron loss max(0, -y w.x) when
    y w.x <= 0 (where the loss's gradient is -y x); the weights after every step that changes them."""
    import torch

    w = torch.zeros(x.shape[1], dtype=x.dtype, requires_grad=True)
    path = [w.detach().clone()]
    for _ in range(epochs):
        for xi, yi in zip(x, y, strict=True):
            margin = yi * (xi @ w)
            if margin <= 0:
                (grad,) = torch.autograd.grad(-margin, w)  # d/dw max(0, -y w.x) on the mistake side
                with torch.no_grad():
                    w -= grad
                path.append(w.detach().clone())
    return path


def separable(n: int, margin: float, u, c: float):
    """n points of [-2, 2]^2 at distance > margin / 2 from the line u.x + c = 0 (u unit), labelled by side;
    augmented with a 1. Returns x (n, 3) and y (n,) in {-1, +1}."""
    import torch

    pts = torch.empty(0, 2, dtype=torch.float64)
    while len(pts) < n:
        cand = torch.rand(4 * n, 2, dtype=torch.float64) * 4 - 2  # (4n, 2)
        pts = torch.cat([pts, cand[(cand @ u + c).abs() > margin / 2]])
    pts = pts[:n]
    y = torch.where(pts @ u + c > 0, 1.0, -1.0).to(torch.float64)
    return torch.cat([pts, torch.ones(n, 1, dtype=torch.float64)], dim=1), y


@demo(
    summary="The perceptron, the first neural unit: y = sign(w . x + b), trained by w <- w + y x on each "
    "mistake. It converges when the classes are linearly separable and never does on XOR.",
    params=[
        Param("margin", "float", 0.5, "the gap kept free around the true line", min=0.1, max=1.0),
        Param("n", "int", 40, "training points", min=10, max=100),
    ],
)
def run(r: Report, *, margin: float, n: int) -> None:
    import math

    import torch

    angle = float(torch.rand(())) * 2 * math.pi
    u = torch.tensor([math.cos(angle), math.sin(angle)], dtype=torch.float64)  # (2,) the true line's normal
    c = float(torch.empty(()).uniform_(-0.5, 0.5))
    x, y = separable(n, margin, u, c)
    xt, yt = separable(N_TEST, margin, u, c)
    converging(r, x, y, xt, yt, u, c)
    xor(r)


def converging(r: Report, x, y, xt, yt, u, c: float) -> None:
    import torch

    s = r.section(f"separable data: {len(y)} training points, a free gap around the true line")
    w, path, per_epoch = train(x, y)
    ref = by_autograd(x, y, len(per_epoch))
    r.check_close("w <- w + y x on each mistake == SGD (lr 1) on max(0, -y w.x) by autograd",
                  torch.stack(path), torch.stack(ref) if len(ref) == len(path) else torch.zeros(0), atol=1e-12)  # fmt: skip
    s.plot("mistakes per epoch", list(range(1, len(per_epoch) + 1)), mistakes=per_epoch)
    true_w = torch.cat([u, torch.tensor([c], dtype=torch.float64)])
    gamma = float((y * (x @ true_w)).min() / true_w.norm())  # the true separator's margin, augmented space
    radius = float(x.norm(dim=1).max())
    mistakes = len(path) - 1
    train_acc = float((predict(w, x) == y).double().mean())
    test_acc = float((predict(w, xt) == yt).double().mean())
    s.table(["quantity", "value"], [["epochs run", len(per_epoch)], ["updates (mistakes)", mistakes],
            ["R = max ||x||", radius], ["gamma = margin of the true line", gamma], ["bound (R / gamma)^2", (radius / gamma) ** 2],
            ["learned w (w1, w2, b)", str([round(v, 2) for v in w.tolist()])], ["training accuracy", train_acc],
            [f"held-out accuracy ({N_TEST} points)", test_acc]])  # fmt: skip
    s.note(
        "Novikoff (1962): if some unit vector separates the data with margin gamma and every ||x|| <= R, the rule "
        "makes at most (R / gamma)^2 mistakes, whatever the order of the examples; x carries a constant 1 for the "
        "bias, so R and gamma are measured in that augmented space. A narrower gap means a larger bound."
    )
    r.check("the rule stops with no training mistake left", per_epoch[-1] == 0 and train_acc == 1.0,
            f"{len(per_epoch)} epochs", kind="property")  # fmt: skip
    r.check("mistakes <= (R / gamma)^2 (Novikoff's bound)", mistakes <= (radius / gamma) ** 2,
            f"{mistakes} <= {(radius / gamma) ** 2:.1f}", kind="property")  # fmt: skip
    r.effect("the learned line classifies held-out points from the same classes", test_acc >= 0.9,
             f"accuracy {test_acc:.3f} >= 0.9")  # fmt: skip
    r.exercise("one-update", "w = 0 and the first example x (augmented with 1) has label y: what is w after it?",
               (y[0] * x[0]).tolist(), given={"x": x[0].tolist(), "y": float(y[0])}, tolerance=1e-3)  # fmt: skip


def xor(r: Report) -> None:
    import torch

    s = r.section("XOR: no line separates it; a hidden layer of two units does")
    pts = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    y = torch.tensor([-1.0, 1.0, 1.0, -1.0], dtype=torch.float64)
    ones = torch.ones(4, 1, dtype=torch.float64)
    _, _, per_epoch = train(torch.cat([pts, ones], dim=1), y)
    # a hidden layer by hand: h1 = [x1 + x2 > 0.5] (OR), h2 = [x1 + x2 > 1.5] (AND)
    hidden = torch.stack([(pts.sum(1) > 0.5), (pts.sum(1) > 1.5)], dim=1).to(torch.float64)  # (4, 2)
    w_h, _, per_epoch_h = train(torch.cat([hidden, ones], dim=1), y)
    out = predict(w_h, torch.cat([hidden, ones], dim=1))
    s.table(["x1", "x2", "XOR", "h1 = OR", "h2 = AND", "perceptron on (h1, h2)"],
            [[*pts[i].tolist(), y[i], *hidden[i].tolist(), out[i]] for i in range(4)])  # fmt: skip
    s.plot(
        "XOR: mistakes per epoch on the raw inputs", list(range(1, len(per_epoch) + 1)), mistakes=per_epoch
    )
    s.note(
        f"On the raw inputs the rule never finishes an epoch without a mistake ({MAX_EPOCHS} epochs shown): the "
        "two classes sit on opposite diagonals, and a line that gets three points right gets the fourth wrong. "
        "On the hidden units OR and AND the points become (0,0), (1,0), (1,0), (1,1), and XOR = OR and not AND "
        "is linear there. That hidden layer is the step from the perceptron to the multilayer perceptron."
    )
    r.check(f"on raw XOR every one of {MAX_EPOCHS} epochs has a mistake", min(per_epoch) > 0 and len(per_epoch) == MAX_EPOCHS,
            f"fewest mistakes in an epoch: {min(per_epoch)}", kind="property")  # fmt: skip
    r.check("on the hidden layer's (OR, AND) the rule converges and gets XOR right", per_epoch_h[-1] == 0
            and bool((out == y).all()), f"{len(per_epoch_h)} epochs", kind="property")  # fmt: skip
