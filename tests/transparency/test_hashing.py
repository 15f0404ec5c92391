"""RFC 6962 hashing and proofs checked against published vectors: the eight
leaves, subtree hashes, roots, inclusion and consistency proofs of Certificate
Transparency's merkle_tree_test.cc as republished by transparency-dev/merkle
(testonly/constants.go and proof/verify_test.go). Both the server's proof
builder (keyserver/tlog/tree.py) and the client's checks
(host_tools/protocol/tlog.py) must reproduce them."""
import pytest

from host_tools.protocol import tlog
from keyserver.tlog import tree

LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]

LEAF_HASHES = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1")]

# Tree size -> root; size 0 is SHA-256 of nothing.
ROOTS = [bytes.fromhex(h) for h in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]


def _h(*hexes):
    return [bytes.fromhex(h) for h in hexes]


# (leaf index, tree size, proof); the source numbers leaves from 1.
INCLUSION = [
    (0, 1, []),
    (0, 8, _h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (5, 8, _h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
              "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 3, _h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (1, 5, _h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
]

CONSISTENCY = [
    (1, 1, []),
    (1, 8, _h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (6, 8, _h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
              "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 5, _h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
    (6, 7, _h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
              "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
]


@pytest.fixture(scope="module")
def stored():
    """The server's stored subtree hashes after appending the eight leaves."""
    hashes = {}
    for i, leaf in enumerate(LEAVES):
        for level, idx, h in tree.new_hashes(i, leaf, lambda l, n: hashes[l, n]):
            hashes[level, idx] = h
    return lambda level, idx: hashes[level, idx]


def test_leaf_hashes_match_the_ct_vectors():
    assert [tlog.leaf_hash(leaf) for leaf in LEAVES] == LEAF_HASHES


def test_roots_of_every_size_match_the_ct_vectors(stored):
    assert [tree.root(size, stored) for size in range(9)] == ROOTS


def test_frontier_roots_match_the_ct_vectors():
    frontier = tlog.Frontier()
    roots = [frontier.root()]
    for leaf in LEAVES:
        frontier.append(tlog.leaf_hash(leaf))
        roots.append(frontier.root())
    assert roots == ROOTS


@pytest.mark.parametrize("index,size,proof", INCLUSION)
def test_inclusion_proofs_match_the_ct_vectors(stored, index, size, proof):
    assert tree.inclusion_proof(index, size, stored) == proof
    tlog.verify_inclusion(LEAF_HASHES[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize("size1,size2,proof", CONSISTENCY)
def test_consistency_proofs_match_the_ct_vectors(stored, size1, size2, proof):
    assert tree.consistency_proof(size1, size2, stored) == proof
    tlog.verify_consistency(size1, ROOTS[size1], size2, ROOTS[size2], proof)


def test_every_proof_of_every_size_verifies(stored):
    for size in range(1, 9):
        for index in range(size):
            tlog.verify_inclusion(LEAF_HASHES[index], index, size,
                                  tree.inclusion_proof(index, size, stored), ROOTS[size])
        for size1 in range(1, size + 1):
            tlog.verify_consistency(size1, ROOTS[size1], size, ROOTS[size],
                                    tree.consistency_proof(size1, size, stored))


def test_an_inclusion_proof_gives_the_tree_before_its_leaf(stored):
    for size in range(1, 9):
        for index in range(size):
            proof = tree.inclusion_proof(index, size, stored)
            assert tlog.frontier_before(index, size, proof).root() == ROOTS[index]


def _mutations(proof):
    """Wrong proofs in the manner of the vectors' generator: a bit flipped, an
    element dropped, added or prepended."""
    for i in range(len(proof)):
        yield proof[:i] + [bytes([proof[i][0] ^ 8]) + proof[i][1:]] + proof[i + 1:]
    if proof:
        yield proof[:-1]
    yield proof + [ROOTS[0]]
    yield [ROOTS[0]] + proof


@pytest.mark.parametrize("index,size,proof", INCLUSION)
def test_wrong_inclusion_proofs_are_refused(index, size, proof):
    leaf, root = LEAF_HASHES[index], ROOTS[size]
    bad = [(leaf, index, size, p, root) for p in _mutations(proof)]
    bad += [(leaf, index + 1, size, proof, root), (leaf, index, size * 2, proof, root),
            (LEAF_HASHES[(index + 1) % 8], index, size, proof, root),
            (leaf, index, size, proof, ROOTS[0])]
    if index:
        bad.append((leaf, index - 1, size, proof, root))
    for args in bad:
        with pytest.raises(tlog.LogError):
            tlog.verify_inclusion(*args)


@pytest.mark.parametrize("size1,size2,proof", [c for c in CONSISTENCY if c[2]])
def test_wrong_consistency_proofs_are_refused(size1, size2, proof):
    r1, r2 = ROOTS[size1], ROOTS[size2]
    bad = [(size1, r1, size2, r2, p) for p in _mutations(proof)]
    bad += [(size1 - 1, r1, size2, r2, proof), (size1 + 1, r1, size2, r2, proof),
            (size1, r1, size2 * 2, r2, proof), (size1, r2, size2, r1, proof),
            (size1, r1, size2, r2, []), (size2, r2, size1, r1, proof)]
    for args in bad:
        with pytest.raises(tlog.LogError):
            tlog.verify_consistency(*args)
