"""Converts the inputs to plain arrays first and multiplies those whole: the product
itself is out of the observer's sight, but reading A and B out is not."""
# fails: test-tiled-matmul-blocks

# %% tiled-matmul
def tiled_matmul(A, B, tile=32):
    A, B = np.array(A), np.array(B)
    if A.shape[1] != B.shape[0]:
        raise ValueError("inner dimensions differ")
    return np.dot(A, B)
