"""NES host tools: the `nes` command line, the nes/1 protocol on pycryptodome,
board provisioning through mpremote and flashing through esptool."""

__version__ = "0.1.0"
