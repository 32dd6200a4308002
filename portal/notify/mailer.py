"""Building and sending one e-mail: the MIME message, and the transports (SMTP, or .eml files).

    transport = make_transport(settings)          # PORTAL_SMTP_URL set → SMTP; empty → files in var/mail/
    transport.send(build_message(...))            # raises DeliveryError; the caller keeps the row

PORTAL_SMTP_URL:
    smtp://host:25                      plain SMTP (a local relay)
    smtp+starttls://user:pass@host:587  STARTTLS, then AUTH (user and password URL-encoded)
    smtps://user:pass@host:465          TLS from the first byte
Certificates are verified against the system store, or PORTAL_SMTP_CA_FILE when set.

Standard library (`smtplib`, `email`): both are well kept and cover STARTTLS, TLS and AUTH; a library on
top would add nothing the outbox needs.
"""

from __future__ import annotations

import re
import smtplib
import ssl
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: A practical address check (the intake form's own pattern is stricter on the domain): one @, no spaces,
#: no control characters, a dot in the domain.
ADDRESS_RE = re.compile(r"^[^@\s\x00-\x1f\x7f<>()\[\],;:\"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")

#: what may go between the angle brackets of List-Unsubscribe: an http(s) URL without spaces, controls, "<", ">" or ","
UNSUBSCRIBE_RE = re.compile(r"https?://[!-+\--;=?-~]{1,900}")


class DeliveryError(Exception):
    """The message was not accepted; `permanent` when retrying cannot help (e.g. 5xx for the recipient)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def valid_address(value: str | None) -> bool:
    return bool(value) and ADDRESS_RE.fullmatch(value or "") is not None  # fullmatch: "$" allows a final "\n"


def one_line(value: str | None, limit: int = 200) -> str:
    """A header-safe text: control characters (CR and LF included) become spaces, runs of space one."""
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in (value or ""))
    return re.sub(r"\s+", " ", text).strip()[:limit]


def build_message(
    *,
    sender: str,
    to: str,
    to_name: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    locale: str,
    date: datetime | None = None,
    unsubscribe_url: str | None = None,
) -> EmailMessage:
    """A multipart/alternative message (plain text first, HTML second). Names and subject are made one
    line, so a name with CR/LF cannot add a header. With `unsubscribe_url` (an https or http URL that
    takes a POST), the RFC 8058 one-click headers: `List-Unsubscribe: <url>` and
    `List-Unsubscribe-Post: List-Unsubscribe=One-Click`."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = _address_header("From", policy.SMTP.header_factory("From", sender).addresses[0])
    local, _, domain = to.partition("@")
    msg["To"] = _address_header("To", Address(display_name=one_line(to_name, 120), username=local, domain=domain))
    msg["Subject"] = _text_header("Subject", one_line(subject, 300))
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        if not UNSUBSCRIBE_RE.fullmatch(unsubscribe_url):
            raise ValueError("unsubscribe URL")
        msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    msg["Content-Language"] = locale  # after the body: set_content() drops Content-* headers
    return msg


class _EncodedHeader(str):
    """A header whose non-ASCII text is encoded here, by `email.header.Header`, not by the policy's folder:
    Python's folder (3.11–3.14, CPython gh-144156) splits such a text into encoded-words *at* a space and
    drops it, and RFC 2047 readers ignore the white space between encoded-words, so "hồ sơ" arrived as
    "hồsơ". `Header` encodes the whole text (spaces inside the encoded-words), each word at most 75
    characters on lines of at most 76. The value (what `msg[name]` gives back) is the plain text; the
    email package writes a value with a `name` and `fold()` as it is (email.policy.EmailPolicy)."""

    name: str
    _suffix: str

    def __new__(cls, name: str, text: str, suffix: str = "") -> _EncodedHeader:
        self = super().__new__(cls, text + suffix)
        self.name = name
        self._suffix = suffix  # ASCII after the encoded text, e.g. " <someone@example.vn>"
        return self

    def fold(self, *, policy) -> str:
        text = str(self)[: len(self) - len(self._suffix)]
        encoded = Header(text, "utf-8", header_name=self.name).encode(maxlinelen=76, linesep=policy.linesep)
        return f"{self.name}: {encoded}{self._suffix}{policy.linesep}"


def _text_header(name: str, text: str) -> str:
    return text if text.isascii() else _EncodedHeader(name, text)


def _address_header(name: str, address: Address) -> Address | str:
    """One address; a non-ASCII display name is encoded by `_EncodedHeader` (the folder drops spaces there too)."""
    if address.display_name.isascii():
        return address
    return _EncodedHeader(name, address.display_name, f" <{address.addr_spec}>")


@dataclass(frozen=True)
class SMTPConfig:
    host: str
    port: int
    security: str  # none | starttls | tls
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SMTPConfig:
    parts = urlsplit(url)
    security = {"smtp": "none", "smtp+starttls": "starttls", "smtps": "tls"}.get(parts.scheme)
    if security is None or not parts.hostname:
        raise ValueError(
            "PORTAL_SMTP_URL must look like smtp://host:25, smtp+starttls://user:pass@host:587 or smtps://…"
        )
    default_port = {"none": 25, "starttls": 587, "tls": 465}[security]
    return SMTPConfig(
        host=parts.hostname,
        port=parts.port or default_port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class SMTPTransport:
    name = "smtp"

    def __init__(self, url: str, *, timeout: float = 20.0, ca_file: str | None = None) -> None:
        self.config = parse_smtp_url(url)
        self.timeout = timeout
        self.ca_file = ca_file or None

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def send(self, message: EmailMessage) -> None:
        c = self.config
        try:
            if c.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(c.host, c.port, timeout=self.timeout, context=self._context())
            else:
                client = smtplib.SMTP(c.host, c.port, timeout=self.timeout)
            with client:
                client.ehlo()
                if c.security == "starttls":
                    client.starttls(context=self._context())
                    client.ehlo()
                if c.username:
                    client.login(c.username, c.password or "")
                refused = client.send_message(message)
        except smtplib.SMTPRecipientsRefused as err:
            codes = [code for code, _msg in err.recipients.values()]
            permanent = all(500 <= c < 600 for c in codes)
            raise DeliveryError(f"recipient refused: {err.recipients}", permanent=permanent) from err
        except smtplib.SMTPResponseException as err:
            raise DeliveryError(f"SMTP {err.smtp_code}: {_text(err.smtp_error)}") from err
        except (smtplib.SMTPException, OSError) as err:  # refused connection, timeout, TLS failure
            raise DeliveryError(f"{err.__class__.__name__}: {err}") from err
        if refused:
            raise DeliveryError(f"recipient refused: {refused}")


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class FileTransport:
    """Development without SMTP: each message becomes `<directory>/<timestamp>-<id>.eml`."""

    name = "file"

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        token = re.sub(r"[^A-Za-z0-9]+", "-", str(message["Message-ID"] or "")).strip("-")[:60]
        path = self.directory / f"{stamp}-{token}.eml"
        temp = path.with_suffix(".part")
        temp.write_bytes(message.as_bytes())
        temp.replace(path)


def make_transport(settings) -> SMTPTransport | FileTransport:
    if settings.smtp_url:
        return SMTPTransport(settings.smtp_url, timeout=settings.smtp_timeout_seconds, ca_file=settings.smtp_ca_file)
    return FileTransport(settings.mail_dir)
