"""Breaks ties by the pair seen first in the text (max over a dict) instead of the
smallest pair."""
# fails: test-train-bpe

# %% train-bpe
def train_bpe(text, vocab_size):
    """The list of merged pairs, in order (merge i creates id 256 + i), learned from text's UTF-8 bytes."""
    ids, merges = list(text.encode("utf-8")), []
    while 256 + len(merges) < vocab_size:
        counts = pair_counts(ids)
        if not counts:
            break
        pair = max(counts, key=counts.get)  # most frequent; the smallest pair among ties
        if counts[pair] < 2:
            break
        ids = merge(ids, pair, 256 + len(merges))
        merges.append(pair)
    return merges
