"""KL divergence by hand, between temperature-softened distributions given by logits."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def log_softmax_by_hand(logits: torch.Tensor) -> torch.Tensor:
    """log softmax over the last axis, (B, C): z - max - log sum exp(z - max)."""
    z = logits - logits.max(dim=-1, keepdim=True).values  # the shift changes nothing but overflow
    return z - z.exp().sum(dim=-1, keepdim=True).log()


def kl_by_hand(teacher_logits: torch.Tensor, student_logits: torch.Tensor, T: float) -> torch.Tensor:
    """Mean over the batch of KL(p || q) = sum_c p_c (log p_c - log q_c), with
    p = softmax(teacher / T) the target and q = softmax(student / T) the model; logits (B, C)."""
    log_p = log_softmax_by_hand(teacher_logits / T)  # (B, C)
    log_q = log_softmax_by_hand(student_logits / T)  # (B, C)
    return (log_p.exp() * (log_p - log_q)).sum(-1).mean()
