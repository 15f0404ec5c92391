"""nes/1 as docs/PROTOCOL.md specifies it, over nes/crypto/: labels and
limits (constants), usernames, the inner message and the outer frame,
sealing and opening (envelope), the replay cache, key-server answers
(directory) and the error classes. Imports only itself and nes/crypto/;
module names match host_tools/protocol/ where both implement a section."""
