"""Loopback stand-ins for the district's mail server and alert webhook, for the demo: real
SMTP and HTTP servers that file what they receive under an outbox folder."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailSink:
    """An SMTP server (aiosmtpd) writing each message to ``outbox/email/NNNN.eml``."""

    def __init__(self, outbox: Path):
        self.folder = Path(outbox) / "email"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        n = len(list(self.folder.glob("*.eml"))) + 1
        (self.folder / f"{n:04d}.eml").write_bytes(envelope.content)
        return "250 OK"

    def __enter__(self) -> MailSink:
        import logging

        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # one line per connection
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()


class WebhookSink:
    """An HTTP server accepting JSON POSTs, written to ``outbox/webhook/NNNN.json``."""

    def __init__(self, outbox: Path):
        folder = Path(outbox) / "webhook"
        folder.mkdir(parents=True, exist_ok=True)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                n = len(list(folder.glob("*.json"))) + 1
                (folder / f"{n:04d}.json").write_text(
                    json.dumps(json.loads(body), indent=2, ensure_ascii=False))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.folder = folder
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/alerts"

    def __enter__(self) -> WebhookSink:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
