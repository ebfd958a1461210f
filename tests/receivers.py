"""Real receivers on loopback for the delivery tests: an SMTP server and a webhook server."""

from __future__ import annotations

import email
import email.message
import html
import json
import re
import socket
import ssl
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class Inbox:
    """What the SMTP server received: ``messages`` (parsed), their ``recipients`` and, per
    message, ``sessions`` (whether it came over TLS and the login it authenticated with)."""

    def __init__(self):
        self.messages, self.recipients, self.sessions = [], [], []
        self.port = 0
        self.logins: dict[str, str] = {}  # accepted user -> password (AUTH offered when set)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        self.recipients.append(envelope.rcpt_tos)
        self.messages.append(email.message_from_bytes(envelope.content))
        login = getattr(session.auth_data, "login", None)
        self.sessions.append({"tls": session.ssl is not None,
                              "login": login.decode() if login else None})
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = (isinstance(auth_data, LoginPassword)
              and self.logins.get(auth_data.login.decode()) == auth_data.password.decode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def by_alert_id(self) -> dict[str, email.message.Message]:
        """What a receiver that drops repeats keeps: the first message of each alert id."""
        kept = {}
        for msg in self.messages:
            kept.setdefault(msg["X-UCJ-Alert-Id"], msg)
        return kept


def text_of(msg: email.message.Message) -> str:
    """The readable text of a mail: its HTML part without the markup."""
    part = next(p for p in msg.walk() if p.get_content_type() == "text/html")
    markup = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


@contextmanager
def smtp_inbox(tls_context: ssl.SSLContext | None = None, logins: dict[str, str] | None = None):
    """A real SMTP server on a free loopback port. With ``tls_context`` it offers STARTTLS and
    refuses mail before it; with ``logins`` it offers AUTH (after STARTTLS) for them."""
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command
    inbox = Inbox()
    inbox.logins = dict(logins or {})
    with socket.socket() as probe:  # a free loopback port (the controller checks it is up)
        probe.bind(("127.0.0.1", 0))
        inbox.port = probe.getsockname()[1]
    options = {}
    if tls_context is not None:
        options.update(tls_context=tls_context, require_starttls=True)
    if logins:
        options.update(authenticator=inbox.authenticate, auth_required=True)
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, **options)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def self_signed(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A certificate for ``host`` (an IP address) and its key, PEM files under ``folder``;
    the certificate is its own CA."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ucj test mail server")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(
                ipaddress.ip_address(host))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "mail-cert.pem", folder / "mail-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def server_tls(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


class _Hook(BaseHTTPRequestHandler):
    requests: list  # every POST: {"body", "auth", "status"}
    fail_next: list  # one 503 per item, then 200 again
    down: list  # while not empty: 503 to everything

    def do_POST(self):  # noqa: N802 - http.server's hook name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status = 503 if self.down or self.fail_next else 200
        if self.fail_next and not self.down:
            self.fail_next.pop()
        self.requests.append({"body": body, "auth": self.headers.get("Authorization"),
                              "idempotency_key": self.headers.get("Idempotency-Key"),
                              "status": status})
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass

    @classmethod
    def delivered(cls) -> list:
        """The bodies it accepted."""
        return [r["body"] for r in cls.requests if r["status"] == 200]

    @classmethod
    def by_alert_id(cls) -> dict:
        """What a receiver that drops repeats keeps: the first body of each alert id."""
        kept = {}
        for body in cls.delivered():
            kept.setdefault(body["alert_id"], body)
        return kept


@contextmanager
def webhook_server(path: str = "/hook"):
    """A webhook receiver class: its ``url``, ``requests``, ``delivered()``, ``fail_next``
    and ``down``."""
    handler = type("Hook", (_Hook,), {"requests": [], "fail_next": [], "down": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()
