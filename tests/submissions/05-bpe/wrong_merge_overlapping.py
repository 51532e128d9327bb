"""Moves one step after a merge instead of two: in a run, every position starts a
merge, and the ids in between are counted twice."""
# fails: test-pair-ops

# %% pair-ops merge
def merge(ids, pair, new_id):
    """ids with every occurrence of pair, from left to right and without overlap, replaced by new_id."""
    merged, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            merged.append(new_id)
            i += 1
        else:
            merged.append(ids[i])
            i += 1
    return merged
