"""A correct answer written differently: the cache grown with torch.stack over a
list of keys kept as a tuple, the scores by an explicit sum, and the SSM state
updated channel-wise with unsqueeze."""

# %% hybrid-stack
def attention_step(layer, x_t, cache):
    """(y_t, cache): one token (batch, d) through CausalAttention, with the keys and values of earlier tokens."""
    q, k_t, v_t = layer.q(x_t), layer.k(x_t), layer.v(x_t)
    keys = [k_t] if cache is None else list(cache[0].unbind(1)) + [k_t]
    values = [v_t] if cache is None else list(cache[1].unbind(1)) + [v_t]
    K, V = torch.stack(keys, dim=1), torch.stack(values, dim=1)  # (batch, t + 1, d)
    scores = (K * q.unsqueeze(1)).sum(-1) / q.shape[-1] ** 0.5  # (batch, t + 1)
    weights = scores.softmax(dim=-1)
    return layer.out((weights.unsqueeze(-1) * V).sum(1)), (K, V)


def ssm_step(layer, x_t, h):
    """(y_t, h): one token (batch, d) through SelectiveSSM, with its state h (batch, d, d_state) or None."""
    if h is None:
        h = x_t.new_zeros(x_t.shape[0], x_t.shape[1], layer.d_state)
    delta = F.softplus(layer.to_delta(x_t))
    B, C = layer.to_B(x_t), layer.to_C(x_t)
    A = -torch.exp(layer.A_log)
    h = (delta.unsqueeze(-1) * A).exp() * h + (delta * x_t).unsqueeze(-1) * B.unsqueeze(1)
    return (h * C[:, None, :]).sum(-1) + layer.D * x_t, h


class HybridStack(nn.Module):
    """Pre-norm residual layers x + mixer(RMSNorm(x)), attention or SSM as the pattern says."""

    def __init__(self, d_model, pattern, d_state=8):
        super().__init__()
        self.pattern = list(pattern)
        unknown = set(self.pattern) - {"attention", "mamba"}
        if unknown:
            raise ValueError(f"unknown layer kinds {sorted(unknown)}: expected 'attention' or 'mamba'")
        self.norms = nn.ModuleList(nn.RMSNorm(d_model) for _ in self.pattern)
        self.mixers = nn.ModuleList(CausalAttention(d_model) if kind == "attention" else SelectiveSSM(d_model, d_state)
                                    for kind in self.pattern)

    def forward(self, x):
        for norm, mixer in zip(self.norms, self.mixers):
            x = x + mixer(norm(x))
        return x

    def step(self, x_t, states):
        new_states = []
        for kind, norm, mixer, state in zip(self.pattern, self.norms, self.mixers, states):
            step = attention_step if kind == "attention" else ssm_step
            y, state = step(mixer, norm(x_t), state)
            x_t = x_t + y
            new_states.append(state)
        return x_t, new_states


def state_bytes(states):
    """The bytes each layer's state holds (a cache tuple, a tensor, or None for 0)."""
    def size(state):
        if state is None:
            return 0
        parts = state if isinstance(state, (tuple, list)) else (state,)
        return sum(t.numel() * t.element_size() for t in parts)
    return [size(s) for s in states]
