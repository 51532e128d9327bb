"""Trains on characters (ord) instead of UTF-8 bytes: fine for ASCII, wrong for é, 東
or 🙂."""
# fails: test-train-bpe

# %% train-bpe
def train_bpe(text, vocab_size):
    """The list of merged pairs, in order (merge i creates id 256 + i), learned from text's UTF-8 bytes."""
    ids, merges = [ord(c) for c in text], []
    while 256 + len(merges) < vocab_size:
        counts = pair_counts(ids)
        if not counts:
            break
        pair = min(counts, key=lambda p: (-counts[p], p))  # most frequent; the smallest pair among ties
        if counts[pair] < 2:
            break
        ids = merge(ids, pair, 256 + len(merges))
        merges.append(pair)
    return merges
