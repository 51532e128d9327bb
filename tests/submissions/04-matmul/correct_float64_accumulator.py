"""A correct answer written differently: tiles accumulated in float64 and cast back to
the inputs' dtype at the end, the k loop outermost, the intensity from a byte count."""

# %% matmul-flops
def matmul_flops(m, k, n):
    return m * k * n * 2


# %% arithmetic-intensity
def arithmetic_intensity(m, k, n, bytes_per_element=4):
    bytes_read = (m * k + k * n) * bytes_per_element
    bytes_written = m * n * bytes_per_element
    return 2 * m * k * n / (bytes_read + bytes_written)


# %% tiled-matmul
import numpy as np


def tiled_matmul(A, B, tile=32):
    if len(A.shape) != 2 or len(B.shape) != 2 or A.shape[1] != B.shape[0]:
        raise ValueError(f"shapes {A.shape} and {B.shape} do not multiply")
    m, k = A.shape
    n = B.shape[1]
    total = np.zeros((m, n), dtype=np.float64)
    for p in range(0, k, tile):
        for i in range(0, m, tile):
            for j in range(0, n, tile):
                total[i:i + tile, j:j + tile] += A[i:i + tile, p:p + tile].astype(np.float64) @ B[p:p + tile, j:j + tile].astype(np.float64)
    return total.astype(np.result_type(A, B))
