"""Forgets the ReLU between the expert's two layers."""
# fails: test-moe-forward

# %% moe-forward
def moe_forward(x, router_weight, w1, w2, k, capacity):
    """A mixture-of-experts MLP: top-k routing, capacity, and the gated sum of the kept experts' outputs."""
    n_experts = router_weight.shape[0]
    index, gates = top_k_route(x @ router_weight.T, k)
    kept, _ = dispatch(index, n_experts, capacity)
    y = torch.zeros_like(x)
    for expert in range(n_experts):
        tokens, choices = torch.nonzero((index == expert) & kept, as_tuple=True)
        if len(tokens) == 0:
            continue
        out = (x[tokens] @ w1[expert]) @ w2[expert]
        y = y.index_add(0, tokens, gates[tokens, choices, None] * out)
    return y
