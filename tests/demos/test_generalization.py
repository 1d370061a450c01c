"""The generalization demos, recomputed independently with numpy and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlterms.demos.hand.fitting import degree_sweep, gd_steps, legendre_features, normal_equations

from .util import column, exercise, row, run, scalar, table, tensor


def data(report, x="training x", y="training y"):
    return np.array(tensor(report, x).values), np.array(tensor(report, y).values)


def polyfit_mse(x, y, degree):
    """Training MSE of the least-squares polynomial, by numpy in the power basis."""
    return float(np.mean((np.polyval(np.polyfit(x, y, degree), x) - y) ** 2))


# -- the shared by-hand helpers -----------------------------------------------------------------


def test_legendre_features_on_known_values():
    x = torch.tensor([-1.0, 0.0, 0.5, 1.0], dtype=torch.float64)
    X = legendre_features(x, 3).numpy()
    want = np.stack([np.ones(4), x, (3 * x**2 - 1) / 2, (5 * x**3 - 3 * x) / 2], axis=1)
    np.testing.assert_allclose(X, want, atol=1e-15)
    assert legendre_features(x, 0).shape == (4, 1)


def test_normal_equations_match_numpy_least_squares_and_ridge():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 4)), rng.normal(size=20)
    w = normal_equations(torch.tensor(X), torch.tensor(y)).numpy()
    assert w == pytest.approx(np.linalg.lstsq(X, y, rcond=None)[0])
    lam = 0.7  # mean((Xw - y)^2) + lam ||w||^2 is least squares on [X; sqrt(N lam) I]
    aug_X, aug_y = np.vstack([X, np.sqrt(20 * lam) * np.eye(4)]), np.concatenate([y, np.zeros(4)])
    ridge = normal_equations(torch.tensor(X), torch.tensor(y), lam).numpy()
    assert ridge == pytest.approx(np.linalg.lstsq(aug_X, aug_y, rcond=None)[0])


def test_gd_steps_take_the_mse_gradient():
    X = torch.tensor([[1.0, 2.0], [1.0, -1.0], [1.0, 0.5]], dtype=torch.float64)
    y = torch.tensor([1.0, 0.0, 2.0], dtype=torch.float64)
    first, second = gd_steps(X, y, lr=0.1, steps=2)
    Xn, yn = X.numpy(), y.numpy()
    w1 = 0.1 * 2 * Xn.T @ yn / 3  # from w = 0 the gradient is -2 X^T y / N
    assert first.numpy() == pytest.approx(w1)
    assert second.numpy() == pytest.approx(w1 - 0.1 * 2 * Xn.T @ (Xn @ w1 - yn) / 3)


def test_degree_sweep_scores_the_held_out_set_with_the_training_fit():
    x = torch.linspace(-1, 1, 9, dtype=torch.float64)
    y = x**2
    x_out = torch.tensor([0.0, 2.0], dtype=torch.float64)
    (tr0, ho0), (tr2, ho2) = degree_sweep((x, y), (x_out, x_out**2), range(0, 3, 2))
    mean = float(y.mean())
    assert tr0 == pytest.approx(float(((y - mean) ** 2).mean()))
    assert ho0 == pytest.approx(((0 - mean) ** 2 + (4 - mean) ** 2) / 2)
    assert tr2 == pytest.approx(0, abs=1e-20) and ho2 == pytest.approx(0, abs=1e-20)


# -- overfitting ---------------------------------------------------------------------------------


def test_overfitting_training_column_is_the_least_squares_fit_of_each_degree():
    report = run("overfitting", 1)
    x, y = data(report)
    t = table(report, "verdict")
    for degree, train in zip(column(t, "degree"), column(t, "train MSE"), strict=True):
        if degree <= 8:  # numpy's power basis is ill conditioned beyond that
            assert train == pytest.approx(polyfit_mse(x, y, degree), rel=1e-6, abs=1e-10)
    assert len(t.rows) == len(x)  # degrees 0 .. n-1


def test_overfitting_verdicts_follow_the_held_out_column():
    report = run("overfitting", 2)
    t = table(report, "verdict")
    held = column(t, "held-out MSE")
    best = int(np.argmin(held))
    verdicts = column(t, "verdict")
    assert verdicts[best] == "best held-out"
    assert verdicts[-1] == "overfitting" and verdicts[0] == "underfitting"
    assert column(t, "gap") == pytest.approx(list(np.array(held) - np.array(column(t, "train MSE"))))
    top = row(table(report, "training points"), 15)
    assert top[1:3] == pytest.approx(t.rows[-1][1:3])  # the same fit opens the more-data table


def test_overfitting_exercises():
    report = run("overfitting", 0, n=11, noise=0.5)
    assert exercise(report, "interpolating-degree").answer == 10
    assert exercise(report, "noise-floor").answer == pytest.approx(0.25)
    assert column(table(report, "verdict"), "degree")[-1] == 10


# -- underfitting --------------------------------------------------------------------------------


def test_underfitting_capacity_rows_are_least_squares_fits():
    report = run("underfitting", 3)
    x, y = data(report)
    t = table(report, "coefficients")
    assert row(t, 0)[2] == pytest.approx(np.var(y))  # the best constant is the mean
    for degree in (1, 5):
        assert row(t, degree)[2] == pytest.approx(polyfit_mse(x, y, degree), rel=1e-9)


def test_underfitting_gradient_descent_rows_recomputed_with_numpy():
    report = run("underfitting", 4, steps=7)
    x, y = data(report)
    X = np.polynomial.legendre.legvander(x, 5)
    lr = scalar(report, "learning rate")
    assert lr == pytest.approx(1 / np.linalg.eigvalsh(2 * X.T @ X / len(y)).max())
    w = np.zeros(6)
    train = {}
    for t in range(1, 8):
        w = w - lr * 2 * X.T @ (X @ w - y) / len(y)
        train[t] = np.mean((X @ w - y) ** 2)
    t = table(report, "steps")
    for steps in (1, 3, 7):
        assert row(t, steps)[1] == pytest.approx(train[steps], rel=1e-9)


def test_underfitting_best_constant_is_the_mean():
    ex = exercise(run("underfitting", 0), "best-constant")
    assert ex.answer == pytest.approx(np.mean(ex.given["targets"]))


# -- generalization ------------------------------------------------------------------------------


def test_true_risk_of_the_zero_model_is_the_signal_power_plus_noise():
    from mlterms.demos.generalization.generalization import NOISE, true_risk

    nodes, weights = np.polynomial.legendre.leggauss(64)
    # mean of sin^2(pi x) over Uniform(-1, 1) is 1/2
    assert true_risk(torch.zeros(3, dtype=torch.float64), nodes, weights) == pytest.approx(0.5 + NOISE**2)
    # the constant 1 adds mean(1 - 2 sin(pi x)) = 1 (sin is odd)
    one = torch.tensor([1.0], dtype=torch.float64)
    assert true_risk(one, nodes, weights) == pytest.approx(1.5 + NOISE**2)


def test_generalization_tables_are_consistent():
    report = run("generalization", 1)
    risk = scalar(report, "error on new data (quadrature)")
    t = table(report, "(MSE - true) / SE")
    for _m, mse, se, z in t.rows:
        assert z == pytest.approx((mse - risk) / se)
    g = table(report, "2 noise^2 p / N")
    sizes = column(g, "training points")
    assert sizes == [20, 40, 80, 160, 320]
    assert column(g, "2 noise^2 p / N") == pytest.approx([2 * 0.2**2 * 6 / n for n in sizes])
    gaps = np.array(column(g, "error on new data")) - np.array(column(g, "train MSE"))
    assert column(g, "gap") == pytest.approx(list(gaps))
    assert scalar(report, "training MSE") < risk


def test_generalization_exercises():
    report = run("generalization", 0, degree=2)
    ex = exercise(report, "standard-error")
    assert ex.answer == pytest.approx(ex.given["sd"] / np.sqrt(ex.given["m"]))
    ex = exercise(report, "gap-estimate")
    assert ex.answer == pytest.approx(2 * ex.given["sigma"] ** 2 * ex.given["p"] / ex.given["N"])
    assert column(table(report, "2 noise^2 p / N"), "2 noise^2 p / N")[0] == pytest.approx(2 * 0.04 * 3 / 20)


# -- validation set ------------------------------------------------------------------------------


def test_validation_split_is_disjoint_and_covers_the_pool():
    report = run("validation set", 2, n_train=20, n_val=7)
    t = table(report, "indices into the pool")
    train = {int(i) for i in row(t, "training")[2].split()}
    val = {int(i) for i in row(t, "validation")[2].split()}
    assert len(train) == 20 and len(val) == 7
    assert not train & val and train | val == set(range(27))


def test_validation_picks_by_the_validation_column_not_the_training_one():
    report = run("validation set", 3)
    t = table(report, "picked by")
    train, val = column(t, "train MSE"), column(t, "validation MSE")
    assert train != pytest.approx(val, rel=1e-3)  # scored on other examples than it was fitted on
    picks = column(t, "picked by")
    assert "validation" in picks[int(np.argmin(val))]
    assert "training" in picks[int(np.argmin(train))]
    assert all(
        a >= b for a, b in zip(train[:-1], train[1:], strict=True)
    )  # nested models: training loss never rises
    ex = exercise(report, "validation-pick")
    assert ex.answer == int(np.argmin(ex.given["validation MSE"]))


def test_validation_pick_is_optimistic_and_the_fixed_model_is_not():
    t = table(run("validation set", 0), "median test - validation")
    pick, fixed = t.rows
    assert pick[3] > fixed[3]
    assert pick[1] < fixed[1]  # the best of 11 validation losses is below the fixed one's


# -- regularization ------------------------------------------------------------------------------


def test_regularization_l2_row_is_the_ridge_fit_with_lambda_chosen_on_validation():
    from mlterms.demos.generalization.regularization import LAMBDAS

    report = run("regularization", 1, n=12, degree=11)
    x, y = data(report)
    xv, yv = data(report, "validation x", "validation y")
    X, Xv = np.polynomial.legendre.legvander(x, 11), np.polynomial.legendre.legvander(xv, 11)

    def ridge(lam):  # argmin mean((Xw - y)^2) + lam ||w||^2
        return np.linalg.solve(X.T @ X / 12 + lam * np.eye(12), X.T @ y / 12)

    val = {lam: np.mean((Xv @ ridge(lam) - yv) ** 2) for lam in LAMBDAS}
    best = min(val, key=val.get)
    t = table(report, "chosen on val")
    l2 = row(t, "L2 penalty")
    assert l2[1] == f"lambda {best:g}"
    assert l2[2] == pytest.approx(np.linalg.norm(ridge(best)), rel=1e-6)
    assert l2[4] == pytest.approx(val[best], rel=1e-6)
    assert row(t, "none")[3] < l2[3]  # least squares fits the training points best
    early = row(t, "early stopping")
    assert early[4] <= row(t, "none")[4]


def test_regularization_exercise_is_the_one_weight_ridge():
    ex = exercise(run("regularization", 0), "ridge-one-weight")
    x, y, lam = np.array(ex.given["x"]), np.array(ex.given["y"]), ex.given["lambda"]
    grid = np.linspace(-10, 10, 200001)
    loss = ((grid[:, None] * x - y) ** 2).mean(axis=1) + lam * grid**2
    assert ex.answer == pytest.approx(grid[loss.argmin()], abs=1e-4)


# -- weight decay --------------------------------------------------------------------------------


def numpy_adam(X, y, wd, steps, decoupled, lr=0.05, b1=0.9, b2=0.999, eps=1e-8):
    """Adam on mean((Xw - y)^2), written from the paper: L2 in the gradient, or AdamW's lr * wd shrink."""
    w, m, v = np.zeros(X.shape[1]), np.zeros(X.shape[1]), np.zeros(X.shape[1])
    for t in range(1, steps + 1):
        g = 2 * X.T @ (X @ w - y) / len(y)
        if decoupled:
            w = w - lr * wd * w
        else:
            g = g + wd * w
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
        w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return w


def test_hand_adam_rows_match_numpy_adam_and_adamw():
    from mlterms.demos.generalization.weight_decay import adam_by_hand

    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(12, 3)), rng.normal(size=12)
    decay = torch.tensor([[0.3, 0.0], [0.0, 0.3], [0.0, 0.0]], dtype=torch.float64)
    W = adam_by_hand(torch.tensor(X), torch.tensor(y), decay, 40).numpy()
    np.testing.assert_allclose(W[0], numpy_adam(X, y, 0.3, 40, decoupled=False), atol=1e-12)
    np.testing.assert_allclose(W[1], numpy_adam(X, y, 0.3, 40, decoupled=True), atol=1e-12)
    np.testing.assert_allclose(W[2], numpy_adam(X, y, 0.0, 40, decoupled=True), atol=1e-12)
    assert np.abs(W[0] - W[1]).max() > 1e-3  # under Adam coupled and decoupled differ


def test_weight_decay_shrink_per_step_is_lr_times_wd():
    report = run("weight decay", 2, wd=0.05)
    t = table(report, "shrink per step 1 - lr wd")
    lrs = column(t, "lr")
    assert column(t, "shrink per step 1 - lr wd") == pytest.approx([1 - lr * 0.05 for lr in lrs])
    halve = column(t, "steps to halve (zero gradient)")
    assert [0.5 ** (1 / h) for h in halve] == pytest.approx([1 - lr * 0.05 for lr in lrs])
    ex = exercise(report, "half-life")
    assert (1 - ex.given["lr"] * ex.given["wd"]) ** ex.answer == pytest.approx(0.5)


def test_weight_decay_coupled_adam_reaches_the_l2_minimiser_and_adamw_does_not():
    t = table(run("weight decay", 0), "optimizer")
    coupled = row(t, "Adam(weight_decay): L2 in the gradient")
    ridge = row(t, "L2 minimiser, lambda = wd/2 (normal equations)")
    adamw = row(t, "AdamW: decoupled")
    assert coupled[1] == pytest.approx(ridge[1], rel=1e-3)
    assert abs(adamw[1] - ridge[1]) > 0.1 * ridge[1]
    sgd = table(run("weight decay", 0), "train MSE")
    assert row(sgd, "wd 0.02")[1] == pytest.approx(ridge[1], rel=1e-3)  # SGD with decay: the same minimiser


# -- training set --------------------------------------------------------------------------------


def test_top_correlated_matches_numpy_corrcoef():
    from mlterms.demos.generalization.training_set import top_correlated

    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(30, 12)), rng.normal(size=30)
    X[:, 4] = -3 * y + 0.1 * rng.normal(size=30)  # strongly, negatively correlated
    corr = np.array([np.corrcoef(X[:, j], y)[0, 1] for j in range(12)])
    got = top_correlated(torch.tensor(X), torch.tensor(y), 3).tolist()
    assert sorted(got) == sorted(np.argsort(-np.abs(corr))[:3].tolist())
    assert 4 in got


def test_training_set_fit_minimises_its_own_loss_only():
    t = table(run("training set", 1), "weights fitted on")
    own, other = row(t, "the training set"), row(t, "the held-out set (for comparison)")
    assert own[1] < other[1]  # least squares on the training set: the lowest training MSE
    assert other[2] < own[2]  # and the held-out set's own fit scores best there
    g = table(run("training set", 1), "||gradient||")
    assert row(g, "of the training loss")[1] < 1e-9 < row(g, "of the held-out loss")[1]


def test_training_set_standardizes_new_examples_with_training_statistics():
    ex = exercise(run("training set", 0), "standardize-new")
    assert ex.answer == pytest.approx((ex.given["x"] - ex.given["m"]) / ex.given["s"])
    t = table(run("training set", 0), "features chosen on")
    honest, leaky = t.rows
    assert leaky[1] < honest[1] and leaky[1] < leaky[2]
