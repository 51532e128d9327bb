"""Counts multiply-adds, not FLOPs: both numbers off by a factor of two."""
# fails: test-linear-flops

# %% linear-flops
def linear_flops(batch, n_in, n_out):
    """(forward FLOPs, backward FLOPs) of a linear layer without its bias, a multiply-add counting as 2."""
    forward = batch * n_in * n_out
    return forward, 2 * forward
