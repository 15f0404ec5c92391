"""Developer tooling, not part of the `nes` command: private copies of the
services (Mosquitto, the key server, an SMTP sink) for the demo and the
tests, and the demo itself (`make demo`)."""
