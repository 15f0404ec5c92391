"""Whether this board is to use the viper backend (curve_viper.py,
fe_viper.py, sha512_viper.py), decided before anything large is compiled or
loaded. Importing it raises ImportError, and the pure-Python path stays in
use (field.py: `fast` is None):

- under CPython (no viper emitter);
- when the environment has NES_CRYPTO=python (unix port: tests, bench);
- on a heap under about 120 KiB: the viper path keeps some 20 KiB more in
  memory than the pure one (comb table, slots, programs; on ports that keep
  machine code in the heap, such as rp2, that too), and a small heap is
  better left to the messages. Loaded from .py sources rather than the .mpy
  files tools/build_firmware.py makes, the viper modules are compiled on
  the board first, which takes some 100 KiB more for a while and fragments
  the heap: then under about 184 KiB. On a 64-bit port (the unix port)
  objects are about twice their size and the whole application with the
  viper path was measured to need 192 KiB (it runs out of room at 128 to
  176 KiB, where the pure path runs; docs/FIRMWARE.md, Memory): there too
  under 184 KiB (a 192k heap has about 190 KiB of blocks). gc.mem_free() counts the heap an ESP32 can still grow into;
- on a port without a native emitter (compiling the viper functions fails:
  SyntaxError from source, ValueError from a .mpy).

Otherwise it loads curve_viper as `fast`. A failed import leaves nothing of
the backend in memory."""
import gc
import sys

if sys.implementation.name != "micropython":
    raise ImportError("the viper backend needs MicroPython")
try:
    from os import getenv
except ImportError:  # boards: no environment
    getenv = None
if getenv and getenv("NES_CRYPTO") == "python":
    raise ImportError("NES_CRYPTO=python: pure-Python crypto requested")
_SOURCES = globals().get("__file__", "").endswith(".py")  # to compile (see above)
_WIDE = getattr(sys, "maxsize", 0) > 0x7FFFFFFF  # 64-bit objects
if gc.mem_free() + gc.mem_alloc() < (184 if _WIDE or _SOURCES else 120) * 1024:
    raise ImportError("heap too small for the viper backend")

try:
    from . import curve_viper as fast  # noqa: F401 (for field.py)
except (SyntaxError, ValueError):  # a port without a native emitter
    raise ImportError("no native emitter")
