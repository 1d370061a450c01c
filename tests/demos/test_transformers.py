"""The transformers demos (transformer, query key value), recomputed with numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from mlterms.demos.hand.blocks import attend, encoder_block, layer_norm, self_attention, split_heads
from mlterms.demos.transformers.query_key_value import softmax_jacobian

from .util import column, exercise, run, table


def np_softmax(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def np_layer_norm(x, g, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(x.var(-1, keepdims=True) + eps) * g + b


def np_block(x, p, heads, norm_first):
    """A transformer encoder block written out in numpy, one head at a time, one batch row at a time."""
    P = {k: v.numpy() for k, v in p.items()}
    C = x.shape[-1]
    dh = C // heads

    def sa(t):  # (T, C)
        w, b = P["self_attn.in_proj_weight"], P["self_attn.in_proj_bias"]
        q, k, v = (t @ w[i * C : (i + 1) * C].T + b[i * C : (i + 1) * C] for i in range(3))
        outs = []
        for h in range(heads):
            c = slice(h * dh, (h + 1) * dh)
            outs.append(np_softmax(q[:, c] @ k[:, c].T / math.sqrt(dh)) @ v[:, c])
        return np.concatenate(outs, -1) @ P["self_attn.out_proj.weight"].T + P["self_attn.out_proj.bias"]

    def ff(t):
        hid = np.maximum(t @ P["linear1.weight"].T + P["linear1.bias"], 0)
        return hid @ P["linear2.weight"].T + P["linear2.bias"]

    def ln(t, i):
        return np_layer_norm(t, P[f"norm{i}.weight"], P[f"norm{i}.bias"])

    out = []
    for t in x:
        if norm_first:
            h = t + sa(ln(t, 1))
            out.append(h + ff(ln(h, 2)))
        else:
            h = ln(t + sa(t), 1)
            out.append(ln(h + ff(h), 2))
    return np.stack(out)


def random_layer(C, heads, d_ff, norm_first, seed):
    torch.manual_seed(seed)
    layer = nn.TransformerEncoderLayer(
        C, heads, d_ff, dropout=0.0, batch_first=True, norm_first=norm_first, dtype=torch.float64
    ).eval()
    with torch.no_grad():
        for prm in layer.parameters():
            prm.add_(0.2 * torch.randn_like(prm))  # biases and LayerNorm off their zero / one start
    return layer, {k: v.detach() for k, v in layer.state_dict().items()}


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("heads", [1, 2, 4])
def test_encoder_block_matches_numpy_and_torch(norm_first, heads):
    layer, p = random_layer(8, heads, 12, norm_first, seed=heads)
    x = torch.randn(3, 6, 8, dtype=torch.float64)
    out, steps = encoder_block(x, p, heads, norm_first)
    assert out.numpy() == pytest.approx(np_block(x.numpy(), p, heads, norm_first), abs=1e-10)
    with torch.no_grad():
        assert out.numpy() == pytest.approx(layer(x).numpy(), abs=1e-10)
    shapes = {name: tuple(t.shape) for name, t in steps}
    assert shapes["attention weights"] == (3, heads, 6, 6)
    assert shapes["feed-forward hidden"] == (3, 6, 12)


def test_layer_norm_and_attention_on_small_numbers():
    x = torch.tensor([[[1.0, 2.0, 3.0, 6.0]]], dtype=torch.float64)
    g, b = torch.tensor([1.0, 2.0, 1.0, 1.0]).double(), torch.zeros(4).double()
    z = (np.array([1, 2, 3, 6]) - 3) / math.sqrt(3.5 + 1e-5)  # mean 3, biased variance 3.5
    assert layer_norm(x, g, b)[0, 0].numpy() == pytest.approx(z * np.array([1, 2, 1, 1]))
    q = torch.tensor([[2.0, 0.0]]).double()
    k = torch.tensor([[1.0, 0.0], [0.0, 1.0]]).double()
    v = torch.tensor([[10.0], [20.0]]).double()
    out, w = attend(q, k, v)
    p0 = 1 / (1 + math.exp(-2 / math.sqrt(2)))  # scores 2/sqrt(2) and 0
    assert w[0].tolist() == pytest.approx([p0, 1 - p0])
    assert out.item() == pytest.approx(10 * p0 + 20 * (1 - p0))
    assert attend(q, k, v, scale=False)[1][0, 0].item() == pytest.approx(1 / (1 + math.exp(-2)))


def test_heads_own_contiguous_channel_slices():
    x = torch.arange(2 * 3 * 8.0).reshape(2, 3, 8)
    heads = split_heads(x, 4)  # (2, 4, 3, 2)
    assert heads[1, 2, 0].tolist() == x[1, 0, 4:6].tolist()
    w_in, w_out = torch.eye(8).repeat(3, 1).double(), torch.eye(8).double()
    out, weights = self_attention(
        x.double(), w_in, torch.zeros(24).double(), w_out, torch.zeros(8).double(), 4
    )
    assert weights.shape == (2, 4, 3, 3)
    assert out.shape == x.shape


def test_transformer_report_shapes_and_parameter_count():
    report = run("transformer", 1, tokens=7, heads="4", norm="pre")
    t = table(report, "formula")
    shapes = dict(zip(column(t, "step"), column(t, "shape"), strict=True))
    assert shapes["attention weights"] == str((2, 4, 7, 7))
    assert shapes["block output"] == str((2, 7, 8))
    C, d_ff = 8, 16
    layer = nn.TransformerEncoderLayer(C, 2, d_ff)
    assert exercise(report, "block-parameters").answer == sum(p.numel() for p in layer.parameters())
    assert exercise(report, "weights-shape").answer == [2, 4, 7, 7]


@pytest.mark.parametrize("seed", [0, 3])
def test_without_positions_shuffling_commutes_with_positions_it_does_not(seed):
    t = table(run("transformer", seed), "max |block(shuffled x) - shuffled block(x)|")
    plain, positioned = column(t, "max |block(shuffled x) - shuffled block(x)|")
    assert plain < 1e-9 < 1e-3 < positioned


def test_softmax_jacobian_matches_finite_differences():
    s = np.array([0.3, -1.2, 2.0, 0.5])
    h = 1e-6
    numeric = np.stack(
        [(np_softmax(s + h * np.eye(4)[j]) - np_softmax(s - h * np.eye(4)[j])) / (2 * h) for j in range(4)], 1
    )
    got = softmax_jacobian(torch.tensor(np_softmax(s)))
    assert got.numpy() == pytest.approx(numeric, abs=1e-8)


@pytest.mark.parametrize("seed", [0, 4])
def test_qkv_exercises_by_numpy(seed):
    report = run("query key value", seed)
    ex = exercise(report, "top-key")
    q, K = np.array(ex.given["query"]), np.array(ex.given["keys"])
    w = np_softmax(K @ q / 2.0)
    assert ex.answer == int(w.argmax())
    assert exercise(report, "top-weight").answer == pytest.approx(w.max(), abs=1e-9)
    assert exercise(report, "key-rows").answer == [4, 8]


def test_unscaled_scores_saturate_more_as_d_k_grows():
    t = table(run("query key value", 2), "max weight, unscaled")
    d = column(t, "d_k")
    scaled, unscaled = column(t, "max weight, scaled"), column(t, "max weight, unscaled")
    g_scaled, g_unscaled = column(t, "|d w / d s|, scaled"), column(t, "|d w / d s|, unscaled")
    assert d == sorted(d) and 64 in d
    assert all(u > s for s, u in zip(scaled, unscaled, strict=True))  # unscaled is always peakier
    assert all(u < s for s, u in zip(g_scaled, g_unscaled, strict=True))
    assert unscaled == sorted(unscaled)  # and the peak grows with d_k


def test_scale_knob_changes_the_lookup_not_its_winner():
    on, off = run("query key value", 1, scale="on"), run("query key value", 1, scale="off")
    row = "queries whose largest weight is on their own key"
    found = [dict(table(rep, "value").rows)[row] for rep in (on, off)]
    assert found[0] == found[1]
    weight = "mean weight on the own key"
    assert dict(table(off, "value").rows)[weight] > dict(table(on, "value").rows)[weight]
