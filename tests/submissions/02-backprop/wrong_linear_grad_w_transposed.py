"""dL/dW as x^T G: the right numbers, laid out (n_in, n_out) instead of W's (n_out, n_in)."""
# fails: test-linear-backward

# %% linear linear_backward
def linear_backward(x, W, grad_y):
    """(dL/dx, dL/dW, dL/db) given grad_y = dL/dy of shape (B, n_out)."""
    return grad_y @ W, x.T @ grad_y, grad_y.sum(axis=0)
