"""The RFC 6962 tree as the log stores it: the hash of every complete,
aligned subtree of 2**level leaves, keyed (level, index). A leaf adds one
hash at level 0 and one more per subtree it completes; every other subtree
hash (roots, proof elements) is computed from them. `get(level, index)` reads
one stored hash."""
from host_tools.protocol.tlog import EMPTY_ROOT, leaf_hash, node_hash, split_point


def new_hashes(index, data, get):
    """The (level, index, hash) rows that appending leaf `index` with `data` stores."""
    h = leaf_hash(data)
    rows = [(0, index, h)]
    level = 0
    while index & 1:
        h = node_hash(get(level, index - 1), h)
        level += 1
        index >>= 1
        rows.append((level, index, h))
    return rows


def subtree_hash(lo, hi, get):
    """MTH of leaves [lo, hi): stored when aligned and a power of two, else split."""
    size = hi - lo
    if size & (size - 1) == 0 and lo % size == 0:
        return get(size.bit_length() - 1, lo // size)
    k = split_point(size)
    return node_hash(subtree_hash(lo, lo + k, get), subtree_hash(lo + k, hi, get))


def root(size, get):
    return subtree_hash(0, size, get) if size else EMPTY_ROOT


def inclusion_proof(index, size, get):
    """RFC 6962 §2.1.1 PATH(index, D[0:size]), leaf side first."""
    siblings = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index < lo + k:
            siblings.append(subtree_hash(lo + k, hi, get))
            hi = lo + k
        else:
            siblings.append(subtree_hash(lo, lo + k, get))
            lo += k
    return siblings[::-1]


def consistency_proof(size1, size2, get):
    """RFC 6962 §2.1.2 PROOF(size1, D[0:size2]) for 0 < size1 <= size2."""
    siblings = []
    lo, hi, whole = 0, size2, True
    while size1 != hi:
        k = split_point(hi - lo)
        if size1 - lo <= k:
            siblings.append(subtree_hash(lo + k, hi, get))
            hi = lo + k
        else:
            siblings.append(subtree_hash(lo, lo + k, get))
            lo += k
            whole = False
    return ([] if whole else [subtree_hash(lo, hi, get)]) + siblings[::-1]
