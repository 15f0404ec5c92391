"""The host's side of a board: board profiles and the firmware trees built
from them (profiles), a raw-REPL session over mpremote (link), provisioning
(provision), flashing a MicroPython image (flash) and the virtual board that
runs the unix port behind a pseudo-terminal (vboard). Imports the CLI's core
and host_tools.protocol, never the commands."""
