"""Fine tuning: start from pretrained weights; head-only (linear probing) vs full fine-tuning."""

from __future__ import annotations

from mlterms.demos.hand.training import gd
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

HIDDEN = 16


def task_a(x):
    import torch

    return torch.sin(2 * x[:, :1]) + 0.5 * x[:, 1:] ** 2  # (N, 1)


def task_b(x):
    import torch

    return torch.sin(2 * x[:, :1]) - 0.5 * x[:, 1:] ** 2  # (N, 1) the same features, mixed differently


def make_net():
    import torch.nn as nn

    body = nn.Sequential(nn.Linear(2, HIDDEN), nn.Tanh())  # (N, 2) -> (N, 16) features
    return body, nn.Linear(HIDDEN, 1)  # head: (N, 16) -> (N, 1)


@demo(
    summary="Fine tuning optimises an already trained model on new training data for a new problem, "
    "starting from the pretrained weights; training only a new head on a frozen body is linear probing "
    "(feature extraction), training every weight is full fine-tuning.",
    params=[
        Param("n", "int", 16, "training points of the new task", min=8, max=128),
        Param(
            "pretrain_steps",
            "int",
            200,
            "pretraining steps on the old task (0: no pretraining)",
            min=0,
            max=300,
        ),
    ],
)
def run(r: Report, *, n: int, pretrain_steps: int) -> None:
    import copy

    import torch
    import torch.nn.functional as F

    x_a = 4 * torch.rand(256, 2) - 2  # (256, 2) plenty of data for the old task A
    x_b, x_test = 4 * torch.rand(n, 2) - 2, 4 * torch.rand(256, 2) - 2  # few points of task B, and a test set
    body, head = make_net()
    random_body = copy.deepcopy(body)  # the same architecture, never trained: the baseline

    s = r.section("1. pretrain body + head on task A")
    model = torch.nn.Sequential(body, head)
    losses = gd(model.parameters(), lambda: F.mse_loss(model(x_a), task_a(x_a)), 0.1, pretrain_steps, 0.9)
    s.table(["task A loss", "value"], [["before pretraining", losses[0]], ["after pretraining", losses[-1]]])
    s.note("Full-batch gradient descent with momentum 0.9 (hand/training.gd). Task B mixes the same features "
           f"differently and has only {n} training points.")  # fmt: skip

    s = r.section("2. task B: a new head on a frozen body (linear probing)")
    rows, results = [], {}
    for name, b in (("pretrained body", body), ("random body (baseline)", random_body)):
        b.requires_grad_(False)  # frozen: autograd skips it, the update never sees it
        before = [p.detach().clone() for p in b.parameters()]
        _, new_head = make_net()
        probe = torch.nn.Sequential(b, new_head)

        def probe_loss(m: torch.nn.Module = probe) -> torch.Tensor:  # bound now, not at the loop's end
            return F.mse_loss(m(x_b), task_b(x_b))

        gd(new_head.parameters(), probe_loss, 0.1, 100, 0.9)
        with torch.no_grad():
            results[name] = (
                F.mse_loss(probe(x_b), task_b(x_b)).item(),
                F.mse_loss(probe(x_test), task_b(x_test)).item(),
            )
        rows.append([name, *results[name]])
        r.check(f"{name}: frozen weights unchanged exactly", all(torch.equal(p, q) for p, q in zip(b.parameters(), before, strict=True)),
                kind="property")  # fmt: skip
        r.check(
            f"{name}: frozen body got no gradients",
            all(p.grad is None for p in b.parameters()),
            kind="property",
        )
    s.table(["task B, linear probe on a", "train loss", "test loss"], rows)
    head_gradient(r, body, x_b)

    s = r.section("3. full fine-tuning: every weight, a smaller learning rate")
    body.requires_grad_(True)
    tuned = torch.nn.Sequential(copy.deepcopy(body), make_net()[1])
    gd(tuned.parameters(), lambda: F.mse_loss(tuned(x_b), task_b(x_b)), 0.03, 100, 0.9)
    with torch.no_grad():
        results["full fine-tuning"] = (
            F.mse_loss(tuned(x_b), task_b(x_b)).item(),
            F.mse_loss(tuned(x_test), task_b(x_test)).item(),
        )
    s.table(
        ["task B", "train loss", "test loss"],
        [["full fine-tuning (pretrained start)", *results["full fine-tuning"]]],
    )
    s.note(
        "Linear probing trains 17 numbers (16 weights + 1 bias) and reuses the pretrained features; full "
        "fine-tuning starts from the same weights and updates all of them, usually with a smaller learning "
        "rate than pretraining. The random body is the baseline: the same head, the same training, no "
        "pretraining."
    )
    pre, rand = results["pretrained body"][1], results["random body (baseline)"][1]
    r.effect("on held-out task-B data, the pretrained body beats the random body", pre < rand,
             f"test loss {pre:.3f} vs {rand:.3f}")  # fmt: skip
    r.exercise("probe-parameters", "A linear probe: a new Linear head on frozen features of this size. How many "
               "numbers does it train?", HIDDEN + 1, given={"features": HIDDEN, "outputs": 1})  # fmt: skip


def head_gradient(r: Report, body, x) -> None:
    """A probe is linear regression on frozen features: its gradient has the least-squares form."""
    import torch
    import torch.nn.functional as F

    _, head = make_net()
    with torch.no_grad():
        phi = body(x)  # (N, 16) the frozen features
    residual = (phi @ head.weight.T + head.bias - task_b(x)).detach()  # (N, 1)
    gw, gb = torch.autograd.grad(F.mse_loss(head(phi), task_b(x)), [head.weight, head.bias])
    by_hand = torch.cat([2 * residual.T @ phi / len(x), 2 * residual.mean(0, keepdim=True)], dim=1)  # (1, 17)
    r.check_close("head gradient by autograd == 2 phi^T (phi w + b - y) / N (least squares on the features)",
                  torch.cat([gw, gb[None]], dim=1), by_hand, atol=1e-5)  # fmt: skip
