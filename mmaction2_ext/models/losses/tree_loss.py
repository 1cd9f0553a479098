"""Hierarchy (tree) loss of PCAN, from HRN (Chen et al., CVPR 2022)."""
from typing import Sequence

import torch
import torch.nn as nn


def state_space(action_to_body: Sequence[int], num_body: int) -> torch.Tensor:
    """(S, S) 0/1 matrix, S = num_body + num_actions: identity, plus a 1 at
    column body(a) on every action row ``num_body + a``."""
    num_states = num_body + len(action_to_body)
    space = torch.eye(num_states)
    for a, b in enumerate(action_to_body):
        space[num_body + a, b] = 1.
    return space


class TreeLoss(nn.Module):
    """loss_b = -log(Σ_{r: S[r, y_b] > 0} exp(E[r, b]) / Σ_r exp(E[r, b])),
    E = S·[σ(z_body), σ(z_action)]ᵀ, averaged over the batch.

    Upstream builds the state space with numpy (it crashes on numpy 2) and
    accumulates the per-sample losses in float64; both kept here (float64).
    The state space is a non-persistent buffer (upstream: plain attribute).
    """

    def __init__(self, action_to_body: Sequence[int], num_body: int) -> None:
        super().__init__()
        self.num_body = num_body
        self.register_buffer('state_space', state_space(action_to_body, num_body),
                             persistent=False)

    def forward(self, logit_body: torch.Tensor, logit: torch.Tensor,
                label: torch.Tensor) -> torch.Tensor:
        """logit_body (B, num_body), logit (B, K), label (B,) action ids."""
        q = torch.cat((logit_body.sigmoid(), logit.sigmoid()), dim=1)
        energy = (self.state_space @ q.t()).double()  # (S, B)
        member = self.state_space[:, self.num_body + label] > 0  # (S, B)
        log_z = torch.logsumexp(energy, dim=0)
        log_marginal = torch.logsumexp(energy.masked_fill(~member, -torch.inf), 0)
        return (log_z - log_marginal).mean()
