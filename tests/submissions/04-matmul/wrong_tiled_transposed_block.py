"""Transposes the B block: right for symmetric inputs only."""
# fails: test-tiled-matmul-shapes

# %% tiled-matmul
def tiled_matmul(A, B, tile=32):
    if A.shape[1] != B.shape[0]:
        raise ValueError("inner dimensions differ")
    m, k = A.shape
    n = B.shape[1]
    C = np.zeros((m, n), dtype=np.result_type(A, B))
    for i in range(0, m, tile):
        for j in range(0, n, tile):
            for p in range(0, k, tile):
                block = B[p:p + tile, j:j + tile]
                if block.shape[0] == block.shape[1]:
                    block = block.T
                C[i:i + tile, j:j + tile] += A[i:i + tile, p:p + tile] @ block
    return C
