"""The primitives nes/1 is built from, with no knowledge of the protocol:
arithmetic modulo 2^255 - 19 (field.py, or fe_viper.py and curve_viper.py
on ports with the viper emitter, as backend_viper.py decides), X25519,
Ed25519, SHA-512, AES-256-CBC, HMAC/HKDF-SHA-256 and canonical base64.
Imports nothing outside this package."""
