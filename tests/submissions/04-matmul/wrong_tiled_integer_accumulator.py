"""Accumulates into an integer array, truncating every partial sum."""
# fails: test-tiled-matmul-shapes test-tiled-matmul-dtypes

# %% tiled-matmul
def tiled_matmul(A, B, tile=32):
    if A.shape[1] != B.shape[0]:
        raise ValueError("inner dimensions differ")
    m, k = A.shape
    n = B.shape[1]
    C = np.zeros((m, n), dtype=int)
    for i in range(0, m, tile):
        for j in range(0, n, tile):
            for p in range(0, k, tile):
                C[i:i + tile, j:j + tile] += (A[i:i + tile, p:p + tile] @ B[p:p + tile, j:j + tile]).astype(int)
    return C
