"""Expands a merged id one level only, assuming both halves are bytes."""
# fails: test-encode-decode

# %% encode-decode decode
def decode(ids, merges):
    """The text of token ids: the bytes each id stands for, decoded as UTF-8 (errors replaced)."""
    vocab = {i: bytes([i]) for i in range(256)}
    for i, (a, b) in enumerate(merges):
        vocab[256 + i] = bytes([a % 256, b % 256])
    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
