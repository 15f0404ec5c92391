"""bench/native_code.py: the multiplication and squaring paths cut out of
fe_viper.run, compiled by mpy-cross for the boards, counted right."""
import pytest

from bench import native_code
from tests.fixtures.paths import find_tool

# Multiplies per operation: the products (20 x 20, or 20 squares and 190
# doubled cross products), 20 folds by 608 (2^260 mod p), 1 in the last carry.
MULTIPLIES = {"mul": 400 + 20 + 1, "sqr": 210 + 20 + 1}


@pytest.mark.parametrize("arch", sorted(native_code.CYCLES))
@pytest.mark.parametrize("op", native_code.OPS)
def test_one_operation_has_the_multiplies_of_the_source(arch, op):
    counts = native_code.instruction_counts(find_tool("mpy-cross"), arch, op)
    assert counts["mul"] == MULTIPLIES[op]
    # the limbs come from the stack frame for every multiply; 20 limbs are stored
    assert counts["load"] > MULTIPLIES[op] and counts["store"] >= 20


def test_the_kernel_keeps_only_the_path_of_its_operation():
    mul = native_code.kernel_source("mul", 1)
    sqr = native_code.kernel_source("sqr", 1)
    assert "a0 * b19" in mul and "b0 = a0 + a0" not in mul
    assert "b0 = a0 + a0" in sqr and "y[0]" not in sqr
    assert "if " not in mul and "if " not in sqr  # straight-line code: every instruction runs
    assert "121665" not in mul


def test_board_times_follow_the_cycle_model():
    out = native_code.run()
    esp32 = out["boards"]["ESP32 (240 MHz)"]["mul"]
    n = esp32["by_class"]
    low, high = esp32["seconds"]
    assert low == pytest.approx(sum(n.values()) / 240e6)
    assert high == pytest.approx((sum(n.values()) + n["load"] + n["mul"]) / 240e6)
