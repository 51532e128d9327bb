"""A correct answer written differently: Counter over zip for the counts, ties by
sorting, a dictionary of bytes built by recursion, and encode in GPT-2's way
(merge the pair of lowest rank present, until none is)."""

# %% pair-ops
def pair_counts(ids):
    return dict(Counter(zip(ids, ids[1:])))


def merge(ids, pair, new_id):
    out = list(ids)
    i = 0
    while i < len(out) - 1:
        if out[i] == pair[0] and out[i + 1] == pair[1]:
            out[i:i + 2] = [new_id]
        i += 1
    return out


# %% train-bpe
def train_bpe(text, vocab_size):
    ids = list(text.encode())
    merges = []
    for new_id in range(256, vocab_size):
        counts = pair_counts(ids)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if not ranked or ranked[0][1] < 2:
            break
        merges.append(ranked[0][0])
        ids = merge(ids, ranked[0][0], new_id)
    return merges


# %% encode-decode
def encode(text, merges):
    rank = {tuple(p): i for i, p in enumerate(merges)}
    ids = list(text.encode())
    while len(ids) >= 2:
        candidates = [p for p in set(zip(ids, ids[1:])) if p in rank]
        if not candidates:
            break
        best = min(candidates, key=rank.__getitem__)
        ids = merge(ids, best, 256 + rank[best])
    return ids


def decode(ids, merges):
    def expand(token):
        if token < 256:
            return bytes([token])
        a, b = merges[token - 256]
        return expand(a) + expand(b)
    return b"".join(expand(t) for t in ids).decode("utf-8", "replace")
