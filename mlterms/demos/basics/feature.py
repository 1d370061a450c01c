"""Feature: the inputs of an example, as numbers in a matrix X (N, D); which ones carry the answer."""

from __future__ import annotations

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

# price (k$) = 2 * size + 10 * rooms - 1.5 * age + a postcode effect + noise
WEIGHTS = (2.0, 10.0, -1.5)


def postcode_effects(k: int) -> list[float]:
    """One price offset per postcode, zig-zagging so no order of the codes explains it."""
    return [60.0 * (1 if c % 2 else -1) * (1 + c / k) for c in range(k)]


def make_houses(n: int, k: int, noise: float):
    """n houses: numeric features (n, 3) = size, rooms, age; postcodes (n,) in 0..k-1; prices (n,)."""
    import torch

    size = 40 + 120 * torch.rand(n, dtype=torch.float64)  # m^2
    rooms = (size / 30).round() + torch.randint(0, 2, (n,))  # follows the size, roughly
    age = 50 * torch.rand(n, dtype=torch.float64)  # years
    code = torch.arange(n) % k  # every postcode appears once there are k houses
    code = code[torch.randperm(n)]
    numeric = torch.stack([size, rooms, age], dim=1)  # (n, 3)
    price = numeric @ torch.tensor(WEIGHTS, dtype=torch.float64)  # (n,)
    price += torch.tensor(postcode_effects(k), dtype=torch.float64)[code] + noise * torch.randn(n)
    return numeric, code, price


def one_hot_by_hand(code, k: int):
    """(n,) integer codes -> (n, k) rows with a single 1 in the code's column."""
    import torch

    return (code[:, None] == torch.arange(k)[None, :]).double()  # (n, k)


@demo(
    summary="A feature is an input part of an example; together the features make the input vector x, "
    "and a model can only use what they carry.",
    params=[
        Param("n_train", "int", 30, "training houses", min=12, max=400),
        Param("postcodes", "int", 4, "K, how many postcodes", min=2, max=6),
        Param("noise", "float", 20.0, "price noise (k$, sd)", min=0.0, max=100.0),
    ],
)
def run(r: Report, *, n_train: int, postcodes: int, noise: float) -> None:
    import torch
    import torch.nn.functional as F

    k = postcodes
    numeric, code, price = make_houses(n_train, k, noise)
    s = r.section("an example: features (the inputs) and a label (the answer)")
    s.table(
        ["size (m^2)", "rooms", "age (years)", "postcode", "price (k$)"],
        [[*numeric[i].tolist(), int(code[i]), float(price[i])] for i in range(5)],
        title="feature | feature | feature | feature | label",
    )
    s.note(
        "Each row is one example. The features are what the model is given; the label is what it "
        "must predict. A new house has features but no label: predicting it is the model's job. Which "
        "column is the label is a choice of task (see `mlterms demo label`)."
    )
    s = r.section("features must be numbers: a category becomes one-hot columns")
    hot = one_hot_by_hand(code, k)  # (n, K)
    r.check_close("one-hot by hand == F.one_hot", hot, F.one_hot(code, k).double(), atol=0)
    X = torch.cat([numeric, hot], dim=1)  # (n, 3 + K)
    s.tensor(f"X, first 4 rows: size, rooms, age, postcode one-hot ({n_train}, {3 + k})", X[:4])
    s.note(
        "A postcode is a name, not an amount: coded as 0, 1, 2, ... it would claim that postcode 2 is "
        "twice postcode 1. One-hot gives it K columns, one per postcode. They sum to 1 in every row, so "
        "they play the role of the intercept (one per postcode)."
    )
    r.exercise(
        "columns",
        "Three numeric features and a postcode one-hot encoded: how many columns does X have?",
        3 + k,
        given={"numeric features": 3, "postcodes K": k},
    )
    which_features(r, X, price, k, noise)


def which_features(r: Report, X, y, k: int, noise: float) -> None:
    import torch

    s = r.section("which features carry the answer: held-out error")
    numeric_ho, code_ho, y_ho = make_houses(500, k, noise)  # held-out houses, same world
    ones, ones_ho = torch.ones(len(y), 1, dtype=torch.float64), torch.ones(500, 1, dtype=torch.float64)
    X_ho = torch.cat([numeric_ho, one_hot_by_hand(code_ho, k)], dim=1)
    w = torch.linalg.solve(X.T @ X, X.T @ y)  # least squares by the normal equations
    r.check_close(
        "normal equations (X^T X) w = X^T y == torch.linalg.lstsq", w, torch.linalg.lstsq(X, y).solution, 1e-6
    )
    sets = {
        "all features (one-hot postcode)": (X, X_ho),
        "postcode as one number 0..K-1": (
            torch.cat([X[:, :3], ones, (X[:, 3:] @ torch.arange(k).double())[:, None]], dim=1),
            torch.cat([numeric_ho, ones_ho, code_ho[:, None].double()], dim=1),
        ),
        "without the postcode": (torch.cat([X[:, :3], ones], dim=1), torch.cat([numeric_ho, ones_ho], dim=1)),
        "without the size": (X[:, 1:], X_ho[:, 1:]),
    }
    rows = []
    for name, (A, A_ho) in sets.items():
        fit = torch.linalg.lstsq(A, y).solution
        rows.append([name, A.shape[1], rmse(A @ fit, y), rmse(A_ho @ fit, y_ho)])
    s.table(["features used", "columns", "train RMSE", "held-out RMSE"], rows, title="least squares fits")
    s.note(
        "Drop a feature that carries part of the price and no fit can recover it; the error left over is "
        "at best the noise sd. Coding the postcode as one number fits a straight line through offsets "
        "that zig-zag, and does little better than leaving it out."
    )
    best, coded, without = rows[0][3], rows[1][3], rows[2][3]
    r.effect(
        "the one-hot postcode lowers held-out error (against no postcode and a 0..K-1 code)",
        best < 0.8 * min(coded, without),
        f"{best:.1f} < 0.8 x min({coded:.1f}, {without:.1f})",
    )


def rmse(pred, target) -> float:
    return float(((pred - target) ** 2).mean().sqrt())
