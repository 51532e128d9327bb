"""The training loop of chapter 01, used by every later chapter.

Written by `make sync` from the cells of chapters/01-alexnet.md that begin
"# Saved in coursekit/training.py". Edit the chapter, not this file:
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


def train(
    model,
    optimizer,
    next_batch,
    steps,
    loss_fn=F.cross_entropy,
    schedule=None,
    learning_rate=None,
    clip_norm=None,
    after_step=None,
):
    """Mini-batch training: `steps` times, (inputs, targets) = next_batch(),
    a step of `optimizer` on loss_fn(model(inputs), targets).

    schedule: a torch scheduler, stepped after every step; learning_rate:
    step -> rate, set before every step; clip_norm: clip the gradient's global
    norm; after_step(step, outputs, targets): True stops the run. Returns the
    loss of every step and, with clip_norm, the gradient norm of every step
    before clipping."""
    parameters = [
        p for group in optimizer.param_groups for p in group["params"]
    ]
    losses, grad_norms = [], []
    for step in range(1, steps + 1):
        if learning_rate is not None:
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step)
        inputs, targets = next_batch()
        outputs = model(inputs)
        loss = loss_fn(outputs, targets)
        optimizer.zero_grad()
        loss.backward()
        if clip_norm is not None:
            norm = nn.utils.clip_grad_norm_(parameters, clip_norm)
            grad_norms.append(norm.item())
        optimizer.step()
        if schedule is not None:
            schedule.step()
        losses.append(loss.item())  # .item() also waits for a GPU to finish
        if after_step is not None and after_step(step, outputs, targets):
            break
    return losses, grad_norms
