"""The optimizers demos, recomputed independently with numpy, closed forms and known numbers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlterms.demos.hand.optimizers import (
    adamw_step,
    clip_total_norm,
    nesterov_step,
    rmsprop_step,
    round_significand,
)
from mlterms.demos.optimizers import (
    gradient_accumulation,
    gradient_clipping,
    learning_rate_warmup,
    loss_curve,
    mixed_precision,
    momentum,
)

from .util import column, exercise, row, run, scalar, table, tensor

f64 = torch.float64


# --- momentum --------------------------------------------------------------------------------------


def test_nesterov_step_on_known_numbers():
    p, buf = nesterov_step(torch.tensor([1.0]), torch.tensor([2.0]), None, lr=0.1, momentum=0.9)
    assert buf.item() == pytest.approx(2.0) and p.item() == pytest.approx(1 - 0.1 * (2 + 0.9 * 2))
    p2, buf = nesterov_step(p, torch.tensor([1.0]), buf, lr=0.1, momentum=0.9)
    assert buf.item() == pytest.approx(2.8) and p2.item() == pytest.approx(p.item() - 0.1 * (1 + 0.9 * 2.8))


@pytest.mark.parametrize(
    ("lam", "lr", "beta"), [(1.0, 0.01, 0.9), (100.0, 0.01, 0.9), (1.0, 0.5, 0.1), (3.0, 0.6, 0.0)]
)
def test_rate_is_the_largest_root_of_the_characteristic_polynomial(lam, lr, beta):
    roots = np.roots([1.0, -(1 + beta - lr * lam), beta])
    assert momentum.rate(lam, lr, beta) == pytest.approx(np.abs(roots).max())


@pytest.mark.parametrize("nesterov", [False, True])
def test_iteration_matrix_maps_one_step_of_the_update(nesterov):
    a = torch.tensor([[3.0, 1.0], [1.0, 2.0]], dtype=f64)
    w_star, w0 = torch.tensor([0.5, -1.0], dtype=f64), torch.tensor([2.0, 1.0], dtype=f64)
    path = momentum.run_path(a, w_star, w0, 3, 0.1, 0.8, nesterov)
    m = momentum.iteration_matrix(a, 0.1, 0.8, nesterov).numpy()
    # after step 1 buf_1 = A e_0; from then on the state (e_t, buf_t) follows the matrix
    e1 = (path[1] - w_star).numpy()
    buf1 = a.numpy() @ (w0 - w_star).numpy()
    nxt = m @ np.concatenate([e1, buf1])
    assert nxt[:2] == pytest.approx((path[2] - w_star).numpy(), abs=1e-12)


def test_momentum_report_velocity_and_exercises():
    report = run("momentum", 1, beta=0.8)
    t = table(report, "buf_t by the update")
    for step, buf, _ in t.rows:
        assert buf == pytest.approx(sum(0.8**k for k in range(step)))
    ex = exercise(report, "terminal-step")
    assert ex.answer == pytest.approx(ex.given["lr"] * ex.given["g"] / (1 - ex.given["beta"]))
    kappa = exercise(report, "tuned-beta").given["kappa"]
    assert exercise(report, "tuned-beta").answer == pytest.approx(((kappa**0.5 - 1) / (kappa**0.5 + 1)) ** 2)


def test_momentum_report_end_errors_by_numpy():
    report = run("momentum", 2, beta=0.9, condition=50.0, steps=40)
    a, w_star, w0 = (np.array(tensor(report, n).values) for n in ("A", "w*", "w0"))
    assert np.linalg.eigvalsh(a) == pytest.approx([1.0, 50.0])
    t = table(report, "|w - w*| at the end")

    def end(lr, beta):
        w, v = w0.copy(), np.zeros(2)
        for _ in range(40):
            v = beta * v + a @ (w - w_star)
            w = w - lr * v
        return np.linalg.norm(w - w_star)

    sgd_row = row(t, "SGD, its best fixed lr 2/(1+kappa) (sgd)")
    assert sgd_row[1] == pytest.approx(end(2 / 51, 0.0), rel=1e-9)
    assert sgd_row[2] == pytest.approx(49 / 51)
    assert row(t, "momentum 0.9, lr 1/L (heavy)")[1] == pytest.approx(end(1 / 50, 0.9), rel=1e-9)
    assert row(t, "momentum 0.9, lr 1/L (heavy)")[2] == pytest.approx(0.9**0.5)  # complex roots
    assert min(column(t, "|w - w*| at the end")) < sgd_row[1]


# --- adam ------------------------------------------------------------------------------------------


def numpy_adam(grad, w, steps, lr, b2, b1=0.9, eps=1e-8):
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, steps + 1):
        g = grad(w)
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return w


def test_adam_report_race_by_numpy():
    report = run("adam", 3, lr=0.05, beta2=0.99, steps=60)
    a, b = (
        np.array(tensor(report, "A = 2 X^T X / N").values),
        np.array(tensor(report, "b = 2 X^T y / N").values),
    )
    w_opt = np.linalg.solve(a, b)
    t = table(report, "loss - least-squares loss")
    w_adam = numpy_adam(lambda w: a @ w - b, np.zeros(3), 60, 0.05, 0.99)
    adam_row = row(t, "Adam, lr 0.05")
    assert adam_row[1] == pytest.approx(w_adam, abs=1e-4)
    # the excess loss of a quadratic: 1/2 (w - w*)^T A (w - w*)
    assert adam_row[2] == pytest.approx(0.5 * (w_adam - w_opt) @ a @ (w_adam - w_opt), rel=1e-6, abs=1e-12)
    lams = np.linalg.eigvalsh(a)
    lr = 2 / (lams[0] + lams[-1])
    w = np.zeros(3)
    for _ in range(60):
        w = w - lr * (a @ w - b)
    sgd_row = t.rows[0]
    assert sgd_row[0] == f"SGD, lr {lr:.2e} (its best fixed)"
    assert sgd_row[2] == pytest.approx(0.5 * (w - w_opt) @ a @ (w - w_opt), rel=1e-6)
    after20 = numpy_adam(lambda w: a @ w - b, np.zeros(3), 20, 0.05, 0.99)
    assert tensor(report, "w after 20 steps, loss x1000").values == pytest.approx(after20, abs=1e-6)


@pytest.mark.parametrize("b2", [0.9, 0.999])
def test_adam_bias_correction_table_and_exercises(b2):
    report = run("adam", 0, beta2=b2)
    for t, m, v, uncorrected, corrected in table(report, "m_hat / sqrt(v_hat)").rows:
        assert m == pytest.approx(1 - 0.9**t) and v == pytest.approx(1 - b2**t)
        assert uncorrected == pytest.approx((1 - 0.9**t) / np.sqrt(1 - b2**t))
        assert corrected == pytest.approx(1.0)
    ex = exercise(report, "first-step-without-correction")
    assert ex.answer == pytest.approx(0.1 / np.sqrt(1 - b2))
    per = exercise(report, "first-step-per-parameter")
    g = np.array(per.given["gradient"])
    assert per.answer == pytest.approx(numpy_adam(lambda w: g, np.zeros(3), 1, 0.01, b2).__abs__(), abs=1e-6)


# --- rmsprop ---------------------------------------------------------------------------------------


def test_rmsprop_step_on_known_numbers():
    p, sq = rmsprop_step(torch.tensor([1.0], dtype=f64), torch.tensor([2.0], dtype=f64), torch.zeros(1, dtype=f64),
                         lr=0.1, alpha=0.9)  # fmt: skip
    assert sq.item() == pytest.approx(0.4) and p.item() == pytest.approx(1 - 0.1 * 2 / np.sqrt(0.4))


@pytest.mark.parametrize("alpha", [0.9, 0.99])
def test_rmsprop_report_by_numpy(alpha):
    report = run("rmsprop", 2, alpha=alpha, lr=0.02, condition=30.0)
    w = np.array(tensor(report, "w0").values)
    lams, sq = np.array([1.0, 30.0]), np.zeros(2)
    for _ in range(150):
        g = lams * w
        sq = alpha * sq + (1 - alpha) * g * g
        w = w - 0.02 * g / (np.sqrt(sq) + 1e-8)
    end = row(table(report, "f at the end"), "RMSprop, lr 0.02")
    assert end[1] == pytest.approx(w, abs=1e-9) and end[2] == pytest.approx(
        0.5 * (lams * w * w).sum(), abs=1e-12
    )
    for t, step in table(report, "|step| for a constant gradient").rows:
        assert step == pytest.approx(0.02 / np.sqrt(1 - alpha**t))
    for t, lr_t in table(report, "RMSprop lr_t").rows:
        assert lr_t == pytest.approx(0.02 * np.sqrt(1 - alpha**t))
    ex = exercise(report, "first-step")
    g = ex.given["g"]
    assert ex.answer == pytest.approx(0.02 * abs(g) / (np.sqrt(1 - alpha) * abs(g)), rel=1e-6)


# --- adamw -----------------------------------------------------------------------------------------


def test_adamw_step_shrinks_before_the_adam_step():
    p, m, v = adamw_step(torch.tensor([2.0], dtype=f64), torch.tensor([0.5], dtype=f64), torch.zeros(1, dtype=f64),
                         torch.zeros(1, dtype=f64), 1, lr=0.1, wd=0.5)  # fmt: skip
    assert m.item() == pytest.approx(0.05) and v.item() == pytest.approx(0.00025)
    assert p.item() == pytest.approx(2 * (1 - 0.05) - 0.1, abs=1e-7)  # first Adam step: lr * sign(g)


def test_adamw_report_pulls_by_numpy():
    report = run("adamw", 1, lr=0.02, wd=0.3)
    grads = np.array(
        tensor(report, "gradients fed to the optimizers (step, weight), the last one compared").values
    )

    def adam_l2_state(wd):  # numpy Adam with l2 in the gradient, w reset to 1 before the compared step
        w, m, v = np.ones(3), np.zeros(3), np.zeros(3)
        for t, g in enumerate(grads[:-1], start=1):
            g = g + wd * w
            m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
            w = w - 0.02 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        return m, v

    def step(m, v, g):
        t = len(grads)
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        return 1 - 0.02 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)

    m, v = adam_l2_state(0.3)
    pull = (step(m, v, grads[-1]) - step(m, v, grads[-1] + 0.3)) / (0.02 * 0.3)
    t = table(report, "Adam + L2 (weight_decay)")
    assert column(t, "Adam + L2 (weight_decay)") == pytest.approx(pull, rel=1e-6)
    assert column(t, "AdamW") == pytest.approx([1.0, 1.0, 1.0])
    ex = exercise(report, "decay-after-k")
    assert ex.answer == pytest.approx((1 - 0.02 * 0.3) ** ex.given["k"])


# --- gradient clipping -----------------------------------------------------------------------------


def test_clip_total_norm_on_known_numbers():
    clipped, norm = clip_total_norm([torch.tensor([3.0]), torch.tensor([[0.0, 4.0]])], 1.0)
    assert norm == pytest.approx(5.0)
    assert clipped[0].tolist() == pytest.approx([0.6], abs=1e-6) and clipped[1].tolist()[0] == pytest.approx(
        [0, 0.8]
    )
    small, norm = clip_total_norm([torch.tensor([0.3, 0.4])], 1.0)
    assert norm == pytest.approx(0.5) and small[0].tolist() == pytest.approx(
        [0.3, 0.4]
    )  # below max_norm: unchanged


@pytest.mark.parametrize("w", [-2.0, 0.3, 0.95, 1.05, 1.5])
def test_cliff_slope_matches_central_differences(w):
    def f(x):
        return float(gradient_clipping.loss(torch.tensor(x, dtype=f64), 40.0))

    assert gradient_clipping.slope(w, 40.0) == pytest.approx(
        (f(w + 1e-6) - f(w - 1e-6)) / 2e-6, rel=1e-5, abs=1e-6
    )


def test_gradient_clipping_report_by_finite_differences():
    report = run("gradient clipping", 3, max_norm=0.5, lr=0.1, height=40.0)
    w0 = scalar(report, "w0")

    def slope(x, h=1e-6):
        def f(v):
            return float(gradient_clipping.loss(torch.tensor(v, dtype=f64), 40.0))

        return (f(x + h) - f(x - h)) / (2 * h)

    w = w0
    for _ in range(60):
        g = slope(w)
        w -= 0.1 * g * min(1.0, 0.5 / abs(g))
    t = table(report, "first step")
    clipped = row(t, "clipped to 0.5")
    assert clipped[1] == pytest.approx(-0.05, abs=1e-6) and clipped[2] == pytest.approx(w, abs=1e-5)
    assert row(t, "no clipping")[1] == pytest.approx(-0.1 * slope(w0), rel=1e-5)
    ex = exercise(report, "clipped-entry")
    gw, gb = np.array(ex.given["grad W"]), np.array(ex.given["grad b"])
    norm = np.sqrt((gw**2).sum() + (gb**2).sum())
    assert ex.answer == pytest.approx(gw[0, 0] * min(1.0, ex.given["max_norm"] / (norm + 1e-6)), abs=1e-12)


# --- gradient accumulation -------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "k"), [(10, 3), (12, 4), (7, 7)])
def test_accumulate_matches_numpy_per_example_gradients(n, k):
    rng = np.random.default_rng(n)
    x, y, w0 = rng.normal(size=(n, 2)), rng.normal(size=n), rng.normal(size=2)
    per_example = 2 * (x @ w0 - y)[:, None] * x  # (n, 2) gradient of (x_j w - y_j)^2
    parts = np.array_split(np.arange(n), k)  # the same split as torch.tensor_split
    want = {
        "n_i / N": per_example.mean(axis=0),
        "1 / k": sum(per_example[i].mean(axis=0) / k for i in parts),
        "none (the bug)": sum(per_example[i].mean(axis=0) for i in parts),
    }
    w = torch.tensor(w0, requires_grad=True)
    for scaling, expected in want.items():
        (g,) = gradient_accumulation.accumulate(
            [w], lambda xb, yb: (xb @ w - yb) ** 2, torch.tensor(x), torch.tensor(y), k, scaling
        )
        assert g.numpy() == pytest.approx(expected, abs=1e-12), scaling


def test_gradient_accumulation_report_ratios_and_exercises():
    equal = table(run("gradient accumulation", 1, k=4, n=48), "||accumulated|| / ||big||")
    assert row(equal, "none (the bug)")[2] == pytest.approx(4.0) and row(equal, "1 / k")[1] < 1e-12
    uneven = table(run("gradient accumulation", 1, k=4, n=50), "||accumulated|| / ||big||")
    assert row(uneven, "1 / k")[1] > 1e-6 and row(uneven, "n_i / N")[1] < 1e-12
    single = table(run("gradient accumulation", 0, k=1, n=20), "MSE at the start")
    assert len({round(r[2], 12) for r in single.rows}) == 1  # k = 1: the bug is no bug
    report = run("gradient accumulation", 2)
    ex = exercise(report, "micro-batches-needed")
    assert ex.answer == int(np.ceil(ex.given["B"] / ex.given["fits"]))
    assert exercise(report, "bug-lr").answer == pytest.approx(0.04)


# --- mixed precision -------------------------------------------------------------------------------


def test_round_significand_ties_to_even_on_known_numbers():
    x = torch.tensor([1 + 2**-8, 1 + 3 * 2**-8, 1 + 2**-8 + 2**-12, -3.0, 0.0], dtype=f64)
    # bf16 (8 bits): spacing 2^-7 in [1, 2); 1 + 2^-8 is a tie -> 1 (even), 1 + 3 2^-8 -> 1 + 2^-6 (even)
    assert round_significand(x, 8).tolist() == [1.0, 1 + 2**-6, 1 + 2**-7, -3.0, 0.0]
    values = np.random.default_rng(0).normal(size=500) * 100
    assert round_significand(torch.tensor(values), 11).numpy() == pytest.approx(
        values.astype(np.float16).astype(float), abs=0
    )


def test_fp16_underflow_threshold_by_numpy():
    g = np.array([2.0**-25, np.nextafter(2.0**-25, 1), 2.0**-24, 1e-9, 5e-8])
    assert (g.astype(np.float16) == 0).tolist() == (g <= mixed_precision.HALF_TINY).tolist()


def test_mixed_precision_report_tables_and_exercises():
    report = run("mixed precision", 1, scale_exp=10)
    t = table(report, "max relative error")
    assert row(t, "float16")[2] == pytest.approx(float(np.finfo(np.float16).eps))
    for name, bits, _, u, rel, _ in t.rows:
        assert u == 2.0**-bits and u / 2 < rel <= u, name
    lost = table(report, "the change kept")
    assert row(lost, "float16")[1] == pytest.approx(float(np.float16(1) + np.float16(1e-3)))
    assert row(lost, "bfloat16")[2] == 0.0
    ex = exercise(report, "largest-safe-scale")
    gmax = ex.given["largest |gradient|"]
    k = ex.answer
    assert gmax * 2.0**k <= float(np.finfo(np.float16).max) < gmax * 2.0 ** (k + 1)


# --- learning rate warmup --------------------------------------------------------------------------


def test_warmup_lr_on_known_numbers():
    assert [learning_rate_warmup.warmup_lr(t, 0.1, 4) for t in (1, 2, 4, 9)] == pytest.approx(
        [0.025, 0.05, 0.1, 0.1]
    )


def test_warmup_train_matches_numpy_adam_with_a_schedule():
    rng = np.random.default_rng(5)
    x, y, w0 = rng.normal(size=(12, 3)), rng.normal(size=12), rng.normal(size=3)
    batches = rng.integers(0, 12, size=(6, 4))
    path, ratio = learning_rate_warmup.train(torch.tensor(w0), (torch.tensor(x), torch.tensor(y)),
                                             torch.tensor(batches), 0.05, 3)  # fmt: skip
    w, m, v = w0.copy(), np.zeros(3), np.zeros(3)
    for t, idx in enumerate(batches, start=1):
        g = 2 * x[idx].T @ (x[idx] @ w - y[idx]) / 4
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        lr_t = 0.05 * min(1, t / 3)
        step = lr_t * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        assert ratio[t - 1] == pytest.approx(np.abs(step).mean() / lr_t)
        w = w - step
        assert path[t].numpy() == pytest.approx(w, abs=1e-12)


def test_warmup_report_schedule_and_exercise():
    report = run("learning rate warmup", 1, lr=0.02, warmup=30)
    for t, lr_t in table(report, "lr_t = lr * min(1, t / W)").rows:
        assert lr_t == pytest.approx(0.02 * min(1, t / 30))
    assert exercise(report, "first-step").answer == pytest.approx(0.02 / 30)
    assert row(table(report, "mean |step| / lr_t, no warmup"), 1)[1] == pytest.approx(1.0, abs=1e-6)


# --- loss curve ------------------------------------------------------------------------------------


def test_loss_curve_closed_form_matches_a_numpy_loop():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(6, 6)), rng.normal(size=6)
    lr = 1 / np.linalg.eigvalsh(2 * x.T @ x / 6).max()
    got = loss_curve.closed_form(torch.tensor(x), torch.tensor(y), lr, [0, 1, 5, 40])
    w, want = np.zeros(6), {}
    for t in range(41):
        want[t] = w.copy()
        w = w - lr * 2 * x.T @ (x @ w - y) / 6
    for t, wt in zip([0, 1, 5, 40], got, strict=True):
        assert wt.numpy() == pytest.approx(want[t], abs=1e-8)


def test_loss_curve_report_by_numpy():
    report = run("loss curve", 4, noise=0.3, high=2.5)
    x, y = np.array(tensor(report, "training x").values), np.array(tensor(report, "training y").values)
    X = np.polynomial.legendre.legvander(x, 14)
    lam_max = np.linalg.eigvalsh(2 * X.T @ X / 15).max()

    def curve(lr, steps=60):
        w, out = np.zeros(15), []
        for _ in range(steps + 1):
            out.append(((X @ w - y) ** 2).mean())
            w = w - lr * 2 * X.T @ (X @ w - y) / 15
        return out

    t = table(report, "train MSE at step 0")
    for name, c in (("0.1 / lambda_max", 0.1), ("1 / lambda_max", 1.0), ("2.5 / lambda_max", 2.5)):
        want = curve(c / lam_max)
        assert row(t, name)[1:] == pytest.approx([want[0], want[10], want[60]], rel=1e-6)
    steps = table(report, "validation MSE")
    assert row(steps, 10)[1] == pytest.approx(curve(1 / lam_max, 10)[10], rel=1e-6)
    ex = exercise(report, "best-checkpoint")
    assert ex.answer == ex.given["steps"][int(np.argmin(ex.given["validation MSE"]))]
    assert exercise(report, "growth-per-step").answer == pytest.approx(1.5**2)
