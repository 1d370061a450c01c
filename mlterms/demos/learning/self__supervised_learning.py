"""Self-supervised learning: a pretext task whose labels are hidden parts of the input (masked-value
prediction), and its encoder's features reused for a downstream task with few labels."""

from __future__ import annotations

from mlterms.demos.hand.fit import fit_adam
from mlterms.demos.hand.learning import accuracy, one_hot, ridge, with_bias
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

LATENT, DIM, FEAT = 3, 16, 3  # hidden factors, input values, encoder features
CLASSES, UNLABELLED = 4, 400
STEPS, LR, EPISODES = 80, 0.05, 10


def inputs(z, mix):
    """x = z A^T + N(0, I): every value mixes the few shared factors z (n, 3), plus its own noise.
    Only the shared part can be predicted from the other values."""
    import torch

    return z @ mix.T + torch.randn(len(z), mix.shape[0], dtype=z.dtype)  # (n, 16)


def masked(x, ratio: float):
    """The pretext task: hide a random `ratio` of the values (set them to 0); the hidden values are the
    targets. Returns the corrupted input (n, D) and the mask (n, D), True where a value is hidden."""
    import torch

    mask = torch.rand(x.shape) < ratio
    return x.masked_fill(mask, 0.0), mask


def pretext_loss(enc, dec, x, corrupted, mask):
    """Mean squared error on the hidden values only: sum(mask (f(x~) - x)^2) / sum(mask)."""
    pred = corrupted @ enc.T @ dec.T  # (n, D) encoder (3, 16) then decoder (16, 3)
    return (mask * (pred - x) ** 2).sum() / mask.sum()


def downstream(features, codes, mix, shots: int) -> float:
    """A labelled task with few labels: `shots` examples per class, a ridge head on the features,
    accuracy on 50 held-out examples per class."""
    import torch

    def labelled(per_class: int):
        y = torch.arange(CLASSES).repeat_interleave(per_class)
        return inputs(codes[y] + 0.5 * torch.randn(len(y), LATENT, dtype=codes.dtype), mix), y

    (x, y), (x_test, y_test) = labelled(shots), labelled(50)
    w = ridge(with_bias(features(x)), one_hot(y, CLASSES, x.dtype), 1.0)
    return accuracy(with_bias(features(x_test)) @ w, y_test)


@demo(
    summary="Self-supervised learning makes its labels from the data itself, eg by hiding part of each input "
    "and predicting it (a pretext task); the features learned that way are then reused for tasks that have "
    "few human labels.",
    params=[
        Param("ratio", "float", 0.25, "share of the values hidden in the pretext task", min=0.05, max=0.6)
    ],
)
def run(r: Report, *, ratio: float) -> None:
    import torch
    import torch.nn.functional as F

    dt = torch.float64
    mix = 0.8 * torch.randn(DIM, LATENT, dtype=dt)  # (16, 3) unknown to the learner
    x = inputs(torch.randn(UNLABELLED, LATENT, dtype=dt), mix)  # (400, 16) unlabelled
    x_test = inputs(torch.randn(200, LATENT, dtype=dt), mix)  # held-out unlabelled
    corrupted, mask = masked(x, ratio)
    enc = (0.3 * torch.randn(FEAT, DIM, dtype=dt)).requires_grad_()  # (3, 16) the encoder
    dec = (0.3 * torch.randn(DIM, FEAT, dtype=dt)).requires_grad_()  # (16, 3) used for the pretext only

    s = r.section("1. the pretext task: hide some values, predict them from the rest")
    s.table(["value", *[str(j) for j in range(6)]],
            [["input x", *x[0, :6].tolist()], ["the model sees", *corrupted[0, :6].tolist()],
             ["target", *[float(v) if m else "" for v, m in zip(x[0, :6], mask[0, :6], strict=True)]]],
            title=f"example 0, its first 6 of {DIM} values ({ratio:.0%} hidden)")  # fmt: skip
    by_hand = pretext_loss(enc, dec, x, corrupted, mask)
    pred = corrupted @ enc.T @ dec.T
    r.check_close("pretext loss by hand (masked squared error / number hidden) == F.mse_loss(pred[mask], x[mask])",
                  by_hand, F.mse_loss(pred[mask], x[mask]), atol=1e-12)  # fmt: skip
    s.note("No one labelled anything: the targets are the inputs' own hidden values. Each value is a mix of 3 "
           "shared factors plus its own noise, so only the shared part can be predicted, and the encoder is "
           "pushed to find the factors.")  # fmt: skip

    losses = fit_adam([enc, dec], lambda: pretext_loss(enc, dec, x, corrupted, mask), STEPS, LR)
    s = r.section(
        f"2. train encoder (3, 16) + decoder (16, 3) on {UNLABELLED} unlabelled inputs: {STEPS} Adam steps"
    )
    s.plot("pretext loss (masked values)", list(range(0, STEPS, 2)), loss=losses[::2])
    t_corrupted, t_mask = masked(x_test, ratio)
    with torch.no_grad():
        held = float(pretext_loss(enc, dec, x_test, t_corrupted, t_mask))
    guess = float((x_test[t_mask] - x.mean(0).expand_as(x_test)[t_mask]).pow(2).mean())
    s.table(["predict the hidden values of held-out inputs by", "squared error"],
            [["the trained model", held], ["each value's training mean", guess]])  # fmt: skip
    r.check("the pretext training loss falls", losses[-1] < losses[0], f"{losses[-1]:.3f} < {losses[0]:.3f}",
            kind="property")  # fmt: skip
    r.effect("on held-out inputs the hidden values are predicted better than by their mean", held < 0.8 * guess,
             f"{held:.2f} vs {guess:.2f}")  # fmt: skip
    transfer(r, enc.detach(), mix)


def transfer(r: Report, enc, mix) -> None:
    """Section 3: the encoder's features for a downstream task with 2 labels per class, against the
    features of an untrained encoder (a new random one for each task) and the raw input."""
    import torch

    s = r.section(f"3. downstream: {CLASSES} classes, 2 labelled examples each, a ridge head on the features")
    names = ["self-supervised encoder (3 features)", "random encoder (3 features)", "raw input (16 values)"]
    scores: dict[str, float] = dict.fromkeys(names, 0.0)
    for _ in range(EPISODES):
        codes = 1.5 * torch.randn(CLASSES, LATENT, dtype=mix.dtype)  # the classes are places in factor space
        random_enc = torch.randn(FEAT, DIM, dtype=mix.dtype)  # (3, 16) untrained
        fs = [lambda v: v @ enc.T, lambda v: v @ random_enc.T, lambda v: v]  # noqa: B023 (used at once)
        for name, f in zip(names, fs, strict=True):
            scores[name] += downstream(f, codes, mix, 2) / EPISODES
    s.table(["features", "held-out accuracy"], [[k, v] for k, v in scores.items()] + [["chance", 1 / CLASSES]],
            title=f"mean of {EPISODES} tasks, 50 held-out examples per class")  # fmt: skip
    s.note("The pretext labels were free, so the encoder could learn from 400 inputs; the downstream task has 8 "
           "labels. Contrastive learning is another pretext (tell two views of one input from the others); masked "
           "prediction is how BERT and masked autoencoders are pretrained.")  # fmt: skip
    ssl, rand = scores["self-supervised encoder (3 features)"], scores["random encoder (3 features)"]
    r.effect("with few labels, self-supervised features beat random features on held-out data", ssl > rand + 0.05,
             f"{ssl:.2f} vs {rand:.2f}")  # fmt: skip
    x, pred = (torch.round(torch.randn(6, dtype=mix.dtype) * 10) / 10 for _ in range(2))
    hide = torch.tensor([True, False, True, False, False, True])
    r.exercise("pretext-loss", "One input x, the model's predictions for it and the mask (True: hidden). What is "
               "the pretext loss, the mean squared error on the hidden values?", float(((pred - x)[hide] ** 2).mean()),
               given={"x": x, "prediction": pred, "hidden": hide.tolist()}, tolerance=1e-3)  # fmt: skip
