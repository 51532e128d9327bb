"""Chapter 09's parallel scan and Mamba block.

Written by `make sync` from the cells of chapters/09-state-space-models.md that begin
"# Saved in coursekit/ssm.py". Edit the chapter, not this file:
tests/test_shared_code.py checks that the two agree.
"""

import contextlib
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from coursekit import hardware


class MambaBlock(nn.Module):
    """The Mamba block on (batch, L, d_model) inputs; selective=False makes
    delta, B and C learned constants (the time-invariant ablation)."""

    def __init__(
        self, d_model, d_state=16, d_conv=4, expand=2, selective=True
    ):
        super().__init__()
        d_inner, dt_rank = expand * d_model, math.ceil(d_model / 16)
        self.d_inner, self.d_state, self.dt_rank = d_inner, d_state, dt_rank
        self.selective = selective
        # the input x and the gate z
        self.in_proj = nn.Linear(d_model, 2 * d_inner, bias=False)
        # one filter per channel (groups = channels), made causal in forward()
        # by cutting the right-hand padding
        self.conv1d = nn.Conv1d(
            d_inner, d_inner, d_conv, groups=d_inner, padding=d_conv - 1
        )
        if selective:  # delta (through a rank-r bottleneck), B and C from x
            self.x_proj = nn.Linear(d_inner, dt_rank + 2 * d_state, bias=False)
            self.dt_proj = nn.Linear(dt_rank, d_inner)
            dt_bias = self.dt_proj.bias
        else:  # learned constants: one delta and one row of B, C per channel
            self.dt_bias = nn.Parameter(torch.empty(d_inner))
            scale = math.sqrt(d_inner)
            self.B = nn.Parameter(torch.randn(d_inner, d_state) / scale)
            self.C = nn.Parameter(torch.randn(d_inner, d_state) / scale)
            dt_bias = self.dt_bias
        # S4D-real A = -(1, ..., d_state) in every channel, stored as a log so
        # that A stays negative
        A = torch.arange(1, d_state + 1.0)
        self.A_log = nn.Parameter(torch.log(A).repeat(d_inner, 1))
        self.D = nn.Parameter(torch.ones(d_inner))
        self.out_proj = nn.Linear(d_inner, d_model, bias=False)
        # softplus(dt_bias) starts log-uniform in [0.001, 0.1]; the inverse of
        # softplus is dt + log(1 - e^-dt)
        dt = torch.exp(
            torch.empty(d_inner).uniform_(math.log(1e-3), math.log(1e-1))
        )
        with torch.no_grad():
            dt_bias.copy_(dt + torch.log(-torch.expm1(-dt)))

    def selection(self, x):
        """Delta (positive, per channel), B and C: functions of x, or
        constants in the ablation."""
        if not self.selective:
            return F.softplus(self.dt_bias).expand_as(x), self.B, self.C
        dt, B, C = self.x_proj(x).split(
            [self.dt_rank, self.d_state, self.d_state], dim=-1
        )
        return F.softplus(self.dt_proj(dt)), B, C

    def write(self, dt, x, B):
        """Delta x B^T, what each step adds to the state: (..., d_inner, n)."""
        if self.selective:  # B: (..., n), shared by the channels
            B = B.unsqueeze(-2)
        return (dt * x)[..., None] * B

    def read(self, states, C):
        """C . h in every channel: (..., d_inner)."""
        if self.selective:  # C: (..., n), shared by the channels
            return (states @ C[..., None]).squeeze(-1)
        return (states * C).sum(-1)  # C: (d_inner, n), a row per channel

    def forward(self, u):  # u: (batch, L, d_model)
        L = u.shape[1]
        x, z = self.in_proj(u).chunk(2, dim=-1)
        # keep the causal part of the convolution
        x = F.silu(self.conv1d(x.transpose(1, 2))[..., :L].transpose(1, 2))
        dt, B, C = self.selection(x)
        # exp(delta A): (batch, L, d_inner, d_state)
        decay = torch.exp(dt[..., None] * -torch.exp(self.A_log))
        write = self.write(dt, x, B)
        h, states = torch.zeros_like(write[:, 0]), []
        # the recurrence, one token at a time
        for decay_t, write_t in zip(decay.unbind(1), write.unbind(1)):
            h = decay_t * h + write_t
            states.append(h)
        y = self.read(torch.stack(states, dim=1), C) + self.D * x
        return self.out_proj(y * F.silu(z))
