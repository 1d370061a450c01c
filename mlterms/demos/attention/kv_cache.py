"""KV cache: greedy generation with cached keys and values giving the same logits as recomputing the
whole sequence (and as PyTorch's layers), with the matmul FLOPs counted for both."""

from __future__ import annotations

from mlterms.demos.hand.blocks import feed_forward, layer_norm
from mlterms.demos.hand.heads import attention_params, decoder_block, heads_attention, sinusoidal
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

B, C, H, D_FF, V = 1, 8, 2, 16, 11  # batch, width, heads, feed-forward width, vocabulary


@demo(
    summary="A kv cache keeps the keys and values of the tokens already processed, so that generating the "
    "next token computes attention for the new token only: the same logits as recomputing the whole "
    "sequence, for fewer FLOPs and a cache of 2 x layers x tokens x C numbers.",
    params=[
        Param("prompt", "int", 3, "P, prompt tokens", min=1, max=8),
        Param("new", "int", 6, "n, tokens generated greedily", min=1, max=16),
        Param("layers", "int", 2, "decoder blocks", min=1, max=3),
    ],
)
def run(r: Report, *, prompt: int, new: int, layers: int) -> None:
    import torch
    from torch import nn

    blocks = [nn.TransformerEncoderLayer(C, H, D_FF, dropout=0.0, batch_first=True, dtype=torch.float64).eval()
              for _ in range(layers)]  # fmt: skip
    with torch.no_grad():
        for blk in blocks:
            for p in blk.parameters():
                p.add_(0.2 * torch.randn_like(p))  # biases and LayerNorms off their start
    params = [{k: v.detach() for k, v in blk.state_dict().items()} for blk in blocks]
    emb = torch.randn(V, C, dtype=torch.float64)  # (V, C) token embeddings
    head = torch.randn(V, C, dtype=torch.float64)  # (V, C) logits = h W^T
    pe = sinusoidal(prompt + new, C)  # (P + n, C)
    ids = torch.randint(0, V, (B, prompt))  # (B, P)

    def embed(tok, start):  # (B, L) -> (B, L, C)
        return emb[tok] + pe[start : start + tok.shape[1]]

    full, full_flops = generate_full(ids, new, params, embed, head)
    cached, cached_flops, cache_size = generate_cached(ids, new, params, embed, head)
    show(r, full, cached, full_flops, cached_flops, cache_size, blocks, embed, head, prompt, layers)


def matmul_counter():
    """A TorchFunctionMode that counts 2 x (output elements) x (inner size) FLOPs per matmul (`@`).

    (torch.utils.flop_counter.FlopCounterMode gives the same counts but costs ~2 s to set up.)"""
    import torch
    from torch.overrides import TorchFunctionMode

    class Count(TorchFunctionMode):
        flops = 0

        def __torch_function__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            if func in (
                torch.Tensor.matmul,
                torch.Tensor.__matmul__,
                torch.matmul,
            ):  # `@` arrives as Tensor.matmul
                self.flops += 2 * out.numel() * args[0].shape[-1]  # one multiply and one add each
            return out

    return Count()


def generate_full(ids, new: int, params, embed, head):
    """Greedy steps, each running every block over the whole sequence (causal mask)."""
    import torch

    seq, logits = ids, []
    with matmul_counter() as count:
        for _ in range(new):
            x = embed(seq, 0)  # (B, L, C)
            for p in params:
                x, _ = decoder_block(x, p, H)
            logits.append(x[:, -1] @ head.T)  # (B, V): only the last position is needed
            seq = torch.cat([seq, logits[-1].argmax(-1, keepdim=True)], dim=1)
    return (seq, torch.stack(logits, 1)), count.flops


def cached_block(x, p, cache: list):
    """One post-norm block for the newest token x (B, 1, C), its keys and values appended to cache."""
    import torch

    w_in, b_in, w_out, b_out = attention_params(p, "self_attn")
    q, k, v = (x @ w_in.T + b_in).chunk(3, dim=-1)  # (B, 1, C) each: the new token's only
    cache[0] = k if cache[0] is None else torch.cat([cache[0], k], dim=1)  # (B, t + 1, C)
    cache[1] = v if cache[1] is None else torch.cat([cache[1], v], dim=1)
    a, _ = heads_attention(q, cache[0], cache[1], H)  # no mask: the cache holds no future
    h = layer_norm(x + a @ w_out.T + b_out, p["norm1.weight"], p["norm1.bias"])
    f, _ = feed_forward(h, *[p[f"linear{i}.{n}"] for i in (1, 2) for n in ("weight", "bias")])
    return layer_norm(h + f, p["norm2.weight"], p["norm2.bias"])


def generate_cached(ids, new: int, params, embed, head):
    """The same greedy steps, one token per pass, keys and values kept per block."""
    import torch

    caches: list[list] = [[None, None] for _ in params]
    seq, logits, P = ids, [], ids.shape[1]
    with matmul_counter() as count:
        for t in range(P + new - 1):  # token t goes in; from the last prompt token on, read logits
            x = embed(seq[:, t : t + 1], t)  # (B, 1, C)
            for p, cache in zip(params, caches, strict=True):
                x = cached_block(x, p, cache)
            if t >= P - 1:
                logits.append(x[:, -1] @ head.T)  # (B, V)
                seq = torch.cat([seq, logits[-1].argmax(-1, keepdim=True)], dim=1)
    size = sum(c.numel() for cache in caches for c in cache)
    return (seq, torch.stack(logits, 1)), count.flops, size


def flops_formula(P: int, n: int, layers: int) -> tuple[int, int]:
    """Matmul FLOPs (2 per multiply-add) of both ways, B = 1: per token and block the projections
    (4C^2) and the feed-forward (2 C D_FF) multiply-adds, plus 2C per key it attends to."""
    per_token = 4 * C * C + 2 * C * D_FF
    full = sum(layers * (L * per_token + 2 * C * L * L) + C * V for L in range(P, P + n))
    cached = sum(layers * (per_token + 2 * C * (t + 1)) for t in range(P + n - 1)) + n * C * V
    return 2 * full, 2 * cached


def show(r: Report, full, cached, full_flops, cached_flops, cache_size, blocks, embed, head, P, layers):
    import torch

    (seq, logits), (seq_c, logits_c) = full, cached
    n = logits.shape[1]
    s = r.section("the same logits, computed two ways")
    with torch.no_grad():  # PyTorch's layers over the final sequence, one causal pass
        x = embed(seq_c[:, :-1], 0)  # (B, P + n - 1, C): every token that was fed in
        mask = torch.nn.Transformer.generate_square_subsequent_mask(x.shape[1], dtype=torch.float64)
        for blk in blocks:
            x = blk(x, src_mask=mask, is_causal=True)
        ref = x[:, P - 1 :] @ head.T  # (B, n, V): the positions that predicted a new token
    rows = [[i, int(seq[0, P + i]), int(seq_c[0, P + i]), (logits[0, i] - logits_c[0, i]).abs().max()]
            for i in range(n)]  # fmt: skip
    s.table(["step", "token (recompute all)", "token (kv cache)", "max |logit diff|"], rows,
            title=f"prompt {seq[0, :P].tolist()}, {layers} block(s), greedy")  # fmt: skip
    s.note(
        "Recomputing: every step runs the blocks over all L tokens so far, L x L attention scores per "
        "head. With the cache: the new token's query attends to the stored keys and values of tokens "
        "0..t, and only the new token's k and v are computed and appended. Past tokens' keys and values "
        "never change, because under the causal mask a token's vectors depend only on tokens before it."
    )
    r.check_close("kv-cache logits == recomputing the whole sequence (every step)", logits_c, logits, 1e-10)
    r.check_close("kv-cache logits == nn.TransformerEncoderLayer stack, causal mask", logits_c, ref, 1e-10)
    r.check_equal("the same tokens generated", seq_c.tolist(), seq.tolist(), kind="property")
    flops(r, full_flops, cached_flops, cache_size, P, n, layers)


def flops(
    r: Report, full_flops: int, cached_flops: int, cache_size: int, P: int, n: int, layers: int
) -> None:
    s = r.section("the cost: matmul FLOPs counted at every @")
    want_full, want_cached = flops_formula(P, n, layers)
    s.table(
        ["", "FLOPs counted", "formula", "cache (numbers kept)"],
        [["recompute all", full_flops, want_full, 0], ["kv cache", cached_flops, want_cached, cache_size]],
        title=f"P = {P} prompt tokens, n = {n} new, {layers} block(s), C = {C}, d_ff = {D_FF}",
    )
    s.note(
        "Recomputing costs about sum over L of L (4C^2 + 2C d_ff) + 2C L^2 per block: quadratic in the "
        "length for the projections and cubic for attention, over a whole generation. The cache makes "
        "each step cost one token's projections plus 2C per cached key: the memory traded for it is "
        "2 x blocks x tokens x C numbers (a K and a V per token per block), per sequence."
    )
    r.check_equal("FLOPs counted == formula (recompute all, kv cache)", (full_flops, cached_flops),
                  (want_full, want_cached), kind="reference")  # fmt: skip
    r.check_equal("cache size == 2 x blocks x tokens fed x C", cache_size, 2 * layers * (P + n - 1) * C,
                  kind="property")  # fmt: skip
    r.effect(
        "the kv cache does fewer FLOPs than recomputing",
        cached_flops < full_flops,
        f"{cached_flops:,} < {full_flops:,} ({full_flops / cached_flops:.1f}x fewer)",
        asserted=P + n > 2,
    )
    r.exercise(
        "cache-numbers",
        "How many numbers does the kv cache hold after T tokens, in a model of L blocks of width C (B = 1)?",
        2 * 24 * 1000 * 1024,
        given={"T": 1000, "L": 24, "C": 1024},
    )
