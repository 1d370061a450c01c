"""A recurrent neural network: one cell unrolled over time, and backprop through time by hand."""

from __future__ import annotations

from mlterms.demos.hand.rnn import bptt_by_hand, rnn_by_hand
from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

N_IN, HID = 3, 4  # input features, hidden units


@demo(
    summary="An RNN reads a sequence one timestep at a time, running the same cell (same weights) at "
    "every step: h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh), by hand and by nn.RNN; it is "
    "trained by backprop through time, here by hand and by autograd.",
    params=[Param("length", "int", 5, "T, timesteps in the sequence", min=1, max=40)],
)
def run(r: Report, *, length: int) -> None:
    import torch
    import torch.nn as nn

    f64 = torch.float64
    rnn = nn.RNN(input_size=N_IN, hidden_size=HID, batch_first=True, dtype=f64)
    x = torch.randn(1, length, N_IN, dtype=f64)  # (N, T, I)
    target = torch.randn(length, HID, dtype=f64)  # (T, H) what each hidden state should be
    h0 = torch.zeros(HID, dtype=f64)  # (H,) nn.RNN's default start
    w = {
        name: p.detach() for name, p in rnn.named_parameters()
    }  # weight_ih_l0 (H, I), weight_hh_l0 (H, H), ...
    hs = forward(r, rnn, x, h0, w)
    backward(r, rnn, x, h0, w, hs, target)
    r.exercise(
        "param-count",
        "nn.RNN(input_size=I, hidden_size=H) with biases: how many parameters, whatever the length?",
        HID * N_IN + HID * HID + 2 * HID,
        given={"I": N_IN, "H": HID},
    )
    r.exercise(
        "hops",
        "In a T-step RNN, how many multiplications by W_hh lie between h_1 and h_T?",
        length - 1,
        given={"T": length},
    )


def forward(r: Report, rnn, x, h0, w):
    s = r.section("1. one cell, unrolled over time")
    s.note(
        "ONE cell with ONE set of weights is applied at every timestep. What carries over from step "
        "to step is the hidden state h_t, which enters the next step through W_hh. The parameter "
        "count, H·I + H·H + 2H, is the same for 5 steps or 5,000: that weight sharing lets an RNN "
        "read sequences of any length."
    )
    T = x.shape[1]
    hs = rnn_by_hand(x[0], w["weight_ih_l0"], w["weight_hh_l0"], w["bias_ih_l0"], w["bias_hh_l0"], h0)
    out, h_n = rnn(x, h0[None, None])  # (1, T, H), (1, 1, H)
    s.tensor(f"x (T={T}, I={N_IN})", x[0])
    s.tensor(f"hidden states h_1..h_{T} by hand (T={T}, H={HID})", hs)
    s.table(
        ["", "value"],
        [["parameters of nn.RNN", sum(p.numel() for p in rnn.parameters())], ["timesteps T", T]],
    )
    r.check_close("every hidden state: by hand == nn.RNN output", hs, out[0].detach(), atol=1e-12)
    return hs


def backward(r: Report, rnn, x, h0, w, hs, target) -> None:
    """Backprop through time for L = 1/2 sum_t ||h_t - y_t||^2, against autograd through nn.RNN."""
    import torch

    s = r.section("2. backprop through time")
    s.note(
        "Training unrolls the loop and runs the chain rule backwards, from the last step to the first: "
        "dL/dh_t = (its own error) + W_hh^T (dL/da_(t+1)), and dL/da_t = dL/dh_t * (1 - h_t^2) through "
        "tanh. Each weight's gradient is the SUM over timesteps, because the same weight is used at "
        "every step. Here L = 1/2 sum_t ||h_t - y_t||^2."
    )
    grads = bptt_by_hand(x[0], hs, h0, w["weight_ih_l0"], w["weight_hh_l0"], hs - target)
    xs = x.clone().requires_grad_()
    h_start = h0[None, None].clone().requires_grad_()
    rnn.zero_grad()
    out, _ = rnn(xs, h_start)
    loss = 0.5 * ((out[0] - target) ** 2).sum()
    loss.backward()
    s.scalar("loss L", loss)
    s.tensor("dL/dW_hh by hand (H, H)", grads["w_hh"])
    pairs = [
        ("dL/dW_ih", grads["w_ih"], rnn.weight_ih_l0.grad),
        ("dL/dW_hh", grads["w_hh"], rnn.weight_hh_l0.grad),
        ("dL/db_ih", grads["b"], rnn.bias_ih_l0.grad),
        ("dL/db_hh", grads["b"], rnn.bias_hh_l0.grad),
        ("dL/dx", grads["x"], xs.grad[0]),
        ("dL/dh_0", grads["h0"], h_start.grad[0, 0]),
    ]
    for name, mine, ref in pairs:
        r.check_close(f"BPTT by hand == autograd through nn.RNN: {name}", mine, ref, atol=1e-10)

    s = r.section("3. how far back does the last step reach?")
    only_last = torch.zeros_like(hs)
    only_last[-1] = hs[-1] - target[-1]  # the loss of the last step alone
    reach = bptt_by_hand(x[0], hs, h0, w["weight_ih_l0"], w["weight_hh_l0"], only_last)["x"]  # (T, I)
    T = x.shape[1]
    s.table(["t", f"‖∂L_{T}/∂x_t‖"], [[t + 1, reach[t].norm()] for t in range(T)])
    s.note(
        f"x_1 reaches step {T} only through {T - 1} multiplications by W_hh and as many tanh' factors, "
        "each usually below 1 here, so the signal commonly shrinks the further back it goes (vanishing "
        "gradients; with large W_hh it can grow instead): one reason for LSTM and GRU cells."
    )
