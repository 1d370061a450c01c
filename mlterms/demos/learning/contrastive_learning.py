"""Contrastive learning: an encoder trained with InfoNCE pulls two views of one input together and
pushes the other inputs of the batch away."""

from __future__ import annotations

from mlterms.demos.hand.fit import fit_adam
from mlterms.demos.hand.learning import info_nce
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

CONTENT, DIM, EMB, BATCH = 3, 8, 4, 32
STEPS, LR = 30, 0.1


def views(content, rot):
    """Two views of each input: its content (B, 3) with a little noise, beside large nuisance noise drawn
    afresh for each view (what an augmentation such as a crop or a colour change alters). (B, 8) each."""
    import torch

    def one():
        kept = content + 0.1 * torch.randn_like(content)  # (B, 3)
        changed = 2.0 * torch.randn(len(content), DIM - CONTENT)  # (B, 5)
        return torch.cat([kept, changed], 1) @ rot.T  # (B, 8)

    return one(), one()


def encode(w, x):
    """z = normalize(x W^T): unit-length embeddings (B, 4), so z1 . z2 is a cosine similarity."""
    import torch.nn.functional as F

    return F.normalize(x @ w.T, dim=1)


def retrieval(w, x1, x2) -> tuple[float, float]:
    """Top-1 accuracy of finding each view's partner among all second views, and the mean cosine of
    positive pairs minus that of negative pairs."""
    import torch

    with torch.no_grad():
        sims = encode(w, x1) @ encode(w, x2).T  # (B, B)
    b = len(sims)
    pos = float(sims.diagonal().mean())
    neg = float((sims.sum() - sims.diagonal().sum()) / (b * b - b))
    return float((sims.argmax(1) == torch.arange(b)).double().mean()), pos - neg


@demo(
    summary="Contrastive learning trains an embedding without labels: two views of the same input (a positive "
    "pair) are pulled together and the other inputs of the batch (negatives) pushed apart, by the InfoNCE loss.",
    params=[Param("tau", "float", 0.2, "temperature of the similarities", min=0.05, max=1.0)],
)
def run(r: Report, *, tau: float) -> None:
    import torch
    import torch.nn.functional as F

    rot, _ = torch.linalg.qr(torch.randn(DIM, DIM))  # (8, 8) hides which directions are content
    x1, x2 = views(torch.randn(BATCH, CONTENT), rot)  # (64, 8) each: the training pairs
    t1, t2 = views(torch.randn(BATCH, CONTENT), rot)  # held-out pairs, never trained on
    w = (0.5 * torch.randn(EMB, DIM)).requires_grad_()  # (4, 8) the encoder
    w0 = w.detach().clone()

    s = r.section("1. the InfoNCE loss: the matching view is the right class")
    s.note(f"For a batch of {BATCH} pairs: s_ij = z1_i . z2_j / tau, and loss = mean_i [log sum_j exp(s_ij) - s_ii]: "
           "a cross-entropy whose labels are the diagonal, i.e. 'which of the B second views is my partner?'. "
           "No human label is used: the pairs come from the data (two augmentations of one input).")  # fmt: skip
    z1, z2 = encode(w0, x1), encode(w0, x2)
    by_hand = info_nce(z1, z2, tau)
    ref = F.cross_entropy(z1 @ z2.T / tau, torch.arange(BATCH))
    r.check_close("InfoNCE by hand == F.cross_entropy(z1 z2^T / tau, arange(B))", by_hand, ref, atol=1e-5)
    same = info_nce(z1[:1].expand(BATCH, -1), z1[:1].expand(BATCH, -1), tau)  # every similarity equal
    r.check_close("with all similarities equal the loss is log B (chance)", same, torch.log(torch.tensor(float(BATCH))),
                  atol=1e-4, kind="property")  # fmt: skip

    losses = fit_adam([w], lambda: info_nce(encode(w, x1), encode(w, x2), tau), STEPS, LR)
    s = r.section(f"2. train the encoder W (4, 8) on {BATCH} pairs: {STEPS} Adam steps")
    s.plot("InfoNCE loss", list(range(STEPS)), loss=losses)
    r.check(
        "the training loss falls",
        losses[-1] < losses[0],
        f"{losses[-1]:.3f} < {losses[0]:.3f}",
        kind="property",
    )
    wt = w.detach()
    with torch.no_grad():
        sims = encode(wt, t1[:6]) @ encode(wt, t2[:6]).T  # (6, 6)
    s.heatmap("held-out pairs after training: cosine of view 1 (rows) and view 2 (columns)", sims,
              rows=[f"input {i}" for i in range(6)], cols=[f"input {i}" for i in range(6)])  # fmt: skip
    (acc0, gap0), (acc, gap) = retrieval(w0, t1, t2), retrieval(wt, t1, t2)
    s.table(["encoder", f"find the partner (top-1 of {BATCH})", "cos positive - cos negative"],
            [["random W (before)", acc0, gap0], ["trained W", acc, gap], ["chance", 1 / BATCH, 0.0]],
            title=f"{BATCH} held-out pairs")  # fmt: skip
    s.note("The nuisance changes between the two views, the content does not, so the loss is lowest when W keeps "
           "the content and ignores the nuisance. A small tau sharpens the softmax: hard negatives count more. "
           "Self-supervised learning is the wider family; contrastive pretraining (eg SimCLR, CLIP) is a common "
           "way of pretraining an encoder.")  # fmt: skip
    r.effect("held-out positives end up closer than negatives, more than before training", gap > gap0 + 0.3,
             f"{gap:.2f} vs {gap0:.2f}")  # fmt: skip
    r.effect("held-out partners are found more often than with the random encoder", acc > acc0 + 0.1,
             f"{acc:.2f} vs {acc0:.2f}")  # fmt: skip
    exercises(r, tau)


def exercises(r: Report, tau: float) -> None:
    import math

    import torch

    r.exercise("chance-loss", "A batch of B pairs whose similarities are all equal: what is the InfoNCE loss?",
               math.log(BATCH), given={"B": BATCH}, tolerance=1e-3)  # fmt: skip
    sims = torch.round(torch.rand(2, 2) * 20 - 10) / 10  # (2, 2) cosines, one decimal
    r.exercise("two-pair-loss", "Two pairs with these cosines s (row i: view 1 of input i; column j: view 2 of input "
               "j): what is the InfoNCE loss at this tau?", float(loss_from_similarities(sims, tau)),
               given={"s": sims, "tau": tau}, tolerance=1e-3)  # fmt: skip


def loss_from_similarities(sims, tau: float):
    """The InfoNCE loss from a given similarity matrix (B, B)."""
    import torch
    import torch.nn.functional as F

    return F.cross_entropy(sims / tau, torch.arange(len(sims)))
