"""Demos: layers.

Each demo computes a layer by hand (loops or elementary tensor ops) and checks it against
PyTorch's own implementation. torch is imported inside the functions: importing this module
only registers the demo names. The small helpers take tensors and use only tensor methods.
"""

from __future__ import annotations

from mlterms.demos.registry import demo
from mlterms.demos.report import Report

# ---------------------------------------------------------------------------------- helpers


def pad2d(x, p):
    """Zero padding of p pixels around a 2-D image x (H, W)."""
    if p == 0:
        return x
    H, W = x.shape
    out = x.new_zeros(H + 2 * p, W + 2 * p)
    out[p : p + H, p : p + W] = x
    return out


def conv2d_by_hand(x, k, stride=1, padding=0):
    """Slide kernel k (kH, kW) over image x (H, W): out[i, j] = sum(window * k). No kernel flip."""
    x = pad2d(x, padding)
    (H, W), (kH, kW) = x.shape, k.shape
    out = x.new_zeros((H - kH) // stride + 1, (W - kW) // stride + 1)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            window = x[i * stride : i * stride + kH, j * stride : j * stride + kW]
            out[i, j] = (window * k).sum()
    return out


def convolve2d_full(x, k):
    """True (mathematical) convolution, (x * k)[i, j] = sum_mn x[m, n] k[i - m, j - n], every overlap.

    Written as: each input pixel stamps a copy of the kernel, scaled by the pixel, at its position.
    """
    (H, W), (kH, kW) = x.shape, k.shape
    out = x.new_zeros(H + kH - 1, W + kW - 1)
    for m in range(H):
        for n in range(W):
            out[m : m + kH, n : n + kW] += x[m, n] * k
    return out


def conv_as_matrix(k, H, W):
    """The dense matrix (H_out*W_out, H*W) that does a valid, stride-1 conv of an (H, W) image with k."""
    kH, kW = k.shape
    H_out, W_out = H - kH + 1, W - kW + 1
    M = k.new_zeros(H_out * W_out, H * W)
    for i in range(H_out):
        for j in range(W_out):
            for a in range(kH):
                for b in range(kW):
                    M[i * W_out + j, (i + a) * W + (j + b)] = k[a, b]
    return M


def gaussian_kernel(size=3, sigma=1.0):
    """A size x size Gaussian blur kernel, normalised to sum to 1 (so blurring keeps brightness)."""
    import torch

    t = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(t[:, None] ** 2 + t[None, :] ** 2) / (2 * sigma**2))
    return g / g.sum()


def conv_out_size(n, k, s=1, p=0):
    """Output length of a convolution or pooling along one axis: floor((n + 2p - k) / s) + 1."""
    return (n + 2 * p - k) // s + 1


def pool2d_by_hand(x, size=2, op="max"):
    """Non-overlapping size x size pooling of x (H, W): the max or the mean of each window."""
    H, W = x.shape
    out = x.new_zeros(H // size, W // size)
    for i in range(H // size):
        for j in range(W // size):
            window = x[i * size : (i + 1) * size, j * size : (j + 1) * size]
            out[i, j] = window.max() if op == "max" else window.mean()
    return out


def dense_by_hand(x, W, b):
    """y[n, j] = b[j] + sum_i x[n, i] * W[j, i], with W (out, in) as stored by nn.Linear."""
    N, n_in = x.shape
    y = x.new_zeros(N, W.shape[0])
    for n in range(N):
        for j in range(W.shape[0]):
            y[n, j] = b[j] + sum(x[n, i] * W[j, i] for i in range(n_in))
    return y


def softmax_by_hand(z, T=1.0):
    """exp(z/T) / sum exp(z/T) over the last axis, after subtracting the max (same result, no overflow)."""
    z = z / T
    e = (z - z.max(dim=-1, keepdim=True).values).exp()
    return e / e.sum(dim=-1, keepdim=True)


def softmax_naive(z):
    """The textbook formula straight: exp(z) overflows to inf for z above ~88 (float32)."""
    e = z.exp()
    return e / e.sum(dim=-1, keepdim=True)


def sigmoid_by_hand(x):
    return 1 / (1 + (-x).exp())


def tanh_by_hand(x):
    return (x.exp() - (-x).exp()) / (x.exp() + (-x).exp())


def relu_by_hand(x):
    return x * (x > 0)


def xor_logits(X, params):
    """A linear model (params W, b) or a one-hidden-layer ReLU MLP (params W1, b1, W2, b2)."""
    if len(params) == 2:
        W, b = params
        return X @ W.T + b
    W1, b1, W2, b2 = params
    return (X @ W1.T + b1).relu() @ W2.T + b2


def bce_with_logits(z, y):
    """Mean binary cross-entropy on logits, stable form: max(z, 0) - z*y + log(1 + exp(-|z|))."""
    return (z.clamp(min=0) - z * y + (-z.abs()).exp().log1p()).mean()


def xor_grads(X, y, params):
    """Gradients of the mean binary cross-entropy by the chain rule; d loss / d logit = (sigmoid - y) / N."""
    if len(params) == 2:
        W, b = params
        dz = ((X @ W.T + b).sigmoid() - y) / len(X)  # (N, 1)
        return [dz.T @ X, dz.sum(0)]
    W1, b1, W2, b2 = params
    pre = X @ W1.T + b1  # (N, H)
    h = pre.relu()
    dz = ((h @ W2.T + b2).sigmoid() - y) / len(X)  # (N, 1)
    dpre = (dz @ W2) * (pre > 0)  # (N, H): relu passes the gradient where it was active
    return [dpre.T @ X, dpre.sum(0), dz.T @ h, dz.sum(0)]


# ----------------------------------------------------------------------------- convolution


@demo(
    "embedding layer",
    summary="An embedding layer maps a category id to a learned dense vector: a row lookup, equal to "
    "one_hot @ W but without multiplying the zeros.",
)
def embedding_layer(r: Report) -> None:
    import torch
    import torch.nn.functional as F
    from torch import nn

    V, D = 6, 4  # vocabulary size, embedding width
    emb = nn.Embedding(V, D).double()
    W = emb.weight.detach()  # (V, D)
    ids = torch.tensor([2, 0, 5, 2])  # 4 tokens

    s = r.section("a lookup equals one_hot @ W")
    s.tensor("W (vocab, dim)", W)
    s.tensor("token ids", ids)
    looked_up = torch.stack([W[i] for i in ids.tolist()])  # (4, D): row i of W for token i
    one_hot = F.one_hot(ids, V).double()  # (4, V)
    s.tensor("one_hot(ids)", one_hot)
    s.tensor("embedding vectors (4, dim)", looked_up)
    with torch.no_grad():
        ref = emb(ids)
    r.check_close("row lookup == nn.Embedding", looked_up, ref, atol=0)
    r.check_close("one_hot @ W == nn.Embedding", one_hot @ W, ref, atol=1e-12)
    products = one_hot[:, :, None] * W[None]  # (4, V, D): every product the matmul would compute
    nonzero = [int(p.count_nonzero()) for p in products]
    s.note(
        f"The matmul computes V*D = {V * D} products per token; only the D = {D} of the token's row are not 0."
    )
    r.check_equal("nonzero products per token == D", nonzero, [D] * len(ids))

    s = r.section("your example: 73,000 categories -> 12 dimensions")
    V_big, D_big = 73_000, 12
    s.table(
        ["", "one-hot @ W", "lookup"],
        [
            ["input for one token", f"{V_big:,} numbers (one 1, {V_big - 1:,} zeros)", "1 integer id"],
            ["multiply-adds per token", f"{V_big * D_big:,}", "0 (copy 12 numbers)"],
            ["of which multiply a zero", f"{(V_big - 1) * D_big:,}", "-"],
        ],
    )
    s.scalar("parameters in W: 73,000 x 12", V_big * D_big)
    r.check_equal("73,000 x 12 == 876,000 parameters", V_big * D_big, 876_000)
    r.check_equal("wasted multiply-adds per token: 72,999 x 12", (V_big - 1) * D_big, 875_988)
    s.note(
        "Both give the same vector; the lookup skips the 72,999 zero rows. The parameter count is the "
        "same either way: an embedding layer IS a dense layer (no bias) on a one-hot input."
    )

    s = r.section("training only touches the rows that were used")
    emb(ids).sum().backward()
    touched = [i for i in range(V) if emb.weight.grad[i].abs().sum() > 0]
    s.tensor("grad of W", emb.weight.grad)
    s.note("Token 2 appears twice, so its row gets the gradient twice; rows 1, 3, 4 get none.")
    r.check_equal("rows with a gradient == the ids in the batch", touched, sorted(set(ids.tolist())))


@demo(
    "activation function",
    summary="An activation function is a nonlinearity between layers; without it, stacked layers collapse "
    "to one linear map and cannot fit XOR.",
)
def activation_function(r: Report) -> None:
    import math

    import torch
    import torch.nn.functional as F
    from torch import nn

    s = r.section("sigmoid, tanh, relu by formula")
    xs = torch.linspace(-4, 4, 33, dtype=torch.float64)
    sig, th, re = sigmoid_by_hand(xs), tanh_by_hand(xs), relu_by_hand(xs)
    s.note(
        "sigmoid(x) = 1 / (1 + e^-x) in (0, 1); tanh(x) = (e^x - e^-x) / (e^x + e^-x) in (-1, 1); relu = max(0, x)."
    )
    s.plot("sigmoid, tanh, relu", xs, sigmoid=sig, tanh=th, relu=re)
    r.check_close("sigmoid formula == torch.sigmoid", sig, torch.sigmoid(xs), atol=1e-12)
    r.check_close("tanh formula == torch.tanh", th, torch.tanh(xs), atol=1e-12)
    r.check_close("relu formula == torch.relu", re, torch.relu(xs), atol=0)

    s = r.section("without an activation, two linear layers are one")
    x = torch.randn(4, 3, dtype=torch.float64)  # (N, in)
    W1, b1 = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, dtype=torch.float64)
    W2, b2 = torch.randn(2, 5, dtype=torch.float64), torch.randn(2, dtype=torch.float64)
    two = (x @ W1.T + b1) @ W2.T + b2
    W, b = W2 @ W1, W2 @ b1 + b2  # the single equivalent layer
    s.note("W2 (W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2): depth bought nothing.")
    s.tensor("W = W2 @ W1", W)
    r.check_close("W2(W1 x + b1) + b2 == W x + b", two, x @ W.T + b, atol=1e-12)

    s = r.section("XOR: a ReLU hidden layer fits it, a linear model cannot")
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # (4, 2)
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])  # (4, 1)
    models = {
        "linear": [p.detach().clone() for p in nn.Linear(2, 1).parameters()],  # W, b
        "relu_mlp": [
            p.detach().clone() for m in (nn.Linear(2, 16), nn.Linear(16, 1)) for p in m.parameters()
        ],
    }
    for name, params in models.items():  # the hand-written loss and gradients == PyTorch's
        leaves = [p.clone().requires_grad_() for p in params]
        ref_loss = F.binary_cross_entropy_with_logits(xor_logits(X, leaves), y)
        ref_loss.backward()
        r.check_close(
            f"{name}: loss by hand == F.binary_cross_entropy_with_logits",
            bce_with_logits(xor_logits(X, params), y),
            ref_loss.detach(),
            atol=1e-6,
        )
        r.check_close(
            f"{name}: gradients by hand == autograd",
            torch.cat([g.flatten() for g in xor_grads(X, y, params)]),
            torch.cat([p.grad.flatten() for p in leaves]),
            atol=1e-6,
        )
    curves = {name: [] for name in models}
    for _ in range(200):  # plain full-batch gradient descent, lr 1
        for name, params in models.items():
            curves[name].append(bce_with_logits(xor_logits(X, params), y).item())
            for p, g in zip(params, xor_grads(X, y, params), strict=True):
                p -= 1.0 * g
    acc = {n: ((xor_logits(X, p) > 0).float() == y).float().mean().item() for n, p in models.items()}
    loss = {n: bce_with_logits(xor_logits(X, p), y).item() for n, p in models.items()}
    s.table(
        ["model", "final loss", "accuracy"],
        [
            ["linear 2 -> 1", loss["linear"], acc["linear"]],
            ["2 -> 16 ReLU -> 1", loss["relu_mlp"], acc["relu_mlp"]],
        ],
    )
    s.plot("training loss (binary cross-entropy), 200 gradient steps", list(range(200)), **curves)
    s.note(
        "No line separates {(0,1), (1,0)} from {(0,0), (1,1)}, so a linear model gets at most 3 of 4 right; "
        "its best loss is ln 2 = 0.693 (predict 0.5 everywhere). The ReLU layer bends the space so the "
        "output layer can separate the classes."
    )
    r.check_equal("ReLU network: 100% accuracy on XOR", acc["relu_mlp"], 1.0)
    r.check("linear model: at most 3 of 4 right", acc["linear"] <= 0.75, f"{acc['linear']:.0%}")
    r.check(
        "linear model's loss stays >= ln 2", loss["linear"] >= math.log(2) - 1e-6, f"{loss['linear']:.4f}"
    )


@demo(
    "softmax",
    summary="Softmax turns logits into probabilities that are all positive and SUM to one: "
    "exp(z_i) / sum_j exp(z_j), computed stably.",
)
def softmax(r: Report) -> None:
    import torch

    s = r.section("exp / sum, by hand")
    z = torch.randn(3, 4, dtype=torch.float64)  # (N, classes) logits
    p = softmax_by_hand(z)
    s.tensor("logits z (3 examples, 4 classes)", z)
    s.tensor("softmax(z)", p)
    s.note(
        "Each class gets a probability in (0, 1) and each row SUMS to 1 (they are not each 1). The "
        "biggest logit gets the biggest probability; the order never changes."
    )
    r.check_close("by hand == torch.softmax", p, torch.softmax(z, dim=-1), atol=1e-12)
    r.check_close("each row sums to 1", p.sum(-1), torch.ones(3, dtype=torch.float64), atol=1e-12)
    r.check("all probabilities > 0", bool((p > 0).all()))
    r.check_equal("argmax unchanged", p.argmax(-1).tolist(), z.argmax(-1).tolist())

    s = r.section("why subtract the max: large logits")
    big = torch.tensor([1000.0, 1001.0, 1002.0])  # float32
    naive, stable = softmax_naive(big), softmax_by_hand(big)
    s.tensor("logits", big)
    s.tensor("naive exp(z) / sum", naive)
    s.tensor("stable exp(z - max) / sum", stable)
    s.note(
        "exp(1000) is inf in float32 (and in float64 above ~709), so inf / inf = nan. Softmax does not "
        "change when the same number is subtracted from every logit, so subtract the max: the biggest "
        "exponent becomes e^0 = 1 and nothing overflows."
    )
    r.check("naive softmax gives nan", bool(torch.isnan(naive).any()))
    r.check("stable softmax is finite", bool(torch.isfinite(stable).all()))
    r.check_close("stable == torch.softmax", stable, torch.softmax(big, dim=-1), atol=1e-6)
    r.check_close("softmax(z + 100) == softmax(z)", softmax_by_hand(z + 100), p, atol=1e-12)

    s = r.section("temperature: softmax(z / T)")
    z3 = torch.tensor([2.0, 1.0, 0.1], dtype=torch.float64)
    rows, top = [], []
    for T in (0.5, 1.0, 2.0):
        q = softmax_by_hand(z3, T)
        r.check_close(f"T={T}: by hand == torch.softmax(z / T)", q, torch.softmax(z3 / T, dim=-1), atol=1e-12)
        rows.append([T, *q.tolist(), -(q * q.log()).sum()])
        top.append(q.max().item())
    s.table(["T", "p(class 0)", "p(class 1)", "p(class 2)", "entropy"], rows, title="logits [2.0, 1.0, 0.1]")
    s.note("Low T sharpens toward the argmax (T -> 0: one-hot); high T flattens toward uniform (T -> inf).")
    r.check("higher T, lower top probability", top[0] > top[1] > top[2], str([round(t, 3) for t in top]))
