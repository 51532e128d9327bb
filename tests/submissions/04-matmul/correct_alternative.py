"""A correct answer written differently from the solution: numpy integer
arithmetic, float accumulation in float64, einsum on blocks, j-p-i loop order."""

# %% matmul-flops
import numpy as np


def matmul_flops(m, k, n):
    multiply_adds = np.prod([m, k, n], dtype=object)  # Python ints: no overflow
    return 2 * multiply_adds


# %% arithmetic-intensity
def arithmetic_intensity(m, k, n, bytes_per_element=4):
    elements = m * k + k * n + m * n
    return float(matmul_flops(m, k, n)) / float(elements * bytes_per_element)


# %% tiled-matmul
def tiled_matmul(A, B, tile=32):
    m, k = A.shape
    k2, n = B.shape
    if k != k2:
        raise ValueError("inner dimensions differ")
    C = np.zeros((m, n))  # accumulate in float64 whatever the inputs
    for j in range(0, n, tile):
        for p in range(0, k, tile):
            b_block = B[p:min(p + tile, k), j:min(j + tile, n)]
            for i in range(0, m, tile):
                a_block = A[i:min(i + tile, m), p:min(p + tile, k)]
                C[i:i + a_block.shape[0], j:j + b_block.shape[1]] += np.einsum("ip,pj->ij", a_block, b_block)
    return C
