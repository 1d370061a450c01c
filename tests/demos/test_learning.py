"""The ways-of-learning demos, recomputed independently: numpy, closed forms, a second method."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from mlterms.demos.hand import learning as hand
from mlterms.demos.learning import (
    contrastive_learning,
    pretraining,
    pruning,
    quantization,
    reinforcement_learning,
    supervised_learning,
    transfer_learning,
    unsupervised_learning,
)
from mlterms.demos.learning import (
    few__shot_learning as few_shot_learning,
)
from mlterms.demos.learning import (
    low__rank_adaptation as low_rank_adaptation,
)
from mlterms.demos.learning import (
    self__supervised_learning as self_supervised_learning,
)
from mlterms.demos.learning import (
    zero__shot_learning as zero_shot_learning,
)

from .util import column, exercise, row, run, table

f64 = torch.float64


def np_softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def np_log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


# --- hand/learning.py ------------------------------------------------------------------------------


def test_ridge_matches_numpy_and_lstsq_on_an_augmented_system():
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(12, 4)), rng.normal(size=(12, 2))
    got = hand.ridge(torch.tensor(x), torch.tensor(t), 0.7).numpy()
    stacked = np.vstack([x, math.sqrt(0.7) * np.eye(4)])  # ridge = least squares with sqrt(lam) I rows
    want = np.linalg.lstsq(stacked, np.vstack([t, np.zeros((4, 2))]), rcond=None)[0]
    assert got == pytest.approx(want, abs=1e-10)


def test_class_means_one_hot_accuracy_and_bias_column():
    emb = torch.tensor([[1.0, 0.0], [3.0, 2.0], [5.0, 5.0], [0.0, 1.0]], dtype=f64)
    y = torch.tensor([0, 0, 2, 1])
    assert hand.class_means(emb, y, 3).tolist() == [[2.0, 1.0], [0.0, 1.0], [5.0, 5.0]]
    assert hand.one_hot(y, 3, f64).tolist() == [[1, 0, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert hand.accuracy(torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]]), torch.tensor([0, 1, 1])) == 2 / 3
    assert hand.with_bias(emb)[:, 2].tolist() == [1.0] * 4


def test_info_nce_matches_numpy():
    rng = np.random.default_rng(1)
    z1, z2 = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    z1, z2 = (z / np.linalg.norm(z, axis=1, keepdims=True) for z in (z1, z2))
    logits = z1 @ z2.T / 0.2
    want = -np.diag(np_log_softmax(logits)).mean()
    assert hand.info_nce(torch.tensor(z1), torch.tensor(z2), 0.2).item() == pytest.approx(want, abs=1e-12)


def test_observe_puts_the_codes_in_the_signal_directions():
    torch.manual_seed(0)
    rot = torch.linalg.qr(torch.randn(6, 6, dtype=f64))[0]
    codes = torch.tensor([[5.0, 0.0], [-5.0, 1.0]], dtype=f64)
    x, y = hand.observe(codes, 400, rot, spread=0.1, nuisance=3.0)
    inside = (x @ rot).numpy()  # undo the rotation
    assert y.tolist() == [0] * 400 + [1] * 400
    assert inside[:400, :2].mean(0) == pytest.approx([5.0, 0.0], abs=0.02)
    assert inside[400:, :2].std(0) == pytest.approx([0.1, 0.1], rel=0.1)
    assert inside[:, 2:].std(0) == pytest.approx([3.0] * 4, rel=0.1)


# --- supervised learning -------------------------------------------------------------------------


def test_batched_fits_are_independent_softmax_regressions():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(20, 2))
    labels = rng.integers(0, 3, size=(2, 20))
    w, b, losses = supervised_learning.fit(torch.tensor(x), torch.tensor(labels))
    for s in range(2):  # gradient descent in numpy, one fit at a time
        ws, bs, onehot = np.zeros((2, 3)), np.zeros(3), np.eye(3)[labels[s]]
        for step in range(supervised_learning.STEPS):
            p = np_softmax(x @ ws + bs)
            if s == 0:
                assert losses[step] == pytest.approx(-np.log(p[np.arange(20), labels[s]]).mean())
            ws, bs = (
                ws - supervised_learning.LR * x.T @ (p - onehot) / 20,
                bs - supervised_learning.LR * (p - onehot).mean(0),
            )
        assert w[s].numpy() == pytest.approx(ws, abs=1e-10) and b[s, 0].numpy() == pytest.approx(
            bs, abs=1e-10
        )


def test_supervised_report_and_exercise():
    report = run("supervised learning", 3, n=40)
    ex = exercise(report, "predict-class")
    g = ex.given
    assert ex.answer == int(np.argmax(np.array(g["x"]) @ np.array(g["W"]) + np.array(g["b"])))
    t = table(report, "held-out accuracy")
    true_acc, shuffled, majority = column(t, "held-out accuracy")
    assert 0.2 <= majority <= 0.5 and true_acc > 0.8  # three balanced, well-separated classes


# --- reinforcement learning ------------------------------------------------------------------------


@pytest.mark.parametrize("gamma", [0.5, 0.9])
def test_value_iteration_reaches_the_closed_form_q_star(gamma):
    q, history = reinforcement_learning.value_iteration(gamma, 6)
    v = [gamma ** (2 - s) for s in range(3)] + [0.0]  # the reward 1 arrives 3 - s moves from s
    for s in range(3):
        assert q[s].tolist() == pytest.approx([gamma * v[max(0, s - 1)], gamma * v[s + 1] if s < 2 else 1.0])
    for k, vk in enumerate(history):  # after k sweeps from 0, only the states within k moves know the goal
        assert vk[:3].tolist() == pytest.approx([v[s] if 3 - s <= k else 0.0 for s in range(3)])


def test_rl_report_sweeps_returns_and_exercises():
    report = run("reinforcement learning", 2, gamma=0.8, episodes=200)
    sweeps = table(report, "max |V_k - V*|")
    assert column(sweeps, "max |V_k - V*|") == pytest.approx([1.0, 0.8, 0.8**2, 0.0])  # V* = (g^2, g, 1)
    returns = table(report, "mean discounted return from a random start")
    assert returns.rows[0][1] == pytest.approx((0.8**2 + 0.8 + 1) / 3)
    assert 0.0 < returns.rows[1][1] < returns.rows[0][1]
    assert exercise(report, "value-of-the-start").answer == pytest.approx(0.8**2)
    g = exercise(report, "q-update").given
    assert exercise(report, "q-update").answer == pytest.approx(
        g["q"] + 0.5 * (g["r"] + g["gamma"] * g["m"] - g["q"])
    )


def test_q_learning_learns_q_star_from_samples():
    torch.manual_seed(5)
    q, returns = reinforcement_learning.q_learning(0.9, 300)
    assert len(returns) == 300 and q[:3].numpy() == pytest.approx(
        np.array([[0.729, 0.81], [0.729, 0.9], [0.81, 1.0]]), abs=1e-3
    )


# --- contrastive learning --------------------------------------------------------------------------


def test_views_share_the_content_and_not_the_nuisance():
    torch.manual_seed(0)
    rot = torch.linalg.qr(torch.randn(8, 8))[0]
    content = torch.randn(2000, 3)
    a, b = (
        v @ rot for v in contrastive_learning.views(content, rot)
    )  # back in (content, nuisance) coordinates
    c = np.corrcoef(a.T.numpy(), b.T.numpy())[:8, 8:].diagonal()
    assert c[:3] == pytest.approx([1.0] * 3, abs=0.02) and np.abs(c[3:]).max() < 0.1


def test_retrieval_counts_partners_and_the_cosine_gap():
    x = torch.eye(4, 8)  # input i is the unit vector e_i: with W = I the partners match exactly
    w = torch.eye(4, 8)
    acc, gap = contrastive_learning.retrieval(w, x, x)
    assert acc == 1.0 and gap == pytest.approx(1.0)  # cos 1 on the diagonal, 0 off it
    acc, _ = contrastive_learning.retrieval(w, x, x.roll(1, 0))
    assert acc == 0.0


def test_contrastive_report_and_exercises():
    report = run("contrastive learning", 1, tau=0.5)
    assert exercise(report, "chance-loss").answer == pytest.approx(math.log(contrastive_learning.BATCH))
    ex = exercise(report, "two-pair-loss")
    s = np.array(ex.given["s"]) / ex.given["tau"]
    assert ex.answer == pytest.approx(-np.diag(np_log_softmax(s)).mean(), abs=1e-6)


# --- low-rank adaptation ---------------------------------------------------------------------------


def test_lora_forward_is_the_merged_linear_map():
    rng = np.random.default_rng(4)
    x, w0, a, b = (
        rng.normal(size=(5, 6)),
        rng.normal(size=(3, 6)),
        rng.normal(size=(2, 6)),
        rng.normal(size=(3, 2)),
    )
    got = low_rank_adaptation.lora_forward(*(torch.tensor(v) for v in (x, w0, a, b)), 0.5)
    assert got.numpy() == pytest.approx(x @ (w0 + 0.5 * b @ a).T, abs=1e-12)


@pytest.mark.parametrize("rank", [1, 3])
def test_lora_report_counts_and_errors(rank):
    report = run("low-rank adaptation", 0, rank=rank)
    counts = table(report, "parameters")
    m = low_rank_adaptation
    assert column(counts, "parameters") == [m.OUT * m.IN, rank * (m.OUT + m.IN)]
    frozen, lora, full = column(table(report, "held-out MSE"), "held-out MSE")
    assert lora < frozen and full < frozen
    ex = exercise(report, "lora-parameters")
    g = ex.given
    assert ex.answer == g["r"] * (g["in"] + g["out"]) == 65536
    assert exercise(report, "lora-fraction").answer == pytest.approx(65536 / 4096**2)


# --- quantization ----------------------------------------------------------------------------------


def test_quantize_matches_numpy_rounding_and_clamps():
    w = torch.tensor([[0.5, -0.26, 0.1, 2.0], [0.04, 0.0, -0.3, 0.02]])
    scale = quantization.symmetric_scale(w)
    assert scale.item() == pytest.approx(2.0 / 127.5)
    q, w_hat = quantization.quantize(w, scale)
    want = np.clip(np.round(w.numpy() / (2.0 / 127.5)), -128, 127)
    assert q.numpy() == pytest.approx(want) and q[0, 3] == 127  # 127.5 rounds to 128, clamped
    rows = quantization.symmetric_scale(w, dim=1)
    assert rows[:, 0].tolist() == pytest.approx([2.0 / 127.5, 0.3 / 127.5])
    _, w_row = quantization.quantize(w, rows)
    assert np.abs(w_row.numpy() - w.numpy())[1].max() <= 0.3 / 255 + 1e-7  # half of row 1's small scale


def test_quantization_report_bytes_errors_and_exercises():
    report = run("quantization", 2, outlier=50.0)
    n = quantization.OUT * quantization.IN
    assert column(table(report, "bytes"), "bytes") == [4 * n, n + 4]
    per_tensor, per_row = column(table(report, "relative RMS error of the layer's outputs"),
                                 "relative RMS error of the layer's outputs")  # fmt: skip
    assert per_row < per_tensor
    ex = exercise(report, "int8-scale")
    assert ex.answer == pytest.approx(ex.given["max_abs"] / 127.5)
    rt = exercise(report, "round-trip").given
    assert exercise(report, "round-trip").answer == pytest.approx(round(rt["v"] / rt["scale"]) * rt["scale"])
    assert abs(exercise(report, "round-trip").answer - rt["v"]) <= rt["scale"] / 2 + 1e-9


# --- pruning ---------------------------------------------------------------------------------------


def test_magnitude_mask_keeps_the_largest():
    w = torch.tensor([[0.3, -2.0, 0.05, 1.0], [-0.2, 0.0, 0.7, -0.01]])
    mask = pruning.magnitude_mask(w, 0.5)  # 4 of 8 go: 0.0, -0.01, 0.05, -0.2
    assert mask.tolist() == [[1, 1, 0, 1], [0, 0, 1, 0]]
    assert pruning.magnitude_mask(w, 0.3).sum() == 8 - round(0.3 * 8)
    assert pruning.random_mask(w, 0.75).sum() == 2


def test_r2_against_numpy():
    rng = np.random.default_rng(5)
    y, pred = rng.normal(size=(50, 1)), rng.normal(size=(50, 1))
    want = 1 - ((pred - y) ** 2).mean() / ((y - y.mean()) ** 2).mean()
    assert pruning.r2(torch.tensor(pred), torch.tensor(y)) == pytest.approx(want)


def test_pruning_report_counts_sweep_and_exercises():
    report = run("pruning", 1, amount=0.6)
    assert column(table(report, "count"), "count") == [64, round(0.6 * 64)]
    sweep = table(report, "R^2 by magnitude")
    by_size = column(sweep, "R^2 by magnitude")
    assert column(sweep, "removed") == ["25.0%", "50.0%", "60.0%", "75.0%", "90.0%", "97.0%"]
    assert all(a >= b - 1e-6 for a, b in zip(by_size, by_size[1:], strict=False))  # more removed, worse fit
    assert exercise(report, "zeros").answer == 300
    w = np.abs(np.array(exercise(report, "which-survive").given["w"]))
    assert exercise(report, "which-survive").answer == sorted(np.argsort(w)[2:].tolist())


# --- few-shot learning -----------------------------------------------------------------------------


def test_episode_with_the_identity_embedding_scores_the_raw_input_twice():
    torch.manual_seed(3)
    rot = torch.linalg.qr(torch.randn(12, 12, dtype=f64))[0]
    in_embedding, raw = few_shot_learning.episode(lambda v: v, rot, 4)
    assert in_embedding == raw and 0.0 <= raw <= 1.0


def test_few_shot_report_table_and_exercises():
    report = run("few-shot learning", 2, shots=8)
    t = table(report, "shots per class")
    assert column(t, "shots per class") == [1, 8] and column(t, "chance") == [0.2, 0.2]
    ex = exercise(report, "prototype")
    assert ex.answer == pytest.approx(np.array(ex.given["examples"]).mean(0).tolist())
    assert exercise(report, "labelled-examples").answer == 40


# === unsupervised, self-supervised, pretraining, transfer and zero-shot learning ====================

# --- unsupervised learning -------------------------------------------------------------------------


def test_principal_directions_match_numpy_svd():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(40, 5)) @ np.diag([3.0, 2.0, 1.0, 0.5, 0.2])
    mean, w, values = unsupervised_learning.principal_directions(torch.tensor(x), 2)
    xc = x - x.mean(0)
    _, sv, vt = np.linalg.svd(xc, full_matrices=False)
    assert mean.numpy() == pytest.approx(x.mean(0))
    assert values.numpy() == pytest.approx(sv**2 / 39)  # largest first
    assert (w @ w.T).numpy() == pytest.approx(vt[:2].T @ vt[:2], abs=1e-10)  # the plane, whatever the signs


def test_kmeans_finds_separated_groups_and_reports_its_final_inertia():
    torch.manual_seed(0)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    z = np.repeat(centres, 20, 0) + np.random.default_rng(7).normal(size=(60, 2))
    c, inertia = unsupervised_learning.kmeans(torch.tensor(z), 3, 5)
    found = c.numpy()[np.argsort(c.numpy() @ [1.0, 3.0])]  # order: (0,0), (10,0), (0,10)
    means = z.reshape(3, 20, 2).mean(1)
    assert found == pytest.approx(means, abs=1e-9)
    d2 = ((z[:, None, :] - c.numpy()[None]) ** 2).sum(-1).min(1).sum()
    assert len(inertia) == 6 and inertia[-1] == pytest.approx(d2)


def test_agreement_takes_the_best_renaming():
    agree = unsupervised_learning.agreement
    found, hidden = torch.tensor([0, 0, 1, 1, 2, 2]), torch.tensor([2, 2, 0, 1, 1, 1])
    assert agree(found, hidden, 3) == pytest.approx(5 / 6)  # 0 -> 2, 1 -> 0, 2 -> 1
    assert agree(torch.tensor([1, 2, 0, 1]), torch.tensor([0, 1, 2, 0]), 3) == 1.0  # a pure renaming


def np_agreement(found, hidden, k):
    counts = np.zeros((k, k))
    np.add.at(counts, (np.array(found), np.array(hidden)), 1)
    return max(sum(counts[i, p[i]] for i in range(k)) for p in itertools.permutations(range(k))) / len(found)


def test_unsupervised_report_table_and_exercises():
    report = run("unsupervised learning", 4, gap=5.0)
    principal, random_plane, chance = column(table(report, "agreement with the hidden labels"),
                                             "agreement with the hidden labels")  # fmt: skip
    assert chance == pytest.approx(1 / 3) and principal > 0.9 and random_plane < principal
    ex = exercise(report, "variance-kept")
    ev = np.array(ex.given["eigenvalues"])
    assert ex.answer == pytest.approx(ev[:2].sum() / ev.sum())
    ex = exercise(report, "agreement")
    assert ex.answer == pytest.approx(np_agreement(ex.given["clusters"], ex.given["labels"], 3))


def test_unsupervised_finds_nothing_without_groups():
    principal, *_ = column(table(run("unsupervised learning", 0, gap=0.0), "agreement with the hidden labels"),
                           "agreement with the hidden labels")  # fmt: skip
    assert principal < 0.6  # best renaming of 3 clusters of 300 unstructured points: a little above 1/3


# --- self-supervised learning ----------------------------------------------------------------------


def test_pretext_loss_counts_only_the_hidden_values():
    rng = np.random.default_rng(8)
    x, enc, dec = rng.normal(size=(4, 6)), rng.normal(size=(2, 6)), rng.normal(size=(6, 2))
    mask = rng.random((4, 6)) < 0.4
    corrupted = np.where(mask, 0.0, x)
    pred = corrupted @ enc.T @ dec.T
    want = ((pred - x)[mask] ** 2).mean()
    got = self_supervised_learning.pretext_loss(*(torch.tensor(v) for v in (enc, dec, x, corrupted, mask)))
    assert got.item() == pytest.approx(want)


def test_masked_hides_about_the_ratio_and_zeroes_it():
    torch.manual_seed(1)
    x = torch.randn(200, 16, dtype=f64)
    corrupted, mask = self_supervised_learning.masked(x, 0.3)
    assert float(mask.double().mean()) == pytest.approx(0.3, abs=0.02)
    assert bool((corrupted[mask] == 0).all()) and torch.equal(corrupted[~mask], x[~mask])


def test_downstream_with_constant_features_is_chance():
    torch.manual_seed(2)
    mix = torch.randn(16, 3, dtype=f64)
    codes = torch.randn(4, 3, dtype=f64)
    acc = self_supervised_learning.downstream(lambda v: 0 * v[:, :3], codes, mix, 2)
    assert acc == pytest.approx(1 / 4)  # every score equal: one class for all, 50 held out per class


def test_self_supervised_report_tables_and_exercise():
    report = run("self-supervised learning", 1, ratio=0.4)
    trained, mean_guess = column(table(report, "squared error"), "squared error")
    assert trained < mean_guess
    t = table(report, "held-out accuracy")
    assert column(t, "held-out accuracy")[-1] == 0.25
    ex = exercise(report, "pretext-loss")
    x, pred, hide = (np.array(ex.given[k]) for k in ("x", "prediction", "hidden"))
    assert ex.answer == pytest.approx(((pred - x)[hide] ** 2).mean(), abs=1e-9)
    sees = row(table(report, "0"), "the model sees")[1:]
    target = row(table(report, "0"), "target")[1:]
    x0 = row(table(report, "0"), "input x")[1:]
    assert all((s == 0.0 and t == v) if t != "" else s == v for s, t, v in zip(sees, target, x0, strict=True))


# --- pretraining -----------------------------------------------------------------------------------


@pytest.mark.parametrize("steps", [1, 7])
def test_gd_closed_form_matches_numpy_steps(steps):
    rng = np.random.default_rng(9)
    x, y, w = rng.normal(size=(5, 8)), rng.normal(size=(5, 1)), rng.normal(size=8)
    got = pretraining.gd_closed_form(torch.tensor(w), torch.tensor(x), torch.tensor(y), steps).numpy()
    for _ in range(steps):
        w = w - pretraining.LR * 2 * x.T @ (x @ w[:, None] - y)[:, 0] / 5
    assert got == pytest.approx(w, abs=1e-12)


def test_train_records_the_held_out_mse_before_each_step():
    rng = np.random.default_rng(10)
    x, y = torch.tensor(rng.normal(size=(6, 4))), torch.tensor(rng.normal(size=(6, 1)))
    xt, yt = torch.tensor(rng.normal(size=(9, 4))), torch.tensor(rng.normal(size=(9, 1)))
    w0 = torch.tensor(rng.normal(size=4))
    w, losses, held = pretraining.train(w0, x, y, 3, test=(xt, yt))
    assert len(held) == len(losses) == 4
    assert held[0] == pytest.approx(((xt.numpy() @ w0.numpy() - yt.numpy()[:, 0]) ** 2).mean())
    assert held[-1] == pytest.approx(((xt.numpy() @ w.numpy() - yt.numpy()[:, 0]) ** 2).mean())
    assert losses[0] == pytest.approx(((x.numpy() @ w0.numpy() - y.numpy()[:, 0]) ** 2).mean())


def test_pretraining_report_and_exercise():
    report = run("pretraining", 2, n=6, steps=30)
    t = table(report, "held-out MSE at step 0")
    pre, rand, zeros = (row(t, name)[2] for name in ("pretrained weights", "random init", "zeros"))
    assert pre < rand and pre < zeros
    ex = exercise(report, "unseen-directions")
    x = np.random.default_rng(0).normal(size=(ex.given["examples"], ex.given["weights"]))
    assert ex.answer == ex.given["weights"] - np.linalg.matrix_rank(x) == 14


def test_pretraining_helps_less_when_the_tasks_are_unrelated():
    near = row(table(run("pretraining", 0, related=1.0), "held-out MSE at step 0"), "pretrained weights")[2]
    far = row(table(run("pretraining", 0, related=0.0), "held-out MSE at step 0"), "pretrained weights")[2]
    assert near < 0.2 * far


# --- transfer learning -----------------------------------------------------------------------------


def test_features_and_linear_match_numpy():
    rng = np.random.default_rng(11)
    w1, b1, x = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 1, 3)), rng.normal(size=(2, 5, 4))
    got = transfer_learning.features([torch.tensor(w1), torch.tensor(b1)], torch.tensor(x)).numpy()
    assert got == pytest.approx(np.tanh(np.einsum("bni,bfi->bnf", x, w1) + b1))
    w2, b2 = rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 1, 6))
    out = transfer_learning.linear([torch.tensor(w2), torch.tensor(b2)], torch.tensor(got)).numpy()
    assert out[1] == pytest.approx(got[1] @ w2[1].T + b2[1])


def test_batched_fits_equal_separate_fits():
    torch.manual_seed(3)
    h = torch.randn(2, 10, 4, dtype=f64)
    y = torch.randint(0, 3, (2, 10))
    both = transfer_learning.fresh(2, 3, 4)
    alone = [[p[i : i + 1].detach().clone().requires_grad_() for p in both] for i in range(2)]
    transfer_learning.fit(both, lambda: transfer_learning.linear(both, h), y, 8)
    for i, layer in enumerate(alone):
        transfer_learning.fit(
            layer, lambda lay=layer, i=i: transfer_learning.linear(lay, h[i : i + 1]), y[i : i + 1], 8
        )
        assert layer[0].detach().numpy() == pytest.approx(both[0][i : i + 1].detach().numpy(), abs=1e-10)


def test_each_head_is_scored_on_its_own_task():
    torch.manual_seed(5)
    rot = torch.linalg.qr(torch.randn(12, 12, dtype=f64))[0]
    bodies = transfer_learning.pretrain([rot, rot])  # two bodies, both related to the target
    first, second, scratch = transfer_learning.episodes(bodies, rot, 5, 3)
    assert len(first) == len(second) == len(scratch) == 3
    assert min(first + second) > 0.5  # a head scored on another task's examples would be near chance, 0.2


def test_transfer_report_counts_and_exercise():
    report = run("transfer learning", 2, shots=2)
    m = transfer_learning
    assert column(table(report, "trainable parameters"), "trainable parameters") == [
        m.HIDDEN * m.WAYS + m.WAYS,
        m.DIM * m.HIDDEN + m.HIDDEN + m.HIDDEN * m.WAYS + m.WAYS,
    ]
    related, unrelated, scratch, chance = column(table(report, "held-out accuracy"), "held-out accuracy")
    assert chance == 0.2 and related > max(unrelated, scratch)
    ex = exercise(report, "head-parameters")
    assert ex.answer == ex.given["F"] * ex.given["C"] + ex.given["C"]


# --- zero-shot learning ----------------------------------------------------------------------------


def test_cosine_scores_match_numpy():
    rng = np.random.default_rng(12)
    v, a = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))
    want = (v @ a.T) / np.linalg.norm(v, axis=1)[:, None] / np.linalg.norm(a, axis=1)[None, :]
    assert zero_shot_learning.cosine_scores(torch.tensor(v), torch.tensor(a)).numpy() == pytest.approx(want)


def test_examples_centre_on_the_mixed_descriptions():
    torch.manual_seed(4)
    desc, mix = torch.randn(2, 8, dtype=f64), torch.randn(16, 8, dtype=f64)
    x, y = zero_shot_learning.examples(desc, 3000, mix)
    assert y.tolist() == [0] * 3000 + [1] * 3000
    assert x[:3000].mean(0).numpy() == pytest.approx((mix @ desc[0]).numpy(), abs=0.1)


def test_zero_shot_report_and_exercise():
    report = run("zero-shot learning", 3)
    right, wrong, chance = column(table(report, "held-out accuracy"), "held-out accuracy")
    assert chance == 0.2 and right > 0.6 > wrong
    few = column(table(run("zero-shot learning", 3, seen=3), "held-out accuracy"), "held-out accuracy")[0]
    assert few < right  # 3 seen classes cannot span 8 attribute directions
    ex = exercise(report, "which-class")
    v, d = np.array(ex.given["v"]), np.array(ex.given["descriptions"])
    assert ex.answer == int(np.argmax(d @ v / np.linalg.norm(d, axis=1)))
