"""How long a board takes for one field multiplication (and squaring) of the
viper backend, from the machine code mpy-cross makes for the board.

The interpreted part of the firmware scales between machines like pystone
(bench/boards.py); viper code does not: it is machine code, and on a board
it runs from RAM, away from the flash cache misses that slow the interpreter.
So the bench counts it. The multiplication and squaring paths of
fe_viper.run are straight-line code: every instruction of the path runs once
per operation. They are cut out of the firmware's own source (the `if`s on
`op` resolved for one operation), compiled with mpy-cross for xtensawin (ESP32,
ESP32-S3), armv6m (RP2040) and rv32imc (ESP32-C3/C6) once and twice in a row;
the difference is the instructions of one operation. Cycles per instruction come from the cores'
pipelines (CYCLES below), and clock frequency turns cycles into seconds.
"""
import ast
import pathlib
import subprocess
import tempfile

from .section import Unavailable, tool

ROOT = pathlib.Path(__file__).resolve().parents[1]
FE_VIPER = ROOT / "firmware" / "nes" / "crypto" / "fe_viper.py"
OPS = ("mul", "sqr")

# Cycle models, (low, high) cycles for an instruction of each class.
# Xtensa LX6/LX7 (ESP32, ESP32-S3): a single-issue 5-stage pipeline, one
# instruction a cycle; a load's result is ready a cycle late and the 32-bit
# multiplier's too, so the high figure charges every load and multiply one
# stall (as if each result were used by the next instruction, as viper's code
# mostly does). Cortex-M0+ (RP2040): loads and stores take 2 cycles, the rest
# 1; the RP2040 has the single-cycle multiplier (Arm Cortex-M0+ Technical
# Reference Manual, "Instruction set summary"; RP2040 datasheet, "Processor
# subsystem").
CYCLES = {
    "xtensawin": {"load": (1, 2), "store": (1, 1), "mul": (1, 2), "other": (1, 1)},
    "armv6m": {"load": (2, 2), "store": (2, 2), "mul": (1, 1), "other": (1, 1)},
    # ESP32-C3/C6 (RISC-V RV32IMC): Espressif publishes no per-instruction
    # timings for the cores; this assumes a single-issue in-order pipeline as
    # the Xtensa model does, a load's or a multiply's result a cycle late at worst.
    "rv32imc": {"load": (1, 2), "store": (1, 1), "mul": (1, 2), "other": (1, 1)},
}
BOARDS = {  # board: (mpy-cross architecture, clock in Hz)
    "ESP32 (240 MHz)": ("xtensawin", 240e6),
    "ESP32-S3 (240 MHz)": ("xtensawin", 240e6),
    "RP2040 (125 MHz)": ("armv6m", 125e6),
    "ESP32-C3 (160 MHz)": ("rv32imc", 160e6),
}


# -- the kernels, from fe_viper.py -------------------------------------------

def _constants(tree):
    """{name: value} of the module's `_NAME = const(N)` lines."""
    out = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and getattr(node.value.func, "id", None) == "const"):
            out[node.targets[0].id] = node.value.args[0].value
    return out


class _Specialise(ast.NodeTransformer):
    """Resolve every `if` whose test reads only `op` and constants."""

    def __init__(self, env):
        self.env = env

    def visit_If(self, node):
        names = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
        if names and names <= set(self.env):
            taken = node.body if eval(compile(ast.Expression(node.test), "<test>", "eval"), {}, self.env) \
                else node.orelse
            out = []
            for n in taken:
                n = self.visit(n)
                out.extend(n if isinstance(n, list) else [n])
            return out or [ast.Pass()]
        return self.generic_visit(node)


def kernel_source(op, repeat):
    """A viper function running fe_viper.run's path for `op` ("mul", "sqr")
    `repeat` times over three slots, with run's arguments (so the same locals
    sit in registers)."""
    tree = ast.parse(FE_VIPER.read_text())
    env = _constants(tree)
    run = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "run")
    loop = next(n for n in ast.walk(run) if isinstance(n, ast.While) and isinstance(n.test, ast.Compare)
                and getattr(n.test.left, "id", None) == "n")
    env["op"] = env["_" + op.upper()]
    body = [s for s in _Specialise(env).visit(ast.Module(loop.body, [])).body
            if not (isinstance(s, ast.AugAssign) and getattr(s.target, "id", None) == "n")]
    text = "\n".join(ast.unparse(s) for s in body)
    inner = "\n".join("    " + line for line in text.splitlines())
    return ("import micropython\n\n@micropython.viper\n"
            "def kernel(m: ptr16, prog: ptr8, k: ptr8, tab: ptr16, i: int):\n"
            "    d = ptr16(uint(m))\n    x = ptr16(uint(m) + 40)\n    y = ptr16(uint(m) + 80)\n"
            + (inner + "\n") * repeat)


# -- counting instructions ---------------------------------------------------

def _xtensa(code):
    """Classes of the instructions from the function's `entry` to the end."""
    start = next(i for i in range(len(code) - 1) if code[i] == 0x36 and code[i + 1] & 15 == 1)
    i, out = start, []
    while i + 2 < len(code):
        b0, b1, b2 = code[i], code[i + 1], code[i + 2]
        op0 = b0 & 15
        if 8 <= op0 <= 13:  # the density option's 16-bit instructions
            out.append("load" if op0 == 8 else "store" if op0 == 9 else "other")
            i += 2
            continue
        r = b1 >> 4
        if op0 == 1 or (op0 == 2 and r in (0, 1, 2, 9)):
            out.append("load")
        elif op0 == 2 and r in (4, 5, 6):
            out.append("store")
        elif op0 == 0 and b2 == 0x82:  # op2 8, op1 2: MULL
            out.append("mul")
        else:
            out.append("other")
        i += 3
    return out


def _thumb(code):
    """Classes of the Thumb instructions from the function's `push` to the end."""
    # push {r4-r7, lr} and whatever low registers the function saves
    start = next(i for i in range(len(code) - 1) if code[i + 1] == 0xB5 and code[i] >> 4 == 0xF)
    i, out = start, []
    while i + 1 < len(code):
        hw = code[i] | code[i + 1] << 8
        if hw >> 11 in (0x1D, 0x1E, 0x1F):  # 32-bit encodings
            out.append("other")
            i += 4
            continue
        if hw >> 12 in (5, 6, 7, 8, 9) or hw >> 11 == 9:
            out.append("load" if (hw >> 11) & 1 or hw >> 12 == 5 and (hw >> 9) & 7 >= 3 else "store")
        elif hw & 0xFFC0 == 0x4340:
            out.append("mul")
        else:
            out.append("other")
        i += 2
    return out


def _riscv(code):
    """Classes of the RV32IMC instructions from the function's stack-pointer
    adjustment (c.addi16sp, or addi sp, sp, -N) to the end."""
    def is_start(i):
        hw = code[i] | code[i + 1] << 8
        if hw & 0xEF83 == 0x6101 and hw & 0x1000:  # c.addi16sp with a negative immediate
            return True
        word = int.from_bytes(code[i:i + 4], "little")
        return word & 0xFFFFF == 0x10113 and word >> 31  # addi sp, sp, -N
    start = next(i for i in range(0, len(code) - 3) if is_start(i))
    i, out = start, []
    while i + 1 < len(code):
        hw = code[i] | code[i + 1] << 8
        if hw & 3 != 3:  # compressed, 16 bits: quadrant (low 2 bits) and funct3
            quadrant, funct3 = hw & 3, hw >> 13
            out.append("load" if funct3 == 2 and quadrant in (0, 2)
                       else "store" if funct3 == 6 and quadrant in (0, 2) else "other")
            i += 2
            continue
        if i + 3 >= len(code):
            break
        word = int.from_bytes(code[i:i + 4], "little")
        opcode = word & 0x7F
        if opcode == 0x03:
            out.append("load")
        elif opcode == 0x23:
            out.append("store")
        elif opcode == 0x33 and word >> 25 == 1 and (word >> 12) & 7 < 4:  # MUL, MULH*
            out.append("mul")
        else:
            out.append("other")
        i += 4
    return out


_DECODE = {"xtensawin": _xtensa, "armv6m": _thumb, "rv32imc": _riscv}


def _compiled(mpy_cross, arch, source, tmp):
    src = tmp / "kernel.py"
    out = tmp / "kernel.mpy"
    src.write_text(source)
    # -s: a fixed source name, so no random temporary path sits in the .mpy
    # where the decoder looks for the function's first instruction
    run = subprocess.run([mpy_cross, "-march=" + arch, "-s", "kernel.py", "-o", str(out), str(src)],
                         capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError("mpy-cross -march=%s: %s" % (arch, run.stderr.strip()[-300:]))
    return out.read_bytes()


def instruction_counts(mpy_cross, arch, op):
    """{class: count} of the instructions of one `op` on `arch`."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        once, twice = (_DECODE[arch](_compiled(mpy_cross, arch, kernel_source(op, r), tmp)) for r in (1, 2))
    return {c: twice.count(c) - once.count(c) for c in ("load", "store", "mul", "other")}


def run():
    """Per board: instructions and estimated seconds per multiplication and squaring."""
    mpy_cross = tool("mpy-cross")
    counts = {arch: {op: instruction_counts(mpy_cross, arch, op) for op in OPS} for arch in CYCLES}
    boards = {}
    for board, (arch, hz) in BOARDS.items():
        entry = {"arch": arch, "clock_hz": hz}
        for op in OPS:
            n = counts[arch][op]
            low, high = (sum(n[c] * CYCLES[arch][c][end] for c in n) for end in (0, 1))
            entry[op] = {"instructions": sum(n.values()), "by_class": n,
                         "seconds": (low / hz, high / hz)}
        boards[board] = entry
    return {
        "method": __doc__.split("\n\n")[1].replace("\n", " "),
        "cycles": {arch: {c: list(v) for c, v in m.items()} for arch, m in CYCLES.items()},
        "boards": boards,
    }


if __name__ == "__main__":
    import json
    print(json.dumps(run(), indent=1))
