"""Returns log l as the log-sum-exp, forgetting the running maximum it was taken
relative to."""
# fails: test-flash-lse

# %% flash-attention
def flash_attention(q, k, v, causal=False, block_q=16, block_k=16):
    """(softmax(q k^T / sqrt(d)) v, log-sum-exp of each row), one block_q x block_k tile of scores at a time."""
    T, S, d = q.shape[-2], k.shape[-2], q.shape[-1]
    if causal and T != S:
        raise ValueError(f"causal attention needs as many queries as keys, got {T} and {S}")
    scale = 1.0 / math.sqrt(d)
    outputs, lses = [], []
    for q_start in range(0, T, block_q):
        q_block = q[..., q_start:q_start + block_q, :] * scale
        rows = q_block.shape[-2]
        m = torch.full_like(q_block[..., 0], float("-inf"))  # the empty state
        l = torch.zeros_like(m)
        o = torch.zeros_like(q_block)
        # Causal: the keys after this block's last query are masked for all of its rows; skip their tiles.
        k_stop = min(S, q_start + rows) if causal else S
        for k_start in range(0, k_stop, block_k):
            scores = q_block @ k[..., k_start:k_start + block_k, :].transpose(-2, -1)
            if causal:
                query = torch.arange(q_start, q_start + rows)[:, None]
                key = torch.arange(k_start, k_start + scores.shape[-1])[None, :]
                scores = scores.masked_fill(key > query, float("-inf"))
            m_tile = scores.amax(-1)
            shift = torch.where(m_tile == float("-inf"), torch.zeros_like(m_tile), m_tile)  # rows with no key here
            p = torch.exp(scores - shift[..., None])
            m, l, o = merge_states(m, l, o, m_tile, p.sum(-1), p @ v[..., k_start:k_start + block_k, :])
        outputs.append(o / l[..., None])
        lses.append(torch.log(l))
    return torch.cat(outputs, dim=-2), torch.cat(lses, dim=-1)
