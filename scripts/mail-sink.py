#!/usr/bin/python3
"""A real SMTP server for development and tests: aiosmtpd on loopback, each message stored as a file.

Every accepted message is written to SPOOL/<sequence>.eml exactly as received (after the SMTP layer has
removed dot-stuffing), beside SPOOL/<sequence>.json with the envelope.

Tests script failures through the recipient's local part:
  reject*    550 on RCPT               tempfail*  451 on RCPT
  toobig*    552 after DATA            drop*      the connection closed in the middle of DATA
  slow*      the DATA reply delayed by 3 seconds
and through SPOOL/../mail.mode: "refuse" answers 421 on connect (read at every connection), "tempfail"
451 on every RCPT.

AUTH is offered only to a client whose EHLO name asks for it (libcurl sends the URL's path as its EHLO
name: smtp://127.0.0.1:PORT/auth-reject.test), so the script stays with one connection:
  auth-reject*  AUTH offered, every credential refused with 535
  auth-accept*  AUTH offered, every credential accepted
Any other EHLO name is offered no AUTH.
"""
import argparse
import asyncio
import itertools
import json
import os
import signal
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult


def auth_script(hostname):
    """The AUTH behaviour an EHLO name asks for: "reject", "accept" or None (no AUTH offered)."""
    name = (hostname or "").lower()
    if name.startswith("auth-reject"):
        return "reject"
    if name.startswith("auth-accept"):
        return "accept"
    return None


def authenticator(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=auth_script(session.host_name) == "accept", handled=False)


class ScriptedSMTP(SMTP):
    """Answers 421 on connect while the mode file says "refuse"; otherwise a plain aiosmtpd server."""

    async def _handle_client(self):
        if self.event_handler.mode() == "refuse":
            await self.push("421 4.3.2 Service not available, try again later")
            self.transport.close()
            return
        await super()._handle_client()


class ScriptedController(Controller):
    def factory(self):
        return ScriptedSMTP(self.handler, **self.SMTP_kwargs)


class SpoolHandler:
    def __init__(self, spool):
        self.spool = spool
        self.sequence = itertools.count(1)
        self.mode_file = os.path.join(os.path.dirname(os.path.abspath(spool)), "mail.mode")

    def mode(self):
        try:
            with open(self.mode_file) as f:
                return f.read().strip()
        except OSError:
            return ""

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # aiosmtpd offers AUTH to everyone here (auth_require_tls=False): keep it only where the name asks.
        session.host_name = hostname
        if auth_script(hostname) is None:
            responses = [line for line in responses if not line[4:].startswith("AUTH")]
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 Mailbox unavailable"
        if local.startswith("tempfail") or self.mode() == "tempfail":
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        locals_ = [address.split("@", 1)[0].lower() for address in envelope.rcpt_tos]
        if any(local.startswith("toobig") for local in locals_):
            return "552 5.3.4 Message too big for system"
        if any(local.startswith("drop") for local in locals_):
            server.transport.close()
            return "421 4.3.0 closing"
        if any(local.startswith("slow") for local in locals_):
            await asyncio.sleep(3)
        name = "%d-%06d" % (time.time_ns(), next(self.sequence))
        eml = os.path.join(self.spool, name + ".eml")
        meta = os.path.join(self.spool, name + ".json")
        with open(meta + ".tmp", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "peer_port": session.peer[1] if session.peer else None}, f)
        os.rename(meta + ".tmp", meta)
        with open(eml + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(eml + ".tmp", eml)
        return "250 2.0.0 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spool", required=True)
    args = parser.parse_args()
    os.makedirs(args.spool, exist_ok=True)
    controller = ScriptedController(
        SpoolHandler(args.spool), hostname="127.0.0.1", port=args.port, decode_data=False,
        enable_SMTPUTF8=True, data_size_limit=32 * 1024 * 1024,
        auth_require_tls=False, authenticator=authenticator,
    )
    controller.start()
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        loop.run_until_complete(stop.wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
