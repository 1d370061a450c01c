"""Long short-term memory: one cell by hand against nn.LSTMCell, gates that write and hold a value."""

from __future__ import annotations

from mlterms.demos.hand.rnn import lstm_cell_by_hand
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

N_IN, HID = 3, 4
# the memory toy: x_t = (value, write flag); write at step 1 and at step WRITE_AGAIN, hold between
WRITE_AGAIN = 8


@demo(
    summary="An LSTM is a recurrent cell with a separate cell state c and three sigmoid gates: the forget "
    "gate scales the old c, the input gate lets a new candidate in, the output gate reads c out as h.",
    params=[
        Param("length", "int", 6, "T, timesteps of the random sequence", min=1, max=30),
        Param("gap", "int", 6, "steps the toy cell holds its value between writes", min=1, max=40),
    ],
)
def run(r: Report, *, length: int, gap: int) -> None:
    against_pytorch(r, length)
    memory(r, gap)
    s = r.section("see also")
    s.note(
        "'gated recurrent unit' merges the forget and input gates into one update gate and has no separate "
        "cell state (3 blocks of weights instead of 4); 'recurrent neural network' is the ungated cell whose "
        "vanishing gradients the gates address."
    )


def against_pytorch(r: Report, T: int) -> None:
    import torch
    import torch.nn as nn

    s = r.section(f"1. one cell by hand against nn.LSTMCell and nn.LSTM (T = {T})")
    cell = nn.LSTMCell(N_IN, HID, dtype=torch.float64)
    w = [p.detach() for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)]
    x = torch.randn(T, N_IN, dtype=torch.float64)  # (T, I)
    h = c = torch.zeros(HID, dtype=torch.float64)
    mine, theirs, hc = [], [], (torch.zeros(1, HID, dtype=torch.float64),) * 2
    for t in range(T):
        h, c, gates = lstm_cell_by_hand(x[t], h, c, *w)
        hc = cell(x[t][None], hc)  # ((1, H), (1, H))
        mine.append(torch.cat([h, c]))
        theirs.append(torch.cat([hc[0][0], hc[1][0]]).detach())
    s.tensor(f"gates of the last step: i, f, g, o (4, H={HID})", torch.stack([gates[k] for k in "ifgo"]))
    r.check_close(
        "h_t and c_t by hand == nn.LSTMCell, every step", torch.stack(mine), torch.stack(theirs), 1e-12
    )
    lstm = nn.LSTM(N_IN, HID, dtype=torch.float64)
    keys = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
    lstm.load_state_dict(dict(zip(keys, w, strict=True)))  # the cell's weights, copied
    with torch.no_grad():
        out, _ = lstm(x[:, None])  # (T, 1, H)
    r.check_close(
        "h_t by hand == nn.LSTM over the whole sequence (weights copied)",
        torch.stack(mine)[:, :HID],
        out[:, 0],
        1e-12,
    )
    counts = [
        [name, sum(p.numel() for p in m.parameters())]
        for name, m in [
            ("nn.RNNCell", nn.RNNCell(N_IN, HID)),
            ("nn.GRUCell", nn.GRUCell(N_IN, HID)),
            ("nn.LSTMCell", cell),
        ]
    ]
    s.table(["cell", f"parameters (I = {N_IN}, H = {HID})"], counts)
    per_block = HID * N_IN + HID * HID + 2 * HID
    r.check_equal(
        "nn.LSTMCell parameters == 4 (H·I + H·H + 2H)", counts[2][1], 4 * per_block, kind="reference"
    )
    s.note(
        "Four blocks of weights, one per gate and one for the candidate g: 4x a plain RNN cell, 4/3 of a GRU."
    )
    r.exercise(
        "lstm-params",
        "nn.LSTMCell(input_size=I, hidden_size=H) with biases: how many parameters?",
        4 * per_block,
        given={"I": N_IN, "H": HID},
    )


def toy_weights(H: int = 1):
    """Hand-set weights of a 1-unit LSTM that stores `value` when `write` is 1 and holds it otherwise."""
    import torch

    w_ih = torch.tensor([[0.0, 20.0], [0.0, -20.0], [1.0, 0.0], [0.0, 0.0]], dtype=torch.float64)  # (4, 2)
    b = torch.tensor([-10.0, 10.0, 0.0, 10.0], dtype=torch.float64)  # i shut, f open, o open unless written
    return w_ih, torch.zeros(4 * H, H, dtype=torch.float64), b, torch.zeros(4 * H, dtype=torch.float64)


def memory(r: Report, gap: int) -> None:
    import torch
    import torch.nn as nn

    s = r.section(f"2. gates opening and closing: write, hold for {gap} steps, write again")
    T = 2 * gap + 2
    xs = 0.9 * (2 * torch.rand(T, 2, dtype=torch.float64) - 1)  # (T, 2) a random value at each step
    xs[:, 1] = 0.0
    xs[0, 1] = xs[gap + 1, 1] = 1.0  # write flags
    w = toy_weights()
    h, c, rows, fs = torch.zeros(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64), [], []
    for t in range(T):
        h, c, g = lstm_cell_by_hand(xs[t], h, c, *w)
        if t == 0:
            c = c1 = c.detach().requires_grad_()  # the stored value, as a leaf to differentiate against
        if t == gap:
            c_held = c  # the last step before the second write
        fs.append(g["f"])
        rows.append([t + 1, xs[t, 0], int(xs[t, 1]), g["i"], g["f"], g["o"], c, h])
    rows = [[float(v.detach()) if hasattr(v, "item") else v for v in row] for row in rows]
    s.table(["t", "value", "write", "input gate i", "forget gate f", "output gate o", "c_t", "h_t"], rows)
    held = torch.tensor([row[6] for row in rows[1 : gap + 1]], dtype=torch.float64)
    stored = torch.tanh(xs[0, 0])
    r.check(
        "while the gates are shut, c_t holds tanh(the written value) within 1%",
        bool(((held - stored).abs() <= 0.01 * stored.abs() + 1e-3).all()),
        f"stored {float(stored):.4f}, held {float(held.min()):.4f} to {float(held.max()):.4f}",
        kind="property",
    )
    cell = nn.LSTMCell(2, 1, dtype=torch.float64)
    with torch.no_grad():
        for p, v in zip((cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh), w, strict=True):
            p.copy_(v)
        hc = (torch.zeros(1, 1, dtype=torch.float64),) * 2
        for t in range(T):
            hc = cell(xs[t][None], hc)
    r.check_close("the hand-set toy in nn.LSTMCell ends in the same c_T", hc[1][0], c.detach(), 1e-12)
    (grad,) = torch.autograd.grad(c_held.sum(), c1)
    s.scalar(f"dc_{gap + 1}/dc_1 across the gap", grad[0])
    r.check_close(
        "dc/dc across the gap by autograd == the product of the forget gates (W_hh = 0 here)",
        grad[0],
        torch.stack(fs[1 : gap + 1]).prod().detach(),
        1e-12,
    )
    s.note(
        "c_t = f * c_(t-1) + i * g. At a write, i opens (~1) and f shuts (~0): the old value is dropped and "
        "tanh(value) comes in. Between writes f stays ~1 and i ~0, so c is carried unchanged however long the "
        "gap, and the gradient along c is the product of the f's, near 1 rather than vanishing."
    )
    r.exercise(
        "cell-update",
        "With these gates, what is the new cell state c_t = f c_(t-1) + i g?",
        0.2 * 0.5 + 0.9 * 0.6,
        given={"f": 0.2, "c_(t-1)": 0.5, "i": 0.9, "g": 0.6},
        tolerance=1e-6,
    )
