"""The classic-method demos, recomputed independently with numpy and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlterms.demos.hand.classic import accuracy, blobs, inertia, kmeans_step, knn_predict, squared_distances

from .util import column, exercise, row, run, scalar, table, tensor


def arr(report, name):
    return np.array(tensor(report, name).values)


# -- the shared by-hand helpers -----------------------------------------------------------------


def test_squared_distances_match_a_double_loop():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    want = np.array([[np.sum((p - q) ** 2) for q in b] for p in a])
    got = squared_distances(torch.tensor(a), torch.tensor(b)).numpy()
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_knn_predict_votes_among_the_k_nearest():
    train_x = torch.tensor([[0.0], [1.0], [2.0], [10.0], [11.0]], dtype=torch.float64)
    train_y = torch.tensor([0, 0, 1, 1, 1])
    x = torch.tensor([[0.4], [10.4], [1.6]], dtype=torch.float64)
    assert knn_predict(train_x, train_y, x, 1).tolist() == [0, 1, 1]
    assert knn_predict(train_x, train_y, x, 3).tolist() == [0, 1, 0]  # 1.6: neighbours 2, 1, 0
    assert knn_predict(train_x, train_y, x, 5).tolist() == [1, 1, 1]  # everyone: the majority


def test_kmeans_step_assigns_then_averages_and_keeps_an_empty_center():
    x = torch.tensor([[0.0, 0.0], [0.0, 2.0], [10.0, 0.0]], dtype=torch.float64)
    centers = torch.tensor([[0.0, 1.5], [9.0, 0.0], [50.0, 50.0]], dtype=torch.float64)
    new, assign, before = kmeans_step(x, centers)
    assert assign.tolist() == [0, 0, 1]
    assert before == pytest.approx(1.5**2 + 0.5**2 + 1.0)
    np.testing.assert_allclose(new.numpy(), [[0, 1], [10, 0], [50, 50]])
    assert inertia(x, new) == pytest.approx(2.0)


def test_blobs_labels_name_the_nearest_center_when_spread_is_small():
    centers = torch.tensor([[0.0, 0.0], [5.0, 5.0], [-5.0, 5.0]], dtype=torch.float64)
    x, y = blobs(10, centers, 0.1)
    assert x.shape == (30, 2) and torch.bincount(y).tolist() == [10, 10, 10]
    nearest = ((x[:, None, :] - centers[None]) ** 2).sum(-1).argmin(1)
    assert torch.equal(nearest, y)
    assert accuracy(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0])) == pytest.approx(2 / 3)


# -- linear regression ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 3])
def test_linear_regression_weights_are_numpy_least_squares(seed):
    report = run("linear regression", seed)
    X, y = arr(report, "X"), arr(report, "y")
    want = np.linalg.lstsq(X, y, rcond=None)[0]
    t = table(report, "normal equations")
    np.testing.assert_allclose(column(t, "normal equations"), want, atol=1e-9)
    assert column(t, "weight") == ["b", "w1", "w2", "w3"]
    train_mse = np.mean((X @ want - y) ** 2)
    assert row(table(report, "held-out MSE"), "linear regression")[1] == pytest.approx(train_mse)
    base = row(table(report, "held-out MSE"), "predict mean(y_train)")[1]
    assert base == pytest.approx(np.var(y))
    assert scalar(report, "trace H") == pytest.approx(X.shape[1])


def test_linear_regression_slope_exercise_is_numpys_line():
    e = exercise(run("linear regression", 1), "one-feature-slope")
    x, y = np.array(e.given["x"]), np.array(e.given["y"])
    assert e.answer == pytest.approx(np.polyfit(x, y, 1)[0])


# -- logistic regression -------------------------------------------------------------------------


def scatter_groups(report, title_start):
    from mlterms.demos.report import Plot

    from .util import items

    (p,) = [p for p in items(report, Plot) if p.points and p.title.startswith(title_start)]
    x = np.array(p.x)
    return {name: np.stack([x[~np.isnan(y)], np.array(y)[~np.isnan(y)]], 1) for name, y in p.series.items()}


def test_logistic_regression_helpers_match_numpy_and_finite_differences():
    from mlterms.demos.classic.logistic_regression import bce_by_hand, gradient_by_hand

    rng = np.random.default_rng(1)
    X, y, w = rng.normal(size=(7, 3)), rng.integers(0, 2, 7).astype(float), rng.normal(size=3) * 3
    p = 1 / (1 + np.exp(-X @ w))
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    Xt, yt = torch.tensor(X), torch.tensor(y)
    assert float(bce_by_hand(Xt, yt, torch.tensor(w))) == pytest.approx(bce)
    h = 1e-6
    numeric = [
        (
            float(bce_by_hand(Xt, yt, torch.tensor(w + h * e)))
            - float(bce_by_hand(Xt, yt, torch.tensor(w - h * e)))
        )
        / (2 * h)
        for e in np.eye(3)
    ]
    np.testing.assert_allclose(gradient_by_hand(Xt, yt, torch.tensor(w)).numpy(), numeric, atol=1e-7)


@pytest.mark.parametrize("seed", [0, 2])
def test_logistic_regression_final_loss_and_accuracy_are_recomputed_from_the_points(seed):
    from statistics import NormalDist

    from mlterms.demos.report import Plot

    from .util import items

    report = run("logistic regression", seed)
    groups = scatter_groups(report, "training points")
    x = np.concatenate([groups["class_0"], groups["class_1"]])
    y = np.concatenate([np.zeros(len(groups["class_0"])), np.ones(len(groups["class_1"]))])
    assert len(x) == 2 * 30
    w = arr(report, "w (bias, w1, w2)")
    p = 1 / (1 + np.exp(-(w[0] + x @ w[1:])))
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    (curve,) = [p for p in items(report, Plot) if p.title == "training BCE per step"]
    assert curve.series["bce"][-1] == pytest.approx(bce)
    assert curve.series["bce"][0] == pytest.approx(np.log(2))  # from w = 0
    t = table(report, "held-out accuracy")
    assert row(t, "best possible (Bayes)")[1] == pytest.approx(NormalDist().cdf(2.5 / 2))
    on_line = groups["boundary"]
    np.testing.assert_allclose(w[0] + on_line @ w[1:], 0, atol=1e-9)


def test_logistic_regression_probability_exercise():
    e = exercise(run("logistic regression", 3), "probability")
    w, x = np.array(e.given["w"]), np.array(e.given["x"])
    assert e.answer == pytest.approx(1 / (1 + np.exp(-(w[0] + w[1:] @ x))))


# -- k-nearest neighbors -------------------------------------------------------------------------


def numpy_knn(train_x, train_y, x, k):
    d = ((x[:, None, :] - train_x[None]) ** 2).sum(-1)
    near = np.argsort(d, axis=1, kind="stable")[:, :k]
    return (train_y[near].mean(1) > 0.5).astype(int)  # binary vote; odd k has no ties


@pytest.mark.parametrize("seed", [0, 4])
def test_knn_accuracy_table_is_numpys_knn_on_the_plotted_points(seed):
    report = run("k-nearest neighbors", seed)
    train = scatter_groups(report, "the training set")
    x = np.concatenate([train["class_0"], train["class_1"]])
    y = np.repeat([0, 1], [len(train["class_0"]), len(train["class_1"])])
    held = scatter_groups(report, "held-out points")
    right = {c: held[f"class_{c}"] for c in (0, 1)}
    hx = np.concatenate([right[0], right[1], held["wrong"]])
    guess_wrong = numpy_knn(x, y, held["wrong"], 5)
    hy = np.concatenate([np.zeros(len(right[0])), np.ones(len(right[1])), 1 - guess_wrong])
    t = table(report, "held-out accuracy")
    for k, train_acc, held_acc in t.rows:
        if k % 2:
            assert train_acc == pytest.approx(np.mean(numpy_knn(x, y, x, k) == y)), k
            assert held_acc == pytest.approx(np.mean(numpy_knn(x, y, hx, k) == hy)), k
    assert np.array_equal(numpy_knn(x, y, right[1], 5), np.ones(len(right[1])))
    assert row(t, len(x))[2] == pytest.approx(max(np.mean(hy), 1 - np.mean(hy)), abs=0.06)


def test_knn_vote_exercise_matches_a_numpy_vote():
    for seed in range(3):
        e = exercise(run("k-nearest neighbors", seed), "vote-of-three")
        pts, labels, q = (np.array(e.given[k]) for k in ("points", "labels", "query"))
        assert e.answer == numpy_knn(pts, labels, q[None], 3)[0]


# -- k-means clustering --------------------------------------------------------------------------


@pytest.mark.parametrize(("seed", "k"), [(0, 3), (1, 4)])
def test_kmeans_centers_are_the_means_of_their_points_and_the_nearest(seed, k):
    report = run("k-means clustering", seed, k=k)
    groups = scatter_groups(report, "points by cluster")
    centers = arr(report, "centers")
    np.testing.assert_allclose(groups["centers"], centers)
    x = np.concatenate([groups[f"cluster_{j}"] for j in range(k)])
    own = np.repeat(np.arange(k), [len(groups[f"cluster_{j}"]) for j in range(k)])
    assert len(x) == 90
    for j in range(k):
        np.testing.assert_allclose(groups[f"cluster_{j}"].mean(0), centers[j], atol=1e-9)
    d = ((x[:, None] - centers[None]) ** 2).sum(-1)
    assert np.array_equal(d.argmin(1), own)
    last = table(report, "inertia after moving centers").rows[-1]
    assert last[2] == pytest.approx(d.min(1).sum())
    elbow = table(report, "inertia at convergence")
    assert row(elbow, 1)[1] == pytest.approx(((x - x.mean(0)) ** 2).sum())
    assert row(elbow, k)[1] == pytest.approx(d.min(1).sum())


def test_kmeans_inertia_exercise():
    e = exercise(run("k-means clustering", 2), "inertia")
    pts, c = np.array(e.given["points"]), np.array(e.given["centers"])
    assert e.answer == pytest.approx(((pts[:, None] - c[None]) ** 2).sum(-1).min(1).sum())


# -- principal component analysis ----------------------------------------------------------------


@pytest.mark.parametrize(("seed", "n"), [(0, 100), (3, 40)])
def test_pca_table_is_the_variance_of_the_plotted_scores(seed, n):
    report = run("principal component analysis", seed, n=n)
    scores = scatter_groups(report, "the training points")["points"]
    assert scores.shape == (n, 2)
    t = table(report, "explained ratio")
    values = np.array(column(t, "variance (eigenvalue)"))
    np.testing.assert_allclose(scores.var(0, ddof=1), values[:2], rtol=1e-9)
    np.testing.assert_allclose(scores.mean(0), 0, atol=1e-9)
    assert abs(np.cov(scores.T)[0, 1]) < 1e-9
    assert np.all(np.diff(values) <= 0)
    np.testing.assert_allclose(column(t, "explained ratio"), values / values.sum())
    np.testing.assert_allclose(column(t, "cumulative"), np.cumsum(values) / values.sum())
    V = arr(report, "components (columns)")
    np.testing.assert_allclose(V.T @ V, np.eye(6), atol=1e-9)
    assert scalar(report, "sum of the dropped training eigenvalues") == pytest.approx(values[2:].sum())
    svd = table(report, "S from svd")
    np.testing.assert_allclose(np.array(column(svd, "S from svd")) ** 2 / (n - 1), values, rtol=1e-9)


def test_pca_ratio_exercise():
    e = exercise(run("principal component analysis", 1), "first-ratio")
    lam = np.array(e.given["eigenvalues"])
    assert e.answer == pytest.approx(lam.max() / lam.sum())


# -- cosine similarity ---------------------------------------------------------------------------


def numpy_cos(u, v):
    return u @ v / (np.linalg.norm(u) * np.linalg.norm(v))


def test_cosine_table_is_the_angle_between_the_shown_vectors():
    report = run("cosine similarity", 2)
    a, b, sim = arr(report, "a (4 vectors)"), arr(report, "b (5 vectors)"), arr(report, "cos(a_i, b_j)")
    assert sim.shape == (4, 5)
    for i in range(4):
        for j in range(5):
            assert sim[i, j] == pytest.approx(numpy_cos(a[i], b[j]))


@pytest.mark.parametrize("seed", [0, 1, 4])
def test_cosine_exercises(seed):
    report = run("cosine similarity", seed)
    e = exercise(report, "cosine-of-two")
    u, v = np.array(e.given["u"]), np.array(e.given["v"])
    assert e.answer == pytest.approx(numpy_cos(u, v))
    assert exercise(report, "scaled-by-minus-three").answer == pytest.approx(-numpy_cos(u, v))


def test_cosine_retrieval_is_perfect_without_noise_and_lengths():
    t = table(run("cosine similarity", 0, spread=0.0, noise=0.0), "top-1 same topic (held-out queries)")
    assert row(t, "cosine")[1] == 1.0 and row(t, "-Euclidean distance")[1] == 1.0


# -- bias-variance tradeoff ----------------------------------------------------------------------


def test_bias_variance_decomposition_matches_numpy_polyfits():
    from mlterms.demos.classic.bias__variance_tradeoff import decompose

    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-1, 1, size=(4, 9)), axis=1)
    y = np.sin(np.pi * x) + 0.3 * rng.normal(size=x.shape)
    x_test = np.linspace(-0.9, 0.9, 7)
    eps = rng.normal(size=(4, 7))
    got = decompose(torch.tensor(x), torch.tensor(y), torch.tensor(x_test), 2, 0.3, torch.tensor(eps))
    pred = np.stack([np.polyval(np.polyfit(xs, ys, 2), x_test) for xs, ys in zip(x, y, strict=True)])
    f = np.sin(np.pi * x_test)
    assert got["bias2"] == pytest.approx(np.mean((pred.mean(0) - f) ** 2))
    assert got["variance"] == pytest.approx(np.mean(pred.var(0)))
    assert got["measured"] == pytest.approx(np.mean((pred - f - 0.3 * eps) ** 2))


def test_bias_variance_table_adds_up_and_uses_the_knobs():
    report = run("bias-variance tradeoff", 1, noise=0.5, degree=6)
    t = table(report, "measured test error")
    assert column(t, "degree") == list(range(7))
    assert column(t, "noise") == pytest.approx([0.25] * 7)
    for b2, var, nz, total in zip(
        *(column(t, c) for c in ("bias^2", "variance", "noise", "sum")), strict=True
    ):
        assert total == pytest.approx(b2 + var + nz)
    e = exercise(report, "expected-error")
    assert e.answer == pytest.approx(e.given["bias^2"] + e.given["variance"] + e.given["noise sd"] ** 2)


def test_noisy_samples_are_stratified_rows_of_sin_plus_noise():
    from mlterms.demos.hand.fitting import noisy_samples

    x, y = noisy_samples(3, 5, 0.0)
    assert x.shape == y.shape == (3, 5)
    slots = np.floor((x.numpy() + 1) / 2 * 5)
    assert np.array_equal(slots, np.tile(np.arange(5), (3, 1)))  # one point per slot, in every row
    np.testing.assert_allclose(y.numpy(), np.sin(np.pi * x.numpy()))
