"""Never checks the inner dimensions: with small tiles, mismatched inputs
silently give a wrong answer instead of an error."""
# fails: test-tiled-matmul-errors

# %% tiled-matmul
def tiled_matmul(A, B, tile=32):
    m, k = A.shape
    n = B.shape[1]
    C = np.zeros((m, n), dtype=np.result_type(A, B))
    for i in range(0, m, tile):
        for j in range(0, n, tile):
            for p in range(0, min(k, B.shape[0]), tile):
                C[i:i + tile, j:j + tile] += A[i:i + tile, p:p + tile] @ B[p:p + tile, j:j + tile]
    return C
