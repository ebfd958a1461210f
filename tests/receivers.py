"""Real receivers on loopback for the delivery tests: an SMTP server and a webhook server."""

from __future__ import annotations

import email
import json
import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Inbox:
    """What the SMTP server received: ``messages`` (parsed) and their ``recipients``."""

    def __init__(self):
        self.messages, self.recipients = [], []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        self.recipients.append(envelope.rcpt_tos)
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@contextmanager
def smtp_inbox():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    with socket.socket() as probe:  # a free loopback port (the controller checks it is up)
        probe.bind(("127.0.0.1", 0))
        inbox.port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


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
                              "status": status})
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass

    @classmethod
    def delivered(cls) -> list:
        """The bodies it accepted."""
        return [r["body"] for r in cls.requests if r["status"] == 200]


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
