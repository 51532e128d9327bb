"""Counts the state dict: buffers such as batch norm's running statistics are
included, and requires_grad is lost (state_dict tensors are detached)."""
# fails: test-count-parameters

# %% count-parameters
def count_parameters(model):
    return sum(t.numel() for t in model.state_dict().values())
