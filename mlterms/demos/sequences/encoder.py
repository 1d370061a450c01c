"""An encoder: raw input to a denser learned representation; an autoencoder's encoder, and a
transformer encoder layer computed by hand."""

from __future__ import annotations

from mlterms.demos.hand.attention import self_attention_by_hand
from mlterms.demos.hand.fit import fit_adam
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

TOPICS = {
    "pets": ["cat", "dog", "fur", "paw"],
    "weather": ["rain", "sun", "wind", "cloud"],
    "food": ["bread", "rice", "soup", "salt"],
}
VOCAB = [w for ws in TOPICS.values() for w in ws]  # 12 words
E, HEADS, FF = 8, 2, 16  # transformer width, heads, feed-forward width


@demo(
    summary="An encoder turns a raw, sparse representation into a more processed, denser one: the "
    "encoder half of a tiny autoencoder (bag of words => 3 numbers), and a transformer encoder layer "
    "(tokens => one contextual embedding per token), by hand and by nn.TransformerEncoderLayer.",
    params=[
        Param("code", "int", 3, "width of the autoencoder's code", min=1, max=8),
        Param(
            "norm",
            "choice",
            "post",
            "LayerNorm after each residual (post) or before (pre)",
            choices=("post", "pre"),
        ),
    ],
)
def run(r: Report, *, code: int, norm: str) -> None:
    autoencoder(r, code)
    transformer_layer(r, norm)


def documents(n: int):
    """n two-word documents, one topic each: topics (n,), bags of words (n, 12)."""
    import torch

    topic = torch.randint(len(TOPICS), (n,))
    x = torch.zeros(n, len(VOCAB))  # (docs, vocab): 1 if the word occurs
    for i, t in enumerate(topic.tolist()):
        x[i, torch.randperm(4)[:2] + 4 * t] = 1.0
    return topic, x


def bce_by_hand(logits, x):
    """Mean binary cross-entropy from logits: max(z, 0) - x z + log(1 + exp(-|z|))."""
    return (logits.clamp(min=0) - x * logits + (-logits.abs()).exp().log1p()).mean()


def autoencoder(r: Report, code: int) -> None:
    import torch
    import torch.nn as nn

    topic, x = documents(60)
    topic_test, x_test = documents(60)  # held-out documents
    enc = nn.Sequential(nn.Linear(len(VOCAB), code), nn.Tanh())  # 12 sparse inputs -> code numbers
    dec = nn.Linear(code, len(VOCAB))  # code -> 12 word logits
    losses = fit_adam([*enc.parameters(), *dec.parameters()], lambda: bce_by_hand(dec(enc(x)), x), 60, 0.1)
    with torch.no_grad():
        z_test = enc(x_test)  # (docs, code)
        held_out = float(nn.BCEWithLogitsLoss()(dec(z_test), x_test))
        freq = x.mean(0).clamp(1e-3, 1 - 1e-3)  # the best constant guess: each word's training frequency
        baseline = float(nn.BCEWithLogitsLoss()(torch.logit(freq).expand_as(x_test), x_test))
        r.check_close(
            "training loss: BCE by hand == nn.BCEWithLogitsLoss",
            bce_by_hand(dec(enc(x)), x),
            nn.BCEWithLogitsLoss()(dec(enc(x)), x),
            atol=1e-6,
        )

    s = r.section("1. an autoencoder's encoder: sparse input => dense code")
    s.note(
        "60 tiny documents of 2 words from a 12-word vocabulary, one topic each, as bags of words. "
        f"The encoder maps each to {code} numbers; a decoder must rebuild the words from them, so the "
        "code has to keep what matters (here: the topic and the words)."
    )
    s.table(
        ["doc", "topic", "words"],
        [[i, list(TOPICS)[topic[i]], " ".join(VOCAB[j] for j in x[i].nonzero()[:, 0])] for i in range(3)],
    )
    s.plot("reconstruction loss (BCE), training", list(range(0, 60, 3)), loss=losses[::3])
    s.table(
        ["", "width", "fraction nonzero", "held-out BCE"],
        [
            ["input (bag of words)", len(VOCAB), (x_test != 0).float().mean(), "-"],
            ["code", code, (z_test.abs() > 1e-6).float().mean(), held_out],
            ["constant guess (word frequencies)", "-", "-", baseline],
        ],
        title="60 held-out documents",
    )
    r.effect(
        "the code carries information: held-out reconstruction beats the constant guess",
        held_out < 0.7 * baseline,
        f"{held_out:.3f} < 0.7 x {baseline:.3f}",
    )
    dist = torch.cdist(z_test, z_test)  # (docs, docs)
    same = topic_test[:, None] == topic_test[None, :]
    off = ~torch.eye(len(topic_test), dtype=torch.bool)
    within, between = float(dist[same & off].mean()), float(dist[~same].mean())
    s.table(["held-out pairs", "mean code distance"], [["same topic", within], ["different topic", between]])
    r.effect(
        "held-out codes of same-topic documents lie closer together",
        within < between,
        f"{within:.2f} < {between:.2f}",
    )
    r.exercise(
        "code-shape",
        "An encoder nn.Linear(12, code) + tanh, applied to a batch of bags of words: the codes' shape?",
        (len(topic_test), code),
        given={"batch": list(x_test.shape), "code": code},
    )


def layer_norm_by_hand(x, weight, bias, eps: float):
    """LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * weight + bias, var divides by E."""
    mean = x.mean(-1, keepdim=True)  # (L, 1)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)  # (L, 1)
    return (x - mean) / (var + eps).sqrt() * weight + bias


def encoder_layer_by_hand(x, layer, norm: str):
    """One nn.TransformerEncoderLayer (ReLU, no dropout) on x (L, E), from its weights."""
    import torch

    sa = layer.self_attn
    attn = (sa.in_proj_weight, sa.in_proj_bias, sa.out_proj.weight, sa.out_proj.bias)
    n1, n2 = layer.norm1, layer.norm2

    def block(h):  # self-attention: every token mixes in every other
        return self_attention_by_hand(h, *attn, HEADS)[0]  # (L, E)

    def ff(h):  # position-wise feed-forward: the same small MLP on each token
        return (
            torch.relu(h @ layer.linear1.weight.T + layer.linear1.bias) @ layer.linear2.weight.T
            + layer.linear2.bias
        )

    if norm == "post":  # the original transformer: x = LN(x + sublayer(x))
        h = layer_norm_by_hand(x + block(x), n1.weight, n1.bias, n1.eps)
        return layer_norm_by_hand(h + ff(h), n2.weight, n2.bias, n2.eps)
    h = x + block(layer_norm_by_hand(x, n1.weight, n1.bias, n1.eps))  # pre-norm: x + sublayer(LN(x))
    return h + ff(layer_norm_by_hand(h, n2.weight, n2.bias, n2.eps))


def transformer_layer(r: Report, norm: str) -> None:
    import torch
    import torch.nn as nn

    f64 = torch.float64
    layer = nn.TransformerEncoderLayer(
        E, HEADS, dim_feedforward=FF, dropout=0.0, batch_first=True, norm_first=norm == "pre", dtype=f64
    ).eval()  # eval mode, dropout 0: deterministic
    tokens = ["the", "river", "bank", "flooded"]
    x = torch.randn(1, len(tokens), E, dtype=f64)  # (N, L, E) token embeddings (positions added already)
    with torch.no_grad():
        out = encoder_layer_by_hand(x[0], layer, norm)  # (L, E)
        ref = layer(x)[0]  # (L, E)
        x2 = x.clone()
        x2[0, 0] = torch.randn(E, dtype=f64)  # change only the first token
        moved = (encoder_layer_by_hand(x2[0], layer, norm) - out).abs().amax(-1)  # (L,)

    s = r.section("2. a transformer encoder layer: tokens => one contextual embedding per token")
    s.note(
        f"x ({len(tokens)} tokens, E={E}) -> self-attention ({HEADS} heads) -> add & LayerNorm -> feed-forward "
        f"(E -> {FF} -> E, ReLU) -> add & LayerNorm ({norm}-norm). The output has one row per input token, "
        "like the input, but each row now depends on the whole sequence: change one token and every "
        "output row moves. A model stacks N such layers (BERT-base: 12)."
    )
    s.tensor(f"output by hand (L={len(tokens)}, E={E})", out)
    s.table(
        ["token", "max change when token 0 changes"], [[t, m] for t, m in zip(tokens, moved, strict=True)]
    )
    r.check_close(
        f"by hand == nn.TransformerEncoderLayer ({norm}-norm, eval, dropout 0)", out, ref, atol=1e-10
    )
    r.check(
        "every output row depends on token 0 (the whole sequence is context)",
        bool((moved > 1e-9).all()),
        f"min change {float(moved.min()):.1e}",
        kind="property",
    )
    n_params = sum(p.numel() for p in layer.parameters())
    r.exercise(
        "layer-params",
        "nn.TransformerEncoderLayer(d_model=E, nhead=h, dim_feedforward=F): how many parameters?",
        n_params,
        given={"E": E, "h": HEADS, "F": FF},
    )
