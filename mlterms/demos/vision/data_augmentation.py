"""Data augmentation: label-preserving shifts of a tiny training set, and what they do to new data."""

from __future__ import annotations

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

S, HELD_OUT, LAM = 8, 1000, 0.1  # image size, held-out images, ridge penalty


@demo(
    summary="Data augmentation enlarges the training set with transformed copies that keep their label "
    "(shifts, flips, crops, ...), so the model learns to ignore those changes; shifts by hand against "
    "torch.roll, and a tiny dataset's held-out accuracy with and without them.",
    params=[
        Param("per_class", "int", 3, "training images per class", min=2, max=8),
        Param("noise", "float", 0.5, "pixel noise of every image", min=0.0, max=1.0),
    ],
)
def run(r: Report, *, per_class: int, noise: float) -> None:
    import torch

    templates = torch.randn(2, S, S, dtype=torch.float64)  # one pattern per class
    by_hand(r, templates[0])
    effect(r, templates, per_class, noise)


def shift(img, dy: int, dx: int):
    """img (H, W) moved dy rows down and dx columns right, wrapping around the border."""
    H, W = img.shape
    rows = [(i - dy) % H for i in range(H)]
    cols = [(j - dx) % W for j in range(W)]
    return img[rows][:, cols]


def by_hand(r: Report, img) -> None:
    import torch

    s = r.section("label-preserving copies, by hand")
    s.note(
        "A shift of (dy, dx) moves every pixel: out[i, j] = img[i - dy, j - dx] (wrapping here); a "
        "horizontal flip reverses the columns. Each copy keeps the label of its original: the "
        "augmentation says which changes must not matter. Which ones are safe depends on the task "
        "(a flipped 'b' is a 'd')."
    )
    s.tensor("an image of class 0", img)
    s.tensor("shifted by (1, -1)", shift(img, 1, -1))
    r.check_close(
        "shift by hand == torch.roll", shift(img, 1, -1), torch.roll(img, (1, -1), dims=(0, 1)), atol=0
    )
    flip = img[:, list(range(S - 1, -1, -1))]
    r.check_close("flip by hand == torch.flip", flip, torch.flip(img, dims=(1,)), atol=0)


def sample(templates, n: int, noise: float, shifted: bool):
    """n noisy images, classes alternating; shifted ones are moved by -1, 0 or 1 pixel in each axis."""
    import torch

    y = torch.arange(n) % 2
    x = templates[y] + noise * torch.randn(n, S, S, dtype=torch.float64)  # (n, S, S)
    if shifted:  # torch.roll per offset, checked against the shift by hand above
        off = torch.randint(-1, 2, (n, 2))
        for a in (-1, 0, 1):
            for b in (-1, 0, 1):
                pick = (off[:, 0] == a) & (off[:, 1] == b)
                x[pick] = torch.roll(x[pick], (a, b), dims=(1, 2))
    return x, y


def ridge(X, y):
    """Least-squares weights for +-1 targets with a small L2 penalty: (A^T A + lam I)^-1 A^T t."""
    import torch

    A = torch.cat([X.flatten(1), torch.ones(len(X), 1, dtype=X.dtype)], dim=1)  # (n, S*S + 1), a bias
    t = (2.0 * y - 1).double()
    return torch.linalg.solve(A.T @ A + LAM * torch.eye(A.shape[1], dtype=X.dtype), A.T @ t), A, t


def predict(w, X):
    return (X.flatten(1) @ w[:-1] + w[-1] > 0).long()


def effect(r: Report, templates, per: int, noise: float) -> None:
    import torch

    s = r.section(f"{2 * per} training images; held out: {HELD_OUT} images shifted by up to a pixel")
    X, y = sample(templates, 2 * per, noise, shifted=False)  # the tiny training set: all centred
    Xt, yt = sample(templates, HELD_OUT, noise, shifted=True)  # new images, not quite centred
    moves = [(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)]
    Xa = torch.stack([shift(X[i], a, b) for i in range(len(X)) for a, b in moves])  # (9n, S, S)
    ya = y.repeat_interleave(len(moves))
    rows, acc, same = [], [], []
    for name, (Xs, ys) in (("as is", (X, y)), ("+ 8 shifted copies each", (Xa, ya))):
        w, A, t = ridge(Xs, ys)
        pred = predict(w, Xt)
        moved = predict(w, torch.roll(Xt, 1, dims=2))
        acc.append(float((pred == yt).double().mean()))
        same.append(float((pred == moved).double().mean()))
        rows.append([name, len(Xs), acc[-1], same[-1]])
    s.table(["training set", "images", "held-out accuracy", "prediction kept under a 1-pixel shift"], rows)
    s.note(
        f"A linear classifier on the {S * S} pixels, fitted in closed form (ridge regression on +-1 "
        "targets). Trained on centred images only, it learns the centred pattern and is near chance "
        "once the pattern moves a pixel; the shifted copies teach it the pattern at every nearby "
        "position, at no cost of new labels. A CNN builds some of this in (`mlterms demo "
        "convolutional neural network`); augmentation adds it to any model."
    )
    want = torch.linalg.lstsq(torch.cat([A, LAM**0.5 * torch.eye(A.shape[1], dtype=A.dtype)]),
                              torch.cat([t, torch.zeros(A.shape[1], dtype=A.dtype)])).solution  # fmt: skip
    r.check_close(
        "ridge by the normal equations == torch.linalg.lstsq on [A; sqrt(lam) I]", w, want, atol=1e-8
    )
    r.effect(
        "augmentation raises held-out accuracy by > 0.08",
        acc[1] > acc[0] + 0.08,
        f"{acc[1]:.3f} vs {acc[0]:.3f}",
    )
    r.effect(
        "augmentation makes predictions more shift-invariant on held-out images",
        same[1] > same[0],
        f"{same[1]:.3f} vs {same[0]:.3f}",
    )
    r.exercise(
        "augmented-size",
        "Each training image plus its shifts by -1, 0 or 1 pixel in each axis: how many images?",
        len(Xa),
        given={"training images": len(X), "shifts per axis": [-1, 0, 1]},
    )
