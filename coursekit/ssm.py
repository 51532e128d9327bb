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


def zero_order_hold(delta, A, B):
    """Exact discretisation of x' = A x + B u for a diagonal A (stored as a
    vector)."""
    A_bar = torch.exp(delta * A)
    # (delta A)^-1 (exp(delta A) - 1) delta B, entry by entry
    return A_bar, (A_bar - 1) / A * B


def mamba_discretisation(delta, A, B):
    """Mamba's choice: the same A_bar, and B_bar = delta B."""
    return torch.exp(delta * A), delta * B


def ssm_recurrent(u, delta, A, B, C):
    """y_t = C x_t with x_t = A_bar x_{t-1} + B_bar u_t, one step at a time.

    u: (batch, L, d), d independent channels; delta: (d,); A, B, C: (d, n).
    Returns (batch, L, d)."""
    A_bar, B_bar = mamba_discretisation(delta[:, None], A, B)  # (d, n) each
    x = u.new_zeros(u.shape[0], *A.shape)  # the state: (batch, d, n)
    ys = []
    for t in range(u.shape[1]):
        x = A_bar * x + B_bar * u[:, t, :, None]
        ys.append((x * C).sum(-1))
    return torch.stack(ys, dim=1)


def ssm_kernel(delta, A, B, C, L):
    """K_k = C A_bar^k B_bar for k = 0, ..., L-1, per channel: (d, L)."""
    A_bar, B_bar = mamba_discretisation(delta[:, None], A, B)
    powers = A_bar[..., None] ** torch.arange(L, device=A.device)  # (d, n, L)
    return torch.einsum("dn,dnk->dk", C * B_bar, powers)


def causal_convolution(u, K):
    """y_t = sum_k K_k u_{t-k} along axis 1 of u (batch, L, d), with K of shape
    (d, L), via the FFT."""
    L = u.shape[1]
    # zero padding, so that the FFT's circular convolution does not wrap around
    n_fft = 2 * L
    spectrum = torch.fft.rfft(u, n=n_fft, dim=1) * torch.fft.rfft(
        K.T, n=n_fft, dim=0
    )
    return torch.fft.irfft(spectrum, n=n_fft, dim=1)[:, :L]


def ssm_convolutional(u, delta, A, B, C):
    return causal_convolution(u, ssm_kernel(delta, A, B, C, u.shape[1]))


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
        if not self.selective:  # one delta per channel: (d_inner,)
            return F.softplus(self.dt_bias), self.B, self.C
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
        if not self.selective:  # time-invariant: one convolution, as above
            A = -torch.exp(self.A_log)
            y = ssm_convolutional(x, dt, A, B, C) + self.D * x
            return self.out_proj(y * F.silu(z))
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
