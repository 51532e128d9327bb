"""The forbidden shortcut: PyTorch's layer_norm and its autograd do the work.
Right values; the watched test sees the inputs read out."""
# fails: test-norms-by-hand

# %% layer-norm
import torch
import torch.nn.functional as F


def layer_norm(x, gamma, beta, eps=1e-5):
    x, gamma, beta = (torch.tensor(np.array(a)) for a in (x, gamma, beta))
    return F.layer_norm(x, (x.shape[-1],), gamma, beta, eps).numpy()


def layer_norm_backward(x, gamma, grad_y, eps=1e-5):
    tx, tg = torch.tensor(np.array(x), requires_grad=True), torch.tensor(np.array(gamma), requires_grad=True)
    tb = torch.zeros_like(tg, requires_grad=True)
    F.layer_norm(tx, (tx.shape[-1],), tg, tb, eps).backward(torch.tensor(np.array(grad_y)))
    return tx.grad.numpy(), tg.grad.numpy(), tb.grad.numpy()
