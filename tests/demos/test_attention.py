"""The attention demos (multi-head attention, positional encoding, causal mask, feed-forward network,
kv cache, decoder, tokenization, token) and hand/heads.py, recomputed with numpy or by other methods."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mlterms.demos.hand.heads import causal_additive, multi_head, sinusoidal
from mlterms.demos.report import Heatmap

from .util import column, exercise, items, run, table


def np_softmax(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def np_mha(x, m, w_in, b_in, w_out, b_out, heads, causal=False):
    """Attention of x (B, T, C) over m (B, S, C), one batch row and one head at a time."""
    C = x.shape[-1]
    dh = C // heads
    out = []
    for xb, mb in zip(x, m, strict=True):
        q = xb @ w_in[:C].T + b_in[:C]
        k = mb @ w_in[C : 2 * C].T + b_in[C : 2 * C]
        v = mb @ w_in[2 * C :].T + b_in[2 * C :]
        cat = []
        for h in range(heads):
            c = slice(h * dh, (h + 1) * dh)
            s = q[:, c] @ k[:, c].T / math.sqrt(dh)
            if causal:
                s = np.where(np.arange(len(s))[None, :] > np.arange(len(s))[:, None], -np.inf, s)
            cat.append(np_softmax(s) @ v[:, c])
        out.append(np.concatenate(cat, -1) @ w_out.T + b_out)
    return np.stack(out)


def random_weights(C, rng):
    return [rng.normal(size=s) for s in ((3 * C, C), (3 * C,), (C, C), (C,))]


# multi-head attention


@pytest.mark.parametrize("heads", [1, 2, 4])
@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_matches_numpy(heads, causal):
    rng = np.random.default_rng(heads)
    w = random_weights(8, rng)
    x = rng.normal(size=(2, 5, 8))
    m = x if causal else rng.normal(size=(2, 3, 8))
    got, weights = multi_head(
        torch.tensor(x), torch.tensor(m), [torch.tensor(a) for a in w], heads, causal=causal
    )
    assert got.numpy() == pytest.approx(np_mha(x, m, *w, heads, causal), abs=1e-10)
    assert tuple(weights.shape) == (2, heads, 5, m.shape[1])


@pytest.mark.parametrize("heads,queries,source", [("2", 3, 5), ("4", 1, 7), ("1", 6, 2)])
def test_mha_weights_shape_and_rows(heads, queries, source):
    r = run("multi-head attention", heads=heads, queries=queries, source=source)
    g = exercise(r, "weights-shape").given
    assert (
        tuple(exercise(r, "weights-shape").answer)
        == (g["B"], g["H"], g["T"], g["S"])
        == (2, int(heads), queries, source)
    )
    for heat in items(r, Heatmap):  # one per head shown: softmax rows over the S keys
        assert np.asarray(heat.values).shape == (queries, source)
        assert np.asarray(heat.values).sum(1) == pytest.approx(np.ones(queries))


def test_mha_parameter_count():
    r = run("multi-head attention")
    t = table(r, "numel of nn.MultiheadAttention")
    for h, width, numel in zip(
        column(t, "H"), column(t, "head width C/H"), column(t, "numel of nn.MultiheadAttention"), strict=True
    ):
        C = h * width
        assert numel == 3 * C * C + 3 * C + C * C + C  # W_q, W_k, W_v with biases, then W_o with bias
    e = exercise(r, "parameters")
    assert e.answer == sum(
        p.numel() for p in torch.nn.MultiheadAttention(e.given["E"], e.given["H"]).parameters()
    )


def test_causal_additive_and_sinusoidal_by_loops():
    mask = causal_additive(4)
    assert all((mask[i, j] == 0) == (j <= i) for i in range(4) for j in range(4))
    pe = sinusoidal(6, 4)
    for t in range(6):
        for i in range(2):
            angle = t / 10000 ** (2 * i / 4)
            assert pe[t, 2 * i] == pytest.approx(math.sin(angle)) and pe[t, 2 * i + 1] == pytest.approx(
                math.cos(angle)
            )


# positional encoding


def np_pe(T, d):
    t = np.arange(T)[:, None]
    i = np.arange(d // 2)[None, :]
    angle = t / 10000 ** (2 * i / d)
    return np.stack([np.sin(angle), np.cos(angle)], -1).reshape(T, d)  # sin, cos interleaved


@pytest.mark.parametrize("width,tokens,offset", [("8", 12, 3), ("2", 5, 1), ("32", 20, 7)])
def test_positional_encoding_exercises(width, tokens, offset):
    r = run("positional encoding", width=width, tokens=tokens, offset=offset)
    g = exercise(r, "pe-value").given
    assert exercise(r, "pe-value").answer == pytest.approx(np_pe(g["t"] + 1, g["d"])[g["t"], g["j"]])
    g = exercise(r, "offset-dot").given
    pe = np_pe(g["k"] + 1, g["d"])
    assert exercise(r, "offset-dot").answer == pytest.approx(pe[0] @ pe[g["k"]])


def test_positional_encoding_dot_products_depend_on_distance_only():
    r = run("positional encoding", width="16", tokens=30, offset=5)
    t = table(r, "PE[t] . PE[t + k]")
    pe = np_pe(40, 16)
    for pos, dot in zip(column(t, "t"), column(t, "PE[t] . PE[t + k]"), strict=True):
        assert dot == pytest.approx(pe[pos] @ pe[pos + 5])
    waves = column(table(r, "wavelength 2 pi / w_i (positions)"), "wavelength 2 pi / w_i (positions)")
    for i, wave in enumerate(waves):  # sin(t w) repeats after 2 pi / w positions
        assert np.sin(2 * np.pi / wave * np.arange(3)) == pytest.approx(
            np_pe(3 + 1, 16)[:3, 2 * i], abs=1e-12
        )


# causal mask


@pytest.mark.parametrize("tokens,heads", [(6, "2"), (2, "1"), (11, "4")])
def test_causal_mask_counts_and_tables(tokens, heads):
    r = run("causal mask", tokens=tokens, heads=heads)
    T = exercise(r, "masked-scores").given["T"]
    assert exercise(r, "masked-scores").answer == sum(1 for i in range(T) for j in range(T) if j > i)
    assert exercise(r, "first-row-weight").answer == pytest.approx(1.0)
    t = table(r, "max change at 0..j-1")
    assert column(t, "token j changed") == list(range(1, tokens))
    assert max(column(t, "max change at 0..j-1")) < 1e-12 < min(column(t, "no mask: max change at 0..j-1"))
    (heat,) = items(r, Heatmap)  # query 0 puts all its weight on key 0; row t has t + 1 nonzero weights
    assert [sum(1 for w in row if w > 0) for row in heat.values] == list(range(1, tokens + 1))


def test_masked_heads_attention_equals_prefix_runs():
    from mlterms.demos.hand.heads import heads_attention

    g = torch.Generator().manual_seed(3)
    q, k, v = (torch.randn(1, 5, 4, generator=g, dtype=torch.float64) for _ in range(3))
    out, _ = heads_attention(q, k, v, 2, causal_additive(5))
    for t in range(5):  # numpy, one head at a time, over the prefix alone
        qn, kn, vn = (a[0, : t + 1].numpy() for a in (q, k, v))
        heads = [
            np_softmax(qn[:, c] @ kn[:, c].T / math.sqrt(2)) @ vn[:, c] for c in (slice(0, 2), slice(2, 4))
        ]
        assert out[0, t].numpy() == pytest.approx(np.concatenate(heads, -1)[t], abs=1e-12)


# feed-forward network


@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_ffn_matches_numpy(activation):
    from mlterms.demos.attention.feed__forward_network import ffn

    rng = np.random.default_rng(1)
    x, w1, b1, w2, b2 = (rng.normal(size=s) for s in ((2, 3, 4), (12, 4), (12,), (4, 12), (4,)))
    z = x @ w1.T + b1
    erf = np.vectorize(math.erf)
    h = np.maximum(z, 0) if activation == "relu" else z * 0.5 * (1 + erf(z / math.sqrt(2)))
    got, hidden = ffn(torch.tensor(x), [torch.tensor(a) for a in (w1, b1, w2, b2)], activation)
    assert hidden.numpy() == pytest.approx(h, abs=1e-12)
    assert got.numpy() == pytest.approx(h @ w2.T + b2, abs=1e-12)


@pytest.mark.parametrize("expansion,tokens", [(4, 5), (1, 1), (7, 9)])
def test_ffn_shapes_parameters_and_locality(expansion, tokens):
    r = run("feed-forward network", expansion=expansion, tokens=tokens)
    g = exercise(r, "hidden-shape").given
    assert (
        tuple(exercise(r, "hidden-shape").answer)
        == (g["B"], g["T"], g["C"] * g["e"])
        == (2, tokens, 8 * expansion)
    )
    g = exercise(r, "parameters").given
    layers = [torch.nn.Linear(g["C"], g["e"] * g["C"]), torch.nn.Linear(g["e"] * g["C"], g["C"])]
    assert exercise(r, "parameters").answer == sum(p.numel() for layer in layers for p in layer.parameters())
    t = table(r, "feed-forward share")
    rows = zip(
        column(t, "C"),
        column(t, f"feed-forward (e = {expansion})"),
        column(t, "attention 4C^2 + 4C"),
        strict=True,
    )
    for width, ffn_p, attn_p in [row for row in rows if row[0] < 1000]:  # width 4096 would allocate 200M
        layers = [torch.nn.Linear(width, expansion * width), torch.nn.Linear(expansion * width, width)]
        assert ffn_p == sum(p.numel() for layer in layers for p in layer.parameters())
        assert attn_p == sum(p.numel() for p in torch.nn.MultiheadAttention(width, 1).parameters())
    changes = column(table(r, "token"), table(r, "token").columns[1])
    assert sum(c > 0 for c in changes) == 1  # only the changed token's output moves


# decoder


@pytest.mark.parametrize("heads", [1, 4])
def test_decoder_block_is_prefix_consistent_and_matches_torch(heads):
    from mlterms.demos.hand.heads import decoder_block

    torch.manual_seed(heads)
    layer = torch.nn.TransformerDecoderLayer(
        8, heads, 16, dropout=0.0, batch_first=True, dtype=torch.float64
    ).eval()
    with torch.no_grad():
        for prm in layer.parameters():
            prm.add_(0.2 * torch.randn_like(prm))
    p = {k: v.detach() for k, v in layer.state_dict().items()}
    x, mem = torch.randn(1, 6, 8, dtype=torch.float64), torch.randn(1, 3, 8, dtype=torch.float64)
    out, _ = decoder_block(x, p, heads, mem)
    with torch.no_grad():
        for t in range(6):  # PyTorch on the prefix alone, no mask: there is no future in it
            assert out[0, t].numpy() == pytest.approx(layer(x[:, : t + 1], mem)[0, t].numpy(), abs=1e-10)


@pytest.mark.parametrize("tokens,source,heads", [(5, 4, "2"), (1, 1, "1"), (9, 2, "4")])
def test_decoder_exercises(tokens, source, heads):
    r = run("decoder", tokens=tokens, source=source, heads=heads)
    g = exercise(r, "keys-seen").given
    assert exercise(r, "keys-seen").answer == g["t"] + 1 == tokens
    g = exercise(r, "cross-weights-shape").given
    assert tuple(exercise(r, "cross-weights-shape").answer) == (g["B"], int(heads), tokens, source)
    (heat,) = items(r, Heatmap)
    assert [sum(w > 0 for w in row) for row in heat.values] == list(range(1, tokens + 1))


# kv cache


def test_cached_block_token_by_token_equals_decoder_block():
    from mlterms.demos.attention.kv_cache import cached_block
    from mlterms.demos.hand.heads import decoder_block

    torch.manual_seed(5)
    layer = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        for prm in layer.parameters():
            prm.add_(0.2 * torch.randn_like(prm))
    p = {k: v.detach() for k, v in layer.state_dict().items()}
    x = torch.randn(1, 7, 8, dtype=torch.float64)
    cache: list = [None, None]
    one_by_one = torch.cat([cached_block(x[:, t : t + 1], p, cache) for t in range(7)], dim=1)
    assert one_by_one.numpy() == pytest.approx(decoder_block(x, p, 2)[0].numpy(), abs=1e-12)
    assert tuple(cache[0].shape) == tuple(cache[1].shape) == (1, 7, 8)


def test_matmul_counter_against_flop_counter_mode():
    from torch.utils.flop_counter import FlopCounterMode

    from mlterms.demos.attention.kv_cache import matmul_counter

    a, b, c = torch.randn(2, 3, 5, 4), torch.randn(2, 3, 4, 6), torch.randn(7, 4)
    with matmul_counter() as mine, FlopCounterMode(display=False) as ref:
        a @ b, torch.matmul(c, b[0, 0]), a @ c.T  # broadcast batch, plain 2-D, a 4-D times a 2-D
    assert mine.flops == ref.get_total_flops() == 2 * (2 * 3 * 5 * 6 * 4 + 7 * 6 * 4 + 2 * 3 * 5 * 7 * 4)


def test_kv_cache_flops_formula_small_cases():
    from mlterms.demos.attention.kv_cache import D_FF, C, V, flops_formula

    token = 2 * (3 * C * C + C * C + 2 * C * D_FF)  # q, k, v and output projections, feed-forward
    assert flops_formula(1, 1, 1) == (token + 4 * C + 2 * C * V,) * 2  # one token: nothing to save
    # P = 2, n = 1: recomputing sees a 2 x 2 score matrix; the cache feeds 2 tokens over 1 and 2 keys
    assert flops_formula(2, 1, 1) == (2 * token + 4 * C * 4 + 2 * C * V, 2 * token + 4 * C * 3 + 2 * C * V)


@pytest.mark.parametrize("prompt,new,layers", [(3, 6, 2), (1, 1, 1), (8, 16, 3)])
def test_kv_cache_tables(prompt, new, layers):
    r = run("kv cache", prompt=prompt, new=new, layers=layers)
    t = table(r, "FLOPs counted")
    full, cached = column(t, "FLOPs counted")
    assert cached <= full
    assert column(t, "cache (numbers kept)")[1] == 2 * layers * (prompt + new - 1) * 8
    steps = table(r, "token (kv cache)")
    assert len(steps.rows) == new and column(steps, "token (kv cache)") == column(
        steps, "token (recompute all)"
    )
    g = exercise(r, "cache-numbers").given
    assert exercise(r, "cache-numbers").answer == 2 * g["T"] * g["L"] * g["C"]


# tokenization


def test_bpe_by_hand_on_a_tiny_corpus():
    from mlterms.demos.hand.tokens import decode, encode, learn, words

    assert words("the cat  sat") == ["the", " cat", "  ", "sat"]
    learned, split = learn("aaab aab ab", 2)
    # counted by hand: (a, a) 3, (a, b) 3, (' ', a) 2; a tie goes to the pair seen first
    assert learned[0] == (("a", "a"), 3)
    # after it: aaab -> aa a b, ' aab' -> ' ' aa b, ' ab': now (a, b) is the most frequent (2)
    assert learned[1] == (("a", "b"), 2)
    assert split == {"aaab": ["aa", "ab"], " aab": [" ", "aa", "b"], " ab": [" ", "ab"]}
    merges = [p for p, _ in learned]
    assert encode("aaaab", merges) == ["aa", "aa", "b"]  # left to right, non-overlapping
    assert decode(encode("bb aaaa", merges)) == "bb aaaa"


@pytest.mark.parametrize("merges", [30, 0, 5, 80])
def test_tokenization_counts(merges):
    from mlterms.demos.attention.tokenization import CORPUS, HELD_OUT
    from mlterms.demos.hand.tokens import encode

    r = run("tokenization", merges=merges)
    e = exercise(r, "word-tokens")
    pairs = [tuple(m.split("+")) for m in e.given["merges"]]
    assert e.answer == len(encode(e.given["word"], pairs))
    counts = dict(table(r, "count").rows)
    assert counts["characters"] == len(HELD_OUT)
    assert counts["tokens"] == len(encode(HELD_OUT, pairs))
    if merges == 0:
        assert counts["tokens"] == len(HELD_OUT)
    sizes = dict(table(r, "size").rows)
    assert sizes["base characters"] == len(set(CORPUS))
    assert sizes["total"] == len(set(CORPUS) | {a + b for a, b in pairs})  # every merge makes a new token


# token


def bpe_vocabulary(corpus, pairs):
    """Base characters in sorted order, then each merge's new token once, in merge order."""
    vocab = sorted(set(corpus))
    for a, b in pairs:
        if a + b not in vocab:
            vocab.append(a + b)
    return vocab


@pytest.mark.parametrize("merges,dim", [(30, 16), (0, 1), (7, 5), (100, 3)])
def test_token_ids_tables_and_exercises(merges, dim):
    from mlterms.demos.attention.token import CORPUS, HELD_OUT
    from mlterms.demos.hand.tokens import encode, learn

    r = run("token", merges=merges, dim=dim)
    pairs = [p for p, _ in learn(CORPUS, 200)[0]]  # every merge the corpus allows
    vocab = bpe_vocabulary(CORPUS, pairs[:merges])
    tokens = encode(HELD_OUT, pairs[:merges])
    ids = table(r, "id")
    assert column(ids, "token") == [t.replace(" ", "_") for t in tokens[:10]]
    assert column(ids, "id") == [vocab.index(t) for t in tokens[:10]]
    counts = dict(table(r, "rows of W").rows)
    assert counts["in the table (V)"] == len(vocab)
    assert counts["given a gradient by this text"] == len(set(tokens))
    assert exercise(r, "rows-touched").answer == len(set(exercise(r, "rows-touched").given["tokens"]))
    e = exercise(r, "embedding-parameters")
    assert (e.given["V"], e.given["D"], e.answer) == (len(vocab), dim, len(vocab) * dim)


@pytest.mark.parametrize("merges,dim", [(30, 16), (0, 1), (100, 3)])
def test_token_trade_off_table(merges, dim):
    from mlterms.demos.attention.token import CORPUS, HELD_OUT
    from mlterms.demos.hand.tokens import encode, learn

    r = run("token", merges=merges, dim=dim)
    pairs = [p for p, _ in learn(CORPUS, 200)[0]]
    t = table(r, "T^2 attention scores")
    for k, size, length, params, scores in t.rows[:-1]:
        assert size == len(bpe_vocabulary(CORPUS, pairs[:k]))
        assert length == len(encode(HELD_OUT, pairs[:k]))
        assert (params, scores) == (size * dim, length**2)
    assert t.rows[0][:3] == [0, len(set(CORPUS)), len(HELD_OUT)]  # no merges: one token per character
    assert merges in column(t, "merges") or merges > len(pairs)
    word_row = t.rows[-1]
    first, *rest = CORPUS.split(" ")
    n_words = len({first} | {" " + w for w in rest})  # a word keeps its leading space; the first has none
    assert word_row[:3] == ["words", n_words + 1, len(HELD_OUT.split(" "))]


def test_token_unknown_words():
    from mlterms.demos.attention.token import CORPUS, HELD_OUT

    r = run("token")
    known = set(CORPUS.split(" "))
    missing = [w for w in HELD_OUT.split(" ") if w not in known]
    assert sorted(missing) == ["dogs.", "logs", "rats"]
    t = table(r, "unknown")
    assert column(t, "unknown") == [len(missing), 0]
    assert exercise(r, "unknown-words").answer == len(missing)
