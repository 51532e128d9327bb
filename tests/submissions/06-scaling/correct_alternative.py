"""A correct answer written differently from the solution: the parameter count
summed from a table of tensor shapes, the fit by np.linalg.lstsq, and the
optimum solved for D first with the mirror-image formula."""

# %% training-flops
def training_flops(n_params, n_tokens):
    if not (n_params > 0 and n_tokens > 0):
        raise ValueError("need positive sizes")
    forward = 2 * float(n_params) * float(n_tokens)
    return forward + 2 * forward


# %% gpt-param-count
def gpt_param_count(n_layer, d_model, vocab_size=50257, n_ctx=1024, tied=True):
    if any(n <= 0 for n in (n_layer, d_model, vocab_size, n_ctx)):
        raise ValueError("sizes must be positive")
    d = d_model
    block = {
        "ln_1.weight": (d,), "ln_1.bias": (d,),
        "attn.c_attn.weight": (d, 3 * d), "attn.c_attn.bias": (3 * d,),
        "attn.c_proj.weight": (d, d), "attn.c_proj.bias": (d,),
        "ln_2.weight": (d,), "ln_2.bias": (d,),
        "mlp.c_fc.weight": (d, 4 * d), "mlp.c_fc.bias": (4 * d,),
        "mlp.c_proj.weight": (4 * d, d), "mlp.c_proj.bias": (d,),
    }
    shapes = {"wte": (vocab_size, d), "wpe": (n_ctx, d), "ln_f.weight": (d,), "ln_f.bias": (d,)}
    for i in range(n_layer):
        shapes.update({f"h.{i}.{name}": shape for name, shape in block.items()})
    if not tied:
        shapes["lm_head.weight"] = (vocab_size, d)
    return sum(int(np.prod(shape, dtype=object)) for shape in shapes.values())


# %% fit-power-law
def fit_power_law(x, y):
    lx, ly = np.log10(x), np.log10(y)
    if not (np.all(np.asarray(x) > 0) and np.all(np.asarray(y) > 0)):
        raise ValueError("x and y must be positive")
    design = np.column_stack([np.ones_like(lx), lx])
    (intercept, slope), *_ = np.linalg.lstsq(design, ly, rcond=None)
    return 10.0 ** intercept, -slope


# %% compute-optimal
def compute_optimal(C, A, B, alpha, beta):
    for name, value in dict(C=C, A=A, B=B, alpha=alpha, beta=beta).items():
        if value <= 0:
            raise ValueError(f"{name} must be positive, got {value}")
    H = (beta * B / (alpha * A)) ** (1 / (alpha + beta))
    D = H * (C / 6) ** (alpha / (alpha + beta))
    return C / (6 * D), D
