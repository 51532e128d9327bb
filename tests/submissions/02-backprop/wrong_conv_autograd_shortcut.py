"""The forbidden shortcut: hands the arrays to PyTorch's autograd. Right values;
the watched test sees the inputs read out to do it."""
# fails: test-backprop-by-hand

# %% conv2d-backward
import torch
import torch.nn.functional as F


def conv2d_backward(x, weight, grad_out, stride=1, padding=0):
    tx = torch.tensor(np.array(x), requires_grad=True)
    tw = torch.tensor(np.array(weight), requires_grad=True)
    tb = torch.zeros(tw.shape[0], dtype=tx.dtype, requires_grad=True)
    F.conv2d(tx, tw, tb, stride=as_pair(stride), padding=as_pair(padding)).backward(torch.tensor(np.array(grad_out)))
    return tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()
