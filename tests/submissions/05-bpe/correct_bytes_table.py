"""A correct answer written differently: counts with a defaultdict, the merge built
with a flag, the vocabulary as a list of bytes objects, and an explicit max over
the counts for the ties."""

# %% pair-ops
from collections import defaultdict


def pair_counts(ids):
    counts = defaultdict(int)
    for i in range(len(ids) - 1):
        counts[ids[i], ids[i + 1]] += 1
    return dict(counts)


def merge(ids, pair, new_id):
    result, skip = [], False
    for i, token in enumerate(ids):
        if skip:
            skip = False
            continue
        if i + 1 < len(ids) and token == pair[0] and ids[i + 1] == pair[1]:
            result.append(new_id)
            skip = True
        else:
            result.append(token)
    return result


# %% train-bpe
def train_bpe(text, vocab_size):
    ids, merges = list(bytes(text, "utf-8")), []
    while len(merges) < vocab_size - 256:
        counts = pair_counts(ids)
        top = max(counts.values(), default=0)
        if top < 2:
            return merges
        pair = sorted(p for p, c in counts.items() if c == top)[0]
        merges.append(pair)
        ids = merge(ids, pair, 255 + len(merges))
    return merges


# %% encode-decode
def encode(text, merges):
    ids = list(bytes(text, "utf-8"))
    for new_id, pair in enumerate(merges, start=256):
        ids = merge(ids, tuple(pair), new_id)
    return ids


def decode(ids, merges):
    table = [bytes([b]) for b in range(256)]
    for a, b in merges:
        table.append(table[a] + table[b])
    return bytes().join(table[i] for i in ids).decode(errors="replace")
