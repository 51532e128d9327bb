"""Averages the bias gradient over the batch instead of summing it."""
# fails: test-linear-backward

# %% linear linear_backward
def linear_backward(x, W, grad_y):
    """(dL/dx, dL/dW, dL/db) given grad_y = dL/dy of shape (B, n_out)."""
    return grad_y @ W, grad_y.T @ x, grad_y.mean(axis=0)
