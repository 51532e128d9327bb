"""Counts a run of equal ids as non-overlapping pairs, as merge would use them:
[5, 5, 5] has one (5, 5), not two."""
# fails: test-pair-ops

# %% pair-ops pair_counts
def pair_counts(ids):
    """{(a, b): number of positions i with ids[i] == a and ids[i + 1] == b}."""
    counts, i = {}, 0
    while i + 1 < len(ids):
        pair = (ids[i], ids[i + 1])
        counts[pair] = counts.get(pair, 0) + 1
        i += 2 if ids[i] == ids[i + 1] else 1
    return counts
