"""Firmware crypto timings and heap use, run under the MicroPython unix port:

    micropython fwcrypto.py time REPS [OP ...]   -> median time of each op
    micropython fwcrypto.py alloc [OP ...]       -> bytes each op allocates
    micropython fwcrypto.py peak [OP ...]        -> heap each op needs at once
    micropython fwcrypto.py split REPS [OP ...]  -> of each op's time, how much
                                                    ran as viper machine code

On a provisioned board, `mpremote connect PORT resume run bench/mp/fwcrypto.py`
(no arguments: `time 9`) measures the board itself.

The caller picks the firmware's crypto backend through the environment
(NES_CRYPTO=python forces pure Python); the result says which one the
firmware actually loaded. Prints one line `BENCH-JSON {...}`.

`alloc` is every byte an op allocates with the collector off (run it with a
heap larger than that); `peak` is the smallest free heap, above everything
already loaded, with which the op still succeeds, found by filling the rest of
the heap with ballast: the high-water mark of live data during the op, as a
board with a tight heap sees it (run it with a small heap: each collection
sweeps all of it)."""
import gc
import json
import os
import sys
import time

_SENDER = "alice"
_RECIPIENT = "bobby"
_TS = 1700000000000
_SIGN_SEED = bytes(range(32))
_MESSAGE_SECRET = bytes(range(32, 64))
_STEP = 128  # resolution of the heap search, bytes
_MAX_CHUNKS = 2048
# Allocated first, while the heap is empty: growing a list when the heap is
# nearly full would fail.
_BALLAST = [None] * _MAX_CHUNKS


def _fixed_random(n, _state=[0]):
    # Deterministic "random" bytes so every run allocates the same way.
    _state[0] += 1
    return bytes((i * 73 + _state[0] * 29 + 11) & 255 for i in range(n))


def _text(size):
    return ("nes bench message " * (size // 18 + 1))[:size]


def _build_ops(random):
    global ed25519, envelope, x25519
    from nes.crypto import ed25519, x25519
    from nes.proto import envelope

    recipient_public = x25519.public_key(_MESSAGE_SECRET)
    sign_public = ed25519.public_key(_SIGN_SEED)
    peer = x25519.public_key(bytes(range(64, 96)))
    msg = _text(100).encode()
    sig = ed25519.sign(_SIGN_SEED, msg)

    def sign_key_for(name):
        return sign_public if name == _SENDER else None

    def sealer(text):
        return lambda: envelope.seal(_SENDER, _SIGN_SEED, _RECIPIENT, recipient_public,
                                     text, _TS, random)

    def opener(frame):
        return lambda: envelope.open_frame(frame, _RECIPIENT, _MESSAGE_SECRET, sign_key_for, _TS)

    text100, text1k = _text(100), _text(1024)
    frame100 = sealer(text100)()
    frame1k = sealer(text1k)()
    if opener(frame100)().text != text100 or opener(frame1k)().text != text1k:
        raise SystemExit("firmware envelope does not open its own frames")
    return {
        "x25519": lambda: x25519.x25519(_MESSAGE_SECRET, peer),
        "ed25519_sign": lambda: ed25519.sign(_SIGN_SEED, msg),
        "ed25519_verify": lambda: ed25519.verify(sign_public, msg, sig),
        "seal_100": sealer(text100),
        "open_100": opener(frame100),
        "seal_1k": sealer(text1k),
        "open_1k": opener(frame1k),
    }


def _median(samples):
    samples = sorted(samples)
    n = len(samples)
    return samples[n // 2] if n % 2 else (samples[n // 2 - 1] + samples[n // 2]) / 2


def _time_op(op, reps):
    op()  # warm-up: first-call work (tables, caches) is not the steady cost
    samples = []
    for _ in range(reps):
        t0 = time.ticks_us()
        op()
        samples.append(time.ticks_diff(time.ticks_us(), t0))
    return {"median_us": _median(samples), "min_us": min(samples), "max_us": max(samples), "n": reps}


# The viper functions the firmware calls from Python: (module, name). Time
# spent inside them is machine code; the rest of an op is interpreted.
_MACHINE_CODE = (("nes.crypto.curve_viper", "run"), ("nes.crypto.curve_viper", "convert"),
                 ("nes.crypto.curve_viper", "_recode"), ("nes.crypto.sha512_viper", "_compress"))


def _timed(fn, acc):
    def call(*args):
        t0 = time.ticks_us()
        fn(*args)
        acc[0] += time.ticks_diff(time.ticks_us(), t0)
        acc[1] += 1
    return call


def _wrap_machine_code(acc):
    for module, name in _MACHINE_CODE:
        mod = sys.modules.get(module)
        if mod is not None:
            setattr(mod, name, _timed(getattr(mod, name), acc))


def _split(op, reps, acc, empty_call_us):
    """The median microseconds of `op` spent in machine code; the wrapped
    calls' own timing overhead (an empty viper call, measured) is taken out.
    (The op's whole time is the `time` mode's, measured without wrappers.)"""
    op()
    inside = []
    for _ in range(reps):
        acc[0] = acc[1] = 0
        op()
        inside.append(max(0, acc[0] - acc[1] * empty_call_us))
    return {"machine_code_us": _median(inside)}


def _kernel_times(reps):
    """Microseconds per multiplication and per squaring in fe_viper.run."""
    from nes.crypto import curveprog_viper as prog
    from nes.crypto.fe_viper import LIMB_BYTES, run

    mem = bytearray(prog.SLOT_COUNT * LIMB_BYTES)
    for i in range(0, len(mem), 2):
        mem[i] = (i * 37) & 255
    k, tab, loops = bytearray(64), bytearray(8), 200
    out = {}
    for name, text in (("empty", ""), ("mul", "MUL t0 t1 t2; " * 10), ("sqr", "SQR t0 t1; " * 10)):
        code = prog.asm("L: " + text + "LOOP L; END")
        out[name] = _time_op(lambda: run(mem, code, k, tab, loops - 1), reps)["min_us"]
    return {op: (out[op] - out["empty"]) / (10.0 * loops) for op in ("mul", "sqr")}


def _empty_call_us(acc):
    """What one wrapped call adds to its own measurement, from a viper
    function that does nothing."""
    import micropython

    @micropython.viper
    def nothing(a: int):
        pass

    call = _timed(nothing, acc)
    samples = []
    for _ in range(5):
        acc[0] = acc[1] = 0
        for _ in range(200):
            call(0)
        samples.append(acc[0] / 200)
    samples.sort()
    return samples[0]


def _alloc(op):
    gc.collect()
    gc.disable()
    try:
        before = gc.mem_alloc()
        op()
        return gc.mem_alloc() - before
    finally:
        gc.enable()
        gc.collect()


def _squeeze(target):
    """Fill _BALLAST so that about `target` bytes of heap stay free."""
    gc.collect()
    for i in range(_MAX_CHUNKS):
        excess = gc.mem_free() - target
        if excess < 64:
            break
        # Down to 1-byte arrays: after imports much of the free heap is
        # small holes, which the op's small objects can use too.
        size = excess - 32
        while size >= 1:
            try:
                _BALLAST[i] = bytearray(size)
                break
            except MemoryError:
                size //= 2
        else:
            break


def _fits(op, target):
    """(ok, free heap the op started with)."""
    _squeeze(target)
    free = gc.mem_free()
    try:
        op()
        ok = True
    except MemoryError:
        ok = False
    for i in range(_MAX_CHUNKS):
        _BALLAST[i] = None
    gc.collect()
    return ok, free


def _peak(op):
    hi = 4096
    while True:
        ok, free = _fits(op, hi)
        if ok:
            best = free
            break
        hi *= 2
        if hi > 4 * 1024 * 1024:
            return None
    lo = hi // 2
    while hi - lo > _STEP:
        mid = (lo + hi) // 2
        ok, free = _fits(op, mid)
        if ok:
            hi, best = mid, min(best, free)
        else:
            lo = mid
    return best


def _viper_modules():
    return sorted(name for name, module in sys.modules.items()
                  if name.startswith("nes.") and name.endswith("_viper") and module is not None)


def main(argv):
    mode, rest = argv[0], argv[1:]
    reps = 0
    if mode in ("time", "split"):
        reps, rest = int(rest[0]), rest[1:]
    ops = _build_ops(os.urandom if mode in ("time", "split") else _fixed_random)
    names = rest or list(ops)
    viper = _viper_modules()
    result = {"mode": mode, "backend": "viper" if viper else "python", "viper_modules": viper, "ops": {}}
    gc.collect()
    result["resident"] = gc.mem_alloc()
    if mode == "split":
        if not viper:
            raise SystemExit("split needs the viper backend")
        acc = [0, 0]
        empty = _empty_call_us(acc)
        _wrap_machine_code(acc)
        result["empty_call_us"] = empty
        result["kernel_us"] = _kernel_times(reps)
    measure = {"time": lambda op: _time_op(op, reps), "alloc": _alloc, "peak": _peak,
               "split": lambda op: _split(op, reps, acc, empty)}[mode]
    for name in names:
        result["ops"][name] = measure(ops[name])
    print("BENCH-JSON " + json.dumps(result))


main(sys.argv[1:] or ["time", "9"])  # mpremote run passes no arguments
