"""Puts the attention layer first in each block instead of in the middle."""
# fails: test-layer-pattern

# %% layer-pattern
def layer_pattern(n_layers, attention_every):
    if n_layers < 1 or attention_every < 1:
        raise ValueError("n_layers and attention_every must be at least 1")
    return ["attention" if i % attention_every == 0 else "mamba" for i in range(n_layers)]
