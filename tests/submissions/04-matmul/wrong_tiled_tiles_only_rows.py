"""Tiles the rows of A only: each product is a (tile, k) block of A times the whole of B,
so the products are as long as the matrices."""
# fails: test-tiled-matmul-blocks

# %% tiled-matmul
def tiled_matmul(A, B, tile=32):
    if A.shape[1] != B.shape[0]:
        raise ValueError("inner dimensions differ")
    C = np.zeros((A.shape[0], B.shape[1]), dtype=np.result_type(A.dtype, B.dtype))
    for i in range(0, A.shape[0], tile):
        C[i:i + tile] = A[i:i + tile] @ B
    return C
