"""A correct answer written differently: weights from a maximum made safe for empty
states, einsum products, the mask from torch.triu, and results written into
tensors made from q (new_zeros, new_full)."""

# %% merge-states
def merge_states(m1, l1, o1, m2, l2, o2):
    m = torch.max(m1, m2)
    safe = torch.where(torch.isinf(m) & (m < 0), torch.zeros_like(m), m)  # both empty: any finite shift works
    w1, w2 = torch.exp(m1 - safe), torch.exp(m2 - safe)
    return m, w1 * l1 + w2 * l2, w1.unsqueeze(-1) * o1 + w2.unsqueeze(-1) * o2


# %% flash-attention
def flash_attention(q, k, v, causal=False, block_q=16, block_k=16):
    *lead, T, d = q.shape
    S = k.shape[-2]
    if causal and S != T:
        raise ValueError("causal attention needs T == S")
    out = q.new_zeros(q.shape)
    lse = q.new_zeros(q.shape[:-1])
    for i in range(0, T, block_q):
        qi = q[..., i:i + block_q, :]
        n = qi.shape[-2]
        m = qi.new_full(qi.shape[:-1], float("-inf"))
        l = qi.new_zeros(qi.shape[:-1])
        o = qi.new_zeros(qi.shape)
        for j in range(0, min(S, i + n) if causal else S, block_k):
            kj, vj = k[..., j:j + block_k, :], v[..., j:j + block_k, :]
            s = torch.einsum("...qd,...kd->...qk", qi, kj) / math.sqrt(d)
            if causal:
                hidden = torch.triu(torch.ones(n, kj.shape[-2], dtype=torch.bool), diagonal=i - j + 1)
                s = s.masked_fill(hidden, float("-inf"))
            m_new = s.amax(dim=-1)
            safe = torch.where(torch.isinf(m_new), torch.zeros_like(m_new), m_new)
            p = torch.exp(s - safe.unsqueeze(-1))
            m, l, o = merge_states(m, l, o, m_new, p.sum(dim=-1), torch.einsum("...qk,...kd->...qd", p, vj))
        out[..., i:i + n, :] = o / l.unsqueeze(-1)
        lse[..., i:i + n] = m + l.log()
    return out, lse
