"""A loop over L hidden from an operation counter: the inputs are read out into plain
tensors first, and the loop runs on those. Right values; the watched test sees a and b
read out."""
# fails: test-parallel-scan-steps

# %% parallel-scan
def parallel_scan(a, b):
    a = torch.tensor(a.tolist(), dtype=a.dtype)
    b = torch.tensor(b.tolist(), dtype=b.dtype)
    return linear_recurrence(a, b)
