# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test certificates: a throw-away CA and leaf certificates with chosen names and validity windows.

Shared by the probe, renewal, audit and backup tests and by the court test fleet (tests/fleet.py).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca(name="pn.website Test CA", days_valid=3650, days_before=1):
    """(key, certificate) of a new certificate authority."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(_name(name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=days_before))
        .not_valid_after(now + dt.timedelta(days=days_valid))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_cert(ca, names, days_valid=90, days_before=1, ips=(), self_signed=False, now=None):
    """(key, certificate) for ``names`` (and IP addresses ``ips``), signed by ``ca`` or by itself,
    valid from ``days_before`` days before ``now`` to ``days_valid`` days after it."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = now or dt.datetime.now(dt.timezone.utc)
    issuer_key, issuer_cert = (key, None) if self_signed else ca
    san = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(issuer_cert.subject if issuer_cert is not None else _name(names[0]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=days_before))
        .not_valid_after(now + dt.timedelta(days=days_valid))
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    )
    if issuer_cert is not None:
        ski = issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    return key, builder.sign(issuer_key, hashes.SHA256())


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def write_pem(directory, stem, key, cert):
    """Write ``<stem>.crt`` (and ``<stem>.key`` unless ``key`` is None); return both paths."""
    cert_path = os.path.join(str(directory), stem + ".crt")
    key_path = os.path.join(str(directory), stem + ".key")
    with open(cert_path, "wb") as fh:
        fh.write(cert_pem(cert))
    if key is not None:
        with open(key_path, "wb") as fh:
            fh.write(key_pem(key))
    return cert_path, key_path
