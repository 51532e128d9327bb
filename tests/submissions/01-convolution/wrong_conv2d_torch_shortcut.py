"""The forbidden shortcut: hands the arrays to torch's conv2d. Right values; the
watched test sees x and weight read out of the watched arrays to do it."""
# fails: test-conv2d-by-hand

# %% conv2d
import torch
import torch.nn.functional as F


def conv2d(x, weight, bias=None, stride=1, padding=0):
    if x.shape[1] != weight.shape[1]:
        raise ValueError("channels differ")
    as_tensor = lambda a: None if a is None else torch.from_numpy(np.array(a))
    return F.conv2d(as_tensor(x), as_tensor(weight), as_tensor(bias), stride=as_pair(stride), padding=as_pair(padding)).numpy()
