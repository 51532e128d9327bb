"""Steps an attention layer by running its parallel form on the one new token: no
cache, so every token attends only to itself."""
# fails: test-hybrid-stack

# %% hybrid-stack HybridStack
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
            if kind == "attention":
                y = mixer(norm(x_t)[:, None])[:, 0]
            else:
                y, state = ssm_step(mixer, norm(x_t), state)
            x_t = x_t + y
            new_states.append(state)
        return x_t, new_states
