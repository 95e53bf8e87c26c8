"""Sending survey emails: a Mailer protocol, and the SMTP implementation.

`SmtpMailer` used as a context manager keeps one connection for a whole `send-due` run
(opened on the first mail, so a run with nothing to send never connects); used bare,
each `send` opens and closes its own.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from cxpulse.service.settings import SmtpSettings
from cxpulse.surveys.emails import Email

TIMEOUT = 30  # seconds for connecting and each SMTP command


class Mailer(Protocol):
    def send(self, to: str, email: Email) -> None: ...


def build_message(sender: str, to: str, email: Email) -> EmailMessage:
    """multipart/alternative: the plain text first, the HTML preferred; UTF-8 throughout."""
    msg = EmailMessage()
    msg["Subject"] = email.subject
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    msg["Content-Language"] = email.language
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to a survey
    msg.set_content(email.text, charset="utf-8")
    msg.add_alternative(email.html, subtype="html", charset="utf-8")
    return msg


class SmtpMailer:
    """Mail through an SMTP server: plain, STARTTLS or SSL, with login when a user is set."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._held = False

    def __enter__(self) -> "SmtpMailer":
        self._held = True
        return self

    def __exit__(self, *exc) -> None:
        self._held = False
        self._close()

    def send(self, to: str, email: Email) -> None:
        msg = build_message(self.settings.sender, to, email)
        smtp = self._connection()
        try:
            smtp.send_message(msg)
        except smtplib.SMTPServerDisconnected:
            self._smtp = None  # the server dropped a held connection: one fresh try
            self._connection().send_message(msg)
        finally:
            if not self._held:
                self._close()

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = self._connect()
        return self._smtp

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT, context=self._tls())
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT)
            if s.security == "starttls":
                smtp.starttls(context=self._tls())
        if s.user:
            smtp.login(s.user, s.password)
        return smtp

    def _tls(self) -> ssl.SSLContext:
        """Certificates and host names verified, always; a private CA through ca_file."""
        return ssl.create_default_context(cafile=self.settings.ca_file or None)

    def _close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except smtplib.SMTPException:
                self._smtp.close()
            except OSError:
                pass
            self._smtp = None
