"""Encodes by taking, from left to right, the longest token whose bytes match (as
WordPiece does), not by replaying the merges: a different split of the same bytes."""
# fails: test-encode-decode

# %% encode-decode encode
def encode(text, merges):
    """Token ids of text: its UTF-8 bytes with the merges applied in the order they were learned."""
    vocab = {bytes([i]): i for i in range(256)}
    table = [bytes([i]) for i in range(256)]
    for i, (a, b) in enumerate(merges):
        table.append(table[a] + table[b])
        vocab[table[-1]] = 256 + i
    data, ids, start = text.encode("utf-8"), [], 0
    while start < len(data):
        end = max(e for e in range(start + 1, len(data) + 1) if data[start:e] in vocab)
        ids.append(vocab[data[start:end]])
        start = end
    return ids
