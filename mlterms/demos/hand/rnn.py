"""A recurrent cell by hand: the Elman RNN forward loop, and backprop through time."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def rnn_by_hand(
    x: torch.Tensor,
    w_ih: torch.Tensor,
    w_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
    h0: torch.Tensor,
    nonlinearity: str = "tanh",
) -> torch.Tensor:
    """h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh) over x (T, I), from h0 (H,).

    The same weights at every step, as in nn.RNN; nonlinearity "relu" as nn.RNN's option.
    Returns every hidden state, (T, H).
    """
    import torch

    f = torch.tanh if nonlinearity == "tanh" else torch.relu
    h, hs = h0, []
    for t in range(x.shape[0]):
        h = f(w_ih @ x[t] + b_ih + w_hh @ h + b_hh)  # (H,)
        hs.append(h)
    return torch.stack(hs)


def bptt_by_hand(
    x: torch.Tensor,
    hs: torch.Tensor,
    h0: torch.Tensor,
    w_ih: torch.Tensor,
    w_hh: torch.Tensor,
    dhs: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """Backprop through time: the gradients of a loss L given dL/dh_t from the outputs, dhs (T, H).

    Walking back from t = T: the gradient reaching h_t is its own dhs[t] plus what h_(t+1)
    sends back through W_hh; tanh' = 1 - h_t^2. Returns dL/d of W_ih (H, I), W_hh (H, H),
    b (H,) (the same for b_ih and b_hh), x (T, I) and h0 (H,).
    """
    import torch

    T = x.shape[0]
    d_w_ih, d_w_hh = torch.zeros_like(w_ih), torch.zeros_like(w_hh)
    d_b, d_x = torch.zeros_like(h0), torch.zeros_like(x)
    carry = torch.zeros_like(h0)  # dL/dh_t arriving from step t+1
    for t in reversed(range(T)):
        dh = dhs[t] + carry  # (H,)
        da = dh * (1 - hs[t] ** 2)  # (H,) through tanh: d tanh(a)/da = 1 - tanh(a)^2
        prev = hs[t - 1] if t > 0 else h0  # (H,)
        d_w_ih += torch.outer(da, x[t])
        d_w_hh += torch.outer(da, prev)
        d_b += da
        d_x[t] = w_ih.T @ da  # (I,)
        carry = w_hh.T @ da  # (H,) what h_(t-1) receives
    return {"w_ih": d_w_ih, "w_hh": d_w_hh, "b": d_b, "x": d_x, "h0": carry}


def lstm_cell_by_hand(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One LSTM step, gates in PyTorch's order (input, forget, cell candidate, output):

    i, f, o = sigmoid(.), g = tanh(.) of W_ih x + b_ih + W_hh h + b_hh, split in 4 blocks of H;
    c' = f * c + i * g, h' = o * tanh(c'). x (I,), h and c (H,), w_ih (4H, I), w_hh (4H, H).
    Returns h', c' and the gates {i, f, g, o}, each (H,).
    """
    import torch

    a = w_ih @ x + b_ih + w_hh @ h + b_hh  # (4H,)
    ai, af, ag, ao = a.chunk(4)
    gates = {"i": torch.sigmoid(ai), "f": torch.sigmoid(af), "g": torch.tanh(ag), "o": torch.sigmoid(ao)}
    c_new = gates["f"] * c + gates["i"] * gates["g"]  # (H,) the cell state: a gated running sum
    return gates["o"] * torch.tanh(c_new), c_new, gates


def gru_cell_by_hand(x, h, w_ih, w_hh, b_ih, b_hh):
    """One GRU step, PyTorch's form (reset r, update z, candidate n):

    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr), z likewise, n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),
    h' = (1 - z) * n + z * h. x (I,), h (H,), w_ih (3H, I), w_hh (3H, H). Returns h' and {r, z, n}.
    """
    import torch

    xr, xz, xn = (w_ih @ x + b_ih).chunk(3)  # (H,) each
    hr, hz, hn = (w_hh @ h + b_hh).chunk(3)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    n = torch.tanh(xn + r * hn)  # the reset gate scales what the old state contributes
    return (1 - z) * n + z * h, {"r": r, "z": z, "n": n}
