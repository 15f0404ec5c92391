"""Firmware tests (MicroPython unix port). A package, so that its test
modules do not clash with tests/host/ modules of the same name."""
