"""Linear regression: y = X w + b fitted by least squares, in closed form (the normal equations)."""

from __future__ import annotations

from mlterms.demos.hand.fitting import normal_equations
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

TRUE_W = (2.0, -1.0, 0.5)  # the weights the data is made with
TRUE_B = 1.0
HELD_OUT = 1000


@demo(
    summary="Linear regression: predict a number as a weighted sum of the features plus a bias, "
    "y = X w + b, with w chosen to minimise the squared error; the normal equations give it in closed form.",
    params=[
        Param("n", "int", 20, "training points", min=8, max=400),
        Param("noise", "float", 0.5, "standard deviation of the noise on y", min=0.0, max=3.0),
    ],
)
def run(r: Report, *, n: int, noise: float) -> None:
    import torch

    train, held_out = sample(n, noise), sample(HELD_OUT, noise)
    w = closed_form(r, train)
    geometry(r, train, w)
    new_data(r, train, held_out, w, noise)
    x = torch.randn(4, dtype=torch.float64).mul(2).round(decimals=1)  # (4,)
    y = (3 * x - 1 + torch.randn(4, dtype=torch.float64)).round(decimals=1)  # (4,)
    slope = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    r.exercise(
        "one-feature-slope",
        "Least-squares line through these points: what is its slope (cov(x, y) / var(x))?",
        slope,
        given={"x": x, "y": y},
        tolerance=1e-2,
    )
    r.exercise(
        "parameter-count",
        "How many numbers does linear regression learn for inputs with d features (weights and bias)?",
        len(TRUE_W) + 1,
        given={"d": len(TRUE_W)},
    )


def sample(n: int, noise: float):
    """n points with 3 standard-normal features, y = x . TRUE_W + TRUE_B + noise * N(0, 1)."""
    import torch

    x = torch.randn(n, len(TRUE_W), dtype=torch.float64)  # (N, 3)
    y = x @ torch.tensor(TRUE_W, dtype=torch.float64) + TRUE_B + noise * torch.randn(n, dtype=torch.float64)
    return design(x), y


def design(x):
    """The features with a column of ones in front, so the bias is one more weight: (N, 1 + D)."""
    import torch

    return torch.cat([torch.ones(len(x), 1, dtype=x.dtype), x], dim=1)


def closed_form(r: Report, train):
    import torch

    X, y = train
    s = r.section("what it computes: the least-squares weights in closed form")
    s.note(
        "X: (N, 1 + D) is the features with a column of ones (the bias becomes weight 0). Setting the "
        "gradient of mean((X w - y)^2) to zero gives the normal equations X^T X w = X^T y, "
        "so w = (X^T X)^-1 X^T y (solved, never inverted)."
    )
    s.tensor("X", X)
    s.tensor("y", y)
    w = normal_equations(X, y)  # (1 + D,)
    ref = torch.linalg.lstsq(X, y.unsqueeze(1), driver="gelsd").solution.squeeze(1)
    s.table(
        ["weight", "true", "normal equations", "torch.linalg.lstsq"],
        [[name, true, w[i], ref[i]] for i, (name, true) in enumerate(names_and_truth())],
    )
    r.check_close("normal equations == torch.linalg.lstsq", w, ref, atol=1e-9)
    grad = 2 * X.T @ (X @ w - y) / len(y)  # (1 + D,) the gradient of the MSE at w
    r.check_close(
        "the MSE gradient vanishes at w (a minimum of a convex loss)", grad, torch.zeros_like(w), 1e-9
    )
    return w


def names_and_truth() -> list[tuple[str, float]]:
    return [("b", TRUE_B)] + [(f"w{i + 1}", v) for i, v in enumerate(TRUE_W)]


def geometry(r: Report, train, w) -> None:
    import torch

    X, y = train
    s = r.section("the geometry: the fit is the projection of y onto the columns of X")
    fitted = X @ w  # (N,)
    residual = y - fitted  # (N,)
    H = X @ torch.linalg.solve(X.T @ X, X.T)  # (N, N) the "hat" matrix: y -> fitted
    s.note(
        "The residual y - X w is orthogonal to every column of X (that is what the normal equations "
        "say), so with the column of ones it sums to 0. The fitted values are H y with the hat matrix "
        "H = X (X^T X)^-1 X^T: a projection (H H = H) whose trace counts the weights."
    )
    s.scalar("mean residual", residual.mean())
    s.scalar("trace H", H.trace())
    zeros = torch.zeros(X.shape[1], dtype=X.dtype)
    r.check_close("X^T residual == 0", X.T @ residual, zeros, atol=1e-8, kind="property")
    r.check_close("H H == H (a projection)", H @ H, H, atol=1e-9, kind="property")
    r.check_close("hat matrix H y == X w", H @ y, fitted, atol=1e-9)


def new_data(r: Report, train, held_out, w, noise: float) -> None:
    X, y = train
    s = r.section("does it work on new data?")
    mse = float(((held_out[0] @ w - held_out[1]) ** 2).mean())
    train_mse = float(((X @ w - y) ** 2).mean())
    baseline = float(((held_out[1] - y.mean()) ** 2).mean())  # predict the training mean for everyone
    p = X.shape[1]
    s.table(
        ["model", "train MSE", "held-out MSE"],
        [
            ["predict mean(y_train)", float(((y - y.mean()) ** 2).mean()), baseline],
            ["linear regression", train_mse, mse],
        ],
    )
    s.note(
        f"The noise floor is noise^2 = {noise**2:.3f}. With N = {len(y)} points and p = {p} weights the "
        f"training MSE is about noise^2 (N - p) / N (the fit absorbs p directions of noise) and the "
        "held-out MSE a little above noise^2: a line cannot overfit much when N is well above p."
    )
    r.effect(
        "held-out MSE < 1/4 of the predict-the-mean baseline's",
        mse < baseline / 4,
        f"{mse:.3f} vs {baseline:.3f}",
    )
    r.effect(
        "held-out MSE within 2x the noise floor (+0.05)",
        mse < 2 * noise**2 + 0.05,
        f"{mse:.3f} vs noise^2 {noise**2:.3f}",
    )
