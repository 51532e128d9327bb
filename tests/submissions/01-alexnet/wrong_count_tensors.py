"""Counts parameter tensors, not their entries."""
# fails: test-count-parameters

# %% count-parameters
def count_parameters(model):
    return len([p for p in model.parameters() if p.requires_grad])
