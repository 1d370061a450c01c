"""Embedding layer: a row lookup equal to one_hot @ W, and a gradient only for the rows used."""

from __future__ import annotations

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


@demo(
    summary="An embedding layer maps a category id to a learned dense vector: one_hot @ W picks one row "
    "of W, so the layer looks the row up directly, without multiplying the zeros.",
    params=[
        Param("vocab", "int", 6, "V, number of categories", min=2, max=50),
        Param("dim", "int", 4, "D, embedding width", min=1, max=16),
        Param("tokens", "int", 5, "ids in the batch", min=1, max=20),
    ],
)
def run(r: Report, *, vocab: int, dim: int, tokens: int) -> None:
    import torch
    import torch.nn.functional as F
    from torch import nn

    emb = nn.Embedding(vocab, dim).double()
    W = emb.weight.detach()  # (V, D)
    ids = torch.randint(0, vocab, (tokens,))  # (T,)

    s = r.section("a lookup equals one_hot @ W")
    s.tensor("W (vocab, dim)", W)
    s.tensor("token ids", ids)
    looked_up = torch.stack([W[i] for i in ids.tolist()])  # (T, D): row i of W for id i
    one_hot = F.one_hot(ids, vocab).double()  # (T, V)
    s.tensor("embedding vectors (tokens, dim)", looked_up)
    with torch.no_grad():
        ref = emb(ids)
    r.check_close("row lookup == nn.Embedding", looked_up, ref, atol=0)
    r.check_close("one_hot @ W == nn.Embedding", one_hot @ W, ref, atol=1e-12)
    s.note(
        f"one_hot @ W computes V*D = {vocab * dim} products per token; all but the D = {dim} of the "
        "token's own row multiply a zero. The parameter count is the same either way: an embedding "
        "layer IS a dense layer (no bias) on a one-hot input."
    )

    s = r.section("the glossary's example: 73,000 tree species -> 12 dimensions")
    V, D = 73_000, 12
    s.table(
        ["", "one-hot @ W", "lookup"],
        [
            ["input for one token", f"{V:,} numbers (one 1, {V - 1:,} zeros)", "1 integer id"],
            ["multiply-adds per token", f"{V * D:,}", "0 (copy 12 numbers)"],
            ["of which multiply a zero", f"{(V - 1) * D:,}", "-"],
            ["parameters in W (V x D)", f"{V * D:,}", f"{V * D:,}"],
        ],
    )
    r.exercise(
        "parameters",
        "How many parameters does this embedding layer have?",
        sum(p.numel() for p in nn.Embedding(vocab * 10, dim + 2).parameters()),
        given={"layer": f"nn.Embedding({vocab * 10}, {dim + 2})"},
    )
    gradient(r, emb, ids)


def gradient(r: Report, emb, ids) -> None:
    import torch

    s = r.section("training only touches the rows that were used")
    out = emb(ids)  # (T, D)
    g = torch.randn_like(out)  # d loss / d out
    (out * g).sum().backward()
    dW = torch.zeros_like(emb.weight)  # (V, D)
    for t, i in enumerate(ids.tolist()):
        dW[i] += g[t]  # each use of row i adds its upstream gradient
    s.tensor("d loss / d out (upstream gradient g, one row per token)", g)
    s.tensor("d loss / d W by hand: row i = sum of g over the tokens with id i", dW)
    unused = sorted(set(range(emb.num_embeddings)) - set(ids.tolist()))
    s.note(
        "An id that appears twice gets its row's gradient twice, summed; rows that no token used get "
        f"none (here: {len(unused)} of {emb.num_embeddings} rows), so one step leaves them unchanged."
    )
    r.check_close("d W by hand (index add) == autograd", dW, emb.weight.grad, atol=1e-12)
    touched = [i for i in range(emb.num_embeddings) if bool(emb.weight.grad[i].any())]
    r.check_equal(
        "rows with a gradient == the ids in the batch", touched, sorted(set(ids.tolist())), kind="property"
    )
    r.exercise(
        "rows-touched",
        "How many rows of W get a nonzero gradient from a batch with these ids?",
        int((emb.weight.grad.abs().sum(1) > 0).sum()),
        given={"ids": ids, "vocab": emb.num_embeddings},
    )
