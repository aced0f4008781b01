"""`TLS=1 make run`: the local CA and server certificate (common/tls.py)."""

import datetime as dt
import socket
import ssl
import threading

from cryptography import x509

from common import tls


def test_certificates_are_made_once_and_chain_to_the_ca_for_localhost(tmp_path):
    files = tls.ensure(tmp_path / ".tls")
    first = files.cert.read_bytes()
    assert tls.ensure(tmp_path / ".tls").cert.read_bytes() == first  # reused while valid

    cert = x509.load_pem_x509_certificate(first)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}
    assert (files.key.stat().st_mode & 0o077) == 0  # the key is private

    # A client that trusts only ca.pem completes a handshake with it (what NODE_EXTRA_CA_CERTS does).
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(str(files.cert), str(files.key))
    client = ssl.create_default_context(cafile=str(files.ca))
    left, right = socket.socketpair()
    with left, right:
        accepted = threading.Thread(
            target=lambda: server.wrap_socket(right, server_side=True).close(), daemon=True
        )
        accepted.start()
        with client.wrap_socket(left, server_hostname="localhost") as tls_socket:
            assert tls_socket.getpeercert()["subject"][-1] == (("commonName", "localhost"),)
        accepted.join(10)


def test_a_server_certificate_about_to_expire_is_renewed(tmp_path):
    files = tls.ensure(tmp_path, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=397))
    old = files.cert.read_bytes()
    assert tls.ensure(tmp_path).cert.read_bytes() != old
