"""The forbidden shortcut: PyTorch's fused attention, which also returns zeros for a
query with no allowed key. Right values everywhere; the watched test sees the call."""
# fails: test-attention-by-hand

# %% sdpa
import torch.nn.functional as F


def scaled_dot_product_attention(q, k, v, mask=None):
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
