"""Chapter 05's character-level text: loading it and cutting it into windows.

Written by `make sync` from the cells of chapters/05-attention-and-transformers.md that begin
"# Saved in coursekit/text.py". Edit the chapter, not this file:
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


TEXT_PATH = hardware.DATA_DIR / "text" / "sklearn-dataset-descriptions.txt"


def load_characters(path=TEXT_PATH, train_fraction=0.9):
    """The text, its sorted characters, and the text as character ids, cut
    into a training part and a validation part."""
    text = path.read_text(encoding="utf-8")
    chars = sorted(set(text))
    char_to_id = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([char_to_id[c] for c in text])
    split = int(train_fraction * len(ids))
    return text, chars, ids[:split], ids[split:]


def get_batch(source, batch_size, n_ctx, generator):
    """Random windows of n_ctx ids and, at each position, the next id."""
    starts = torch.randint(
        len(source) - n_ctx - 1, (batch_size,), generator=generator
    )
    inputs = torch.stack([source[s : s + n_ctx] for s in starts])
    targets = torch.stack([source[s + 1 : s + n_ctx + 1] for s in starts])
    return inputs, targets
