"""E-mail through an SMTP server: messages composed by Flask-Mail (its header checks refuse
newlines in subjects and addresses), sent over one connection kept open across a batch."""
from __future__ import annotations

import smtplib
from email import policy

from flask_mail import Message

from widget.notify.channels import Delivery, PermanentFailure, TemporaryFailure


class EmailChannel:
    """Sends a Delivery as a multipart text + HTML message."""

    def __init__(self, server: str, port: int, sender: str, username: str = "",
                 password: str = "", use_tls: bool = False, use_ssl: bool = False,
                 timeout: float = 10.0, domain: str = "frontdesk.invalid"):
        self.server, self.port, self.sender = server, port, sender
        self.username, self.password = username, password
        self.use_tls, self.use_ssl, self.timeout, self.domain = use_tls, use_ssl, timeout, domain
        self._smtp: smtplib.SMTP | None = None

    def send(self, delivery: Delivery) -> str:
        """Send one message; its Message-ID is the delivery's stable reference."""
        message = Message(subject=" ".join(delivery.subject.split()), recipients=[delivery.recipient],
                          body=delivery.text, html=delivery.html or None, sender=self.sender,
                          extra_headers={"Content-Language": delivery.language,
                                         "Auto-Submitted": "auto-generated"})
        message.msgId = f"<{delivery.reference}@{self.domain}>"
        if message.has_bad_headers():
            raise PermanentFailure("refused: a header would contain a line break")
        try:
            smtp = self._connection()
            smtp.sendmail(self.sender, [delivery.recipient], _wire_bytes(message))
        except smtplib.SMTPRecipientsRefused as error:
            self.close()
            codes = [code for code, _ in error.recipients.values()]
            failure = PermanentFailure if all(code >= 500 for code in codes) else TemporaryFailure
            raise failure(f"recipient refused: {codes}") from None
        except smtplib.SMTPResponseException as error:
            self.close()
            failure = PermanentFailure if error.smtp_code >= 500 else TemporaryFailure
            raise failure(f"SMTP {error.smtp_code}: {_text(error.smtp_error)}") from None
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise TemporaryFailure(f"mail server unreachable: {type(error).__name__}: {error}") from None
        return message.msgId

    def close(self) -> None:
        """Drop the connection (after a failure, or at the end of a batch)."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            kind = smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP
            smtp = kind(self.server, self.port, timeout=self.timeout)
            if self.use_tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            self._smtp = smtp
        return self._smtp


# Flask-Mail has already encoded every header (RFC 2047 subject, sanitised addresses). Its SMTP
# policy would parse each header again through the header registry, which took half the
# worker's time per message; compat32 with CRLF writes the same headers as they are.
_WIRE_POLICY = policy.compat32.clone(linesep="\r\n", max_line_length=None)


def _wire_bytes(message: Message) -> bytes:
    mime = message._message()  # noqa: SLF001 - Flask-Mail's composer, without its slow policy
    mime.policy = _WIRE_POLICY
    return mime.as_bytes()


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
