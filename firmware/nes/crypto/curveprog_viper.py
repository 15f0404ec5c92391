"""The programs curve_viper.py runs on fe_viper.run, as text, and their
assembler. The firmware does not load this module: render() writes the
assembled programs into curvecode_viper.py, which it loads instead (the
assembler would take about a second of a board's boot). The tests assemble
their own programs with `asm`.
"""
from .fe_viper import OPS

# Slots: constants, X25519 ladder, scratch, points Q (accumulator), P, R,
# an operand N (niels or cached form), then the verification tables of odd
# multiples [1, 3, ..., 15] of -A (WA) and of B (WB): 8 entries of 4 slots
# each, field f of entry e named "WA<e><f>".
_NAMES = ("ZERO ONE D D2 SQRTM1 X1 X2 Z2 X3 Z3 Y t0 t1 t2 t3 t4 t5 t6 t7 t8 t9 "
          "QX QY QZ QT PX PY PZ PT RX RY RZ RT N0 N1 N2 N3").split()
_SLOTS = {name: i for i, name in enumerate(_NAMES)}
_SLOTS.update(("W%s%d%d" % (t, e, f), len(_NAMES) + 32 * n + 4 * e + f)
              for n, t in enumerate("AB") for e in range(8) for f in range(4))
SLOT_COUNT = len(_SLOTS)
_OPCODES = {name: i for i, name in enumerate(OPS.split())}


def slot(name):
    return _SLOTS[name]


def asm(src):
    """Assemble "OP d x y; ..." (slot names or numbers, "label:" before an
    instruction; SWAP, CMOV and COPY take a slot count, 1 by default) into
    4-byte instructions for fe_viper.run."""
    lines = [text.split() for text in src.split(";") if text.split()]
    labels = {}
    for n, words in enumerate(lines):  # first pass: labels, for jumps forward
        if words[0][-1] == ":":
            labels[words.pop(0)[:-1]] = n
    code = bytearray()
    for words in lines:
        if len(words) == 3 and words[0] in ("SWAP", "CMOV", "COPY"):
            words.append("1")  # slot count
        code.append(_OPCODES[words[0]])
        for word in words[1:]:
            code.append(labels[word] if word in labels else _SLOTS.get(word) if word in _SLOTS
                        else int(word))
        code.extend(bytes(4 - len(words)))
    return bytes(code)


def _power(out, z, inverse=True):
    """out = z^(p-2) = 1/z, or z^((p-5)/8); scratch t0-t3."""
    return (
        "SQR t0 {z}; SQRN t1 t0 2; MUL t1 t1 {z}; MUL t0 t1 t0; SQR t2 t0; MUL t1 t2 t1; "
        "SQRN t2 t1 5; MUL t1 t2 t1; SQRN t2 t1 10; MUL t2 t2 t1; SQRN t3 t2 20; MUL t2 t3 t2; "
        "SQRN t2 t2 10; MUL t1 t2 t1; SQRN t2 t1 50; MUL t2 t2 t1; SQRN t3 t2 100; "
        "MUL t2 t3 t2; SQRN t2 t2 50; MUL t2 t2 t1; "
        + ("SQRN t2 t2 5; MUL {out} t2 t0; " if inverse else "SQRN t2 t2 2; MUL {out} t2 {z}; ")
    ).format(out=out, z=z)


# Twisted Edwards (a = -1) in extended coordinates, as ed25519.py: doubling
# dbl-2008-hwcd (T left out when another doubling follows), addition
# add-2008-hwcd-3 of an operand n in niels form (y+x, y-x, 2d*x*y; z = 1) or
# cached form (Y+X, Y-X, 2Z, 2d*T). {p} and {n} name the slots.
_DBL_XYZ = (
    "SQR t0 {p}X; SQR t1 {p}Y; SQR t2 {p}Z; ADD t2 t2 t2; ADD {dh} t0 t1; ADD t4 {p}X {p}Y; "
    "SQR t4 t4; SUB t4 {dh} t4; SUB t0 t0 t1; ADD t1 t2 t0; MUL {p}X t4 t1; MUL {p}Y t0 {dh}; "
    "MUL {p}Z t1 t0; "
)
_DBL = _DBL_XYZ + "MUL {p}T t4 {dh}; "
_HEAD = "SUB t0 {p}Y {p}X; MUL t0 t0 {n}1; ADD t1 {p}Y {p}X; MUL t1 t1 {n}0; "
_TAIL_XYZ = ("SUB t4 t1 t0; ADD {ah} t1 t0; SUB t0 t3 t2; ADD t3 t3 t2; "
             "MUL {p}X t4 t0; MUL {p}Y t3 {ah}; MUL {p}Z t0 t3; ")
_TAIL = _TAIL_XYZ + "MUL {p}T t4 {ah}; "
_MADD = _HEAD + "MUL t2 {p}T {n}2; ADD t3 {p}Z {p}Z; " + _TAIL
_ADDC_CD = "MUL t2 {p}T {n}3; MUL t3 {p}Z {n}2; "  # C and D of a cached operand
_ADDC = _HEAD + _ADDC_CD + _TAIL
_CACHED = "ADD {n}0 {p}Y {p}X; SUB {n}1 {p}Y {p}X; ADD {n}2 {p}Z {p}Z; MUL {n}3 {p}T D2; "
_IDENTITY = "COPY {p}X ZERO; COPY {p}Y ONE; COPY {p}Z ONE; COPY {p}T ZERO; "
_NEGATE = "SWAP N0 N1; SUB {t} ZERO {f}; CMOV {f} {t}; "  # by the mask a selection set


def _f(template, p="Q", n="N", dh="t3", ah="t1", **kw):
    """A template above for point p and operand n; E stays in t4, H goes to
    dh (doubling) or ah (addition)."""
    return template.format(p=p, n=n, dh=dh, ah=ah, **kw)


# Verification's double-scalar loop computes T only when an addition needs
# it, from E and H of the last doubling or addition, kept in t4 and t5.
_DBL_LAZY = _f(_DBL_XYZ, dh="t5")
_ADD_LAZY = "MUL QT t4 t5; " + _f(_HEAD + _ADDC_CD + _TAIL_XYZ, ah="t5")


def _odd_multiples(table):
    """Cached [1, 3, ..., 15]P for P in the P slots into table entries 0-7."""
    return ("COPY QX PX 4; " + _f(_CACHED, n=table + "0") + _f(_DBL) + _f(_CACHED) + "COPY QX PX 4; "
            + "".join(_f(_ADDC) + _f(_CACHED, n=table + str(e)) for e in range(1, 8)) + "END")

# The slots the Python side of curve_viper.py reads or writes by name.
_NAMED = ("ONE", "D", "Y", "X1", "X2", "QX", "QY", "N0", "PX", "t5", "t6", "t7", "t8", "t9")


def programs():
    """(name, assembled program) for each program curve_viper.py runs."""
    add_r = _f(_ADDC, p="R") + "END"
    return [
        # RFC 7748 §5, bits 254..0 of the clamped k, u in X1
        ("LADDER", asm(
            "COPY X2 ONE; COPY Z2 ZERO; COPY X3 X1; COPY Z3 ONE; "
            "L: BIT; SWAP X2 X3 2; ADD t4 X2 Z2; SUB t5 X2 Z2; ADD t6 X3 Z3; SUB t7 X3 Z3; "
            "MUL t7 t7 t4; MUL t6 t6 t5; SQR t4 t4; SQR t5 t5; ADD X3 t7 t6; SQR X3 X3; "
            "SUB Z3 t7 t6; SQR Z3 Z3; MUL Z3 Z3 X1; MUL X2 t4 t5; SUB t5 t4 t5; A24 Z2 t5; "
            "ADD Z2 Z2 t4; MUL Z2 Z2 t5; LOOP L; FIN; SWAP X2 X3 2; "
            + _power("Z2", "Z2") + "MUL X2 X2 Z2; FRZ X2 X2; END")),
        # Q = [k]B, columns 15..0 of the digits, four blocks each
        ("COMB", asm(
            _f(_IDENTITY) + "L: " + _f(_DBL)
            + "".join("SELC N0 %d; " % blk + _f(_NEGATE, t="t5", f="N2") + _f(_MADD)
                      for blk in range(4)) + "LOOP L; END")),
        # x, y of Q frozen in QX, QY
        ("AFFINE", asm(
            _power("N0", "QZ") + "MUL QX QX N0; MUL QY QY N0; FRZ QX QX; FRZ QY QY; END")),
        # u = (1 + y) / (1 - y) = (Z + Y) / (Z - Y) of Q, in N0
        ("MONTGOMERY_U", asm(
            "ADD N0 QZ QY; SUB N1 QZ QY; " + _power("N1", "N1") + "MUL N0 N0 N1; FRZ N0 N0; END")),
        # RFC 8032 §5.1.3: x = u v^3 (u v^7)^((p-5)/8), u = y^2 - 1,
        # v = d y^2 + 1; v x^2, u and -u frozen in t5, t6, t7 to compare
        ("DECODE", asm(
            "SQR t5 Y; SUB t6 t5 ONE; MUL t7 t5 D; ADD t7 t7 ONE; SQR t8 t7; MUL t8 t8 t7; "
            "SQR t9 t8; MUL t9 t9 t7; MUL t9 t9 t6; " + _power("t9", "t9", inverse=False)
            + "MUL t9 t9 t8; MUL PX t9 t6; SQR t5 PX; MUL t5 t5 t7; FRZ t5 t5; FRZ t6 t6; "
            "SUB t7 ZERO t6; FRZ t7 t7; FRZ PX PX; END")),
        ("X_TIMES_SQRTM1", asm("MUL PX PX SQRTM1; FRZ PX PX; END")),
        ("X_NEGATE", asm("SUB PX ZERO PX; END")),
        ("P_FINISH", asm("COPY PY Y; COPY PZ ONE; MUL PT PX PY; END")),
        ("P_TO_R", asm("COPY RX PX 4; END")),
        # WA = odd multiples of -A, for A in P; WB = odd multiples of B
        ("A_TABLE", asm("SUB PX ZERO PX; SUB PT ZERO PT; " + _odd_multiples("WA"))),
        ("B_TABLE", asm(_odd_multiples("WB"))),
        # [k](-A) + [s]B by one chain of doublings (Straus), width-5 NAF
        # digits of k at k[0:256], of s at k[256:512], from the top; then
        # minus R, times 8: X and Y - Z of the result frozen in QX and t5
        ("VERIFY", asm(
            _f(_IDENTITY) + "L: " + _DBL_LAZY
            + "JZ SA 0; SELV N0 WA00 0; " + _f(_NEGATE, t="t6", f="N3") + _ADD_LAZY
            + "SA: JZ SB 1; SELV N0 WB00 1; " + _f(_NEGATE, t="t6", f="N3") + _ADD_LAZY
            + "SB: LOOP L; MUL QT t4 t5; SUB RX ZERO RX; SUB RT ZERO RT; "
            + _f(_CACHED, p="R") + _f(_ADDC) + _f(_DBL_XYZ) * 3
            + "FRZ QX QX; SUB t5 QY QZ; FRZ t5 t5; END")),
    ]


# Public constants computed here, with Python integers, rather than on the
# board at each boot: d, 2d, sqrt(-1) for the slots D, D2, SQRTM1 (adjacent),
# and the comb table.
_P = (1 << 255) - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRTM1 = pow(2, (_P - 1) // 4, _P)


def _limbs(n):
    """Field element n as a slot of fe_viper: 20 little-endian 16-bit limbs
    of 13 bits, the last of 8 (what convert() puts into a slot)."""
    out = bytearray()
    for j in range(20):
        limb = (n >> (13 * j)) & 8191
        out.append(limb & 255)
        out.append(limb >> 8)
    return bytes(out)


def _inv(n):
    return pow(n, _P - 2, _P)


def _add(p1, p2):
    """The sum of two affine points of edwards25519 (a = -1; RFC 8032 §5.1)."""
    (x1, y1), (x2, y2) = p1, p2
    t = _D * x1 * x2 * y1 * y2 % _P
    return ((x1 * y2 + y1 * x2) * _inv(1 + t) % _P, (y1 * y2 + x1 * x2) * _inv(1 - t) % _P)


def _base():
    """B: y = 4/5, x even (RFC 8032 §5.1)."""
    y = 4 * _inv(5) % _P
    u, v = (y * y - 1) % _P, (_D * y * y + 1) % _P
    x = pow(u * _inv(v), (_P + 3) // 8, _P)
    if x * x % _P != u * _inv(v) % _P:
        x = x * _SQRTM1 % _P
    return (_P - x if x & 1 else x, y)


def comb_table():
    """curve_viper's comb table: for block blk and w in 0..7, in niels form
    (y+x, y-x, 2d*x*y), P3 + sum(+-Pt, t < 3) with Pt = [2^(64 blk + 16 t)]B,
    + where bit t of w is set."""
    point, out = _base(), []
    for blk in range(4):
        teeth = []
        for t in range(4):
            teeth.append(point)
            for _ in range(16):
                point = _add(point, point)
        for w in range(8):
            x, y = teeth[3]
            for t in range(3):
                tx, ty = teeth[t]
                x, y = _add((x, y), (tx if (w >> t) & 1 else _P - tx, ty))
            out.append(_limbs((y + x) % _P) + _limbs((y - x) % _P) + _limbs(2 * _D * x * y % _P))
    return b"".join(out)


def field_constants():
    """The slots D, D2 and SQRTM1."""
    return _limbs(_D) + _limbs(2 * _D % _P) + _limbs(_SQRTM1)


def _literal(code, indent):
    """Python source for bytes `code`, 20 bytes a line."""
    lines = ["b'%s'" % "".join("\\x%02x" % b for b in code[i:i + 20])
             for i in range(0, len(code), 20)]
    return ("\n" + " " * indent).join(lines)


def render():
    """The text of curvecode_viper.py: the programs, assembled. Run after a
    change to the texts above (tests/firmware/test_viper.py checks it):
    micropython -c "from nes import curveprog_viper as p; print(p.render(), end='')"
    """
    out = ['"""The programs of curveprog_viper.py, assembled for fe_viper.run, and the',
           'constants it computes (d, 2d, sqrt(-1); the comb table). Generated by',
           'curveprog_viper.render(); tests/firmware/test_viper.py checks that this file',
           'is current. Data only: assembling on the board would cost a second at boot,',
           'building the comb table some 0.5 s of an ESP32\'s every wake."""',
           "SLOT_COUNT = %d" % SLOT_COUNT,
           "SLOTS = {\n    %s,\n}" % ",\n    ".join('"%s": %d' % (n, slot(n)) for n in _NAMED)]
    for name, code in programs() + [("FIELD_CONSTANTS", field_constants()), ("COMB_TABLE", comb_table())]:
        if isinstance(code, tuple):
            out.append("%s = (\n    %s,\n)" % (name, ",\n    ".join(_literal(c, 4) for c in code)))
        else:
            out.append("%s = (\n    %s\n)" % (name, _literal(code, 4)))
    return "\n".join(out) + "\n"
