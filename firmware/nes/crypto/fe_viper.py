"""Arithmetic modulo p = 2^255 - 19 for MicroPython's viper emitter: an
interpreter of field-operation programs, the machine code behind
curve_viper.py (which checks that this port may use it before importing it).

A field element is 20 limbs of 13 bits (2^260 = 608 mod p) in a 16-bit array,
each limb at most 8195 between operations. From such inputs every
product, column sum and carry stays below 2^31, so the 64-bit unix port and
the 32-bit boards compute the same words (tests/firmware/test_viper.py checks
this on the source with interval arithmetic). `run` executes a program of
4-byte instructions (op, d, x, y) over a bank of elements, "slots": a whole
ladder or scalar multiplication per call, with multiplication and squaring
unrolled once. It branches only on the program and loop counter, never on
the data, except in JZ and SELV, which only verification uses, on the public
digits of its scalars; docs/CRYPTO.md has the details.
"""
import micropython
from micropython import const

# Operation codes of `run`; OPS spells them in the same order for an assembler.
_END = const(0)
_MUL = const(1)  # d = x * y
_SQR = const(2)  # d = x^2
_SQRN = const(3)  # d = x^(2^n), n in the last byte
_ADD = const(4)  # d = x + y
_SUB = const(5)  # d = x - y
_A24 = const(6)  # d = 121665 * x
_SWAP = const(7)  # swap d and x where the mask is set
_CMOV = const(8)  # d = x where the mask is set
_COPY = const(9)  # d = x
_BIT = const(10)  # ladder: mask = -(bit i of k XOR the previous bit)
_FIN = const(11)  # ladder: mask = -(last bit)
_LOOP = const(12)  # i -= 1; while i >= 0 jump to the instruction in the d byte
_SELC = const(13)  # d..d+2 = comb entry of block x for digit k[4i + x], mask = its sign
_SELV = const(14)  # d..d+3 = entry (|v| - 1) / 2 of the table at x, v = k[256y + i], mask = sign
_FRZ = const(15)  # d = x fully reduced: limbs < 2^13, value < p
_JZ = const(16)  # jump to the instruction in the d byte when k[256x + i] is 0
OPS = "END MUL SQR SQRN ADD SUB A24 SWAP CMOV COPY BIT FIN LOOP SELC SELV FRZ JZ"

LIMB_BYTES = const(40)  # a slot: 20 limbs of 16 bits
NIELS_BYTES = const(120)  # a comb table entry: y+x, y-x, 2d*x*y


@micropython.viper
def run(m: ptr16, prog: ptr8, k: ptr8, tab: ptr16, i: int):
    """Execute `prog` over the slots in `m`; `k` holds the scalar bits or
    digits, `tab` the comb table, `i` starts the loop counter."""
    base = uint(m)
    mask = 0
    prev = 0
    pc = 0
    while True:
        op = prog[pc]
        d = ptr16(base + uint(prog[pc + 1]) * LIMB_BYTES)
        x = ptr16(base + uint(prog[pc + 2]) * LIMB_BYTES)
        y = ptr16(base + uint(prog[pc + 3]) * LIMB_BYTES)
        pc += 4
        if op == _END:
            return
        if op <= _A24:
            # Straight-line code: viper keeps only three locals in registers,
            # so the same arithmetic as loops runs 3 to 5 times slower.
            n = 1
            if op == _SQRN:
                n = prog[pc - 1]
            while n > 0:
                a0 = x[0]; a1 = x[1]; a2 = x[2]; a3 = x[3]; a4 = x[4]; a5 = x[5]; a6 = x[6]
                a7 = x[7]; a8 = x[8]; a9 = x[9]; a10 = x[10]; a11 = x[11]; a12 = x[12]; a13 = x[13]
                a14 = x[14]; a15 = x[15]; a16 = x[16]; a17 = x[17]; a18 = x[18]; a19 = x[19]
                if op == _MUL or op == _ADD or op == _SUB:
                    b0 = y[0]; b1 = y[1]; b2 = y[2]; b3 = y[3]; b4 = y[4]; b5 = y[5]; b6 = y[6]
                    b7 = y[7]; b8 = y[8]; b9 = y[9]; b10 = y[10]; b11 = y[11]; b12 = y[12]
                    b13 = y[13]
                    b14 = y[14]; b15 = y[15]; b16 = y[16]; b17 = y[17]; b18 = y[18]; b19 = y[19]
                if op <= _SQRN:
                    if op == _MUL:
                        c0 = a0*b0
                        c1 = a0*b1 + a1*b0
                        c2 = a0*b2 + a1*b1 + a2*b0
                        c3 = a0*b3 + a1*b2 + a2*b1 + a3*b0
                        c4 = a0*b4 + a1*b3 + a2*b2 + a3*b1 + a4*b0
                        c5 = a0*b5 + a1*b4 + a2*b3 + a3*b2 + a4*b1 + a5*b0
                        c6 = a0*b6 + a1*b5 + a2*b4 + a3*b3 + a4*b2 + a5*b1 + a6*b0
                        c7 = a0*b7 + a1*b6 + a2*b5 + a3*b4 + a4*b3 + a5*b2 + a6*b1 + a7*b0
                        c8 = a0*b8 + a1*b7 + a2*b6 + a3*b5 + a4*b4 + a5*b3 + a6*b2 + a7*b1
                        c8 += a8*b0
                        c9 = a0*b9 + a1*b8 + a2*b7 + a3*b6 + a4*b5 + a5*b4 + a6*b3 + a7*b2
                        c9 += a8*b1 + a9*b0
                        c10 = a0*b10 + a1*b9 + a2*b8 + a3*b7 + a4*b6 + a5*b5 + a6*b4 + a7*b3
                        c10 += a8*b2 + a9*b1 + a10*b0
                        c11 = a0*b11 + a1*b10 + a2*b9 + a3*b8 + a4*b7 + a5*b6 + a6*b5 + a7*b4
                        c11 += a8*b3 + a9*b2 + a10*b1 + a11*b0
                        c12 = a0*b12 + a1*b11 + a2*b10 + a3*b9 + a4*b8 + a5*b7 + a6*b6 + a7*b5
                        c12 += a8*b4 + a9*b3 + a10*b2 + a11*b1 + a12*b0
                        c13 = a0*b13 + a1*b12 + a2*b11 + a3*b10 + a4*b9 + a5*b8 + a6*b7 + a7*b6
                        c13 += a8*b5 + a9*b4 + a10*b3 + a11*b2 + a12*b1 + a13*b0
                        c14 = a0*b14 + a1*b13 + a2*b12 + a3*b11 + a4*b10 + a5*b9 + a6*b8 + a7*b7
                        c14 += a8*b6 + a9*b5 + a10*b4 + a11*b3 + a12*b2 + a13*b1 + a14*b0
                        c15 = a0*b15 + a1*b14 + a2*b13 + a3*b12 + a4*b11 + a5*b10 + a6*b9 + a7*b8
                        c15 += a8*b7 + a9*b6 + a10*b5 + a11*b4 + a12*b3 + a13*b2 + a14*b1 + a15*b0
                        c16 = a0*b16 + a1*b15 + a2*b14 + a3*b13 + a4*b12 + a5*b11 + a6*b10 + a7*b9
                        c16 += a8*b8 + a9*b7 + a10*b6 + a11*b5 + a12*b4 + a13*b3 + a14*b2 + a15*b1
                        c16 += a16*b0
                        c17 = a0*b17 + a1*b16 + a2*b15 + a3*b14 + a4*b13 + a5*b12 + a6*b11 + a7*b10
                        c17 += a8*b9 + a9*b8 + a10*b7 + a11*b6 + a12*b5 + a13*b4 + a14*b3 + a15*b2
                        c17 += a16*b1 + a17*b0
                        c18 = a0*b18 + a1*b17 + a2*b16 + a3*b15 + a4*b14 + a5*b13 + a6*b12 + a7*b11
                        c18 += a8*b10 + a9*b9 + a10*b8 + a11*b7 + a12*b6 + a13*b5 + a14*b4 + a15*b3
                        c18 += a16*b2 + a17*b1 + a18*b0
                        c19 = a0*b19 + a1*b18 + a2*b17 + a3*b16 + a4*b15 + a5*b14 + a6*b13 + a7*b12
                        c19 += a8*b11 + a9*b10 + a10*b9 + a11*b8 + a12*b7 + a13*b6 + a14*b5 + a15*b4
                        c19 += a16*b3 + a17*b2 + a18*b1 + a19*b0
                        c20 = a1*b19 + a2*b18 + a3*b17 + a4*b16 + a5*b15 + a6*b14 + a7*b13 + a8*b12
                        c20 += a9*b11 + a10*b10 + a11*b9 + a12*b8 + a13*b7 + a14*b6 + a15*b5 + a16*b4
                        c20 += a17*b3 + a18*b2 + a19*b1
                        c21 = a2*b19 + a3*b18 + a4*b17 + a5*b16 + a6*b15 + a7*b14 + a8*b13 + a9*b12
                        c21 += a10*b11 + a11*b10 + a12*b9 + a13*b8 + a14*b7 + a15*b6 + a16*b5 + a17*b4
                        c21 += a18*b3 + a19*b2
                        c22 = a3*b19 + a4*b18 + a5*b17 + a6*b16 + a7*b15 + a8*b14 + a9*b13 + a10*b12
                        c22 += a11*b11 + a12*b10 + a13*b9 + a14*b8 + a15*b7 + a16*b6 + a17*b5 + a18*b4
                        c22 += a19*b3
                        c23 = a4*b19 + a5*b18 + a6*b17 + a7*b16 + a8*b15 + a9*b14 + a10*b13 + a11*b12
                        c23 += a12*b11 + a13*b10 + a14*b9 + a15*b8 + a16*b7 + a17*b6 + a18*b5 + a19*b4
                        c24 = a5*b19 + a6*b18 + a7*b17 + a8*b16 + a9*b15 + a10*b14 + a11*b13 + a12*b12
                        c24 += a13*b11 + a14*b10 + a15*b9 + a16*b8 + a17*b7 + a18*b6 + a19*b5
                        c25 = a6*b19 + a7*b18 + a8*b17 + a9*b16 + a10*b15 + a11*b14 + a12*b13 + a13*b12
                        c25 += a14*b11 + a15*b10 + a16*b9 + a17*b8 + a18*b7 + a19*b6
                        c26 = a7*b19 + a8*b18 + a9*b17 + a10*b16 + a11*b15 + a12*b14 + a13*b13 + a14*b12
                        c26 += a15*b11 + a16*b10 + a17*b9 + a18*b8 + a19*b7
                        c27 = a8*b19 + a9*b18 + a10*b17 + a11*b16 + a12*b15 + a13*b14 + a14*b13 + a15*b12
                        c27 += a16*b11 + a17*b10 + a18*b9 + a19*b8
                        c28 = a9*b19 + a10*b18 + a11*b17 + a12*b16 + a13*b15 + a14*b14 + a15*b13 + a16*b12
                        c28 += a17*b11 + a18*b10 + a19*b9
                        c29 = a10*b19 + a11*b18 + a12*b17 + a13*b16 + a14*b15 + a15*b14 + a16*b13 + a17*b12
                        c29 += a18*b11 + a19*b10
                        c30 = a11*b19 + a12*b18 + a13*b17 + a14*b16 + a15*b15 + a16*b14 + a17*b13 + a18*b12
                        c30 += a19*b11
                        c31 = a12*b19 + a13*b18 + a14*b17 + a15*b16 + a16*b15 + a17*b14 + a18*b13 + a19*b12
                        c32 = a13*b19 + a14*b18 + a15*b17 + a16*b16 + a17*b15 + a18*b14 + a19*b13
                        c33 = a14*b19 + a15*b18 + a16*b17 + a17*b16 + a18*b15 + a19*b14
                        c34 = a15*b19 + a16*b18 + a17*b17 + a18*b16 + a19*b15
                        c35 = a16*b19 + a17*b18 + a18*b17 + a19*b16
                        c36 = a17*b19 + a18*b18 + a19*b17
                        c37 = a18*b19 + a19*b18
                        c38 = a19*b19
                    else:
                        # squaring: each cross product once, against a doubled limb
                        b0 = a0 + a0; b1 = a1 + a1; b2 = a2 + a2; b3 = a3 + a3; b4 = a4 + a4
                        b5 = a5 + a5; b6 = a6 + a6
                        b7 = a7 + a7; b8 = a8 + a8; b9 = a9 + a9; b10 = a10 + a10; b11 = a11 + a11
                        b12 = a12 + a12; b13 = a13 + a13
                        b14 = a14 + a14; b15 = a15 + a15; b16 = a16 + a16; b17 = a17 + a17
                        b18 = a18 + a18
                        c0 = a0*a0
                        c1 = b0*a1
                        c2 = b0*a2 + a1*a1
                        c3 = b0*a3 + b1*a2
                        c4 = b0*a4 + b1*a3 + a2*a2
                        c5 = b0*a5 + b1*a4 + b2*a3
                        c6 = b0*a6 + b1*a5 + b2*a4 + a3*a3
                        c7 = b0*a7 + b1*a6 + b2*a5 + b3*a4
                        c8 = b0*a8 + b1*a7 + b2*a6 + b3*a5 + a4*a4
                        c9 = b0*a9 + b1*a8 + b2*a7 + b3*a6 + b4*a5
                        c10 = b0*a10 + b1*a9 + b2*a8 + b3*a7 + b4*a6 + a5*a5
                        c11 = b0*a11 + b1*a10 + b2*a9 + b3*a8 + b4*a7 + b5*a6
                        c12 = b0*a12 + b1*a11 + b2*a10 + b3*a9 + b4*a8 + b5*a7 + a6*a6
                        c13 = b0*a13 + b1*a12 + b2*a11 + b3*a10 + b4*a9 + b5*a8 + b6*a7
                        c14 = b0*a14 + b1*a13 + b2*a12 + b3*a11 + b4*a10 + b5*a9 + b6*a8 + a7*a7
                        c15 = b0*a15 + b1*a14 + b2*a13 + b3*a12 + b4*a11 + b5*a10 + b6*a9 + b7*a8
                        c16 = b0*a16 + b1*a15 + b2*a14 + b3*a13 + b4*a12 + b5*a11 + b6*a10 + b7*a9
                        c16 += a8*a8
                        c17 = b0*a17 + b1*a16 + b2*a15 + b3*a14 + b4*a13 + b5*a12 + b6*a11 + b7*a10
                        c17 += b8*a9
                        c18 = b0*a18 + b1*a17 + b2*a16 + b3*a15 + b4*a14 + b5*a13 + b6*a12 + b7*a11
                        c18 += b8*a10 + a9*a9
                        c19 = b0*a19 + b1*a18 + b2*a17 + b3*a16 + b4*a15 + b5*a14 + b6*a13 + b7*a12
                        c19 += b8*a11 + b9*a10
                        c20 = b1*a19 + b2*a18 + b3*a17 + b4*a16 + b5*a15 + b6*a14 + b7*a13 + b8*a12
                        c20 += b9*a11 + a10*a10
                        c21 = b2*a19 + b3*a18 + b4*a17 + b5*a16 + b6*a15 + b7*a14 + b8*a13 + b9*a12
                        c21 += b10*a11
                        c22 = b3*a19 + b4*a18 + b5*a17 + b6*a16 + b7*a15 + b8*a14 + b9*a13 + b10*a12
                        c22 += a11*a11
                        c23 = b4*a19 + b5*a18 + b6*a17 + b7*a16 + b8*a15 + b9*a14 + b10*a13 + b11*a12
                        c24 = b5*a19 + b6*a18 + b7*a17 + b8*a16 + b9*a15 + b10*a14 + b11*a13 + a12*a12
                        c25 = b6*a19 + b7*a18 + b8*a17 + b9*a16 + b10*a15 + b11*a14 + b12*a13
                        c26 = b7*a19 + b8*a18 + b9*a17 + b10*a16 + b11*a15 + b12*a14 + a13*a13
                        c27 = b8*a19 + b9*a18 + b10*a17 + b11*a16 + b12*a15 + b13*a14
                        c28 = b9*a19 + b10*a18 + b11*a17 + b12*a16 + b13*a15 + a14*a14
                        c29 = b10*a19 + b11*a18 + b12*a17 + b13*a16 + b14*a15
                        c30 = b11*a19 + b12*a18 + b13*a17 + b14*a16 + a15*a15
                        c31 = b12*a19 + b13*a18 + b14*a17 + b15*a16
                        c32 = b13*a19 + b14*a18 + b15*a17 + a16*a16
                        c33 = b14*a19 + b15*a18 + b16*a17
                        c34 = b15*a19 + b16*a18 + a17*a17
                        c35 = b16*a19 + b17*a18
                        c36 = b17*a19 + a18*a18
                        c37 = b18*a19
                        c38 = a19*a19
                    # carry the upper columns, then fold them down: 2^260 = 608 (mod p)
                    c21 += c20 >> 13; c20 &= 8191; c22 += c21 >> 13; c21 &= 8191; c23 += c22 >> 13
                    c22 &= 8191
                    c24 += c23 >> 13; c23 &= 8191; c25 += c24 >> 13; c24 &= 8191; c26 += c25 >> 13
                    c25 &= 8191
                    c27 += c26 >> 13; c26 &= 8191; c28 += c27 >> 13; c27 &= 8191; c29 += c28 >> 13
                    c28 &= 8191
                    c30 += c29 >> 13; c29 &= 8191; c31 += c30 >> 13; c30 &= 8191; c32 += c31 >> 13
                    c31 &= 8191
                    c33 += c32 >> 13; c32 &= 8191; c34 += c33 >> 13; c33 &= 8191; c35 += c34 >> 13
                    c34 &= 8191
                    c36 += c35 >> 13; c35 &= 8191; c37 += c36 >> 13; c36 &= 8191; c38 += c37 >> 13
                    c37 &= 8191
                    c39 = c38 >> 13; c38 &= 8191
                    c0 += 608 * c20; c1 += 608 * c21; c2 += 608 * c22; c3 += 608 * c23
                    c4 += 608 * c24
                    c5 += 608 * c25; c6 += 608 * c26; c7 += 608 * c27; c8 += 608 * c28
                    c9 += 608 * c29
                    c10 += 608 * c30; c11 += 608 * c31; c12 += 608 * c32; c13 += 608 * c33
                    c14 += 608 * c34
                    c15 += 608 * c35; c16 += 608 * c36; c17 += 608 * c37; c18 += 608 * c38
                    c19 += 608 * c39
                elif op == _ADD:
                    c0 = a0 + b0; c1 = a1 + b1; c2 = a2 + b2; c3 = a3 + b3; c4 = a4 + b4
                    c5 = a5 + b5; c6 = a6 + b6; c7 = a7 + b7; c8 = a8 + b8; c9 = a9 + b9
                    c10 = a10 + b10; c11 = a11 + b11; c12 = a12 + b12; c13 = a13 + b13
                    c14 = a14 + b14
                    c15 = a15 + b15; c16 = a16 + b16; c17 = a17 + b17; c18 = a18 + b18
                    c19 = a19 + b19
                elif op == _SUB:
                    # a - b + 64p, 64p written with every limb above any limb of b
                    c0 = a0 - b0 + 15168; c1 = a1 - b1 + 16382; c2 = a2 - b2 + 16382
                    c3 = a3 - b3 + 16382
                    c4 = a4 - b4 + 16382; c5 = a5 - b5 + 16382; c6 = a6 - b6 + 16382
                    c7 = a7 - b7 + 16382
                    c8 = a8 - b8 + 16382; c9 = a9 - b9 + 16382; c10 = a10 - b10 + 16382
                    c11 = a11 - b11 + 16382
                    c12 = a12 - b12 + 16382; c13 = a13 - b13 + 16382; c14 = a14 - b14 + 16382
                    c15 = a15 - b15 + 16382
                    c16 = a16 - b16 + 16382; c17 = a17 - b17 + 16382; c18 = a18 - b18 + 16382
                    c19 = a19 - b19 + 16382
                else:
                    c0 = a0 * 121665; c1 = a1 * 121665; c2 = a2 * 121665; c3 = a3 * 121665
                    c4 = a4 * 121665
                    c5 = a5 * 121665; c6 = a6 * 121665; c7 = a7 * 121665; c8 = a8 * 121665
                    c9 = a9 * 121665
                    c10 = a10 * 121665; c11 = a11 * 121665; c12 = a12 * 121665; c13 = a13 * 121665
                    c14 = a14 * 121665
                    c15 = a15 * 121665; c16 = a16 * 121665; c17 = a17 * 121665; c18 = a18 * 121665
                    c19 = a19 * 121665
                c1 += c0 >> 13; c0 &= 8191; c2 += c1 >> 13; c1 &= 8191; c3 += c2 >> 13; c2 &= 8191
                c4 += c3 >> 13; c3 &= 8191; c5 += c4 >> 13; c4 &= 8191; c6 += c5 >> 13; c5 &= 8191
                c7 += c6 >> 13; c6 &= 8191; c8 += c7 >> 13; c7 &= 8191; c9 += c8 >> 13; c8 &= 8191
                c10 += c9 >> 13; c9 &= 8191; c11 += c10 >> 13; c10 &= 8191; c12 += c11 >> 13
                c11 &= 8191
                c13 += c12 >> 13; c12 &= 8191; c14 += c13 >> 13; c13 &= 8191; c15 += c14 >> 13
                c14 &= 8191
                c16 += c15 >> 13; c15 &= 8191; c17 += c16 >> 13; c16 &= 8191; c18 += c17 >> 13
                c17 &= 8191
                c19 += c18 >> 13; c18 &= 8191
                c0 += 608 * (c19 >> 13); c19 &= 8191
                c1 += c0 >> 13; c0 &= 8191; c2 += c1 >> 13; c1 &= 8191
                d[0] = c0; d[1] = c1; d[2] = c2; d[3] = c3; d[4] = c4; d[5] = c5; d[6] = c6
                d[7] = c7; d[8] = c8; d[9] = c9; d[10] = c10; d[11] = c11; d[12] = c12; d[13] = c13
                d[14] = c14; d[15] = c15; d[16] = c16; d[17] = c17; d[18] = c18; d[19] = c19
                x = d
                n -= 1
        elif op <= _COPY:  # over n slots (last byte), as 32-bit words
            n = prog[pc - 1] * 10
            dw = ptr32(uint(d))
            xw = ptr32(uint(x))
            j = 0
            while j < n:
                if op == _COPY:
                    dw[j] = xw[j]
                else:
                    t = (dw[j] ^ xw[j]) & mask
                    dw[j] ^= t
                    if op == _SWAP:
                        xw[j] ^= t
                j += 1
        elif op == _BIT:
            b = (k[i >> 3] >> (i & 7)) & 1
            mask = 0 - (prev ^ b)
            prev = b
        elif op == _FIN:
            mask = 0 - prev
        elif op == _LOOP:
            i -= 1
            if i >= 0:
                pc = prog[pc - 3] * 4
        elif op == _SELC:
            # Read every entry; keep the one whose index matches, by masks
            # ((e ^ idx) - 1 >> 31 is all ones only when they are equal).
            v = k[i * 4 + prog[pc - 2]]
            mask = ((v >> 3) & 1) - 1  # top tooth clear: the negated entry
            v = (v ^ mask) & 7
            s0 = (v - 1) >> 31; s1 = ((v ^ 1) - 1) >> 31; s2 = ((v ^ 2) - 1) >> 31
            s3 = ((v ^ 3) - 1) >> 31; s4 = ((v ^ 4) - 1) >> 31; s5 = ((v ^ 5) - 1) >> 31
            s6 = ((v ^ 6) - 1) >> 31; s7 = ((v ^ 7) - 1) >> 31
            src = ptr32(uint(tab) + uint(prog[pc - 2] * 8) * NIELS_BYTES)
            dw = ptr32(uint(d))
            j = 0
            while j < 30:
                dw[j] = ((src[j] & s0) | (src[j + 30] & s1) | (src[j + 60] & s2)
                         | (src[j + 90] & s3) | (src[j + 120] & s4) | (src[j + 150] & s5)
                         | (src[j + 180] & s6) | (src[j + 210] & s7))
                j += 1
        elif op == _SELV:
            # Verification only: the digits are public, so the entry is read
            # directly (variable time), unlike SELC.
            v = k[(prog[pc - 1] << 8) + i]
            mask = 0 - (v >> 7)
            src = ptr32(uint(x) + uint(((v & 127) - 1) >> 1) * (4 * LIMB_BYTES))
            dw = ptr32(uint(d))
            j = 0
            while j < 40:
                dw[j] = src[j]
                j += 1
        elif op == _JZ:  # verification only, on public digits
            if k[(prog[pc - 2] << 8) + i] == 0:
                pc = prog[pc - 3] * 4
        elif op == _FRZ:
            # Four carry passes to 13-bit limbs: the first from x; the next
            # two fold the bits from 255 up back in (2^255 = 19); the last
            # adds 19 (and drops bit 255) when value + 19 reaches 2^255,
            # i.e. subtracts p, as a carry of 0 or 19 rather than a branch.
            xs = x
            c = 0
            r = 0
            while r < 4:
                if r == 3:
                    c = 19
                    j = 0
                    while j < 19:
                        c = (c + d[j]) >> 13
                        j += 1
                    c = ((c + d[19]) >> 8) * 19
                elif r > 0:
                    c = (c * 32 + (d[19] >> 8)) * 19
                    d[19] &= 255
                j = 0
                while j < 20:
                    c += xs[j]
                    d[j] = c & 8191
                    c >>= 13
                    j += 1
                xs = d
                r += 1
            d[19] &= 255


@micropython.viper
def convert(buf: ptr8, m: ptr16, slot: int, into_slot: int):
    """Between the 32 little-endian bytes at buf and slot `slot` of m: into
    the slot (bit 255 dropped) when into_slot, else out of a frozen slot."""
    s = ptr16(uint(m) + uint(slot) * LIMB_BYTES)
    acc = 0
    bits = 0
    o = 0
    j = 0
    while j < 20:
        if into_slot:
            while bits < 13 and o < 32:
                acc |= buf[o] << bits
                bits += 8
                o += 1
            s[j] = acc & 8191
            acc >>= 13
            bits -= 13
        else:
            acc |= s[j] << bits
            bits += 13
            while bits >= 8 and o < 32:
                buf[o] = acc
                acc >>= 8
                bits -= 8
                o += 1
        j += 1
    if into_slot:
        s[19] &= 255
