"""A throwaway certificate authority for local TLS (the demo's --tls, the
tests): a P-256 CA and server certificates it signs, made at run time with
the `cryptography` package and written to a directory; nothing here is ever
committed. `tls_listener` is the Mosquitto config block serving one."""
import datetime
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_DAY = datetime.timedelta(days=1)


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _san(host):
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


class Authority:
    """One CA: a P-256 key and a self-signed certificate, both kept in `directory`."""

    def __init__(self, directory, label):
        self.directory = directory
        self.label = label
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        self.cert = (x509.CertificateBuilder()
                     .subject_name(_name("NES test CA " + label)).issuer_name(_name("NES test CA " + label))
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - _DAY).not_valid_after(now + _DAY)
                     .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                     .sign(self.key, hashes.SHA256()))
        self.ca_file = directory / ("ca-%s.pem" % label)
        self.ca_file.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def server(self, name, hosts=("localhost",)):
        """(cert_file, key_file) of a server certificate for `hosts`, signed by this CA."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder()
                .subject_name(_name(hosts[0])).issuer_name(self.cert.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - _DAY).not_valid_after(now + _DAY)
                .add_extension(x509.SubjectAlternativeName([_san(h) for h in hosts]), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .sign(self.key, hashes.SHA256()))
        cert_file = self.directory / ("%s-%s.crt" % (self.label, name))
        key_file = self.directory / ("%s-%s.key" % (self.label, name))
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        key_file.chmod(0o600)
        return cert_file, key_file

    @property
    def ca_der(self):
        """The CA certificate in DER, as `nes provision --ca-file` writes it to a board."""
        return self.cert.public_bytes(serialization.Encoding.DER)


def tls_listener(port, cert, bind="127.0.0.1"):
    """Mosquitto config lines of a TLS listener on `port` serving `cert` (cert_file, key_file)."""
    return "listener %d %s\ncertfile %s\nkeyfile %s\ntls_version tlsv1.2\n" % (port, bind, *cert)
