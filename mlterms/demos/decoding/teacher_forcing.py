"""Teacher forcing: a bigram model and a tiny RNN scored on the true previous tokens in one pass, checked
against step-by-step loops, and the same bigram model running free on its own tokens (exposure bias)."""

from __future__ import annotations

from mlterms.demos.hand.encodings import one_hot
from mlterms.demos.hand.losses import cross_entropy
from mlterms.demos.hand.rnn import rnn_by_hand
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

TRAIN_LEN = 3  # tokens in each training sentence
HELD_OUT = 200  # held-out sequences
ALPHA = 0.1  # add-alpha smoothing of the counts
HID, B = 8, 4  # the RNN's hidden units, and the sequences it scores


@demo(
    summary="Teacher forcing trains a sequence model with the true previous tokens as its inputs, whatever "
    "it would have predicted, so every position's loss comes from one pass; generating, the model runs "
    "free on its own tokens, which it never saw in training, and its errors can compound (exposure bias).",
    params=[
        Param("vocab", "int", 16, "V, tokens in the toy language", min=4, max=40),
        Param("sentences", "int", 8, f"training sentences of {TRAIN_LEN} tokens", min=1, max=200),
        Param(
            "steps", "int", 8, "T, tokens predicted after the first of each held-out sequence", min=2, max=16
        ),
    ],
)
def run(r: Report, *, vocab: int, sentences: int, steps: int) -> None:
    import torch

    order = torch.randperm(vocab)
    rule = torch.empty(vocab, dtype=torch.long)
    rule[order] = order.roll(-1)  # one cycle through every token: the token after a is rule[a]
    train = chains(rule, sentences, TRAIN_LEN)  # (N, 3)
    held = chains(rule, HELD_OUT, steps + 1)  # (M, T + 1)
    pairs = train[:, :-1].reshape(-1) * vocab + train[:, 1:].reshape(-1)
    counts = torch.bincount(pairs, minlength=vocab * vocab).reshape(vocab, vocab).double() + ALPHA
    P = counts / counts.sum(dim=1, keepdim=True)  # (V, V) p(next | previous), fitted by counting
    forced(r, rule, train, held, P)
    neural(r, held[:B], vocab)
    free_running(r, held, P)
    s = r.section("see also")
    s.note(
        "'language model' fits the same kind of bigram table by counting; 'perplexity' is exp of the "
        "teacher-forced loss; 'sequence to sequence' trains its decoder this way; a transformer gets all "
        "T teacher-forced predictions from one pass through its 'causal mask'. Greedy decoding, beam "
        "search and sampling all run free: only training is teacher-forced."
    )


def chains(rule, n: int, length: int):
    """n sequences of the toy language from random first tokens: x_t = rule[x_(t-1)]. (n, length)"""
    import torch

    x = torch.randint(0, len(rule), (n,))
    cols = [x]
    for _ in range(length - 1):
        x = rule[x]
        cols.append(x)
    return torch.stack(cols, dim=1)


def forced(r: Report, rule, train, held, P) -> None:
    import torch.nn.functional as F

    V, T = len(rule), held.shape[1] - 1
    s = r.section("1. teacher forcing: the inputs are the true tokens, shifted by one")
    s.note(
        f"A toy language of V = {V} tokens: each token is always followed by the same next one "
        f"(0 -> {int(rule[0])} -> {int(rule[rule[0]])} -> ...). The model is a bigram table fitted by "
        f"counting pairs in {len(train)} training sentences of {TRAIN_LEN} tokens (add-{ALPHA:g}): counting "
        "the true (previous, next) pairs is the maximum-likelihood fit under teacher forcing."
    )
    x = held[0]
    s.table(["t", "input x_(t-1)", "target x_t", "p(target | input)"],
            [[t, x[t - 1], x[t], P[x[t - 1], x[t]]] for t in range(1, T + 1)],
            title=f"held-out sequence 0 ({T + 1} tokens): inputs x[:-1], targets x[1:]")  # fmt: skip
    seen = train[:, :-1].reshape(-1).bincount(minlength=V)
    right = P.argmax(dim=1) == rule
    s.table(["tokens", "count"], [["seen as a previous token in training", int((seen > 0).sum())],
            ["whose most likely next token is the right one", int(right.sum())], ["in the language", V]])  # fmt: skip
    s.note(
        "A row never seen in training stays uniform: its most likely token (the first, 0) is right only by luck."
    )
    inputs, targets = held[:, :-1], held[:, 1:]  # (M, T) each
    one_pass = F.cross_entropy(P.log()[inputs].reshape(-1, V), targets.reshape(-1))  # log p are logits too
    total, n = 0.0, 0
    for seq in held.tolist():  # one step at a time, each from the true previous token
        for a, b in zip(seq, seq[1:], strict=False):
            total, n = total - float(P[a, b].log()), n + 1
    r.check_close("teacher-forced loss, one pass: F.cross_entropy(log P[x[:-1]], x[1:]) == a step-by-step loop",
                  one_pass, total / n, atol=1e-12)  # fmt: skip
    s.scalar(f"teacher-forced held-out loss, nats per token ({HELD_OUT} sequences)", one_pass)
    r.exercise(
        "shifted-inputs",
        "Teacher forcing on this sequence: what are the model's inputs, in order?",
        tuple(x[:-1].tolist()),
        given={"sequence": x},
    )


def step_by_step(rnn, head, x, V: int, feed_truth: bool):
    """Run the RNN one token per call from x[:, 0]: the next input is the true x[:, t] (feed_truth)
    or the model's own argmax (free running). Returns the logits (B, T, V) and the inputs (B, T)."""
    import torch
    import torch.nn.functional as F

    token, h, logits, inputs = x[:, 0], None, [], []
    for t in range(1, x.shape[1]):
        inputs.append(token)
        out, h = rnn(F.one_hot(token, V).double()[:, None], h)  # (B, 1, H)
        logits.append(head(out[:, 0]))  # (B, V)
        token = x[:, t] if feed_truth else logits[-1].argmax(dim=1)
    return torch.stack(logits, dim=1), torch.stack(inputs, dim=1)


def neural(r: Report, x, V: int) -> None:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    s = r.section("2. a neural model: teacher forcing scores all T positions in one call")
    T = x.shape[1] - 1
    rnn = nn.RNN(V, HID, batch_first=True, dtype=torch.float64)
    head = nn.Linear(HID, V, dtype=torch.float64)
    w = dict(rnn.named_parameters())  # weight_ih_l0 (H, V), weight_hh_l0 (H, H), two biases (H,)
    with torch.no_grad():
        logits = head(rnn(F.one_hot(x[:, :-1], V).double())[0])  # (B, T, V): every input known up front
        loss = F.cross_entropy(logits.reshape(-1, V), x[:, 1:].reshape(-1))
        nll = []
        for seq in x:  # by hand: h_t = tanh(W_ih x_t + W_hh h_(t-1) + b), then the head, then -log softmax
            h0 = torch.zeros(HID, dtype=torch.float64)  # below, hs: (T, H) every hidden state
            hs = rnn_by_hand(one_hot(seq[:-1], V), w["weight_ih_l0"], w["weight_hh_l0"],
                             w["bias_ih_l0"], w["bias_hh_l0"], h0)  # fmt: skip
            nll.append(cross_entropy(hs @ head.weight.T + head.bias, seq[1:]))  # (T,)
        r.check_close("one nn.RNN call + F.cross_entropy on the shifted targets == a loop by hand",
                      loss, torch.cat(nll).mean(), atol=1e-12)  # fmt: skip
        stepped, _ = step_by_step(rnn, head, x, V, feed_truth=True)
        r.check_close("one call per token, fed the true tokens == the one-call teacher-forced logits",
                      stepped, logits, atol=1e-12, kind="property")  # fmt: skip
        _, own = step_by_step(rnn, head, x, V, feed_truth=False)
    s.table(["", "teacher forcing", "free running"],
            [["calls of nn.RNN for T tokens", 1, T], ["input at step t", "true x_(t-1)", "its own guess"],
             ["inputs of sequence 0", " ".join(map(str, x[0, :-1].tolist())), " ".join(map(str, own[0].tolist()))]],
            title=f"an untrained RNN (H = {HID}) on {B} held-out sequences of T = {T} steps")  # fmt: skip
    s.note(
        "With teacher forcing every input is known before the model runs, so nn.RNN (or a transformer "
        "under a causal mask) takes the whole sequence at once; free running must wait for each output "
        "to choose the next input. The untrained RNN's own guesses are not the true tokens, which is "
        "the point of section 3."
    )


def free_running(r: Report, held, P) -> None:
    import torch

    s = r.section("3. free running on its own greedy tokens: exposure bias")
    nxt = P.argmax(dim=1)  # (V,) the model's greedy choice after each token
    T = held.shape[1] - 1
    own, token = [], held[:, 0]
    for _ in range(T):
        own.append(token)
        token = nxt[token]
    inputs, targets = torch.stack(own, dim=1), held[:, 1:]  # (M, T): greedy inputs, true targets
    tf_acc = (nxt[held[:, :-1]] == targets).double().mean(dim=0)  # (T,) from the true previous token
    fr_acc = (nxt[inputs] == targets).double().mean(dim=0)  # (T,) from its own previous token
    tf_loss = -P.log()[held[:, :-1], targets].mean(dim=0)  # (T,)
    fr_loss = -P.log()[inputs, targets].mean(dim=0)
    c = round(float(tf_acc.mean()), 2)
    steps = list(range(1, T + 1))
    s.table(["step t", "accuracy, forced", "accuracy, free", f"{c}^t", "loss, forced", "loss, free"],
            [[t, tf_acc[t - 1], fr_acc[t - 1], c**t, tf_loss[t - 1], fr_loss[t - 1]] for t in steps],
            title=f"held-out, {HELD_OUT} sequences: the next token predicted, against the true one")  # fmt: skip
    s.plot("accuracy at step t", steps, forced=tf_acc, free=fr_acc)
    s.note(
        "Forced, every step starts again from the true token, so a wrong row of the table costs one "
        "token and the accuracy stays about level. Free, the model's first wrong token puts it on a "
        "path the data never took, and in this toy language it almost never comes back: nearly every "
        f"later token is wrong too. Were each step right independently with probability c = {c} (the "
        "mean forced accuracy), a sequence would stay right with probability c^t; the wrong rows "
        "cluster along the cycle, so the measured fall differs, but it falls. More training sentences "
        "(knob 'sentences') leave fewer wrong rows and the gap closes."
    )
    r.effect("free running falls behind teacher forcing: accuracy at step T, forced - free > 0.2",
             float(tf_acc[-1] - fr_acc[-1]) > 0.2, f"{float(tf_acc[-1]):.2f} - {float(fr_acc[-1]):.2f}")  # fmt: skip
    r.effect("the error compounds: the free-running loss at step T exceeds its loss at step 1 by > 0.3",
             float(fr_loss[-1] - fr_loss[0]) > 0.3, f"{float(fr_loss[-1]):.3f} vs {float(fr_loss[0]):.3f}")  # fmt: skip
    x0 = int(held[0, 0])
    r.exercise("greedy-path", "Free running from x_0 with the model's greedy next tokens: which token is x_3?",
               int(nxt[nxt[nxt[x0]]]), given={"x_0": x0, "greedy next token after each token 0..V-1": nxt})  # fmt: skip
    r.exercise("on-track", "Right with probability c at each step independently, never again after a mistake: "
               "what fraction of free-running sequences is still right at step t?", c**T,
               given={"c": c, "t": T}, tolerance=1e-3)  # fmt: skip
