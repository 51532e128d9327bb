"""The forbidden shortcut: PyTorch's fused attention for the output, and the
log-sum-exp from the whole score matrix."""
# fails: test-flash-memory

# %% flash-attention
import torch.nn.functional as F


def flash_attention(q, k, v, causal=False, block_q=16, block_k=16):
    T, S = q.shape[-2], k.shape[-2]
    if causal and T != S:
        raise ValueError("causal attention needs T == S")
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        scores = scores.masked_fill(torch.ones(T, S, dtype=torch.bool).triu(1), float("-inf"))
    return F.scaled_dot_product_attention(q, k, v, is_causal=causal), torch.logsumexp(scores, -1)
