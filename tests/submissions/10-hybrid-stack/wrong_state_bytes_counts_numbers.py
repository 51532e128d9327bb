"""Counts the numbers a state holds, not its bytes."""
# fails: test-hybrid-stack

# %% hybrid-stack state_bytes
def state_bytes(states):
    """The bytes each layer's state holds (a cache tuple, a tensor, or None for 0)."""
    def size(state):
        if state is None:
            return 0
        parts = state if isinstance(state, (tuple, list)) else (state,)
        return sum(t.numel() for t in parts)
    return [size(s) for s in states]
