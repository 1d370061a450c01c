"""Decoding by hand on a bigram language model: chain-rule scores, greedy, beam, top-k and top-p.

A bigram model is a (V, V) table P with P[a, b] = p(next = b | previous = a); each row sums to 1.
The token </s> is absorbing (its row is one-hot on itself), so every sequence can be scored to a
fixed length and enumerated exhaustively.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

WORDS = ("<s>", "the", "a", "cat", "dog", "sat", "ran", "</s>")
BOS, EOS = 0, len(WORDS) - 1

# Hand-made so that greedy and beam search disagree: "the" is the likelier first word, but every
# word after it is uncertain, while "a" is nearly always followed by "dog".
NEXT = {
    "<s>": {"the": 0.55, "a": 0.45},
    "the": {"cat": 0.4, "dog": 0.35, "sat": 0.15, "ran": 0.1},
    "a": {"dog": 0.9, "cat": 0.1},
    "cat": {"sat": 0.5, "ran": 0.3, "</s>": 0.2},
    "dog": {"ran": 0.6, "sat": 0.2, "</s>": 0.2},
    "sat": {"</s>": 0.8, "the": 0.1, "a": 0.1},
    "ran": {"</s>": 0.7, "the": 0.15, "a": 0.15},
    "</s>": {"</s>": 1.0},
}


def bigram_table(dtype=None) -> torch.Tensor:
    """The hand-made table NEXT as a (V, V) tensor of probabilities, rows = previous word."""
    import torch

    P = torch.zeros(len(WORDS), len(WORDS), dtype=dtype or torch.float64)
    for a, row in NEXT.items():
        for b, p in row.items():
            P[WORDS.index(a), WORDS.index(b)] = p
    return P


def words(ids) -> str:
    """Token ids as text: [1, 3] -> 'the cat'."""
    return " ".join(WORDS[int(i)] for i in ids)


def sequence_logprob(logP: torch.Tensor, ids: list[int], start: int = BOS) -> float:
    """The chain rule for a bigram model: log p(x_1..x_T) = sum_t log P[x_(t-1), x_t], x_0 = start."""
    total, prev = 0.0, start
    for i in ids:
        total += float(logP[prev, i])
        prev = i
    return total


def greedy(logP: torch.Tensor, steps: int, start: int = BOS) -> list[int]:
    """Pick the single most likely next token at every step: argmax_b logP[prev, b]."""
    out, prev = [], start
    for _ in range(steps):
        prev = int(logP[prev].argmax())
        out.append(prev)
    return out


def beam_search(
    logP: torch.Tensor, steps: int, width: int, start: int = BOS
) -> list[tuple[list[int], float]]:
    """Keep the `width` best prefixes by total log-probability at every step, extending each by
    every token. Returns the final beam, best first, as (tokens, log-probability) pairs."""
    rows = logP.tolist()  # plain floats: the loop below touches every (prefix, token) pair
    beam: list[tuple[list[int], float]] = [([], 0.0)]
    for _ in range(steps):
        grown = []
        for ids, score in beam:
            prev = ids[-1] if ids else start
            for b, lp in enumerate(rows[prev]):
                if lp > float("-inf"):  # a token of probability 0 never enters the beam
                    grown.append((ids + [b], score + lp))
        grown.sort(key=lambda pair: -pair[1])  # a stable sort: ties keep the lower token first
        beam = grown[:width]
    return beam


def top_k_filter(p: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k most probable tokens, zero the rest, renormalise. p (V,) -> (V,)."""
    order = p.argsort(descending=True, stable=True)
    kept = p.new_zeros(p.shape)
    kept[order[:k]] = p[order[:k]]
    return kept / kept.sum()


def nucleus_size(p: torch.Tensor, top_p: float) -> int:
    """The smallest m whose m most probable tokens hold at least top_p of the mass."""
    cumulative, m = 0.0, 0
    for q in p.sort(descending=True).values.tolist():
        cumulative += q
        m += 1
        if cumulative >= top_p - 1e-12:
            break
    return m


def top_p_filter(p: torch.Tensor, top_p: float) -> torch.Tensor:
    """Keep the nucleus (see nucleus_size), zero the rest, renormalise. p (V,) -> (V,)."""
    return top_k_filter(p, nucleus_size(p, top_p))


def sample_sentences(P: torch.Tensor, n: int, max_len: int = 8, start: int = BOS) -> list[list[int]]:
    """n sentences drawn from the bigram table, each up to and including its first </s> (or
    max_len tokens): x_t ~ P[x_(t-1)], all n at once, one torch.multinomial call per step."""
    import torch

    prev = torch.full((n,), start, dtype=torch.long)
    cols = []
    for _ in range(max_len):
        prev = torch.multinomial(P[prev], 1)[:, 0]  # (n,)
        cols.append(prev)
    out = []
    for row in torch.stack(cols, dim=1).tolist():  # (n, max_len)
        out.append(row[: row.index(EOS) + 1] if EOS in row else row)
    return out


def pairs(sentences: list[list[int]], start: int = BOS) -> tuple[list[int], list[int]]:
    """Every (previous, next) token pair of the sentences, <s> before each: (prevs, nexts)."""
    prevs, nexts = [], []
    for s in sentences:
        prevs += [start] + s[:-1]
        nexts += s
    return prevs, nexts


def count_bigrams(sentences: list[list[int]], V: int, alpha: float = 0.0) -> torch.Tensor:
    """The count-based bigram model: P[a, b] = (count(a b) + alpha) / (count(a .) + alpha V).

    A row never seen (and alpha = 0) is left uniform. Returns (V, V)."""
    import torch

    counts = torch.zeros(V, V, dtype=torch.float64)
    for a, b in zip(*pairs(sentences), strict=True):
        counts[a, b] += 1
    counts += alpha
    totals = counts.sum(dim=1, keepdim=True)
    return torch.where(totals > 0, counts / totals.clamp(min=1e-300), torch.full_like(counts, 1 / V))


def all_sequences(logP: torch.Tensor, steps: int, start: int = BOS) -> tuple[torch.Tensor, torch.Tensor]:
    """Every one of the V^steps sequences and its log-probability, scored all at once by indexing:
    returns ids (V^steps, steps) and log p (V^steps,). Exhaustive search, for checking decoders."""
    import torch

    V = logP.shape[0]
    ids = torch.cartesian_prod(*[torch.arange(V)] * steps).reshape(-1, steps)  # (V^steps, steps)
    prev = torch.cat([torch.full((len(ids), 1), start), ids[:, :-1]], dim=1)  # (V^steps, steps)
    return ids, logP[prev, ids].sum(dim=1)


def inverse_cdf_sample(p: torch.Tensor, n: int) -> torch.Tensor:
    """n draws from p (V,) by hand: the first token whose cumulative probability passes u ~ U(0, 1).

    A token of probability 0 adds nothing to the cumulative sum, so it can never be drawn."""
    import torch

    cdf = p.cumsum(0)  # (V,)
    u = torch.rand(n, dtype=p.dtype) * cdf[-1]  # (n,) scaled by the total, against rounding
    return torch.searchsorted(cdf, u, right=True).clamp(max=len(p) - 1)  # (n,)


def frequencies(draws: torch.Tensor, V: int) -> torch.Tensor:
    """The share of the draws that landed on each of V tokens. (V,) float64"""
    import torch

    return torch.bincount(draws, minlength=V).double() / len(draws)


def frequency_tolerance(p: torch.Tensor, n: int) -> torch.Tensor:
    """How far a token's frequency over n draws may stray from its probability p in a check:
    5 binomial standard errors, sqrt(p (1 - p) / n), and 5 counts, so that rare tokens pass. (V,)"""
    return 5 * (p * (1 - p) / n).sqrt() + 5 / n
