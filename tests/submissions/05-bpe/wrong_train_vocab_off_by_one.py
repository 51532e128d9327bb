"""Makes one merge too many: a vocabulary of vocab_size + 1 tokens."""
# fails: test-train-bpe

# %% train-bpe
def train_bpe(text, vocab_size):
    """The list of merged pairs, in order (merge i creates id 256 + i), learned from text's UTF-8 bytes."""
    ids, merges = list(text.encode("utf-8")), []
    while 256 + len(merges) <= vocab_size:
        counts = pair_counts(ids)
        if not counts:
            break
        pair = min(counts, key=lambda p: (-counts[p], p))  # most frequent; the smallest pair among ties
        if counts[pair] < 2:
            break
        ids = merge(ids, pair, 256 + len(merges))
        merges.append(pair)
    return merges
