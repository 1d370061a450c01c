"""Cross-validation: k disjoint folds, each held out once, and an estimate steadier than one split."""

from __future__ import annotations

from mlterms.demos.hand.metrics import blobs, kfold, linear_accuracy, logistic_fit, logits_of
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

SEP = 1.0
D = 5
REPEATS = 60  # fresh datasets for the comparison of estimates


@demo(
    summary="Cross-validation splits the data into k folds, trains k times on k - 1 of them and "
    "validates on the one left out, then averages: every example is validated exactly once, and "
    "the estimate is steadier than a single train/validation split, at k times the cost.",
    params=[
        Param("n", "int", 40, "examples in the dataset", min=20, max=120),
        Param("k", "int", 5, "folds", min=2, max=10),
    ],
)
def run(r: Report, *, n: int, k: int) -> None:
    folds = split(r, n, k)
    steadier(r, n, k)
    r.exercise(
        "fold-sizes",
        "n examples cut into k folds as evenly as possible (the first folds take the remainder): "
        "what are the fold sizes?",
        [len(f) for _, f in folds],
        given={"n": n, "k": k},
    )


def split(r: Report, n: int, k: int):
    import torch

    s = r.section(f"{n} examples, {k} folds")
    gen = torch.Generator().manual_seed(int(torch.randint(0, 2**31, ())))
    state = gen.get_state()
    folds = kfold(n, k, gen)
    s.table(["fold", "trained on", "held out", "held-out indices"],
            [[i, len(tr), len(va), " ".join(map(str, sorted(va.tolist())))] for i, (tr, va) in enumerate(folds)])  # fmt: skip
    s.note("Shuffle once, cut into k near-equal folds, hold each out in turn and train on the rest.")
    gen.set_state(state)
    perm = torch.randperm(n, generator=gen).tolist()
    q, extra = divmod(n, k)  # the first `extra` folds have q + 1 examples
    cut = extra * (q + 1)
    fold_of = [j // (q + 1) if j < cut else extra + (j - cut) // q for j in range(n)]  # by position
    want = [sorted(perm[j] for j in range(n) if fold_of[j] == i) for i in range(k)]
    got = [sorted(va.tolist()) for _, va in folds]
    r.check("folds == positions in the shuffle cut by the size formula", got == want,
            f"fold sizes {[len(f) for f in got]} vs {[len(f) for f in want]}", kind="reference")  # fmt: skip
    held = sorted(i for _, va in folds for i in va.tolist())
    apart = all(not set(tr.tolist()) & set(va.tolist()) and len(tr) + len(va) == n for tr, va in folds)
    r.check("every example is held out exactly once, never trained on in its own fold",
            held == list(range(n)) and apart, f"{len(held)} held-out slots for {n} examples", kind="property")  # fmt: skip
    return folds


def steadier(r: Report, n: int, k: int) -> None:
    import torch

    s = r.section(f"k-fold against one split, over {REPEATS} fresh datasets")
    data = [blobs(n, D, SEP) for _ in range(REPEATS)]
    X, y = torch.stack([x for x, _ in data]), torch.stack([t for _, t in data])  # (R, n, D), (R, n)
    full = logistic_fit(X, y)  # (R, D + 1): one model per dataset, on all n
    truth = torch.tensor([linear_accuracy(w, SEP) for w in full])  # (R,) exact accuracies
    held = torch.zeros(REPEATS, k, n)  # (R, k, n): 1 where an example is in fold j
    for rep in range(REPEATS):
        for j, (_, va) in enumerate(kfold(n, k, torch.Generator().manual_seed(rep))):
            held[rep, j, va] = 1.0
    Xk, yk = X[:, None].expand(-1, k, -1, -1), y[:, None].expand(-1, k, -1)  # (R, k, n, D), (R, k, n)
    w = logistic_fit(Xk, yk, mask=1 - held)  # (R, k, D + 1): each fit leaves its fold out
    right = ((logits_of(w, Xk) >= 0).long() == yk).double()  # (R, k, n)
    accs = (right * held).sum(-1) / held.sum(-1)  # (R, k) accuracy on each held-out fold
    one, cv = accs[:, 0], accs.mean(1)  # one split = the first fold alone
    rows = [[rep, truth[rep], one[rep], cv[rep]] for rep in range(5)]
    s.table(["dataset", "true accuracy of the fit on all n", f"one split ({len(held[0, 0].nonzero())} held out)",
             f"{k}-fold mean"], rows)  # fmt: skip
    rms_split = float(((one - truth) ** 2).mean().sqrt())
    rms_cv = float(((cv - truth) ** 2).mean().sqrt())
    s.table(["estimate", "root mean square error"], [["one split", rms_split], [f"{k}-fold", rms_cv]])
    s.note(
        "A single split's accuracy rests on a few held-out examples and on which ones they were. "
        "Averaging k folds validates on all n examples, so the estimate varies less (its folds are not "
        "independent, so not by a full sqrt(k)). The true accuracies are exact: the logit of a linear "
        "model on Gaussian classes is Gaussian. Cross-validation chooses models; a final number still "
        "needs a test set that chose nothing (`mlterms demo test set`, `mlterms demo validation set`)."
    )
    r.effect(
        f"the {k}-fold estimate's error is smaller than one split's (RMS below 0.8x)",
        rms_cv < 0.8 * rms_split,
        f"{rms_cv:.4f} vs {rms_split:.4f}",
        asserted=k >= 4 and n <= 80,
    )
