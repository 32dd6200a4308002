"""A real SMTP server for the e-mail tests (aiosmtpd on a free loopback port), with switches to refuse.

with SMTPServer() as server:                      # plain; SMTPServer(tls="starttls"|"tls", auth=(u, p))
    url = server.url                              # for PORTAL_SMTP_URL
    server.refuse_next(2)                         # the next two DATA commands answer 451
    server.messages                               # email.message.EmailMessage, as received
"""

from __future__ import annotations

import os
import ssl
import subprocess
import threading
from email import policy
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.servers import listening_socket


def save_sample(message, name: str) -> None:
    """With MAIL_SAMPLES_DIR set, keep the message as received (`<name>.eml`) for people to read."""
    directory = os.environ.get("MAIL_SAMPLES_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        (Path(directory) / f"{name}.eml").write_bytes(bytes(message))


class _Handler:
    def __init__(self) -> None:
        self.messages: list = []
        self.envelopes: list = []
        self.refusals = 0
        self.unknown: set[str] = set()  # addresses answered "550 no such user"
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.unknown:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refusals:
                self.refusals -= 1
                return "451 4.3.0 Temporary failure, try again later"
            self.envelopes.append(envelope)
            self.messages.append(BytesParser(policy=policy.default).parsebytes(envelope.original_content))
        return "250 2.0.0 OK"


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 made with the openssl command (the test trusts it as its CA)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class _BoundController(Controller):
    """aiosmtpd's controller serving a socket bound before it starts (tests/servers.py: no free port looked
    up and bound again later, which another process could take in between)."""

    def __init__(self, handler, sock, **kwargs) -> None:
        self._sock = sock
        super().__init__(handler, hostname="127.0.0.1", port=sock.getsockname()[1], **kwargs)

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


class SMTPServer:
    def __init__(self, *, tls: str = "none", auth: tuple[str, str] | None = None, cert_dir: Path | None = None):
        self.handler = _Handler()
        self.sock = listening_socket()
        self.port = self.sock.getsockname()[1]
        self.tls = tls
        self.auth = auth
        self.cert: Path | None = None
        kwargs: dict = {}
        if tls != "none":
            assert cert_dir is not None
            self.cert, key = self_signed(cert_dir)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cert, key)
            kwargs["tls_context" if tls == "starttls" else "ssl_context"] = context
            if tls == "starttls":
                kwargs["require_starttls"] = True
        if auth is not None:
            kwargs["authenticator"] = self._authenticate
            kwargs["auth_required"] = True
            # smtplib falls back from PLAIN to LOGIN with an initial response, which aiosmtpd answers with a
            # second challenge smtplib never reads: offer PLAIN only, as many servers do
            kwargs["auth_exclude_mechanism"] = ["LOGIN"]
            kwargs["auth_require_tls"] = tls == "starttls"  # aiosmtpd sees TLS only after STARTTLS
        self.controller = _BoundController(self.handler, self.sock, **kwargs)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and (auth_data.login.decode(), auth_data.password.decode()) == self.auth
        )
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself

    @property
    def url(self) -> str:
        scheme = {"none": "smtp", "starttls": "smtp+starttls", "tls": "smtps"}[self.tls]
        creds = f"{self.auth[0]}:{self.auth[1]}@" if self.auth else ""
        return f"{scheme}://{creds}127.0.0.1:{self.port}"

    @property
    def messages(self) -> list:
        return self.handler.messages

    def refuse_next(self, n: int) -> None:
        self.handler.refusals = n

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
