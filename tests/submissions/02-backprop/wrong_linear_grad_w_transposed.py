"""dL/dW as x^T G: the right numbers, laid out (n_in, n_out) instead of W's (n_out, n_in)."""
# fails: test-linear-backward

# %% linear
def linear_forward(x, W, b):
    """y = x W^T + b for x (B, n_in), W (n_out, n_in), b (n_out,)."""
    return x @ W.T + b


def linear_backward(x, W, grad_y):
    """(dL/dx, dL/dW, dL/db) given grad_y = dL/dy of shape (B, n_out)."""
    return grad_y @ W, x.T @ grad_y, grad_y.sum(axis=0)
