"""Demos: sequences."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mlterms.demos.registry import demo
from mlterms.demos.report import Report

if TYPE_CHECKING:
    from collections.abc import Callable

    import torch


# ---------------------------------------------------------------------------------------------
# helpers: the hand computations, small enough to test on their own


def softmax_by_hand(scores: torch.Tensor) -> torch.Tensor:
    """Softmax over the last axis: exp(s - max) / sum exp(s - max); -inf scores get weight 0."""
    z = scores - scores.max(dim=-1, keepdim=True).values  # subtracting the max changes nothing but overflow
    e = z.exp()
    return e / e.sum(dim=-1, keepdim=True)


def attention_by_hand(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, allowed: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled dot-product attention for one sequence. q (L, d), k (S, d), v (S, d_v).

    allowed (L, S) is a boolean mask, True where query i may look at key j.
    Returns the output (L, d_v) and the weights (L, S).
    """
    d = q.shape[-1]
    scores = (q[:, None, :] * k[None, :, :]).sum(-1) / math.sqrt(d)  # (L, S): q_i · k_j / sqrt(d)
    if allowed is not None:
        scores = scores.masked_fill(~allowed, float("-inf"))
    w = softmax_by_hand(scores)  # (L, S), each row sums to 1
    out = (w[:, :, None] * v[None, :, :]).sum(1)  # (L, d_v): out_i = sum_j w_ij v_j
    return out, w


def self_attention_by_hand(
    x: torch.Tensor,
    w_in: torch.Tensor,
    b_in: torch.Tensor,
    w_out: torch.Tensor,
    b_out: torch.Tensor,
    heads: int,
    causal: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Multi-head self-attention of one sequence x (L, E), laid out like nn.MultiheadAttention.

    w_in (3E, E) stacks W_q, W_k, W_v; w_out (E, E). Returns output (L, E) and weights (heads, L, L).
    """
    import torch

    L, E = x.shape
    wq, wk, wv = w_in.chunk(3)  # each (E, E)
    bq, bk, bv = b_in.chunk(3)
    q, k, v = x @ wq.T + bq, x @ wk.T + bk, x @ wv.T + bv  # (L, E) each: all three from the SAME x
    allowed = torch.ones(L, L, dtype=torch.bool).tril() if causal else None
    dh = E // heads
    outs, weights = [], []
    for h in range(heads):  # each head attends in its own dh-wide slice
        cols = slice(h * dh, (h + 1) * dh)
        o, w = attention_by_hand(q[:, cols], k[:, cols], v[:, cols], allowed)
        outs.append(o)
        weights.append(w)
    concat = torch.cat(outs, dim=-1)  # (L, E)
    return concat @ w_out.T + b_out, torch.stack(weights)


def rnn_by_hand(
    x: torch.Tensor,
    w_ih: torch.Tensor,
    w_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
    h0: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Elman RNN over one sequence x (T, I): h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh).

    The same weights are used at every step. Returns all hidden states (T, H) and the last one (H,).
    """
    import torch

    h = h0
    hs = []
    for t in range(x.shape[0]):
        h = torch.tanh(w_ih @ x[t] + b_ih + w_hh @ h + b_hh)  # (H,)
        hs.append(h)
    return torch.stack(hs), h


def fit(
    params: list[torch.Tensor], loss_fn: Callable[[], torch.Tensor], steps: int, lr: float
) -> list[float]:
    """Minimise loss_fn() over params with Adam (Kingma & Ba, 2015) written out; the loss per step.

    Written here rather than torch.optim.Adam because torch.optim's first use imports torch._dynamo,
    which costs seconds on a small CPU; the update is the same.
    """
    import torch

    b1, b2, eps = 0.9, 0.999, 1e-8
    m = [torch.zeros_like(p) for p in params]  # running mean of the gradient
    v = [torch.zeros_like(p) for p in params]  # running mean of the squared gradient
    losses = []
    for t in range(1, steps + 1):
        loss = loss_fn()
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g, mp, vp in zip(params, grads, m, v, strict=True):
                mp.lerp_(g, 1 - b1)  # m = b1 m + (1 - b1) g
                vp.mul_(b2).addcmul_(g, g, value=1 - b2)  # v = b2 v + (1 - b2) g^2
                denom = vp.sqrt().div_(math.sqrt(1 - b2**t)).add_(eps)  # sqrt(v_hat) + eps
                p.addcdiv_(mp, denom, value=-lr / (1 - b1**t))  # p -= lr m_hat / (sqrt(v_hat) + eps)
        losses.append(loss.item())
    return losses


# ---------------------------------------------------------------------------------------------
# demos


@demo(
    "attention",
    summary="Attention aggregates a set of inputs as a weighted sum of values, the weights being "
    "softmax(q·k/√d): here by hand and by F.scaled_dot_product_attention.",
)
def attention(r: Report) -> None:
    import torch
    import torch.nn.functional as F

    L, S, d, dv = 4, 5, 8, 4
    q = torch.randn(L, d, dtype=torch.float64)  # (L, d)   one query per output position
    k = torch.randn(S, d, dtype=torch.float64)  # (S, d)   one key per input
    v = torch.randn(S, dv, dtype=torch.float64)  # (S, d_v) one value per input: what gets summed

    s = r.section("1. scores: how well each query matches each key")
    scores = q @ k.T / math.sqrt(d)  # (L, S)
    s.note(
        "score[i, j] = q_i · k_j / sqrt(d). Queries and keys are compared; the values are what is "
        "summed. The weights are computed from the data itself (another part of the network produced "
        "q and k), so they change with every input, unlike the fixed weights of a dense layer."
    )
    s.tensor("queries q (L=4, d=8)", q)
    s.tensor("scores (L=4 queries, S=5 keys)", scores)

    s = r.section("2. softmax turns each row of scores into weights")
    out, w = attention_by_hand(q, k, v)
    s.heatmap("attention weights", w, rows=[f"q{i}" for i in range(L)], cols=[f"k{j}" for j in range(S)])
    r.check_close("each row of weights sums to 1", w.sum(-1), torch.ones(L, dtype=torch.float64), atol=1e-12)
    r.check("all weights are positive", bool((w > 0).all()), f"min {float(w.min()):.2e}")

    s = r.section("3. output = weighted sum of the values")
    rows = [[f"k{j}", w[0, j], *v[j]] for j in range(S)]
    rows.append(["Σ w·v = out[0]", w[0].sum(), *out[0]])
    s.table(["key j", "w[0, j]", *[f"v[j, {c}]" for c in range(dv)]], rows, title="query 0")
    s.tensor("output (L=4, d_v=4)", out)
    ref = F.scaled_dot_product_attention(q[None], k[None], v[None])[0]  # (L, d_v)
    r.check_close("by hand == F.scaled_dot_product_attention", out, ref, atol=1e-12)
    inside = bool(((out >= v.min(0).values - 1e-12) & (out <= v.max(0).values + 1e-12)).all())
    r.check("each output lies within the range of the values (a convex combination)", inside)

    s = r.section("4. why divide by sqrt(d)")
    s.note(
        "For random q, k with unit-variance entries, q·k is a sum of d terms, so its variance is d. "
        "Unscaled, scores grow with the width, the softmax saturates to nearly one-hot and its "
        "gradients vanish; dividing by sqrt(d) keeps the variance at 1 whatever d is."
    )
    n, keys = 500, 8
    q_all = torch.randn(n, keys, 64, dtype=torch.float64)  # the first d columns give width-d vectors
    k_all = torch.randn(n, keys, 64, dtype=torch.float64)
    rows = []
    for dim in (4, 16, 64):
        qq, kk = q_all[..., :dim], k_all[..., :dim]
        raw = (qq * kk).sum(-1)  # (n, keys) unscaled scores
        scaled = raw / math.sqrt(dim)
        peak_raw = softmax_by_hand(raw).max(-1).values.mean()
        peak_scaled = softmax_by_hand(scaled).max(-1).values.mean()
        rows.append([dim, raw.var(), scaled.var(), peak_raw, peak_scaled])
        # the sample variance of q·k/sqrt(d) has standard error sqrt((2 + 6/d) / N) ~ 0.03 here (N = 4000)
        r.check(
            f"d={dim}: var(q·k/√d) ≈ 1",
            abs(float(scaled.var()) - 1) < 0.15,
            f"var {float(scaled.var()):.3f}, unscaled {float(raw.var()):.1f}",
        )
    s.table(
        ["d", "var(q·k)", "var(q·k/√d)", "mean max weight, unscaled", "mean max weight, scaled"],
        rows,
        title=f"{n} random query/key sets, {keys} keys each",
    )
    r.check(
        "d=64 unscaled softmax is much peakier than scaled",
        float(rows[-1][3]) > float(rows[-1][4]) + 0.2,
        f"mean max weight {float(rows[-1][3]):.2f} vs {float(rows[-1][4]):.2f}",
    )


@demo(
    "self attention",
    summary="Self-attention turns a sequence of embeddings into another sequence of the same length, "
    "Q, K and V all projected from that one sequence: by hand and by nn.MultiheadAttention.",
)
def self_attention(r: Report) -> None:
    import torch
    import torch.nn as nn

    L, E, H = 4, 8, 2
    f64 = torch.float64
    x = torch.randn(1, L, E, dtype=f64)  # (N, L, E): 4 tokens of width 8
    w_in = torch.randn(3 * E, E, dtype=f64) / math.sqrt(E)  # (3E, E) = [W_q; W_k; W_v]
    b_in = 0.1 * torch.randn(3 * E, dtype=f64)
    w_out = torch.randn(E, E, dtype=f64) / math.sqrt(E)  # (E, E)
    b_out = 0.1 * torch.randn(E, dtype=f64)

    mha = nn.MultiheadAttention(E, H, batch_first=True, dtype=f64)
    with torch.no_grad():  # the same weights in PyTorch's module
        mha.in_proj_weight.copy_(w_in)
        mha.in_proj_bias.copy_(b_in)
        mha.out_proj.weight.copy_(w_out)
        mha.out_proj.bias.copy_(b_out)
    causal_block = torch.ones(L, L, dtype=torch.bool).triu(1)  # (L, L) True ABOVE the diagonal

    s = r.section("1. Q, K, V from the same sequence")
    s.note(
        "'Self' means queries, keys and values are all linear projections of the SAME sequence x, so "
        "every token looks at every token of its own sequence (in cross-attention the keys and values "
        f"come from another sequence). {H} heads each attend within their own {E // H}-wide slice, then "
        "their outputs are concatenated and mixed by the output projection."
    )
    s.tensor("x (L=4 tokens, E=8)", x[0])
    out, w = self_attention_by_hand(x[0], w_in, b_in, w_out, b_out, H)
    ref, ref_w = mha(x, x, x, need_weights=True, average_attn_weights=False)  # (1, L, E), (1, H, L, L)
    s.tensor("output (L=4 tokens, E=8)", out)
    s.heatmap(
        "head 0 weights, no mask", w[0], rows=[f"t{i}" for i in range(L)], cols=[f"t{j}" for j in range(L)]
    )
    r.check_close("by hand == nn.MultiheadAttention (output)", out, ref[0].detach(), atol=1e-12)
    r.check_close("by hand == nn.MultiheadAttention (per-head weights)", w, ref_w[0].detach(), atol=1e-12)
    r.check_equal("output is as long as the input", tuple(out.shape), tuple(x[0].shape))

    s = r.section("2. causal mask: token t sees only tokens 0..t")
    s.note(
        "A decoder (GPT-style) masks the scores above the diagonal with -inf before the softmax, so no "
        "token can read the future. Beware the opposite conventions: nn.MultiheadAttention's boolean "
        "attn_mask is True where attention is BLOCKED, F.scaled_dot_product_attention's is True where "
        "it is ALLOWED."
    )
    out_c, w_c = self_attention_by_hand(x[0], w_in, b_in, w_out, b_out, H, causal=True)
    ref_c, _ = mha(x, x, x, attn_mask=causal_block, need_weights=False)
    s.heatmap(
        "head 0 weights, causal", w_c[0], rows=[f"t{i}" for i in range(L)], cols=[f"t{j}" for j in range(L)]
    )
    r.check_close("causal: by hand == nn.MultiheadAttention(attn_mask)", out_c, ref_c[0].detach(), atol=1e-12)
    r.check_close(
        "causal weights above the diagonal are 0",
        w_c[:, causal_block],
        torch.zeros(H, int(causal_block.sum()), dtype=f64),
        atol=0.0,
    )
    r.check_close(
        "causal: token 0 attends only to itself", w_c[:, 0, 0], torch.ones(H, dtype=f64), atol=1e-12
    )

    x2 = x[0].clone()
    x2[-1] = torch.randn(E, dtype=f64)  # change only the last token
    out2, _ = self_attention_by_hand(x2, w_in, b_in, w_out, b_out, H)
    out2_c, _ = self_attention_by_hand(x2, w_in, b_in, w_out, b_out, H, causal=True)
    moved = (out2[:-1] - out[:-1]).abs().max()
    moved_c = (out2_c[:-1] - out_c[:-1]).abs().max()
    s.table(
        ["mask", "max change in outputs of tokens 0..2"],
        [["none", moved], ["causal", moved_c]],
        title="change only the last token",
    )
    r.check(
        "no mask: earlier outputs see the last token", float(moved) > 1e-6, f"max change {float(moved):.2e}"
    )
    r.check("causal: earlier outputs ignore the last token", float(moved_c) < 1e-12, f"{float(moved_c):.1e}")


@demo(
    "recurrent neural network",
    summary="An RNN runs the same cell at every timestep, feeding its hidden state into the next step: "
    "h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) by hand and by nn.RNN.",
)
def recurrent_neural_network(r: Report) -> None:
    import torch
    import torch.nn as nn

    T, n_in, Hd = 5, 3, 4
    f64 = torch.float64
    rnn = nn.RNN(input_size=n_in, hidden_size=Hd, batch_first=True, dtype=f64)
    x = torch.randn(1, T, n_in, dtype=f64)  # (N, T, input): 5 timesteps of 3 features
    h0 = torch.zeros(1, 1, Hd, dtype=f64)  # (layers, N, H), nn.RNN's default start
    w_ih, w_hh = rnn.weight_ih_l0.detach(), rnn.weight_hh_l0.detach()  # (H, I), (H, H)
    b_ih, b_hh = rnn.bias_ih_l0.detach(), rnn.bias_hh_l0.detach()  # (H,), (H,)

    s = r.section("1. one cell, unrolled over time")
    s.note(
        "'Run multiple times' means: ONE cell with ONE set of weights is applied at every timestep. "
        "What carries over from step to step is the hidden state h_t (the layer's activations), which "
        "enters the next step through W_hh. Training backpropagates through this unrolled chain."
    )
    hs, h_last = rnn_by_hand(x[0], w_ih, w_hh, b_ih, b_hh, h0[0, 0])
    out, h_n = rnn(x, h0)  # (1, T, H), (1, 1, H)
    s.tensor("x (T=5, input=3)", x[0])
    s.tensor("hidden states h_1..h_5 by hand (T=5, H=4)", hs)
    r.check_close("all hidden states: by hand == nn.RNN output", hs, out[0].detach(), atol=1e-12)
    r.check_close("final hidden: by hand == nn.RNN h_n", h_last, h_n[0, 0].detach(), atol=1e-12)

    s = r.section("2. the weights are shared across time")
    n_params = sum(p.numel() for p in rnn.parameters())
    formula = Hd * n_in + Hd * Hd + 2 * Hd
    s.note(
        "The parameter count is the same for a sequence of 5 or 5,000 steps: H·I + H·H + 2H. "
        "That weight sharing is what lets an RNN read sequences of any length."
    )
    s.scalar("parameters", n_params)
    r.check_equal("parameter count == H·I + H·H + 2H", n_params, formula)
    long_x = torch.randn(1, 50, n_in, dtype=f64)
    r.check_close(
        "a 50-step sequence: by hand == nn.RNN, same 36 weights",
        rnn_by_hand(long_x[0], w_ih, w_hh, b_ih, b_hh, h0[0, 0])[1],
        rnn(long_x, h0)[1][0, 0].detach(),
        atol=1e-12,
    )

    s = r.section("3. memory: the last state depends on early inputs")
    jac = torch.autograd.functional.jacobian(
        lambda xs: rnn_by_hand(xs, w_ih, w_hh, b_ih, b_hh, h0[0, 0])[1], x[0]
    )  # (H, T, I): d h_T / d x
    rows = [[t + 1, jac[:, t].norm()] for t in range(T)]
    s.table(["t", "‖∂h_5/∂x_t‖"], rows)
    s.note(
        "Information from x_1 reaches h_5 only through four W_hh multiplications and tanh's; with "
        "small weights this signal shrinks step by step (vanishing gradients), the reason for LSTMs/GRUs."
    )
    first = float(rows[0][1])
    r.check("h_5 depends on the first input x_1", first > 1e-8, f"‖∂h_5/∂x_1‖ = {first:.2e}")


TOPICS = {
    "pets": ["cat", "dog", "fur", "paw"],
    "weather": ["rain", "sun", "wind", "cloud"],
    "food": ["bread", "rice", "soup", "salt"],
}


@demo(
    "encoder",
    summary="An encoder maps a raw, sparse input (a bag of words) to a denser learned code; "
    "here the encoder half of a tiny autoencoder trained to reconstruct its input.",
)
def encoder(r: Report) -> None:
    import torch
    import torch.nn as nn

    vocab = [w for ws in TOPICS.values() for w in ws]  # 12 words
    V, C, n_docs, words_per_doc = len(vocab), 3, 60, 2
    topic = torch.randint(len(TOPICS), (n_docs,))  # each document is about one topic
    x = torch.zeros(n_docs, V)  # (docs, vocab) bag of words: 1 if the word occurs
    for i, t in enumerate(topic.tolist()):
        picks = torch.randperm(4)[:words_per_doc] + 4 * t
        x[i, picks] = 1.0

    enc = nn.Sequential(nn.Linear(V, C), nn.Tanh())  # 12 sparse inputs -> 3 dense numbers
    dec = nn.Linear(C, V)  # 3 numbers -> 12 word logits
    loss_fn = nn.BCEWithLogitsLoss()
    steps = 150
    params = [*enc.parameters(), *dec.parameters()]
    losses = fit(params, lambda: loss_fn(dec(enc(x)), x), steps, lr=0.07)  # reconstruct x from its code
    with torch.no_grad():
        code = enc(x)  # (docs, C)
        final = loss_fn(dec(code), x).item()
        freq = x.mean(0).clamp(1e-6, 1 - 1e-6)  # best constant guess: each word's frequency
        baseline = loss_fn(torch.logit(freq).expand_as(x), x).item()

    s = r.section("1. sparse input")
    s.note(f"{n_docs} tiny documents of {words_per_doc} words from a {V}-word vocabulary, one topic each.")
    s.table(
        ["doc", "topic", "words"],
        [[i, list(TOPICS)[topic[i]], " ".join(vocab[j] for j in x[i].nonzero()[:, 0])] for i in range(4)],
    )
    s.tensor("bag of words, docs 0-3 (4, 12)", x[:4])

    s = r.section("2. train the autoencoder: input -> code -> reconstruction")
    s.plot("reconstruction loss (BCE)", list(range(0, steps, 5)), loss=losses[::5])
    s.scalar("loss at step 0", losses[0])
    s.scalar("final loss", final)
    s.scalar("constant-guess baseline loss", baseline)
    r.check("loss fell", final < 0.5 * losses[0], f"{losses[0]:.3f} -> {final:.3f}")
    r.check(
        "the code carries information: beats the constant guess",
        final < 0.7 * baseline,
        f"{final:.3f} < {baseline:.3f}",
    )

    s = r.section("3. the dense code")
    s.tensor("codes, docs 0-3 (4, C=3)", code[:4])
    dense_in = float((x != 0).float().mean())
    dense_code = float((code.abs() > 1e-6).float().mean())
    s.table(["", "width", "fraction nonzero"], [["input", V, dense_in], ["code", C, dense_code]])
    r.check("code is dense: > 90% nonzero", dense_code > 0.9, f"{dense_code:.2f}")
    r.check("input is sparse: < 25% nonzero", dense_in < 0.25, f"{dense_in:.2f}")
    dist = torch.cdist(code, code)  # (docs, docs)
    same = topic[:, None] == topic[None, :]
    off_diag = ~torch.eye(n_docs, dtype=torch.bool)
    within, between = dist[same & off_diag].mean(), dist[~same].mean()
    s.table(["pairs of docs", "mean code distance"], [["same topic", within], ["different topic", between]])
    r.check(
        "codes of same-topic docs lie closer together",
        float(within) < float(between),
        f"{float(within):.2f} < {float(between):.2f}",
    )
    s.note(
        "An encoder is the half of a model that maps raw input to a representation: here a sparse "
        "bag of words to a dense 3-number code, learned only by asking the decoder to rebuild the input. "
        "In a transformer the 'encoder' maps a token sequence to contextual embeddings of the same length."
    )
