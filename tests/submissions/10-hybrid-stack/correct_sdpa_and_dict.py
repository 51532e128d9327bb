"""A correct answer written differently: the cached attention through
F.scaled_dot_product_attention (no mask is needed: the cache holds only the past),
einsum for the SSM step, the mixers chosen from a dictionary of constructors."""

# %% hybrid-stack
def attention_step(layer, x_t, cache):
    q = layer.q(x_t).unsqueeze(1)
    k, v = layer.k(x_t).unsqueeze(1), layer.v(x_t).unsqueeze(1)
    if cache is not None:
        k = torch.cat((cache[0], k), 1)
        v = torch.cat((cache[1], v), 1)
    return layer.out(F.scaled_dot_product_attention(q, k, v).squeeze(1)), (k, v)


def ssm_step(layer, x_t, h):
    delta = F.softplus(layer.to_delta(x_t))
    A = -layer.A_log.exp()
    decay = torch.exp(torch.einsum("bd,dn->bdn", delta, A))
    update = torch.einsum("bd,bn->bdn", delta * x_t, layer.to_B(x_t))
    h = update if h is None else decay * h + update
    return torch.einsum("bdn,bn->bd", h, layer.to_C(x_t)) + layer.D * x_t, h


class HybridStack(nn.Module):
    def __init__(self, d_model, pattern, d_state=8):
        super().__init__()
        build = {"attention": lambda: CausalAttention(d_model), "mamba": lambda: SelectiveSSM(d_model, d_state)}
        self.pattern = [str(kind) for kind in pattern]
        if any(kind not in build for kind in self.pattern):
            raise ValueError("a layer is 'attention' or 'mamba'")
        self.norms = nn.ModuleList([nn.RMSNorm(d_model) for _ in self.pattern])
        self.mixers = nn.ModuleList([build[kind]() for kind in self.pattern])

    def forward(self, x):
        for i in range(len(self.mixers)):
            x = x + self.mixers[i](self.norms[i](x))
        return x

    def step(self, x_t, states):
        states = list(states)
        for i, kind in enumerate(self.pattern):
            step = {"attention": attention_step, "mamba": ssm_step}[kind]
            y, states[i] = step(self.mixers[i], self.norms[i](x_t), states[i])
            x_t = x_t + y
        return x_t, states


def state_bytes(states):
    sizes = []
    for state in states:
        tensors = [] if state is None else list(state) if isinstance(state, tuple) else [state]
        sizes.append(sum(t.element_size() * t.nelement() for t in tensors))
    return sizes
