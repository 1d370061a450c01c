"""Demos: basics.

Each demo computes the idea by hand and checks it against PyTorch. torch is imported inside the
functions: importing this module only registers the demo names.
"""

from __future__ import annotations

from mlterms.demos.registry import demo
from mlterms.demos.report import Report

# ---------------------------------------------------------------------------------- helpers


def nesting_depth(values) -> int:
    """How many indices pick one number out of nested lists: 0 for a number, 1 for a list, ..."""
    depth = 0
    while isinstance(values, list):
        depth += 1
        values = values[0]
    return depth


def matrix_rank_by_hand(A, tol=1e-9) -> int:
    """Row-reduce a copy of A (Gaussian elimination with partial pivoting) and count the pivots."""
    A = A.double().clone()
    rows, cols = A.shape
    rank = 0
    for c in range(cols):
        if rank == rows:
            break
        pivot = rank + int(A[rank:, c].abs().argmax())
        if abs(A[pivot, c]) <= tol * max(1.0, float(A.abs().max())):
            continue  # no pivot in this column: it depends on the earlier ones
        A[[rank, pivot]] = A[[pivot, rank]]
        A[rank + 1 :] -= A[rank + 1 :, c : c + 1] / A[rank, c] * A[rank]
        rank += 1
    return rank


def min_max(x, lo=0.0, hi=1.0):
    """Rescale x linearly so its min goes to lo and its max to hi."""
    return lo + (x - x.min()) / (x.max() - x.min()) * (hi - lo)


def mean_std_by_hand(x):
    """Mean and population standard deviation (divide by n) of a 1-D tensor, with plain loops."""
    n = len(x)
    mean = sum(float(v) for v in x) / n
    var = sum((float(v) - mean) ** 2 for v in x) / n
    return mean, var**0.5


def batch_norm_by_hand(x, gamma, beta, eps=1e-5):
    """Train-mode BatchNorm of x (N, C): per feature, over the batch, with the BIASED variance.

    Returns (y, batch mean, biased batch variance)."""
    mean = x.mean(dim=0)  # (C,)
    var = ((x - mean) ** 2).mean(dim=0)  # (C,) divide by N
    y = (x - mean) / (var + eps).sqrt() * gamma + beta
    return y, mean, var


def running_stats_update(running_mean, running_var, x, momentum=0.1):
    """One BatchNorm running-statistics step: an exponential moving average with the UNBIASED variance."""
    N = x.shape[0]
    mean = x.mean(dim=0)
    var_unbiased = ((x - mean) ** 2).sum(dim=0) / (N - 1)
    return (1 - momentum) * running_mean + momentum * mean, (
        1 - momentum
    ) * running_var + momentum * var_unbiased


# The toy dataset for "feature, label" and "normalization": one house per row.
HOUSE_COLUMNS = ["size (m^2)", "rooms", "age (years)", "price (k$)"]
HOUSES = [
    [70.0, 2.0, 30.0, 210.0],
    [95.0, 3.0, 12.0, 330.0],
    [120.0, 4.0, 5.0, 455.0],
    [60.0, 2.0, 45.0, 150.0],
    [150.0, 5.0, 20.0, 520.0],
]


# ------------------------------------------------------------------------------------ demos


@demo(
    "rank",
    summary="The rank of a tensor is its number of axes (.dim()): scalar 0, vector 1, matrix 2, ... "
    "Not the same as the rank of a matrix.",
)
def rank(r: Report) -> None:
    import torch

    s = r.section("tensor rank = number of axes = indices needed to pick one number")
    examples = [
        ("scalar", torch.tensor(3.5)),
        ("vector", torch.randn(3)),
        ("matrix", torch.randn(2, 3)),
        ("rank-3, e.g. an RGB image (C, H, W)", torch.randn(3, 2, 2)),
    ]
    rows = []
    for name, t in examples:
        rows.append([name, t.dim(), str(tuple(t.shape)), nesting_depth(t.tolist())])
        r.check_equal(f"{name}: .dim() == indices needed", t.dim(), nesting_depth(t.tolist()))
    s.table(["tensor", ".dim()", "shape", "indices to reach a number"], rows)
    s.note(
        "'Dimensions' is ambiguous: a vector of 3 numbers is a point in 3-D space, yet its tensor rank "
        "is 1 (one axis, of size 3). PyTorch calls the rank .dim() or .ndim; NumPy calls it ndim."
    )
    r.check_equal("rank of a length-3 vector is 1, not 3", examples[1][1].dim(), 1)

    s = r.section("matrix rank is something else")
    dep = torch.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])  # row 1 = 2 * row 0
    one = torch.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 6.0, 9.0]])  # every row a multiple of row 0
    rnd = torch.randn(3, 3, dtype=torch.float64)
    s.note(
        "The matrix rank counts the linearly independent rows (or columns). Every 3x3 matrix has tensor "
        "rank 2, but its matrix rank can be 3, 2, 1 (or 0). By hand: row-reduce and count pivots."
    )
    rows = []
    for name, A in [("row 1 = 2 x row 0", dep), ("all rows multiples of row 0", one), ("random", rnd)]:
        by_hand, ref = matrix_rank_by_hand(A), int(torch.linalg.matrix_rank(A))
        rows.append([name, A.dim(), by_hand, ref])
        r.check_equal(f"{name}: row reduction == torch.linalg.matrix_rank", by_hand, ref)
    s.tensor("row 1 = 2 x row 0", dep)
    s.tensor("all rows multiples of row 0", one)
    s.table(["3x3 matrix", "tensor rank (.dim())", "matrix rank by hand", "torch.linalg.matrix_rank"], rows)
    r.check_equal("matrix ranks 2, 1, 3", [row[2] for row in rows], [2, 1, 3])


@demo(
    "feature",
    "label",
    summary="An example is features (the inputs, X) plus a label (the answer to predict, y).",
)
def feature_label(r: Report) -> None:
    import torch
    from torch.utils.data import TensorDataset

    data = torch.tensor(HOUSES)  # (examples, columns)
    s = r.section("a table of labelled examples")
    s.table(HOUSE_COLUMNS, HOUSES, title="feature | feature | feature | label")
    X, y = data[:, :3], data[:, 3]  # (N, features), (N,)
    s.tensor("X: features (N, 3)", X)
    s.tensor("y: labels (N,)", y)
    s.note(
        "Each row is one example. The features are what the model is given (size, rooms, age); the label "
        "is what it must predict (price). At prediction time a new house has features but no label."
    )
    r.check_equal("X has one row per example, one column per feature", tuple(X.shape), (5, 3))
    r.check_equal("y has one label per example", tuple(y.shape), (5,))

    s = r.section("the same split as PyTorch's dataset sees it")
    ds = TensorDataset(X, y)
    features, label = ds[2]
    s.scalar("len(dataset)", len(ds))
    s.tensor("dataset[2] features", features)
    s.scalar("dataset[2] label", label)
    r.check_close("dataset[2] == (row 2 without its last column, its last column)", features, data[2, :3], 0)
    r.check_close("dataset[2] label == price of house 2", label, torch.tensor(HOUSES[2][3]), atol=0)
    s.note(
        "Which column is the label is a choice of task: predict rooms from size, age and price, and "
        "price becomes a feature while rooms becomes the label."
    )


@demo(
    "model",
    summary="A model is a function of input and parameters: input + params => output. Same architecture, "
    "other params, other outputs.",
)
def model(r: Report) -> None:
    import torch
    from torch import nn
    from torch.func import functional_call

    net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)).double()
    x = torch.randn(4, 2, dtype=torch.float64)  # (N, in)
    params = {k: v.detach() for k, v in net.named_parameters()}

    def by_hand(p, x):  # the architecture, written as a formula: tanh(x W0^T + b0) W2^T + b2
        h = torch.tanh(x @ p["0.weight"].T + p["0.bias"])  # (N, 3)
        return h @ p["2.weight"].T + p["2.bias"]  # (N, 1)

    s = r.section("output = f(input, params)")
    s.table(["parameter", "shape"], [[k, str(tuple(v.shape))] for k, v in params.items()])
    s.tensor("input x (N, 2)", x)
    with torch.no_grad():
        out = net(x)
    s.tensor("output (N, 1)", out)
    r.check_close("formula with the params == net(x)", by_hand(params, x), out, atol=1e-12)
    r.check_close("functional_call(net, params, x) == net(x)", functional_call(net, params, (x,)), out, 1e-12)

    s = r.section("same architecture, other parameters")
    other = {k: torch.randn_like(v) for k, v in params.items()}
    out2 = functional_call(net, other, (x,))
    s.tensor("output with other params", out2)
    s.note(
        "The architecture (layers and shapes) is the form of the function; the parameters are its numbers. "
        "Training changes only the parameters; a saved model is mostly its parameters (the state_dict)."
    )
    r.check_close("formula with other params == functional_call", by_hand(other, x), out2, atol=1e-12)
    r.check("other params give other outputs", float((out2 - out).abs().max()) > 1e-6)
    r.check_equal(
        "same architecture: same parameter names and shapes",
        {k: tuple(v.shape) for k, v in other.items()},
        {k: tuple(v.shape) for k, v in params.items()},
    )


@demo(
    "normalization",
    summary="Normalization rescales values to a standard range: min-max to [0, 1] or [-1, 1], or z-score "
    "(mean 0, std 1).",
)
def normalization(r: Report) -> None:
    import torch
    import torch.nn.functional as F

    x = 50 + 10 * torch.randn(6, dtype=torch.float64)
    mean, std = mean_std_by_hand(x)
    s = r.section("three ways to normalise 6 numbers")
    z = (x - mean) / std
    s.table(
        ["x", "min-max [0, 1]", "min-max [-1, 1]", "z-score"],
        [
            list(row)
            for row in zip(
                x.tolist(), min_max(x).tolist(), min_max(x, -1, 1).tolist(), z.tolist(), strict=True
            )
        ],
    )
    s.note(
        "min-max: (x - min) / (max - min), then stretch to the target range. z-score: (x - mean) / std, "
        "which has no fixed range but mean 0 and standard deviation 1."
    )
    r.check_close(
        "min-max: min 0, max 1",
        torch.stack([min_max(x).min(), min_max(x).max()]),
        torch.tensor([0.0, 1.0], dtype=torch.float64),
        1e-12,
    )
    r.check_close(
        "min-max [-1, 1]: min -1, max 1",
        torch.stack([min_max(x, -1, 1).min(), min_max(x, -1, 1).max()]),
        torch.tensor([-1.0, 1.0], dtype=torch.float64),
        1e-12,
    )
    ref_std, ref_mean = torch.std_mean(x, correction=0)
    r.check_close(
        "mean, std by loops == torch.std_mean(correction=0)",
        torch.tensor([mean, std], dtype=torch.float64),
        torch.stack([ref_mean, ref_std]),
        1e-12,
    )
    r.check_close("z-score == F.layer_norm (no affine, eps 0)", z, F.layer_norm(x, (6,), eps=0.0), atol=1e-12)
    r.check_close(
        "z-score: mean 0, std 1",
        torch.tensor(mean_std_by_hand(z), dtype=torch.float64),
        torch.tensor([0.0, 1.0], dtype=torch.float64),
        1e-12,
    )
    s.scalar("std dividing by n (used to normalise)", std)
    s.scalar("std dividing by n - 1 (torch.std's default)", x.std())

    s = r.section("one outlier squashes min-max")
    xo = torch.cat([x, torch.tensor([1000.0], dtype=torch.float64)])
    s.tensor("x with an outlier 1000", xo)
    s.tensor("min-max [0, 1]", min_max(xo))
    spread = float(min_max(xo)[:6].max() - min_max(xo)[:6].min())
    s.note(
        "The six ordinary values now share a small corner of [0, 1]; clip outliers or use a robust scale first."
    )
    r.check(
        "the 6 ordinary values now span < 0.2 of [0, 1] (they spanned all of it)",
        spread < 0.2,
        f"{spread:.3f}",
    )

    s = r.section("per feature, over the examples")
    X = torch.tensor(HOUSES)[:, :2].double()  # (N, features): size in m^2, rooms
    Xn = (X - X.mean(dim=0)) / X.std(dim=0, correction=0)  # each column on its own
    s.tensor("size, rooms", X)
    s.tensor("z-scored per column", Xn)
    s.note(
        "Data are normalised one feature (column) at a time, so a size in m^2 and a room count end up on the same scale."
    )
    col_std, col_mean = torch.std_mean(Xn, dim=0, correction=0)
    r.check_close("every column: mean 0", col_mean, torch.zeros(2, dtype=torch.float64), atol=1e-12)
    r.check_close("every column: std 1", col_std, torch.ones(2, dtype=torch.float64), atol=1e-12)


@demo(
    "batch normalization",
    summary="Batch normalization standardises each feature over the batch, then scales and shifts it by "
    "learned gamma, beta; at eval time it uses running averages.",
)
def batch_normalization(r: Report) -> None:
    import torch
    import torch.nn.functional as F
    from torch import nn

    N, C = 8, 3
    f64 = torch.float64
    scale, shift = torch.tensor([1.0, 10.0, 3.0], dtype=f64), torch.tensor([0.0, 5.0, -3.0], dtype=f64)
    batches = [torch.randn(N, C, dtype=f64) * scale + shift for _ in range(30)]  # 30 batches of (N, C)
    bn = nn.BatchNorm1d(C).double()  # momentum 0.1, eps 1e-5
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1.0, 2.0, 0.5]))  # gamma, learned in practice
        bn.bias.copy_(torch.tensor([0.0, 1.0, -1.0]))  # beta
    gamma, beta = bn.weight.detach(), bn.bias.detach()

    s = r.section("train mode: normalise each feature over the batch")
    x = batches[0]
    y, mean, var = batch_norm_by_hand(x, gamma, beta, bn.eps)
    s.note(
        "For each feature (column): subtract the batch mean, divide by sqrt(batch variance + eps), then "
        "y = gamma * x_hat + beta. The variance here divides by N (biased)."
    )
    s.tensor("batch x (N=8, C=3)", x)
    s.tensor("batch mean", mean)
    s.tensor("batch variance (divide by N)", var)
    s.tensor("y", y)
    with torch.no_grad():
        ref = bn(x)  # train mode: also updates the running statistics
    r.check_close("by hand == nn.BatchNorm1d (train)", y, ref, atol=1e-12)
    y_std, y_mean = torch.std_mean(y, dim=0, correction=0)
    r.check_close("each output feature has mean beta", y_mean, beta, atol=1e-9)
    r.check_close("each output feature has std gamma (up to eps)", y_std, gamma, atol=1e-3)

    s = r.section("running statistics (what eval mode will use)")
    rm, rv = torch.zeros(C, dtype=f64), torch.ones(C, dtype=f64)
    rm, rv = running_stats_update(rm, rv, x)
    rows = [[1, *rm.tolist(), *rv.tolist()]]
    for step, xb in enumerate(batches[1:], start=2):
        with torch.no_grad():
            bn(xb)
        rm, rv = running_stats_update(rm, rv, xb)
        if step in (2, 3, 10, 30):
            rows.append([step, *rm.tolist(), *rv.tolist()])
    rows.append(["data", *shift.tolist(), *(scale**2).tolist()])
    s.note(
        "running = 0.9 * running + 0.1 * batch statistic (momentum 0.1), starting from mean 0, var 1. "
        "The running variance uses the UNBIASED batch variance (divide by N - 1). After k batches the "
        "start values still weigh 0.9^k (73% after 3, 4% after 30); the last row is the data's true "
        "mean and variance."
    )
    s.table(["batch", "mean[0]", "mean[1]", "mean[2]", "var[0]", "var[1]", "var[2]"], rows)
    r.check_close("running_mean by hand == module", rm, bn.running_mean, atol=1e-12)
    r.check_close("running_var by hand (unbiased) == module", rv, bn.running_var, atol=1e-12)
    rv_biased = torch.ones(C, dtype=f64)
    for xb in batches:
        rv_biased = 0.9 * rv_biased + 0.1 * xb.var(dim=0, correction=0)
    r.check(
        "the biased variance would NOT match running_var",
        float((rv_biased - bn.running_var).abs().max()) > 1e-6,
    )
    r.check_equal("num_batches_tracked", int(bn.num_batches_tracked), len(batches))

    s = r.section("eval mode: fixed statistics, each example on its own")
    bn.eval()
    x_new = torch.randn(2, C, dtype=f64) * scale + shift
    with torch.no_grad():
        y_eval = bn(x_new)
    s.tensor("eval output for 2 new examples", y_eval)
    r.check_close(
        "eval == (x - running_mean) / sqrt(running_var + eps) * gamma + beta",
        (x_new - rm) / (rv + bn.eps).sqrt() * gamma + beta,
        y_eval,
        atol=1e-12,
    )
    x_mod = x.clone()
    x_mod[1] += 5.0  # change ANOTHER example in the batch
    train0 = F.batch_norm(x, None, None, gamma, beta, training=True)[0]
    train0_mod = F.batch_norm(x_mod, None, None, gamma, beta, training=True)[0]
    with torch.no_grad():
        eval0, eval0_mod = bn(x)[0], bn(x_mod)[0]
    s.note(
        "In train mode an example's output depends on its batch mates; this batch noise is BN's mild "
        "regularising effect. In eval mode the output depends on the example alone."
    )
    r.check(
        "train mode: changing example 1 changes example 0's output",
        float((train0 - train0_mod).abs().max()) > 1e-6,
    )
    r.check_close("eval mode: changing example 1 leaves example 0's output alone", eval0, eval0_mod, atol=0)

    s = r.section("what it protects from: the scale of the weights")
    W = torch.randn(C, C, dtype=f64)
    h, h10 = x @ W.T, x @ (10 * W).T  # pre-activations of a linear layer, and with 10x larger weights
    bn_h = F.batch_norm(h, None, None, gamma, beta, training=True)
    bn_h10 = F.batch_norm(h10, None, None, gamma, beta, training=True)
    s.note(
        "BN usually sits on a layer's pre-activations (Linear -> BN -> ReLU): it normalises the input to "
        "the activation function. Scaling the previous layer's weights by 10 changes nothing after BN, "
        "so activations cannot blow up as weights grow: the reason the BN paper (Ioffe & Szegedy, 2015) "
        "gives for the higher learning rates it allows."
    )
    r.check_close("BN(x (10 W)^T) == BN(x W^T) (up to eps)", bn_h10, bn_h, atol=1e-3)
