"""Counts one product for the backward pass, not two."""
# fails: test-linear-flops

# %% linear-flops
def linear_flops(batch, n_in, n_out):
    """(forward FLOPs, backward FLOPs) of a linear layer without its bias, a multiply-add counting as 2."""
    forward = 2 * batch * n_in * n_out
    return forward, forward
