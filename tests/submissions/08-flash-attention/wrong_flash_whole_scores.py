"""The naive way: the whole score matrix, its softmax and its log-sum-exp. Right
values, but the T x S matrix the exercise exists to avoid."""
# fails: test-flash-memory

# %% flash-attention
def flash_attention(q, k, v, causal=False, block_q=16, block_k=16):
    T, S = q.shape[-2], k.shape[-2]
    if causal and T != S:
        raise ValueError("causal attention needs T == S")
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        scores = scores.masked_fill(torch.ones(T, S, dtype=torch.bool).triu(1), float("-inf"))
    return torch.softmax(scores, -1) @ v, torch.logsumexp(scores, -1)
