#!/usr/bin/python3
"""The test site's SMTP servers (aiosmtpd), in front of Dovecot's LMTP.

Three listeners on loopback:
  inbound     port 25's job: mail from the world, no authentication; delivered to Dovecot.
  submission  port 587's job (RFC 6409): STARTTLS required before AUTH PLAIN/LOGIN.
  tls         port 465's job (RFC 8314): implicit TLS, then AUTH.
A recipient in a local domain is checked with Dovecot's LMTP at RCPT time (so an unknown
mailbox is refused by Dovecot, 550); others are accepted and not relayed further.
Every message accepted is kept as DIR/received/N.eml with N.json (envelope, listener,
user), then delivered to its local recipients over LMTP. Prints "ready" when listening.
"""
import argparse
import asyncio
import json
import os
import smtplib
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

p = argparse.ArgumentParser()
p.add_argument("--dir", required=True)
p.add_argument("--inbound-port", type=int, required=True)
p.add_argument("--submission-port", type=int, required=True)
p.add_argument("--tls-port", type=int, required=True)
p.add_argument("--lmtp-port", type=int, required=True)
p.add_argument("--cert", required=True)
p.add_argument("--key", required=True)
p.add_argument("--login", action="append", default=[], help="user:password")
p.add_argument("--local-domain", action="append", default=[])
args = p.parse_args()

received = os.path.join(args.dir, "received")
os.makedirs(received, exist_ok=True)
logins = dict(l.split(":", 1) for l in args.login)
counter = [0]


def lmtp_probe(mail_from, rcpt):
    """Dovecot's answer to RCPT TO for a local recipient."""
    with smtplib.LMTP("127.0.0.1", args.lmtp_port, timeout=10) as lmtp:
        lmtp.ehlo("earshot-test")
        lmtp.mail(mail_from or "<>")
        code, text = lmtp.rcpt(rcpt)
        lmtp.rset()
        return code, text.decode(errors="replace")


def deliver(mail_from, rcpts, content):
    with smtplib.LMTP("127.0.0.1", args.lmtp_port, timeout=30) as lmtp:
        lmtp.sendmail(mail_from or "<>", rcpts, content)


class Relay:
    def __init__(self, listener):
        self.listener = listener

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = address.rsplit("@", 1)[-1].lower()
        if domain in args.local_domain:
            code, text = await asyncio.get_running_loop().run_in_executor(
                None, lmtp_probe, envelope.mail_from, address)
            if code >= 400:
                return f"{code} {text}"
        elif self.listener == "inbound":
            return "550 5.7.1 relaying denied"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        counter[0] += 1
        n = counter[0]
        content = envelope.original_content
        with open(os.path.join(received, f"{n}.eml.tmp"), "wb") as f:
            f.write(content)
        data = getattr(session, "auth_data", None)
        user = data.login.decode(errors="replace") if isinstance(data, LoginPassword) else None
        with open(os.path.join(received, f"{n}.json"), "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "listener": self.listener, "user": user}, f)
        os.rename(os.path.join(received, f"{n}.eml.tmp"), os.path.join(received, f"{n}.eml"))
        local = [r for r in envelope.rcpt_tos if r.rsplit("@", 1)[-1].lower() in args.local_domain]
        if local:
            try:
                await asyncio.get_running_loop().run_in_executor(
                    None, deliver, envelope.mail_from, local, content)
            except smtplib.SMTPException as e:
                return f"451 4.3.0 delivery failed: {e}"
        return "250 2.0.0 accepted"


def authenticator(server, session, envelope, mechanism, auth_data):
    if not isinstance(auth_data, LoginPassword):
        return AuthResult(success=False, handled=False)
    user = auth_data.login.decode(errors="replace")
    ok = logins.get(user) == auth_data.password.decode(errors="replace")
    return AuthResult(success=ok, auth_data=auth_data if ok else None)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(args.cert, args.key)

controllers = [
    Controller(Relay("inbound"), hostname="127.0.0.1", port=args.inbound_port),
    Controller(Relay("submission"), hostname="127.0.0.1", port=args.submission_port,
               tls_context=context, require_starttls=True, authenticator=authenticator,
               auth_required=True, auth_require_tls=True),
    Controller(Relay("tls"), hostname="127.0.0.1", port=args.tls_port, ssl_context=context,
               authenticator=authenticator, auth_required=True, auth_require_tls=False),
]
for c in controllers:
    c.start()
print("ready", flush=True)
try:
    sys.stdin.read()  # until the test closes our stdin or kills us
finally:
    for c in controllers:
        c.stop()
