"""Kernel: a small grid of weights slid over the image; what an edge kernel detects, how one is
learned from data, and why sharing it across positions makes a conv so cheap."""

from __future__ import annotations

from mlterms.demos.hand.windows import conv2d_by_hand, out_size, windows
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

SOBEL_X = [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]  # responds to left-to-right steps
STEPS = 300  # gradient steps when learning the kernel


@demo(
    summary="A kernel is the small grid of learned weights that a convolution slides over its input (eg "
    "3x3 x C_in); one kernel gives one output channel. A fixed Sobel kernel finds edges; a conv layer "
    "learns its numbers, and shares them across every position.",
    params=[
        Param("size", "int", 10, "height and width of the images", min=6, max=16),
        Param("images", "int", 4, "training images the kernel is learned from", min=2, max=20),
        Param("noise", "float", 0.1, "noise on the training targets", min=0.0, max=1.0),
    ],
)
def run(r: Report, *, size: int, images: int, noise: float) -> None:
    import torch

    sobel = torch.tensor(SOBEL_X, dtype=torch.float64)  # (3, 3)
    edges = edge_kernels(r, sobel, size)
    learned = learn_kernel(r, sobel, size, images, noise)
    detects(r, edges, sobel, learned)
    sharing(r, size)
    window = torch.randint(0, 10, (3, 3)).double()  # (3, 3)
    r.exercise(
        "sobel-response",
        "The Sobel-x kernel (right column minus left column, middle row counted twice) sits on this "
        "3x3 window: what is its output?",
        (window * sobel).sum(),
        given={"window": window, "kernel": sobel},
    )


def edge_kernels(r: Report, sobel, size: int):
    import torch
    import torch.nn.functional as F

    s = r.section("a fixed kernel: Sobel edges, by hand and by F.conv2d")
    x = torch.zeros(size, size, dtype=torch.float64)  # (H, W): a dark image
    x[:, size // 2 :] = 1.0  # bright right half: a vertical edge
    x[size // 2 :, :] += 0.5  # brighter bottom half: a horizontal edge
    kernels = torch.stack([sobel, sobel.T])  # (2, 3, 3): x-gradient and y-gradient
    s.tensor("image (H, W)", x)
    s.tensor("Sobel-x kernel (vertical edges)", sobel)
    by_hand = torch.stack([conv2d_by_hand(x, k) for k in kernels])  # (2, H-2, W-2)
    ref = F.conv2d(x[None, None], kernels[:, None])[0]  # weight (C_out=2, C_in=1, 3, 3) -> (2, H-2, W-2)
    s.tensor("Sobel-x response (H-2, W-2)", by_hand[0])
    s.tensor("Sobel-y response (kernel: Sobel-x transposed)", by_hand[1])
    s.note(
        "Each output is sum(window * kernel). Sobel-x is large only where the window straddles the "
        "vertical edge, and 0 on flat regions and on the horizontal edge: a kernel detects the pattern "
        "it looks like. Two kernels in one conv give two output channels (feature maps)."
    )
    r.check_close("two kernels by hand == F.conv2d with weight (2, 1, 3, 3)", by_hand, ref, atol=1e-12)
    straddles = torch.zeros_like(by_hand[0], dtype=torch.bool)  # (H-2, W-2)
    straddles[:, size // 2 - 2 : size // 2] = True  # windows covering columns on both sides of the edge
    flat = by_hand[0][~straddles].abs().max()
    r.check(
        "Sobel-x fires only on windows across the vertical edge",
        bool(flat < 1e-12 and (by_hand[0][straddles] > 0).all()),
        f"max |response| elsewhere {float(flat):.1e}",
        kind="property",
    )
    return x


def learn_kernel(r: Report, sobel, size: int, images: int, noise: float):
    import torch
    import torch.nn.functional as F

    s = r.section("a learned kernel: recover a hidden 3x3 kernel from images and targets")
    train = torch.randn(images, size, size, dtype=torch.float64)  # (N, H, W)
    target = F.conv2d(train[:, None], sobel[None, None])[:, 0]  # (N, H-2, W-2), made by a kernel we hide
    target = target + noise * torch.randn_like(target)
    P = torch.cat([windows(img, 3) for img in train])  # (N * m * m, 9): every window, one per row
    t = target.flatten()  # (N * m * m,)
    M = len(t)
    lr = 1.0 / float(torch.linalg.eigvalsh(2 * P.T @ P / M).max())  # 1 / curvature: a safe step
    k = torch.zeros(9, dtype=torch.float64)  # the kernel, flattened, starting at zero
    leaf = k.view(3, 3).clone().requires_grad_()
    F.mse_loss(F.conv2d(train[:, None], leaf[None, None])[:, 0], target).backward()
    grad = 2 * P.T @ (P @ k - t) / M  # (9,): each position's window * error, summed over positions
    s.note(
        "The same 9 weights are used at every position, so the loss gradient for each weight is a SUM "
        f"over all {M} positions: dL/dk = 2/M * sum_positions (output - target) * window."
    )
    r.check_close("kernel gradient, summed over positions by hand == autograd", grad.view(3, 3), leaf.grad)
    losses = []
    for _ in range(STEPS):  # plain gradient descent on the mean squared error
        losses.append(float(((P @ k - t) ** 2).mean()))
        k = k - lr * 2 * P.T @ (P @ k - t) / M
    best = torch.linalg.lstsq(P, t[:, None]).solution[:, 0]  # (9,): the least-squares kernel
    s.table(
        ["gradient step", "training MSE"],
        [[i, losses[i]] for i in (0, 1, 2, 5, 10, 50, STEPS - 1)],
        title=f"step size 1 / curvature = {lr:.4f}",
    )
    s.tensor("learned kernel", k.view(3, 3))
    r.check_close("gradient descent kernel == least-squares kernel (torch.linalg.lstsq)", k, best, atol=1e-6)
    final = float(((P @ k - t) ** 2).mean())
    ref = F.mse_loss(F.conv2d(train[:, None], k.view(1, 1, 3, 3))[:, 0], target)
    r.check_close("final training loss, windows @ kernel == F.mse_loss of F.conv2d", final, ref, atol=1e-12)
    held = torch.randn(50, size, size, dtype=torch.float64)  # (50, H, W): images it never saw
    truth = F.conv2d(held[:, None], sobel[None, None])
    err = {
        name: float(((F.conv2d(held[:, None], w.view(1, 1, 3, 3)) - truth) ** 2).mean())
        for name, w in (("learned", k), ("zero (start)", torch.zeros(9, dtype=torch.float64)))
    }
    s.table(["kernel", "held-out MSE against the hidden kernel's output"], [[n, e] for n, e in err.items()])
    r.effect(
        "the learned kernel predicts held-out images' edge maps",
        err["learned"] < 0.05 * err["zero (start)"],
        f"{err['learned']:.4f} < 5% of {err['zero (start)']:.2f}",
        asserted=noise <= 0.3,
    )
    return k.view(3, 3)


def detects(r: Report, edges, sobel, learned) -> None:
    import torch.nn.functional as F

    s = r.section("what the learned kernel detects")
    response = F.conv2d(edges[None, None], learned[None, None])[0, 0]  # (H-2, W-2)
    s.tensor("learned kernel on the edge image", response)
    s.note(
        "Learned from random noise images, it responds to the vertical edge like Sobel-x does: the "
        "kernel's numbers ARE what it detects. The glossary's other kernels (SVM kernels, a GPU kernel "
        "= a function run on the GPU) are unrelated meanings of the word."
    )
    close = float((learned - sobel).abs().max())
    s.scalar("max |learned - Sobel-x|", close)


def sharing(r: Report, size: int) -> None:
    from torch import nn

    s = r.section("one kernel shared across positions: parameters, conv vs dense")
    C_in, C_out, k = 3, 8, 3
    m = out_size(size, k)
    conv = nn.Conv2d(C_in, C_out, k, device="meta")  # meta: shapes only, no memory, no init
    dense = nn.Linear(C_in * size * size, C_out * m * m, device="meta")  # the same input -> output sizes
    n_conv = sum(p.numel() for p in conv.parameters())
    n_dense = sum(p.numel() for p in dense.parameters())
    n_local = C_out * m * m * (C_in * k * k + 1)  # a different kernel at each position (no sharing)
    s.table(
        ["layer", "parameters, by formula", "count"],
        [
            ["Conv2d (shared)", "C_out*C_in*k*k + C_out", n_conv],
            ["a kernel per position", "H_out*W_out * (C_out*C_in*k*k + C_out)", n_local],
            ["Linear (dense)", "(C_in*H*W + 1) * C_out*H_out*W_out", n_dense],
        ],
        title=f"{C_in}x{size}x{size} -> {C_out}x{m}x{m}, kernel {k}x{k}",
    )
    s.note(
        f"Sharing divides the count by the {m * m} positions, and the conv's count does not grow with the "
        "image. See also `demo convolution` (the conv as a sparse dense matrix) and `demo convolutional layer`."
    )
    r.check_equal(
        "Conv2d numel == C_out * C_in * k * k + C_out", n_conv, C_out * C_in * k * k + C_out, kind="reference"
    )
    r.check_equal(
        "Linear numel == (C_in*H*W) * (C_out*H_out*W_out) + C_out*H_out*W_out",
        n_dense,
        (C_in * size * size + 1) * C_out * m * m,
        kind="reference",
    )
    r.exercise(
        "conv-params",
        "How many parameters (weights and biases) has this Conv2d?",
        n_conv,
        given={"C_in": C_in, "C_out": C_out, "kernel_size": k, "input (C, H, W)": [C_in, size, size]},
    )
