"""Counts every parameter, frozen ones included."""
# fails: test-count-parameters

# %% count-parameters
def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
