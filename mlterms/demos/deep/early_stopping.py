"""Early stopping: train past the best epoch, pick the epoch by validation loss with patience, judge it on a test split."""

from __future__ import annotations

from mlterms.demos.hand.fitting import legendre_features, noisy_sample
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

N, N_TEST, DEGREE, EPOCHS, BETA = 20, 200, 19, 600, 0.9


def stop_epoch(val: list[float], patience: int) -> tuple[int, int]:
    """Walk the validation losses in order; keep the best; stop after `patience` epochs without a new best.

    Returns (chosen epoch, epoch at which training stopped), 0-based."""
    best, since = 0, 0
    for e in range(1, len(val)):
        if val[e] < val[best]:
            best, since = e, 0
        else:
            since += 1
            if since >= patience:
                return best, e
    return best, len(val) - 1


@demo(
    summary="Early stopping keeps the weights of the epoch with the lowest validation loss and stops once it "
    "has not improved for `patience` epochs: a degree-19 polynomial on 20 noisy points is judged on a third split.",
    params=[
        Param(
            "patience",
            "int",
            100,
            "epochs without a new best validation loss before stopping",
            min=1,
            max=599,
        ),
        Param("noise", "float", 0.4, "noise std of the targets", min=0.1, max=1.0),
    ],
)
def run(r: Report, *, patience: int, noise: float) -> None:
    import torch

    (x, y), (xv, yv), (xt, yt) = (noisy_sample(n, noise) for n in (N, N, N_TEST))
    X, Xv, Xt = (legendre_features(a, DEGREE) for a in (x, xv, xt))  # (n, 20): 20 weights for 20 points
    lr = 1 / float(torch.linalg.eigvalsh(2 * X.T @ X / N).max())
    w, v, path = torch.zeros(DEGREE + 1, dtype=X.dtype), torch.zeros(DEGREE + 1, dtype=X.dtype), []
    for _ in range(EPOCHS):  # full-batch gradient descent with heavy-ball momentum, written out
        g = 2 * X.T @ (X @ w - y) / N
        v = BETA * v + g
        w = w - lr * v
        path.append(w)
    leaf = path[0].clone().requires_grad_()
    auto = torch.autograd.grad(((X @ leaf - y) ** 2).mean(), leaf)[0]
    r.check_close(
        "gradient 2 X^T (X w - y) / N == autograd", 2 * X.T @ (X @ path[0] - y) / N, auto, atol=1e-12
    )
    W = torch.stack(path)  # (EPOCHS, 20)
    train, val, test = (((W @ A.T - b) ** 2).mean(dim=1).tolist() for A, b in ((X, y), (Xv, yv), (Xt, yt)))
    r.check(
        "the training MSE falls", train[-1] < train[0], f"{train[0]:.3f} -> {train[-1]:.4f}", kind="property"
    )
    chosen, stopped = stop_epoch(val, patience)
    seen = int(torch.tensor(val[: stopped + 1]).argmin())
    r.check_equal("the chosen epoch == argmin of the validation curve recorded up to the stop", chosen, seen,
                  kind="property")  # fmt: skip
    s = r.section(f"degree {DEGREE} on {N} points, noise {noise}: MSE by epoch")
    s.plot("log10 MSE by epoch", list(range(1, EPOCHS + 1, 10)),
           **{k: [torch.tensor(c[i]).log10().item() for i in range(0, EPOCHS, 10)]
              for k, c in (("train", train), ("validation", val), ("test", test))})  # fmt: skip
    s.table(["epoch", "train MSE", "validation MSE", "test MSE"],
            [[f"chosen {chosen + 1}", train[chosen], val[chosen], test[chosen]],
             [f"stopped at {stopped + 1}", train[stopped], val[stopped], test[stopped]],
             [f"last {EPOCHS}", train[-1], val[-1], test[-1]]])  # fmt: skip
    s.note(
        "The training MSE keeps falling as the 20 weights bend the curve through the noise (overfitting); the "
        "validation MSE falls, then rises. Early stopping keeps the weights of its lowest point, and the test "
        "split, used for nothing else, says whether that choice generalises. Stopping early is a regularization: "
        "gradient descent from w = 0 fits the smooth directions first, so fewer steps act like a smaller model."
    )
    r.effect("the chosen epoch's test MSE is below the last epoch's", test[chosen] < test[-1],
             f"{test[chosen]:.4f} < {test[-1]:.4f}", asserted=patience >= 20 and noise >= 0.3)  # fmt: skip
    exercises(r)


def exercises(r: Report) -> None:
    import torch

    val = [round(float(v), 2) for v in (torch.linspace(1.0, 0.3, 6) + 0.25 * torch.rand(6)).tolist()]
    val += [round(val[-1] + 0.05 * k, 2) for k in range(1, 6)]
    patience = int(torch.randint(2, 5, ()))
    r.exercise(
        "stop-with-patience",
        "Validation losses by epoch (epoch 1 first). With this patience, at which epoch does training stop?",
        stop_epoch(val, patience)[1] + 1,
        given={"validation": val, "patience": patience},
    )
