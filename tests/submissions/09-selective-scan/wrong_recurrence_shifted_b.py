"""Off by one: h_t uses b_{t-1} instead of b_t (and b_{-1} = 0)."""
# fails: test-linear-recurrence

# %% linear-recurrence
def linear_recurrence(a, b, h0=None):
    h = torch.zeros_like(b[:, 0]) if h0 is None else h0
    prev_b = torch.zeros_like(b[:, 0])
    hs = []
    for t in range(b.shape[1]):
        h = a[:, t] * h + prev_b
        prev_b = b[:, t]
        hs.append(h)
    return torch.stack(hs, dim=1)
