"""The decoding demos (language model, perplexity, greedy decoding, beam search, top-k and top-p
sampling, teacher forcing, lstm, gru, sequence to sequence), recomputed independently: numpy,
exhaustive enumeration, closed forms and sampling statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mlterms.demos.hand import decoding as dec
from mlterms.demos.report import Heatmap

from .util import column, exercise, items, row, run, scalar, table, tensor


def np_table() -> np.ndarray:
    """The hand-made bigram model, rebuilt from its dictionary with numpy."""
    P = np.zeros((len(dec.WORDS), len(dec.WORDS)))
    for a, nxt in dec.NEXT.items():
        for b, p in nxt.items():
            P[dec.WORDS.index(a), dec.WORDS.index(b)] = p
    return P


def test_hand_table_is_a_bigram_model():
    P = np_table()
    assert P.sum(axis=1) == pytest.approx(np.ones(len(dec.WORDS)))
    assert dec.bigram_table().numpy() == pytest.approx(P)
    assert dec.words([1, 3]) == "the cat"


def test_sequence_logprob_is_the_chain_rule():
    P = np_table()
    ids = [2, 4, 6, 7]  # a dog ran </s>
    want = math.log(P[0, 2] * P[2, 4] * P[4, 6] * P[6, 7])
    assert dec.sequence_logprob(dec.bigram_table().log(), ids) == pytest.approx(want)


def test_count_bigrams_on_a_known_corpus():
    corpus = [[1, 3, 7], [1, 4, 7], [2, 4, 7]]  # the cat, the dog, a dog
    fitted = dec.count_bigrams(corpus, 8, alpha=0.5).numpy()
    counts = np.zeros((8, 8))
    for s in corpus:
        for a, b in zip([0] + s[:-1], s, strict=True):
            counts[a, b] += 1
    want = (counts + 0.5) / (counts + 0.5).sum(axis=1, keepdims=True)
    assert fitted == pytest.approx(want)
    assert dec.count_bigrams(corpus, 8)[1].numpy() == pytest.approx([0, 0, 0, 0.5, 0.5, 0, 0, 0])


def test_sample_sentences_follow_the_table():
    torch.manual_seed(0)
    sents = dec.sample_sentences(dec.bigram_table(), 4000)
    assert all(s.count(dec.EOS) <= 1 and (s[-1] == dec.EOS or len(s) == 8) for s in sents)
    first = np.bincount([s[0] for s in sents], minlength=8) / 4000
    assert first[1] == pytest.approx(0.55, abs=5 * math.sqrt(0.55 * 0.45 / 4000))
    after_a = [s[i + 1] for s in sents for i in range(len(s) - 1) if s[i] == 2]
    assert np.mean(np.array(after_a) == 4) == pytest.approx(0.9, abs=0.03)


# language model --------------------------------------------------------------------------------


def test_language_model_sentence_probability():
    report = run("language model")
    ex = exercise(report, "sentence-probability")
    P = np_table()
    assert ex.given["factors"] == pytest.approx([P[0, 1], P[1, 3], P[3, 5], P[5, 7]])
    assert ex.answer == pytest.approx(np.prod(ex.given["factors"]))


@pytest.mark.parametrize(("sentences", "alpha"), [(30, 0.1), (200, 1.0)])
def test_language_model_perplexities(sentences, alpha):
    report = run("language model", 1, sentences=sentences, alpha=alpha)
    t = table(report, "held-out perplexity")
    assert row(t, "uniform over V")[1] == pytest.approx(8.0)
    bigram, floor = row(t, "bigram (counts)")[1], row(t, "the true table (a floor)")[1]
    assert 1 < floor < bigram < row(t, "unigram (counts)")[1] < 8
    assert exercise(report, "uniform-perplexity").answer == 8
    fitted = next(h for h in items(report, Heatmap) if h.title.startswith("fitted"))
    rows = np.array(fitted.values)
    assert rows.sum(axis=1) == pytest.approx(np.ones(8))
    # <s> starts every sentence once and is never a next token: alpha / (sentences + V alpha)
    assert rows[0, 0] == pytest.approx(alpha / (sentences + 8 * alpha))
    assert rows[7] == pytest.approx(np.full(8, 1 / 8))  # </s> is never a previous token


# perplexity ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("vocab", "tokens"), [(10, 400), (3, 60), (37, 1000)])
def test_perplexity_numbers(vocab, tokens):
    report = run("perplexity", 2, vocab=vocab, tokens=tokens)
    t = table(report, "-log p(target)")
    p = np.array(column(t, "p(target)"))
    assert np.array(column(t, "-log p(target)")) == pytest.approx(-np.log(p))
    assert math.log(scalar(report, "perplexity = exp(mean NLL)")) == pytest.approx(
        scalar(report, "mean NLL (nats per token)")
    )
    ex = exercise(report, "perplexity-of-four")
    assert ex.answer == pytest.approx(np.prod(ex.given["p(target)"]) ** -0.25)
    uniform = table(report, "perplexity")
    assert column(uniform, "perplexity") == pytest.approx([vocab, max(1, vocab // 2)])
    scored = column(table(report, "model scoring the same text"), "perplexity")
    assert scored[0] < min(scored[1:])


# greedy decoding -------------------------------------------------------------------------------


def np_greedy(P: np.ndarray, steps: int) -> list[int]:
    out, prev = [], 0
    for _ in range(steps):
        prev = int(np.argmax(P[prev]))
        out.append(prev)
    return out


def np_best(P: np.ndarray, steps: int) -> tuple[list[int], float]:
    """The likeliest sequence by brute force over itertools.product, scored by multiplying."""
    from itertools import product

    best, best_p = None, -1.0
    for ids in product(range(len(P)), repeat=steps):
        p = np.prod([P[a, b] for a, b in zip((0, *ids[:-1]), ids, strict=True)])
        if p > best_p:
            best, best_p = list(ids), p
    return best, best_p


@pytest.mark.parametrize("steps", [1, 3, 4])
def test_greedy_walks_the_argmax(steps):
    report = run("greedy decoding", 0, steps=steps)
    P = np_table()
    assert scalar(report, "greedy output") == dec.words(np_greedy(P, steps))
    t = table(report, "greedy picks")
    assert column(t, "p(prefix)") == pytest.approx(
        np.cumprod(
            [P[a, b] for a, b in zip([0, *np_greedy(P, steps)[:-1]], np_greedy(P, steps), strict=True)]
        )
    )
    best, best_p = np_best(P, steps)
    exhaustive = table(report, "p(sequence)")
    assert exhaustive.rows[1][1:] == [dec.words(best), pytest.approx(best_p)]


def test_greedy_exercise_from_its_rows():
    ex = exercise(run("greedy decoding"), "greedy-probability")
    rows, prev, p = ex.given["rows (previous -> next: p)"], "<s>", 1.0
    for _ in range(3):
        nxt = max(rows[prev], key=rows[prev].get)
        p, prev = p * rows[prev][nxt], nxt
    assert ex.answer == pytest.approx(p, abs=1e-3)


@pytest.mark.parametrize(("seed", "vocab"), [(0, 8), (3, 3), (4, 12)])
def test_greedy_loop_on_a_random_table(seed, vocab):
    report = run("greedy decoding", seed, vocab=vocab)
    t = table(report, "distinct bigrams")
    g, sampled = ([int(i) for i in ids.split()] for ids in column(t, "30 tokens (ids)"))
    successor = {}
    for a, b in zip(g[:-1], g[1:], strict=True):
        assert successor.setdefault(a, b) == b, "greedy's next token is a function of the previous one"
    assert column(t, "distinct bigrams") == [len(set(zip(x[:-1], x[1:], strict=True))) for x in (g, sampled)]
    assert exercise(report, "distinct-bigrams").answer == vocab >= len(successor)


# beam search -----------------------------------------------------------------------------------


def np_beam(P: np.ndarray, steps: int, width: int) -> list[tuple[list[int], float]]:
    """A second beam search: probabilities multiplied, candidates ranked by numpy's argsort."""
    beam = [([], 1.0)]
    for _ in range(steps):
        cands = [(ids + [b], p * P[ids[-1] if ids else 0, b]) for ids, p in beam for b in range(len(P))]
        cands = [c for c in cands if c[1] > 0]
        order = np.argsort([-p for _, p in cands], kind="stable")
        beam = [cands[i] for i in order[:width]]
    return beam


@pytest.mark.parametrize(("width", "steps"), [(2, 4), (1, 3), (3, 5), (8, 2)])
def test_beam_table_matches_a_numpy_beam(width, steps):
    report = run("beam search", 0, width=width, steps=steps)
    P = np_table()
    t = table(report, "prefix")
    want = [(dec.words(ids), p) for s in range(1, steps + 1) for ids, p in np_beam(P, s, width)]
    assert column(t, "prefix") == [w for w, _ in want]
    assert column(t, "p(prefix)") == pytest.approx([p for _, p in want])
    decoders = table(report, "decoder")
    best, best_p = np_best(P, steps)
    assert row(decoders, f"exhaustive: best of {8**steps}")[1:] == [dec.words(best), pytest.approx(best_p)]
    assert row(decoders, "greedy (width 1)")[1] == dec.words(np_greedy(P, steps))
    assert exercise(report, "candidates-per-step").answer == width * 8
    assert exercise(report, "best-after-two").answer == pytest.approx(0.45 * 0.9)


def test_beam_search_on_random_tables_is_exact_when_every_prefix_is_kept():
    torch.manual_seed(5)
    for _ in range(5):
        logP = torch.log_softmax(torch.randn(4, 4, dtype=torch.float64), dim=1)
        P = logP.exp().numpy()
        ids, lp = dec.beam_search(logP, 3, 16, start=0)[0]
        best, best_p = np_best(P, 3)
        assert (ids, math.exp(lp)) == (best, pytest.approx(best_p))
        every, scores = dec.all_sequences(logP, 3, start=0)
        assert scores.exp().sum() == pytest.approx(1.0)  # all V^T sequences of a bigram model
    t = table(run("beam search"), "width k")
    counts = [int(c.split(" of ")[0]) for c in column(t, "tables where beam found the best")]
    assert counts[0] < counts[-1] <= 20 and column(t, "mean p(beam) / p(best)")[0] < 1


# top-k sampling --------------------------------------------------------------------------------


def np_softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


@pytest.mark.parametrize(("k", "vocab"), [(3, 12), (1, 5), (30, 7)])
def test_top_k_filter_matches_numpy(k, vocab):
    report = run("top-k sampling", 1, k=k, vocab=vocab)
    t = table(report, "top-k p")
    z = np.array(column(t, "logit"))
    p = np_softmax(z)
    assert np.array(column(t, "p")) == pytest.approx(p)
    keep = np.argsort(-p)[: min(k, vocab)]
    want = np.zeros(vocab)
    want[keep] = p[keep] / p[keep].sum()
    assert np.array(column(t, "top-k p")) == pytest.approx(want)
    ex = exercise(report, "top-after-filter")
    given = np.array(ex.given["p (sorted)"])
    assert ex.answer == pytest.approx(given[0] / given[: ex.given["k"]].sum())


def test_top_k_samples_and_masses():
    report = run("top-k sampling", 3, k=4, samples=30000)
    t = table(report, "inverse-CDF freq")
    q = np.array(column(t, "top-k p"))
    assert q[-1] == 0 and (q[:-1] > 0).all()  # the kept tokens and the first dropped one
    for name in ("inverse-CDF freq", "torch.multinomial freq"):
        f = np.array(column(t, name))
        assert f.sum() == pytest.approx(1.0) and f[-1] == 0
        chi2 = (((f[:-1] - q[:-1]) * 30000) ** 2 / (30000 * q[:-1])).sum()
        assert chi2 < 30  # 3 degrees of freedom
    z = np.array(column(table(report, "logit"), "logit"))
    masses = table(report, "mass in the top k")
    for T, mass in zip(column(masses, "temperature T"), column(masses, "mass in the top k"), strict=True):
        assert mass == pytest.approx(np.sort(np_softmax(z / T))[::-1][:4].sum())
    torch.manual_seed(0)
    draws = dec.inverse_cdf_sample(torch.tensor([0.0, 0.25, 0.0, 0.75], dtype=torch.float64), 4000)
    assert set(draws.tolist()) == {1, 3} and abs(float((draws == 3).double().mean()) - 0.75) < 0.04


# top-p sampling --------------------------------------------------------------------------------


def np_nucleus(p: np.ndarray, top_p: float) -> int:
    """The smallest m with sum of the m largest >= top_p, by trying m = 1, 2, ..."""
    s = np.sort(p)[::-1]
    return next(m for m in range(1, len(p) + 1) if s[:m].sum() >= top_p - 1e-12)


@pytest.mark.parametrize(("top_p", "vocab"), [(0.9, 12), (0.5, 20), (1.0, 4), (0.05, 6)])
def test_top_p_nucleus_matches_numpy(top_p, vocab):
    report = run("top-p sampling", 2, top_p=top_p, vocab=vocab)
    t = table(report, "top-p p")
    p = np.array(column(t, "p"))
    m = np_nucleus(p, top_p)
    assert scalar(report, "nucleus size m") == m
    want = np.zeros(vocab)
    want[:m] = p[:m] / p[:m].sum()  # the rows are sorted, largest first
    assert np.array(column(t, "top-p p")) == pytest.approx(want)
    ex = exercise(report, "nucleus-size")
    assert ex.answer == np_nucleus(np.array(ex.given["p (sorted)"]), ex.given["top_p"])
    f = np.array(column(table(report, "torch.multinomial freq"), "torch.multinomial freq"))
    assert len(f) == m and f.sum() == pytest.approx(1.0)


def test_top_p_nucleus_follows_the_entropy():
    report = run("top-p sampling", 0)
    p = np.array(column(table(report, "top-p p"), "p"))
    z = np.log(p)  # logits up to a constant
    t = table(report, "entropy (nats)")
    for T, h, m in zip(
        column(t, "temperature T"),
        column(t, "entropy (nats)"),
        column(t, "nucleus size, p = 0.9"),
        strict=True,
    ):
        q = np_softmax(z / T)
        assert h == pytest.approx(-(q * np.log(q)).sum())
        assert m == np_nucleus(q, 0.9)
    assert dec.nucleus_size(torch.tensor([0.5, 0.3, 0.2]), 0.8) == 2  # 0.5 + 0.3 reaches 0.8 exactly
    assert dec.nucleus_size(torch.tensor([0.5, 0.3, 0.2]), 0.81) == 3


# long short-term memory, gated recurrent unit --------------------------------------------------


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-a))


def test_lstm_cell_by_hand_matches_numpy():
    from mlterms.demos.hand.rnn import lstm_cell_by_hand

    rng = np.random.default_rng(0)
    n_in, H = 3, 2
    w_ih, w_hh, b_ih, b_hh = (
        rng.normal(size=(4 * H, n_in)),
        rng.normal(size=(4 * H, H)),
        rng.normal(size=4 * H),
        rng.normal(size=4 * H),
    )
    x, h, c = rng.normal(size=n_in), rng.normal(size=H), rng.normal(size=H)
    a = w_ih @ x + b_ih + w_hh @ h + b_hh
    i, f, g, o = sigmoid(a[:H]), sigmoid(a[H : 2 * H]), np.tanh(a[2 * H : 3 * H]), sigmoid(a[3 * H :])
    c_want = f * c + i * g
    t = [torch.tensor(v) for v in (x, h, c, w_ih, w_hh, b_ih, b_hh)]
    h_new, c_new, _ = lstm_cell_by_hand(*t)
    assert c_new.numpy() == pytest.approx(c_want)
    assert h_new.numpy() == pytest.approx(o * np.tanh(c_want))


def test_gru_cell_by_hand_matches_numpy():
    from mlterms.demos.hand.rnn import gru_cell_by_hand

    rng = np.random.default_rng(1)
    n_in, H = 3, 2
    w_ih, w_hh, b_ih, b_hh = (
        rng.normal(size=(3 * H, n_in)),
        rng.normal(size=(3 * H, H)),
        rng.normal(size=3 * H),
        rng.normal(size=3 * H),
    )
    x, h = rng.normal(size=n_in), rng.normal(size=H)
    gi, gh = w_ih @ x + b_ih, w_hh @ h + b_hh
    r, z = sigmoid(gi[:H] + gh[:H]), sigmoid(gi[H : 2 * H] + gh[H : 2 * H])
    n = np.tanh(gi[2 * H :] + r * gh[2 * H :])
    h_new, _ = gru_cell_by_hand(*[torch.tensor(v) for v in (x, h, w_ih, w_hh, b_ih, b_hh)])
    assert h_new.numpy() == pytest.approx((1 - z) * n + z * h)


@pytest.mark.parametrize("gap", [6, 1, 25])
def test_lstm_memory_table(gap):
    report = run("long short-term memory", 1, gap=gap)
    t = table(report, "forget gate f")
    c, h, o = (np.array(column(t, k)) for k in ("c_t", "h_t", "output gate o"))
    assert h == pytest.approx(o * np.tanh(c))
    assert len(c) == 2 * gap + 2
    values, writes = np.array(column(t, "value")), np.array(column(t, "write"))
    assert list(np.flatnonzero(writes)) == [0, gap + 1]
    assert c[gap] == pytest.approx(np.tanh(values[0]), rel=0.01)  # held through the gap
    assert c[-1] == pytest.approx(np.tanh(values[gap + 1]), rel=0.01)  # overwritten by the second write
    f = np.array(column(t, "forget gate f"))
    assert scalar(report, f"dc_{gap + 1}/dc_1 across the gap") == pytest.approx(np.prod(f[1 : gap + 1]))
    n_in, H = exercise(report, "lstm-params").given.values()
    assert exercise(report, "lstm-params").answer == sum(
        p.numel() for p in torch.nn.LSTM(n_in, H).parameters()
    )
    ex = exercise(report, "cell-update")
    assert ex.answer == pytest.approx(ex.given["f"] * ex.given["c_(t-1)"] + ex.given["i"] * ex.given["g"])


@pytest.mark.parametrize("gap", [6, 2])
def test_gru_memory_table(gap):
    report = run("gated recurrent unit", 2, gap=gap)
    t = table(report, "update gate z")
    z, n, h = (np.array(column(t, k)) for k in ("update gate z", "candidate n", "h_t"))
    prev = np.concatenate([[0.0], h[:-1]])
    assert h == pytest.approx((1 - z) * n + z * prev)
    values = np.array(column(t, "value"))
    assert h[gap] == pytest.approx(np.tanh(values[0]), rel=0.01)
    assert scalar(report, f"dh_{gap + 1}/dh_1 across the gap") == pytest.approx(np.prod(z[1 : gap + 1]))
    n_in, H = exercise(report, "gru-params").given.values()
    assert exercise(report, "gru-params").answer == sum(p.numel() for p in torch.nn.GRU(n_in, H).parameters())
    assert 0.9 < scalar(run("gated recurrent unit", 0, scale=50.0), "max |h_t| over 50 steps") <= 1


# sequence to sequence --------------------------------------------------------------------------


@pytest.mark.parametrize(("source_len", "target_len"), [(5, 3), (1, 9), (17, 1)])
def test_seq2seq_shapes(source_len, target_len):
    report = run("sequence to sequence", 1, source_len=source_len, target_len=target_len)
    g = exercise(report, "logits-shape").given
    B, H, V = g["B"], g["H"], g["V"]
    t = table(report, "named")
    assert row(t, "encoder outputs")[1] == [B, source_len, H]
    assert row(t, "context = encoder h_n")[1] == [1, B, H]
    assert row(t, "decoder outputs")[1] == [B, target_len, H]
    assert exercise(report, "logits-shape").answer == [B, target_len, V]
    context = np.array(tensor(report, f"context, one per example (B={B}, H={H})").values)
    assert context.shape == (B, H) and np.abs(context).max() < 1  # a GRU state
    assert column(table(report, "context shape"), "context shape") == [[1, B, H]] * 4


# teacher forcing -------------------------------------------------------------------------------


def np_teacher_forcing(seed, vocab, sentences, steps):
    """The demo's toy language and bigram model again, from the same draws, with numpy and loops:
    per step t, the accuracy and loss fed the true previous token (forced) or its own (free)."""
    from mlterms.demos.decoding.teacher_forcing import ALPHA, HELD_OUT, TRAIN_LEN

    torch.manual_seed(seed)  # the registry's seed; the demo draws these three first, in this order
    order = torch.randperm(vocab).tolist()
    train_starts = torch.randint(0, vocab, (sentences,)).tolist()
    held_starts = torch.randint(0, vocab, (HELD_OUT,)).tolist()
    rule = {order[i]: order[(i + 1) % vocab] for i in range(vocab)}  # one cycle through every token

    def chain(x, n):
        out = [x]
        while len(out) < n:
            out.append(rule[out[-1]])
        return out

    counts = np.full((vocab, vocab), ALPHA)
    for s in (chain(x, TRAIN_LEN) for x in train_starts):
        for a, b in zip(s, s[1:], strict=False):
            counts[a, b] += 1
    P = counts / counts.sum(axis=1, keepdims=True)
    best = P.argmax(axis=1)  # first maximum on ties, as torch.argmax
    held = [chain(x, steps + 1) for x in held_starts]
    acc = {"forced": np.zeros(steps), "free": np.zeros(steps)}
    loss = {"forced": np.zeros(steps), "free": np.zeros(steps)}
    for seq in held:
        own = seq[0]
        for t in range(1, steps + 1):
            for kind, prev in (("forced", seq[t - 1]), ("free", own)):
                acc[kind][t - 1] += (best[prev] == seq[t]) / HELD_OUT
                loss[kind][t - 1] -= math.log(P[prev, seq[t]]) / HELD_OUT
            own = best[own]
    return dict(rule=rule, P=P, best=best, held=held, acc=acc, loss=loss, train_starts=train_starts)


@pytest.mark.parametrize(
    ("seed", "knobs"),
    [
        (0, {}),
        (3, {}),
        (1, {"vocab": 4, "sentences": 1, "steps": 2}),
        (2, {"vocab": 23, "sentences": 60, "steps": 13}),
    ],
)
def test_teacher_forcing_tables_match_numpy(seed, knobs):
    values = {"vocab": 16, "sentences": 8, "steps": 8} | knobs
    want = np_teacher_forcing(seed, **values)
    report = run("teacher forcing", seed, **knobs)
    t = table(report, "accuracy, free")
    assert column(t, "step t") == list(range(1, values["steps"] + 1))
    for kind in ("forced", "free"):
        assert column(t, f"accuracy, {kind}") == pytest.approx(want["acc"][kind])
        assert column(t, f"loss, {kind}") == pytest.approx(want["loss"][kind])
    c = round(float(want["acc"]["forced"].mean()), 2)
    assert column(t, f"{c}^t") == pytest.approx([c**k for k in range(1, values["steps"] + 1)])
    e = exercise(report, "on-track")
    assert (e.given["c"], e.given["t"], e.answer) == (c, values["steps"], pytest.approx(c ** values["steps"]))
    forced_loss = scalar(report, "teacher-forced held-out loss, nats per token (200 sequences)")
    assert forced_loss == pytest.approx(want["loss"]["forced"].mean())
    counts = dict(table(report, "count").rows)
    seen = {x for x in want["train_starts"]} | {
        want["rule"][x] for x in want["train_starts"]
    }  # 3 tokens: 2 pairs
    assert counts["seen as a previous token in training"] == len(seen)
    assert counts["whose most likely next token is the right one"] == sum(
        want["best"][a] == b for a, b in want["rule"].items()
    )


def test_teacher_forcing_sequence_and_exercises():
    want = np_teacher_forcing(0, 16, 8, 8)
    report = run("teacher forcing")
    seq = want["held"][0]
    t = table(report, "p(target | input)")
    assert column(t, "input x_(t-1)") == seq[:-1]
    assert column(t, "target x_t") == seq[1:]
    assert column(t, "p(target | input)") == pytest.approx(
        [want["P"][a, b] for a, b in zip(seq, seq[1:], strict=False)]
    )
    e = exercise(report, "shifted-inputs")
    assert e.given["sequence"] == seq and e.answer == seq[:-1]
    g = exercise(report, "greedy-path")
    assert g.given["x_0"] == seq[0]
    assert g.given["greedy next token after each token 0..V-1"] == want["best"].tolist()
    x = seq[0]
    for _ in range(3):
        x = want["best"][x]
    assert g.answer == x


@pytest.mark.parametrize("feed_truth", [True, False])
def test_teacher_forcing_step_by_step_against_numpy(feed_truth):
    from mlterms.demos.decoding.teacher_forcing import step_by_step

    torch.manual_seed(5)
    V, H = 6, 4
    rnn = torch.nn.RNN(V, H, batch_first=True, dtype=torch.float64)
    head = torch.nn.Linear(H, V, dtype=torch.float64)
    x = torch.randint(0, V, (3, 7))
    with torch.no_grad():
        logits, inputs = step_by_step(rnn, head, x, V, feed_truth)
    w_ih, w_hh, b_ih, b_hh = (p.detach().numpy() for p in rnn.parameters())
    w_o, b_o = head.weight.detach().numpy(), head.bias.detach().numpy()
    for b, seq in enumerate(x.tolist()):
        h, token = np.zeros(H), seq[0]
        for t in range(6):
            assert inputs[b, t] == token
            h = np.tanh(w_ih[:, token] + b_ih + w_hh @ h + b_hh)
            out = w_o @ h + b_o
            assert logits[b, t].numpy() == pytest.approx(out, abs=1e-12)
            token = seq[t + 1] if feed_truth else int(out.argmax())


def test_teacher_forcing_calls_table():
    report = run("teacher forcing", steps=5)
    assert row(table(report, "free running"), "calls of nn.RNN for T tokens")[1:] == [1, 5]


def test_frequencies_and_their_tolerance_are_shares_and_five_standard_errors_plus_five_counts():
    from mlterms.demos.hand.decoding import frequencies, frequency_tolerance

    f = frequencies(torch.tensor([0, 2, 2, 3]), 5)
    assert f.tolist() == [0.25, 0.0, 0.5, 0.25, 0.0] and f.dtype == torch.float64
    p = torch.tensor([0.5, 0.0, 0.1], dtype=torch.float64)
    n = 400
    want = [5 * math.sqrt(0.25 / n) + 5 / n, 5 / n, 5 * math.sqrt(0.09 / n) + 5 / n]
    assert frequency_tolerance(p, n).tolist() == pytest.approx(want, rel=1e-12)
