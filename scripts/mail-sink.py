#!/usr/bin/python3
"""A real SMTP server for development and tests: aiosmtpd on loopback, each message stored as a file.

Every accepted message is written to SPOOL/<sequence>.eml exactly as received (after the SMTP layer has
removed dot-stuffing), beside SPOOL/<sequence>.json with the envelope. Recipients whose local part starts
with "reject" are refused with 550 and those starting with "tempfail" with 451, so that tests can drive
permanent and temporary failures through a real server.
"""
import argparse
import asyncio
import itertools
import json
import os
import signal
import time

from aiosmtpd.controller import Controller


class SpoolHandler:
    def __init__(self, spool):
        self.spool = spool
        self.sequence = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 Mailbox unavailable"
        if local.startswith("tempfail"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        name = "%d-%06d" % (time.time_ns(), next(self.sequence))
        eml = os.path.join(self.spool, name + ".eml")
        meta = os.path.join(self.spool, name + ".json")
        with open(meta + ".tmp", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
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
    controller = Controller(
        SpoolHandler(args.spool), hostname="127.0.0.1", port=args.port, decode_data=False,
        enable_SMTPUTF8=True, data_size_limit=32 * 1024 * 1024,
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
