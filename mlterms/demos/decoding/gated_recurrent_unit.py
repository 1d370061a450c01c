"""Gated recurrent unit: one cell by hand against nn.GRUCell, the update gate holding a value, h bounded."""

from __future__ import annotations

from mlterms.demos.hand.rnn import gru_cell_by_hand
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

N_IN, HID = 3, 4


@demo(
    summary="A GRU is a gated recurrent cell: an update gate z mixes the old state with a candidate, "
    "h' = (1 - z) n + z h, and a reset gate r decides how much of the old state the candidate sees; "
    "no separate cell state, 3 blocks of weights.",
    params=[
        Param("length", "int", 6, "T, timesteps of the random sequence", min=1, max=30),
        Param("gap", "int", 6, "steps the toy cell holds its value between writes", min=1, max=40),
        Param("scale", "float", 10.0, "size of the large random inputs of section 3", min=1, max=100),
    ],
)
def run(r: Report, *, length: int, gap: int, scale: float) -> None:
    against_pytorch(r, length)
    memory(r, gap)
    bounded(r, scale)
    s = r.section("see also")
    s.note(
        "'long short-term memory' keeps a separate cell state c with separate forget and input gates "
        "(4 blocks of weights); a GRU ties them, keeping z of the old state and letting 1 - z of the new "
        "one in, and usually does about as well with a quarter fewer parameters."
    )


def weights(cell):
    return [p.detach() for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)]


def against_pytorch(r: Report, T: int) -> None:
    import torch
    import torch.nn as nn

    s = r.section(f"1. one cell by hand against nn.GRUCell and nn.GRU (T = {T})")
    cell = nn.GRUCell(N_IN, HID, dtype=torch.float64)
    x = torch.randn(T, N_IN, dtype=torch.float64)  # (T, I)
    h, ref, mine, theirs = (
        torch.zeros(HID, dtype=torch.float64),
        torch.zeros(1, HID, dtype=torch.float64),
        [],
        [],
    )
    for t in range(T):
        h, gates = gru_cell_by_hand(x[t], h, *weights(cell))
        ref = cell(x[t][None], ref).detach()  # (1, H)
        mine.append(h)
        theirs.append(ref[0])
    s.tensor(f"gates of the last step: r, z, n (3, H={HID})", torch.stack([gates[k] for k in "rzn"]))
    r.check_close("h_t by hand == nn.GRUCell, every step", torch.stack(mine), torch.stack(theirs), 1e-12)
    gru = nn.GRU(N_IN, HID, dtype=torch.float64)
    keys = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
    gru.load_state_dict(dict(zip(keys, weights(cell), strict=True)))  # the cell's weights, copied
    with torch.no_grad():
        out, _ = gru(x[:, None])  # (T, 1, H)
    r.check_close(
        "h_t by hand == nn.GRU over the whole sequence (weights copied)", torch.stack(mine), out[:, 0], 1e-12
    )
    n_params = sum(p.numel() for p in cell.parameters())
    per_block = HID * N_IN + HID * HID + 2 * HID
    s.table(
        ["cell", f"parameters (I = {N_IN}, H = {HID})"],
        [
            ["nn.RNNCell", sum(p.numel() for p in nn.RNNCell(N_IN, HID).parameters())],
            ["nn.GRUCell", n_params],
        ],
    )
    r.check_equal("nn.GRUCell parameters == 3 (H·I + H·H + 2H)", n_params, 3 * per_block, kind="reference")
    r.exercise(
        "gru-params",
        "nn.GRUCell(input_size=I, hidden_size=H) with biases: how many parameters?",
        3 * per_block,
        given={"I": N_IN, "H": HID},
    )


def memory(r: Report, gap: int) -> None:
    import torch

    s = r.section(f"2. the update gate: write, hold for {gap} steps, write again")
    # 1 unit, x_t = (value, write): z shut (~0) at a write, open (~1) otherwise; n = tanh(value)
    w_ih = torch.tensor([[0.0, 0.0], [0.0, -20.0], [1.0, 0.0]], dtype=torch.float64)  # rows r, z, n
    b_ih = torch.tensor([0.0, 10.0, 0.0], dtype=torch.float64)
    w_hh, b_hh = torch.zeros(3, 1, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)
    T = 2 * gap + 2
    xs = 0.9 * (2 * torch.rand(T, 2, dtype=torch.float64) - 1)
    xs[:, 1] = 0.0
    xs[0, 1] = xs[gap + 1, 1] = 1.0
    h, rows, zs = torch.zeros(1, dtype=torch.float64), [], []
    for t in range(T):
        h, g = gru_cell_by_hand(xs[t], h, w_ih, w_hh, b_ih, b_hh)
        if t == 0:
            h = h1 = h.detach().requires_grad_()
        if t == gap:
            h_held = h
        zs.append(g["z"])
        rows.append(
            [t + 1, float(xs[t, 0]), int(xs[t, 1]), *(float(v.detach()) for v in (g["z"], g["n"], h))]
        )
    s.table(["t", "value", "write", "update gate z", "candidate n", "h_t"], rows)
    stored = torch.tanh(xs[0, 0])
    held = torch.tensor([row[5] for row in rows[1 : gap + 1]], dtype=torch.float64)
    r.check(
        "while z is open, h_t holds tanh(the written value) within 1%",
        bool(((held - stored).abs() <= 0.01 * stored.abs() + 1e-3).all()),
        f"stored {float(stored):.4f}, held {float(held.min()):.4f} to {float(held.max()):.4f}",
        kind="property",
    )
    (grad,) = torch.autograd.grad(h_held.sum(), h1)
    s.scalar(f"dh_{gap + 1}/dh_1 across the gap", grad[0])
    r.check_close(
        "dh/dh across the gap by autograd == the product of the z's (W_hh = 0 here)",
        grad[0],
        torch.stack(zs[1 : gap + 1]).prod().detach(),
        1e-12,
    )
    s.note(
        "At a write z shuts (~0): h' = n, the new candidate. Between writes z is ~1: h' = h, carried "
        "unchanged, and the gradient along h is the product of the z's. One gate does the work of the "
        "LSTM's forget and input gates, tied as z and 1 - z."
    )
    r.exercise(
        "gru-update",
        "With z = 0.25, old h = 0.8 and candidate n = -0.4: what is h' = (1 - z) n + z h?",
        0.75 * -0.4 + 0.25 * 0.8,
        given={"z": 0.25, "h": 0.8, "n": -0.4},
        tolerance=1e-6,
    )


def bounded(r: Report, scale: float) -> None:
    import torch
    import torch.nn as nn

    s = r.section(f"3. h stays in (-1, 1): inputs {scale:g} x N(0, 1)")
    cell = nn.GRUCell(N_IN, HID, dtype=torch.float64)
    h, biggest = torch.zeros(HID, dtype=torch.float64), 0.0
    for _ in range(50):
        h, _ = gru_cell_by_hand(scale * torch.randn(N_IN, dtype=torch.float64), h, *weights(cell))
        biggest = max(biggest, float(h.abs().max()))
    s.scalar("max |h_t| over 50 steps", biggest)
    s.note(
        "h' is a convex mix of the old h and n = tanh(.), so starting from 0 every |h_t| stays at most 1, "
        "whatever the inputs (an LSTM's cell state c has no such bound: it is a running sum)."
    )
    r.check(
        "max |h_t| <= 1 over 50 steps of large inputs",
        biggest <= 1.0 + 1e-12,
        f"{biggest:.6f}",
        kind="property",
    )
