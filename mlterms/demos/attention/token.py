"""Token: the ids a model reads, their embedding rows (a lookup == one-hot @ W), and what the size of
the vocabulary costs: V x D embedding parameters against T^2 attention scores, and unknown words."""

from __future__ import annotations

from mlterms.demos.hand.encodings import lookup, one_hot
from mlterms.demos.hand.tokens import encode, learn, words
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

CORPUS = (
    "the cat sat on the mat. the dog sat on the log. a small cat and a big dog ran to the mat. "
    "the dog ran and the cat sat on a log. a rat ran past the cat and the cat ran after the dog. "
    "the big rat sat on the small mat and the dog sat by the cat. a bird sang in the tall tree. "
    "the birds sang and the cat looked up at the tree. the small dog barked at the big bird. "
    "a tall man walked the dog past the tree and the birds flew off."
)
HELD_OUT = "the rats ran past a tall cat on the logs and the small birds barked at the dogs."
SHOWN = (0, 5, 10, 20, 40, 80)  # merge counts in the trade-off table
UNK = "<unk>"


@demo(
    summary="A token is the unit of text a model reads and writes (a word, a piece of one, a character), "
    "seen by the model only as its integer id in a fixed vocabulary; each id picks one row of the "
    "embedding table, and the vocabulary's size trades parameters against sequence length.",
    params=[
        Param("merges", "int", 30, "BPE merges: base characters + one token per merge", min=0, max=100),
        Param("dim", "int", 16, "D, the embedding width", min=1, max=64),
    ],
)
def run(r: Report, *, merges: int, dim: int) -> None:
    learned, _ = learn(CORPUS, max(max(SHOWN), merges))
    pairs = [p for p, _ in learned]
    ids_and_rows(r, pairs[:merges], dim)
    trade_off(r, pairs, merges, dim)
    unknown_words(r, pairs[:merges])
    s = r.section("see also")
    s.note(
        "'tokenization' learns the BPE merges used here and checks the encoder; this demo takes the "
        "tokens as given and follows them into the model. 'embedding layer' is the table W, "
        "'positional encoding' what is added to each row, 'language model' what predicts the next token."
    )


def vocabulary(pairs) -> list[str]:
    """Base characters, then one token per merge, in the order learned (a repeat is kept once)."""
    return list(dict.fromkeys(sorted(set(CORPUS)) + [a + b for a, b in pairs]))


def ids_and_rows(r: Report, pairs, dim: int) -> None:
    import torch
    import torch.nn.functional as F

    s = r.section("1. text -> tokens -> ids -> embedding rows")
    vocab = vocabulary(pairs)
    index = {t: i for i, t in enumerate(vocab)}
    tokens = encode(HELD_OUT, pairs)
    ids = torch.tensor([index[t] for t in tokens])  # (T,)
    V, T = len(vocab), len(tokens)
    s.note(f"held-out: {HELD_OUT!r}, {len(pairs)} merges, a vocabulary of V = {V} tokens")
    s.table(["position", "token", "id"], [[t, tokens[t].replace(" ", "_"), ids[t]] for t in range(min(T, 10))],
            title=f"the first {min(T, 10)} of T = {T} tokens ('_' is a space)")  # fmt: skip
    W = torch.randn(V, dim, dtype=torch.float64, requires_grad=True)  # (V, D) the embedding table
    rows = lookup(W, ids)  # (T, D): row ids[t] of W, picked with a loop
    r.check_close("row lookup by hand == one_hot(ids) @ W", rows, one_hot(ids, V) @ W, atol=1e-12)
    r.check_close("row lookup by hand == F.embedding(ids, W)", rows, F.embedding(ids, W), atol=0.0)
    s.tensor(f"the first 3 embedded tokens, of (T, D) = ({T}, {dim})", rows[:3])
    s.note(
        f"one_hot(ids) @ W multiplies a (T, V) matrix of zeros and ones by (V, D): {T * V * dim} "
        f"multiply-adds to copy T x D = {T * dim} numbers. nn.Embedding reads the rows directly."
    )
    G = torch.randn(T, dim, dtype=torch.float64)  # (T, D) some upstream gradient dL/d rows
    (rows * G).sum().backward()
    r.check_close("autograd dL/dW == one_hot(ids)^T @ dL/drows (a row's gradient sums its positions)",
                  W.grad, one_hot(ids, V).T @ G, atol=1e-12)  # fmt: skip
    assert W.grad is not None
    touched = int((W.grad.abs().sum(dim=1) > 0).sum())
    s.table(["rows of W", "count"], [["in the table (V)", V], ["given a gradient by this text", touched]])
    s.note(
        "A training step on this text changes only the rows of the tokens it contains: a token that "
        "never appears in the training data keeps the row it was initialised with."
    )
    r.exercise("rows-touched", "How many rows of W does a gradient step on this text change?",
               len(set(tokens)), given={"tokens": [t.replace(" ", "_") for t in tokens]})  # fmt: skip


def trade_off(r: Report, pairs, merges: int, dim: int) -> None:
    s = r.section("2. vocabulary size against sequence length")
    counts = sorted({k for k in SHOWN + (merges,) if k <= len(pairs)})
    rows: list[list] = []
    for k in counts:
        V, T = len(vocabulary(pairs[:k])), len(encode(HELD_OUT, pairs[:k]))  # each from scratch
        rows.append([k, V, T, V * dim, T * T])
    word_vocab = sorted(set(words(CORPUS))) + [UNK]
    T_words = len(words(HELD_OUT))
    rows.append(["words", len(word_vocab), T_words, len(word_vocab) * dim, T_words**2])
    s.table(["merges", "V", "T (held-out tokens)", "V x D embedding parameters", "T^2 attention scores"],
            rows, title=f"the held-out text, {len(HELD_OUT)} characters, D = {dim}")  # fmt: skip
    T_col = [row[2] for row in rows[:-1]]
    r.check("held-out token count never rises as merges are added",
            all(a >= b for a, b in zip(T_col, T_col[1:], strict=False)), " >= ".join(map(str, T_col)),
            kind="property")  # fmt: skip
    s.note(
        "Each merge adds a row to the embedding table (and to the output layer, which scores every "
        "token) but makes texts shorter, and self attention compares every pair of tokens: T^2 scores "
        "per head and layer. Characters give a tiny table and long sequences; whole words a short "
        "sequence and a table that grows with every new word. Real models sit between, eg GPT-2's "
        "V = 50,257 with D = 768: 38.6 million embedding parameters."
    )
    V = len(vocabulary(pairs[:merges]))
    r.exercise("embedding-parameters", "An embedding table for V tokens of width D: how many parameters?",
               V * dim, given={"V": V, "D": dim})  # fmt: skip


def unknown_words(r: Report, pairs) -> None:
    s = r.section("3. unknown tokens: a word vocabulary against BPE, on held-out text")
    known = set(words(CORPUS))
    by_word = [w if w in known else UNK for w in words(HELD_OUT)]
    vocab = set(vocabulary(pairs))
    by_bpe = encode(HELD_OUT, pairs)
    s.note("word-level: " + " | ".join(w.replace(" ", "_") for w in by_word))
    s.note(f"BPE, {len(pairs)} merges: " + " | ".join(t.replace(" ", "_") for t in by_bpe))
    missing_word, missing_bpe = by_word.count(UNK), sum(t not in vocab for t in by_bpe)
    s.table(["tokenizer", "held-out tokens", "unknown"],
            [["words of the corpus + <unk>", len(by_word), missing_word], ["BPE", len(by_bpe), missing_bpe]])  # fmt: skip
    r.effect(
        "the word vocabulary loses held-out words to <unk>; BPE spells every one from its tokens",
        missing_word > 0 and missing_bpe == 0,
        f"{missing_word} unknown words against {missing_bpe} unknown BPE tokens",
    )
    s.note(
        "Every <unk> is the same id, so 'rats', 'logs' and 'dogs.' reach the model as one and the same "
        "row: the word is lost. BPE falls back to smaller pieces (characters at worst), so any text made "
        "of the base characters is encoded; byte-level BPE extends that to every string."
    )
    r.exercise("unknown-words", "How many held-out words are not in the corpus' word vocabulary?",
               missing_word, given={"held-out words": [w.replace(" ", "_") for w in words(HELD_OUT)],
                                    "corpus words": sorted(w.replace(" ", "_") for w in known)})  # fmt: skip
