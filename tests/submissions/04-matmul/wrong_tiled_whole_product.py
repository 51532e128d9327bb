"""The forbidden shortcut: one library product of the whole matrices. Right values,
no tiling; the watched test sees a product with sides longer than the tile."""
# fails: test-tiled-matmul-blocks

# %% tiled-matmul
def tiled_matmul(A, B, tile=32):
    if A.shape[1] != B.shape[0]:
        raise ValueError("inner dimensions differ")
    return A @ B
