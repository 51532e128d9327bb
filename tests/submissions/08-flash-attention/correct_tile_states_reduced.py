"""A correct answer written differently: NaN weights of empty states zeroed with
nan_to_num, and for each block of queries the states of all its key tiles first,
then merged with functools.reduce."""

# %% merge-states
def merge_states(m1, l1, o1, m2, l2, o2):
    m = torch.maximum(m1, m2)
    a = torch.nan_to_num(torch.exp(m1 - m), nan=0.0)  # exp(-inf - -inf) = NaN: an empty state weighs nothing
    b = torch.nan_to_num(torch.exp(m2 - m), nan=0.0)
    return m, a * l1 + b * l2, a[..., None] * o1 + b[..., None] * o2


# %% flash-attention
import functools


def _tile_state(q_tile, k_tile, v_tile, hidden):
    scores = torch.matmul(q_tile, k_tile.transpose(-1, -2))
    if hidden is not None:
        scores = torch.where(hidden, torch.full_like(scores, float("-inf")), scores)
    m = scores.max(dim=-1).values
    p = torch.nan_to_num(torch.exp(scores - m.unsqueeze(-1)), nan=0.0)
    return m, p.sum(-1), torch.matmul(p, v_tile)


def flash_attention(q, k, v, causal=False, block_q=16, block_k=16):
    T, S, d = q.shape[-2], k.shape[-2], q.shape[-1]
    if causal and T != S:
        raise ValueError("causal=True needs as many keys as queries")
    outs, lses = [], []
    for q0 in range(0, T, block_q):
        q_tile = q[..., q0:q0 + block_q, :] / math.sqrt(d)
        q_pos = torch.arange(q0, q0 + q_tile.shape[-2]).unsqueeze(1)
        states = []
        for k0 in range(0, S, block_k):
            if causal and k0 > q0 + q_tile.shape[-2] - 1:
                break  # this tile and all later ones are above the diagonal
            k_pos = torch.arange(k0, min(S, k0 + block_k)).unsqueeze(0)
            hidden = (k_pos > q_pos) if causal else None
            states.append(_tile_state(q_tile, k[..., k0:k0 + block_k, :], v[..., k0:k0 + block_k, :], hidden))
        m, l, o = functools.reduce(lambda a, b: merge_states(*a, *b), states)
        outs.append(o / l.unsqueeze(-1))
        lses.append(m + torch.log(l))
    return torch.cat(outs, dim=-2), torch.cat(lses, dim=-1)
