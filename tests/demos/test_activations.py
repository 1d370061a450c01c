"""The activations demos (activation, relu, sigmoid, tanh, temperature), recomputed independently:
numpy forward passes, autograd's own saved tensors, closed forms and sampling statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mlterms.demos.activations import activation, relu
from mlterms.demos.hand.activations import act, act_grad, bce, entropy
from mlterms.demos.report import Report

from .util import column, exercise, run, table


def test_hand_activations_on_known_numbers():
    z = torch.tensor([-1.0, 0.0, 2.0], dtype=torch.float64)
    assert act(z, "relu").tolist() == [0.0, 0.0, 2.0]
    assert act_grad(z, "relu").tolist() == [0.0, 0.0, 1.0]
    assert act(z, "sigmoid")[1] == pytest.approx(0.5)
    assert act_grad(z, "sigmoid")[1] == pytest.approx(0.25)
    assert act(z, "tanh")[2] == pytest.approx(math.tanh(2.0))
    # bce(z, y) = -[y log s + (1 - y) log(1 - s)], s = 1 / (1 + e^-z)
    s = 1 / (1 + np.exp(-2.0))
    want = -(0.3 * np.log(s) + 0.7 * np.log(1 - s))
    assert bce(
        torch.tensor([2.0], dtype=torch.float64), torch.tensor([0.3], dtype=torch.float64)
    ) == pytest.approx(want)
    assert entropy(torch.tensor([0.5, 0.5, 0.0])) == pytest.approx(math.log(2))


# activation ------------------------------------------------------------------------------------


def numpy_forward(net, x: np.ndarray, f) -> list[np.ndarray]:
    linears = [m for m in net if isinstance(m, torch.nn.Linear)][:-1]
    acts, h = [], x
    for lin in linears:
        h = f(h @ lin.weight.detach().numpy().T + lin.bias.detach().numpy())
        acts.append(h)
    return acts


@pytest.mark.parametrize("name", ["relu", "tanh"])
def test_activation_tables_match_a_numpy_forward_pass(name):
    torch.manual_seed(3)
    f = {"relu": lambda a: np.maximum(a, 0), "tanh": np.tanh}[name]
    nets = {
        "He init": activation.make_net(name, 3, 8, he=True, bias=-0.4),
        "default init": activation.make_net(name, 3, 8, he=False, bias=0.0),
    }
    x = torch.randn(32, activation.D, dtype=torch.float64)
    report = Report("activation")
    acts = {k: activation.forward_by_hand(report, k, net, x, name) for k, net in nets.items()}
    activation.layer_table(report, acts, name, -0.4)
    activation.dead_units(report, nets["He init"], acts["He init"], x)
    he = numpy_forward(nets["He init"], x.numpy(), f)
    default = numpy_forward(nets["default init"], x.numpy(), f)
    t = table(report, "He rms")
    assert column(t, "He rms") == pytest.approx([np.sqrt((a**2).mean()) for a in he])
    assert column(t, "He std") == pytest.approx([a.std(ddof=1) for a in he])
    assert column(t, "default mean") == pytest.approx([a.mean() for a in default])
    dead = table(report, "dead units")
    assert column(dead, "dead units") == [int((a == 0).all(axis=0).sum()) for a in he]
    assert column(dead, "zero activations (fraction)") == pytest.approx([(a == 0).mean() for a in he])


def test_he_init_draws_weights_with_variance_two_over_fan_in():
    torch.manual_seed(0)
    net = activation.make_net("relu", 2, 200, he=True, bias=0.5)
    second = [m for m in net if isinstance(m, torch.nn.Linear)][1]
    assert second.weight.detach().var().item() == pytest.approx(2 / 200, rel=0.05)
    assert second.bias.detach().tolist() == [0.5] * 200


def saved_by_graph_walk(loss, params) -> int:
    """Bytes of the non-parameter tensors the autograd graph holds, from the nodes' _saved_* fields."""
    owned = {p.untyped_storage().data_ptr() for p in params}
    seen, todo, visited = {}, [loss.grad_fn], set()
    while todo:
        node = todo.pop()
        if node is None or id(node) in visited:
            continue
        visited.add(id(node))
        for attr in dir(node):
            if attr.startswith("_saved_"):
                value = getattr(node, attr)
                if isinstance(value, torch.Tensor) and value.untyped_storage().data_ptr() not in owned:
                    seen[value.untyped_storage().data_ptr()] = value.untyped_storage().nbytes()
        todo += [n for n, _ in node.next_functions]
    return sum(seen.values())


@pytest.mark.parametrize(("name", "depth", "width"), [("relu", 3, 8), ("tanh", 1, 40)])
def test_saved_activation_memory_matches_the_graph_and_grows_linearly(name, depth, width):
    report = run("activation", 1, activation=name, depth=depth, width=width)
    t = table(report, "saved bytes (hooks)")
    batches = [b for b in column(t, "batch B") if isinstance(b, int)]
    measured = column(t, "saved bytes (hooks)")[: len(batches)]
    for batch, got in zip(batches, measured, strict=True):
        net = activation.make_net(name, depth, width, he=False, bias=0.0).float()
        loss = net(torch.randn(batch, activation.D)).sum()
        assert got == saved_by_graph_walk(loss, list(net.parameters()))
    assert measured[1] / batches[1] == pytest.approx(measured[0] / batches[0])  # linear, no offset
    ex = exercise(report, "saved-bytes")
    g = ex.given
    net = activation.make_net(name, g["depth"], g["width"], he=True, bias=0.0).float()
    assert ex.answer == saved_by_graph_walk(net(torch.randn(g["B"], g["D"])).sum(), list(net.parameters()))


def test_dead_in_batch_exercise_counts_columns_that_are_never_positive():
    ex = exercise(run("activation", 2), "dead-in-batch")
    z = np.array(ex.given["z"])
    assert ex.answer == int((np.maximum(z, 0) == 0).all(axis=0).sum())


# relu ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 4])
def test_relu_dead_units_are_counted_on_the_training_square(seed):
    report = run("relu", seed)
    t = table(report, "dead at start")
    ex = exercise(report, "dead-on-square")
    units = np.array(ex.given["units (w1, w2, b)"])
    # the largest pre-activation over the square [-1, 1]^2 is |w1| + |w2| + b, at a corner
    corners = np.array([[a, b] for a in (-1, 1) for b in (-1, 1)])
    assert ex.answer == int(((corners @ units[:, :2].T + units[:, 2]) <= 0).all(axis=0).sum())
    relu_row, leaky_row = t.rows
    assert relu_row[1] == leaky_row[1] > 0
    assert relu_row[3] == 0 and leaky_row[3] > 0


def test_relu_gradient_scales_as_c_to_the_depth_in_numpy():
    report = run("relu", 1, depth=7, scale=0.5)
    t = table(report, "log10 ||dy/dx||")
    logs = dict(zip(column(t, "weights x c"), column(t, "log10 ||dy/dx||"), strict=True))
    assert logs[2.0] - logs[1.0] == pytest.approx(7 * math.log10(2), abs=1e-9)
    assert logs[0.5] - logs[1.0] == pytest.approx(-7 * math.log10(2), abs=1e-9)
    ex = exercise(report, "weight-scale")
    assert ex.answer == pytest.approx(ex.given["c"] ** ex.given["depth"])


def test_relu_backward_by_hand_matches_finite_differences():
    rng = np.random.default_rng(0)
    Ws = [rng.normal(size=(5, 5)) for _ in range(3)]
    v, x = rng.normal(size=5), rng.normal(size=5)

    def y(x_):
        h = x_
        for W in Ws:
            h = np.maximum(W @ h, 0)
        return v @ h

    eps = 1e-6
    fd = np.array([(y(x + eps * e) - y(x - eps * e)) / (2 * eps) for e in np.eye(5)])
    got = relu.backward_by_hand([torch.tensor(W) for W in Ws], torch.tensor(v), torch.tensor(x))
    assert got.numpy() == pytest.approx(fd, abs=1e-6)


def test_relu_training_loss_and_gradients_match_numpy():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(6, 2)), rng.normal(size=(6, 1))
    W1, b1, W2 = rng.normal(size=(4, 2)), rng.normal(size=4), rng.normal(size=(1, 4))
    loss, grads = relu.loss_and_grads(*(torch.tensor(a) for a in (X, y, W1, b1, W2)), 0.1)

    def mse(w1):
        pre = X @ w1.T + b1
        return (((np.where(pre > 0, pre, 0.1 * pre)) @ W2.T - y) ** 2).mean()

    assert float(loss) == pytest.approx(mse(W1))
    eps = 1e-6
    fd = np.zeros_like(W1)
    for idx in np.ndindex(*W1.shape):
        up, down = W1.copy(), W1.copy()
        up[idx] += eps
        down[idx] -= eps
        fd[idx] = (mse(up) - mse(down)) / (2 * eps)
    assert grads[0].numpy() == pytest.approx(fd, abs=1e-6)


# sigmoid ---------------------------------------------------------------------------------------


def np_bce(z: float, y: float) -> float:
    """-log p(y) with p = 1 / (1 + e^-z), in exact-enough float64 via logaddexp."""
    return float(np.logaddexp(0, -z) if y == 1 else np.logaddexp(0, z))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_cross_entropy_table_matches_logaddexp(dtype):
    report = run("sigmoid", 0, big=800.0, dtype=dtype)
    t = table(report, "stable (by hand)")
    zs, ys = column(t, "z"), column(t, "y")
    want = [np_bce(z, y) for z, y in zip(zs, ys, strict=True)]
    assert column(t, "stable (by hand)") == pytest.approx(want, rel=1e-6, abs=1e-6)
    # F.binary_cross_entropy sees sigmoid(z) already rounded to the dtype, and clamps its log at -100
    with np.errstate(over="ignore", divide="ignore"):
        p = 1 / (1 + np.exp(-np.array(zs, dtype=dtype)))
        p_label = np.where(np.array(ys) == 1, p, 1 - p).astype(np.float64)
        clamped = np.minimum(-np.log(p_label), 100.0)
    assert column(t, "F.bce(sigmoid(z))") == pytest.approx(clamped.tolist(), rel=1e-5, abs=1e-5)
    naive = column(t, "naive -log p(y)")
    # z = -800, y = 1: sigmoid(-800) underflows in both; z = 800, y = 0: 1 - sigmoid rounds to 0
    assert naive[0] == math.inf and naive[-1] == math.inf
    assert naive[2] == pytest.approx(math.log(2))


def test_sigmoid_exercises_from_their_given():
    report = run("sigmoid", 1)
    s = 1 / (1 + math.exp(-exercise(report, "sigmoid-grad").given["x"]))
    assert exercise(report, "sigmoid-grad").answer == pytest.approx(s * (1 - s))
    g = exercise(report, "bce-big-logit").given
    assert exercise(report, "bce-big-logit").answer == pytest.approx(np_bce(g["z"], g["y"]))


def test_sigmoid_stack_first_layer_gets_less_gradient_than_relu():
    t = table(run("sigmoid", 2, depth=6), "first / last")
    ratios = {row[0]: float(row[3]) for row in t.rows}
    assert ratios["sigmoid"] < 0.25**4 < ratios["relu"]  # at least five layers of 1/4 between them


def test_sigmoid_derivative_table_is_s_times_one_minus_s():
    t = table(run("sigmoid", 0), "sigmoid'(x)")
    for x, g, rg in t.rows:
        s = 1 / (1 + math.exp(-x))
        assert g == pytest.approx(s * (1 - s))
        assert rg == (1.0 if x > 0 else 0.0)


# tanh ------------------------------------------------------------------------------------------


def test_tanh_tables_match_numpy():
    report = run("tanh", 0)
    t = table(report, "2 sigmoid(2x) - 1")
    assert column(t, "tanh by hand") == pytest.approx(np.tanh(column(t, "x")))
    d = table(report, "tanh'(x)")
    xs = np.array(column(d, "x"))
    assert column(d, "tanh'(x)") == pytest.approx(1 / np.cosh(xs) ** 2, abs=1e-12)
    assert column(d, "sigmoid'(x)") == pytest.approx(np.exp(-xs) / (1 + np.exp(-xs)) ** 2, abs=1e-12)
    assert exercise(report, "tanh-grad").answer == pytest.approx(
        1 / np.cosh(exercise(report, "tanh-grad").given["x"]) ** 2
    )
    ex = exercise(report, "tanh-from-sigmoid")
    x = np.log(ex.given["sigmoid(2x)"] / (1 - ex.given["sigmoid(2x)"])) / 2
    assert ex.answer == pytest.approx(np.tanh(x))


def test_rnn_by_hand_relu_matches_a_numpy_loop():
    rng = np.random.default_rng(0)
    x, w_ih, w_hh = rng.normal(size=(6, 3)), rng.normal(size=(4, 3)), rng.normal(size=(4, 4))
    b, h0 = rng.normal(size=4), rng.normal(size=4)
    h, want = h0, []
    for t in range(6):
        h = np.maximum(w_ih @ x[t] + b + w_hh @ h + b, 0)
        want.append(h)
    from mlterms.demos.hand.rnn import rnn_by_hand

    got = rnn_by_hand(*(torch.tensor(a) for a in (x, w_ih, w_hh, b, b, h0)), "relu")
    assert got.numpy() == pytest.approx(np.array(want))


def test_tanh_rnn_state_stays_bounded_and_relu_grows_with_gain():
    t = table(run("tanh", 1, gain=2.5, steps=60), "max|h_t| tanh")
    assert all(0 < v < 1 for v in column(t, "max|h_t| tanh"))
    relu_max = [float(v) for v in column(t, "max|h_t| relu")]
    assert relu_max[-1] > 100 * relu_max[0]


# temperature -----------------------------------------------------------------------------------


def np_softmax(z: np.ndarray, T: float) -> np.ndarray:
    e = np.exp((z - z.max()) / T)
    return e / e.sum()


def np_entropy(p: np.ndarray) -> float:
    nz = p[p > 0]
    return float(-(nz * np.log(nz)).sum())


@pytest.mark.parametrize(("T", "classes"), [(0.7, 5), (3.0, 8), (0.1, 2)])
def test_temperature_table_matches_numpy(T, classes):
    report = run("temperature", 1, T=T, classes=classes)
    ex = exercise(report, "top-count")
    z = np.array(ex.given["logits"])
    assert ex.answer == pytest.approx(ex.given["n"] * np_softmax(z, T)[0])
    t = table(report, "entropy (nats)")
    temps = column(t, "T")
    assert T in temps
    assert column(t, "p(top class)") == pytest.approx([np_softmax(z, s)[0] for s in temps])
    assert column(t, "entropy (nats)") == pytest.approx(
        [np_entropy(np_softmax(z, s)) for s in temps], abs=1e-9
    )
    uniform = [np.abs(np_softmax(z, s) - 1 / classes).max() for s in temps]
    assert column(t, "max|p - 1/K|") == pytest.approx(uniform)
    assert exercise(report, "entropy-at-infinity").answer == pytest.approx(
        np_entropy(np.full(classes, 1 / classes))
    )


def test_temperature_sample_frequencies_are_binomial_proportions():
    report = run("temperature", 2, T=1.5, samples=40000)
    t = table(report, "Gumbel-max freq")
    n = 40000
    p = np.array(column(t, "p = softmax(z / T)"))
    assert p == pytest.approx(np_softmax(np.array(column(t, "z")), 1.5))
    for name in ("Gumbel-max freq", "torch.multinomial freq"):
        freq = np.array(column(t, name))
        assert freq.sum() == pytest.approx(1.0)
        assert np.abs(np.round(freq * n) - freq * n).max() < 1e-6  # whole counts out of n
        chi2 = (((freq - p) * n) ** 2 / (n * p)).sum()  # Pearson's statistic, K - 1 degrees of freedom
        assert chi2 < 40  # about 3e-6 for 8 degrees of freedom or fewer


def test_gumbel_max_sampler_is_not_plain_argmax_of_logits():
    # at a high temperature the sampler must spread out; an argmax without noise would not
    t = table(run("temperature", 0, T=20.0), "Gumbel-max freq")
    freq = column(t, "Gumbel-max freq")
    assert max(freq) < 0.5 and min(freq) > 0.05
