"""Alternates attention and SSM layers whatever the pattern says."""
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
