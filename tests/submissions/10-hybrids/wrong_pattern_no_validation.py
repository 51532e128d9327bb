"""Forgets to reject n_layers < 1 (returns an empty list)."""
# fails: test-layer-pattern

# %% layer-pattern
def layer_pattern(n_layers, attention_every):
    if attention_every < 1:
        raise ValueError("attention_every must be at least 1")
    middle = attention_every // 2
    return ["attention" if i % attention_every == middle else "mamba" for i in range(n_layers)]
