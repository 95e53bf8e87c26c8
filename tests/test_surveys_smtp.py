"""A real SMTP server (aiosmtpd on loopback) receives the survey emails send-due sends."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from cxpulse.service.mailer import SmtpMailer
from cxpulse.service.settings import SmtpSettings, secret
from cxpulse.service.surveys import create_survey, record_click, send_due
from cxpulse.surveys import i18n
from cxpulse.surveys.definitions import Survey
from cxpulse.surveys.tokens import verify
from tests.live import free_port
from tests.survey_helpers import ACCOUNT, T0, customer, invitations, responses, seed, ticket

NOW = T0 + timedelta(hours=3)
LINK = re.compile(r"http://127\.0\.0\.1:8000/s/([A-Za-z0-9_.\-]+[A-Za-z0-9_\-])")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def _received(inbox: Inbox) -> dict[str, email.message.EmailMessage]:
    return {rcpt[0]: email.message_from_bytes(raw, policy=policy.default) for rcpt, raw in inbox.messages}


def test_send_due_mails_each_customer_in_their_language_with_one_link_per_score(store, smtp, monkeypatch):
    monkeypatch.delenv("CXPULSE_BASE_URL", raising=False)
    inbox, port = smtp
    langs = {"en": "en-GB", "ru": "ru", "el": "el_GR", "lt": "lt"}
    recs = []
    for code, locale in langs.items():
        recs += [customer(f"c-{code}", locale=locale, name=f"Name {code}"),
                 ticket(f"t-{code}", f"c-{code}", solved_at=T0 + timedelta(hours=1), subject="Ничего не работает")]
    seed(store, recs)
    create_survey(store, ACCOUNT, Survey(name="csat", kind="csat"), now=T0)
    summary = send_due(store, SmtpMailer(SmtpSettings(host="127.0.0.1", port=port, sender="survey@acme.example")),
                       now=NOW)
    assert summary.sent == 4
    received = _received(inbox)
    assert set(received) == {f"c-{code}@example.com" for code in langs}
    key = secret(store)
    for code in langs:
        msg = received[f"c-{code}@example.com"]
        assert msg["Subject"] == i18n.texts(code).format("email.subject", ticket=f"t-{code}")
        assert msg["From"] == "survey@acme.example"
        assert msg.get_content_type() == "multipart/alternative"
        text = msg.get_body(preferencelist=("plain",)).get_content()
        html = msg.get_body(preferencelist=("html",)).get_content()
        assert f'lang="{code}"' in html
        tokens = LINK.findall(text)
        assert len(tokens) == 5 and set(LINK.findall(html)) == set(tokens)
        assert sorted(verify(key, t, NOW).score for t in tokens) == [1, 2, 3, 4, 5]
        for i, token in enumerate(tokens):  # every link works; later ones (minutes apart: a person) replace the first
            assert record_click(store, token, now=NOW + timedelta(minutes=2 * i)).outcome in ("recorded", "replaced")
    assert any(re.search(r"[\u0370-\u03ff]", m["Subject"]) for m in received.values())  # Greek
    assert any(re.search(r"[\u0400-\u04ff]", m["Subject"]) for m in received.values())  # Cyrillic
    assert len(responses(store)) == 4
    assert {inv["status"] for inv in invitations(store).values()} == {"answered"}


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_when_a_user_is_set(store, monkeypatch):
    inbox = Inbox()
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticator,
                            auth_require_tls=False, auth_required=True)
    controller.start()
    try:
        seed(store, [customer("c1"), ticket("t1", "c1", solved_at=T0 + timedelta(hours=1))])
        create_survey(store, ACCOUNT, Survey(name="nps", kind="nps"), now=T0)
        settings = SmtpSettings(host="127.0.0.1", port=controller.port, user="mailer", password="s3cret")
        assert send_due(store, SmtpMailer(settings), now=NOW).sent == 1
    finally:
        controller.stop()
    assert logins == [(b"mailer", b"s3cret")]
    (_rcpt, raw), = inbox.messages
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert len(LINK.findall(msg.get_body(preferencelist=("plain",)).get_content())) == 11  # NPS 0..10


def test_an_unreachable_server_fails_the_invitation_and_it_is_retried(store):
    seed(store, [customer("c1"), ticket("t1", "c1", solved_at=T0 + timedelta(hours=1))])
    create_survey(store, ACCOUNT, Survey(name="csat", kind="csat"), now=T0)
    summary = send_due(store, SmtpMailer(SmtpSettings(host="127.0.0.1", port=free_port())), now=NOW)
    assert (summary.sent, summary.failed) == (0, 1)
    inv = invitations(store)["t1"]
    assert inv["status"] == "scheduled" and "Connection" in inv["error"]


# ---- TLS: STARTTLS and implicit TLS against a real server with its own CA ------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A CA and a certificate for 127.0.0.1 signed by it (openssl, as an admin would make them)."""
    import subprocess

    d = tmp_path_factory.mktemp("tls")
    run = lambda *args: subprocess.run(args, cwd=d, check=True, capture_output=True)  # noqa: E731
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test CA",
        "-keyout", "ca.key", "-out", "ca.pem")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "srv.key",
        "-out", "srv.csr")
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    run("openssl", "x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-extfile", "san.ext", "-out", "srv.pem")
    return d / "ca.pem", d / "srv.pem", d / "srv.key"


def _server_context(cert, key):
    import ssl

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_mail_goes_over_tls_with_a_login_and_the_certificate_is_verified(tmp_path, tls_files, security):
    import ssl

    from cxpulse.surveys.emails import Email

    ca, cert, key = tls_files
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    inbox = Inbox()
    port = free_port()
    ctx = _server_context(cert, key)
    if security == "starttls":
        controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=ctx, require_starttls=True,
                                authenticator=authenticator, auth_require_tls=True)
    else:
        controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=ctx,
                                authenticator=authenticator, auth_require_tls=False)
    controller.start()
    try:
        mail = Email(subject="Αξιολογήστε", text="ok", html="<p>ok</p>", language="el")
        settings = SmtpSettings(host="127.0.0.1", port=port, security=security, user="survey", password="s3cret",
                                sender="survey@acme.example", ca_file=str(ca))
        SmtpMailer(settings).send("c@example.com", mail)
        assert [rcpt for rcpt, _ in inbox.messages] == [["c@example.com"]]
        assert logins == [(b"survey", b"s3cret")]
        # without the CA the server's certificate is not trusted: nothing is sent in clear instead
        settings.ca_file = ""
        with pytest.raises(ssl.SSLCertVerificationError):
            SmtpMailer(settings).send("c@example.com", mail)
        assert len(inbox.messages) == 1
    finally:
        controller.stop()
