"""Byte-pair encoding by hand, in plain Python: learn merges from a corpus, encode, decode.

Text is cut into words before a space ("the cat" -> "the", " cat"): a word keeps its leading
space, merges never cross words, and decoding is joining the tokens back together.
"""

from __future__ import annotations

import re
from collections import Counter

Pair = tuple[str, str]


def words(text: str) -> list[str]:
    """'the cat sat' -> ['the', ' cat', ' sat']: every character kept, spaces start words."""
    return re.findall(r" ?[^ ]+| +", text)


def merge(symbols: list[str], pair: Pair) -> list[str]:
    """Replace every non-overlapping occurrence of pair, left to right, by its concatenation."""
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            out.append(symbols[i] + symbols[i + 1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def learn(corpus: str, merges: int) -> tuple[list[tuple[Pair, int]], dict[str, list[str]]]:
    """BPE training: start from characters, merge the most frequent adjacent pair, repeat.

    Returns the merges in order with the count each had when chosen (ties: first seen), and
    every corpus word's final segmentation."""
    counts = Counter(words(corpus))  # word -> how often
    split = {w: list(w) for w in counts}  # word -> its current symbols
    learned: list[tuple[Pair, int]] = []
    for _ in range(merges):
        pairs: Counter[Pair] = Counter()
        for w, n in counts.items():
            for a, b in zip(split[w], split[w][1:], strict=False):
                pairs[(a, b)] += n
        if not pairs:
            break  # every word is one symbol already
        best, n = pairs.most_common(1)[0]
        learned.append((best, n))
        split = {w: merge(s, best) for w, s in split.items()}
    return learned, split


def encode(text: str, merges: list[Pair]) -> list[str]:
    """Apply the merges in the order they were learned to each word of text."""
    tokens = []
    for w in words(text):
        symbols = list(w)
        for pair in merges:
            symbols = merge(symbols, pair)
        tokens += symbols
    return tokens


def decode(tokens: list[str]) -> str:
    return "".join(tokens)
