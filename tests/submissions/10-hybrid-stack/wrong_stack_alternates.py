"""Alternates attention and SSM layers whatever the pattern says."""
# fails: test-hybrid-stack

# %% hybrid-stack
def attention_step(layer, x_t, cache):
    """(y_t, cache): one token (batch, d) through CausalAttention, with the keys and values of earlier tokens."""
    q, k, v = layer.q(x_t)[:, None], layer.k(x_t)[:, None], layer.v(x_t)[:, None]  # (batch, 1, d)
    if cache is not None:
        k, v = torch.cat([cache[0], k], dim=1), torch.cat([cache[1], v], dim=1)
    weights = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(q.shape[-1]), dim=-1)  # (batch, 1, t + 1)
    return layer.out((weights @ v)[:, 0]), (k, v)


def ssm_step(layer, x_t, h):
    """(y_t, h): one token (batch, d) through SelectiveSSM, with its state h (batch, d, d_state) or None."""
    if h is None:
        h = x_t.new_zeros(x_t.shape[0], x_t.shape[1], layer.d_state)
    delta = F.softplus(layer.to_delta(x_t))
    B, C = layer.to_B(x_t), layer.to_C(x_t)
    h = torch.exp(delta[..., None] * -torch.exp(layer.A_log)) * h + (delta * x_t)[..., None] * B[:, None, :]
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
        self.mixers = nn.ModuleList(CausalAttention(d_model) if i % 2 else SelectiveSSM(d_model, d_state)
                                    for i, kind in enumerate(self.pattern))

    def forward(self, x):
        for norm, mixer in zip(self.norms, self.mixers):
            x = x + mixer(norm(x))
        return x

    def step(self, x_t, states):
        new_states = []
        for kind, norm, mixer, state in zip(self.pattern, self.norms, self.mixers, states):
            step = attention_step if isinstance(mixer, CausalAttention) else ssm_step
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
