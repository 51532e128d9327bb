"""The forbidden shortcut for the linear layer: PyTorch computes the gradients.
Right values; the watched test sees the inputs read out."""
# fails: test-backprop-by-hand

# %% linear
import torch


def linear_forward(x, W, b):
    return x @ W.T + b


def linear_backward(x, W, grad_y):
    tx = torch.tensor(np.array(x), requires_grad=True)
    tW = torch.tensor(np.array(W), requires_grad=True)
    y = tx @ tW.T
    y.backward(torch.tensor(np.array(grad_y)))
    return tx.grad.numpy(), tW.grad.numpy(), np.array(grad_y).sum(axis=0)
