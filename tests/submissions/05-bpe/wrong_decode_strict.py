"""Decodes strictly: ids that end inside a character raise UnicodeDecodeError."""
# fails: test-encode-decode

# %% encode-decode
def encode(text, merges):
    """Token ids of text: its UTF-8 bytes with the merges applied in the order they were learned."""
    ids = list(text.encode("utf-8"))
    for i, pair in enumerate(merges):
        ids = merge(ids, tuple(pair), 256 + i)
    return ids


def decode(ids, merges):
    """The text of token ids: the bytes each id stands for, decoded as UTF-8 (errors replaced)."""
    vocab = {i: bytes([i]) for i in range(256)}
    for i, (a, b) in enumerate(merges):
        vocab[256 + i] = vocab[a] + vocab[b]
    return b"".join(vocab[i] for i in ids).decode("utf-8")
