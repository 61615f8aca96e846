#!/usr/bin/python3
"""Receiver tests of collector/notify against real servers on loopback (127.0.0.1, port 0).

notify_driver (the real C++ config parser, libcurl SMTP/webhook channels and delivery worker)
sends an incident's notifications to:
1. an aiosmtpd SMTP server that saves every message to a directory: the opened and recovered
   e-mails are parsed with Python's email package (subject decoded from RFC 2047, threading
   headers, base64 UTF-8 body naming segment, owner, contact and the JST time);
2. an aiosmtpd server that requires AUTH (plain over loopback): the right credentials pass,
   a wrong password fails at once (permanent) and never appears in the driver's output;
3. the same server while the channel requires STARTTLS it does not offer: refused, nothing sent;
4. an http.server receiver: the webhook JSON has the documented fields, with a header whose
   token comes from a secret file;
5. a receiver that answers 500 twice then 200: delivered on the third attempt;
6. a world-readable password file: the driver stops at start-up with FILE:LINE:COL.

    /usr/bin/python3 tests/lab/notify/test_notify_receivers.py --driver BUILD/tests/lab/notify_driver
"""

import argparse
import asyncio
import email
import email.policy
import email.utils
import http.server
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import socket
import threading
import time
import unittest
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

ARGS = None
# Plain AUTH over loopback is what this test wants; aiosmtpd's warnings about it are noise.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
logging.getLogger("mail.log").setLevel(logging.ERROR)
USER, PASSWORD = "pathwatch", "s3cret!pw"
T_START = 1795410309            # 2026-11-23 14:05:09 JST = 05:05:09 UTC
T_RECOVERED = T_START + 5020    # +1 h 23 min 40 s: 15:28:49 JST
INCIDENT = "INC-20261123-0001"
ROOT_ID = "<pathwatch.INC-20261123-0001@city.example.lg.jp>"
PRIMARY = {"segment": "main-primary", "label": "主回線", "label_en": "primary line",
           "owner": "carrier-a", "owner_label": "キャリアA", "owner_label_en": "Carrier A",
           "email": "noc@carrier-a.example", "phone": "0120-000-001",
           "notes": "回線ID PRI-0001"}


def notification(kind, **extra):
    n = {"kind": kind, "incident_id": INCIDENT, "at": T_START, "started_at": T_START,
         "services": [{"name": "juki", "label": "住民記録システム",
                       "label_en": "Resident records"}],
         "sites": [{"name": "main", "label": "本庁舎", "label_en": "Main office"}],
         "causes": [[PRIMARY]], "conclusive": True,
         "evidence_ja": ["サービス影響: 停止",
                         "障害 原因候補 1: 主回線 (キャリアA) — 根拠: 失敗 3 件"],
         "evidence_en": ["service impact: down"]}
    if kind == "recovered":
        n.update(at=T_RECOVERED, recovered_at=T_RECOVERED)
    n.update(extra)
    return n


class SavingHandler:
    """aiosmtpd handler: every accepted message is written to DIR/NNN.eml."""

    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.directory, "%03d.eml" % self.count)
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)  # a reader polling the directory never sees half of it
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1, port 0, in its own event-loop thread."""

    def __init__(self, directory, require_auth=False):
        self.handler = SavingHandler(directory)
        self.logins = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
                  and auth_data.password == PASSWORD.encode())
            self.logins.append((mechanism, auth_data.login.decode(), ok))
            # handled=False: aiosmtpd itself answers 535 on a failure.
            return AuthResult(success=ok, handled=False)

        def factory():
            kwargs = {}
            if require_auth:
                kwargs = dict(authenticator=authenticator, auth_required=True,
                              auth_require_tls=False)
            return SMTP(self.handler, hostname="relay.test", **kwargs)

        fut = asyncio.run_coroutine_threadsafe(
            self.loop.create_server(factory, "127.0.0.1", 0), self.loop)
        self.server = fut.result(timeout=10)
        self.port = self.server.sockets[0].getsockname()[1]

    def close(self):
        async def shutdown():
            self.server.close()
            await self.server.wait_closed()
        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


class HttpReceiver:
    """http.server on 127.0.0.1, port 0: records requests; /flaky answers 500 twice first."""

    def __init__(self, port=0):
        self.requests = []
        self.arrivals = []  # time.monotonic() of each request
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(min(length, 1 << 20))
                receiver.requests.append((self.path, dict(self.headers), body))
                receiver.arrivals.append(time.monotonic())
                flaky = self.path == "/flaky" and \
                    sum(1 for r in receiver.requests if r[0] == "/flaky") <= 2
                self.send_response(500 if flaky else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


class NotifyReceiverTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pw-notify-")
        self.mail = os.path.join(self.dir, "mail")
        os.mkdir(self.mail)
        self.cleanups = []

    def tearDown(self):
        for c in reversed(self.cleanups):
            c()
        shutil.rmtree(self.dir, ignore_errors=True)

    def smtp(self, **kwargs):
        s = SmtpServer(self.mail, **kwargs)
        self.cleanups.append(s.close)
        return s

    def http(self, port=0):
        h = HttpReceiver(port)
        self.cleanups.append(h.close)
        return h

    def secret(self, name, value, mode=0o600):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(value + "\n")
        os.chmod(path, mode)
        return path

    def drive(self, config, notifications, wait=30):
        cfg = os.path.join(self.dir, "notify.yaml")
        with open(cfg, "w") as f:
            f.write(config)
        notes = os.path.join(self.dir, "notes.json")
        with open(notes, "w") as f:
            json.dump(notifications, f, ensure_ascii=False)
        p = subprocess.run([ARGS.driver, cfg, notes, str(wait)], capture_output=True,
                           text=True, timeout=wait + 30)
        lines = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
        statuses = [l for l in lines if "state" in l]
        counters = next((l["counters"] for l in lines if "counters" in l), None)
        return p, statuses, counters

    def messages(self):
        out = []
        for name in sorted(os.listdir(self.mail)):
            with open(os.path.join(self.mail, name), "rb") as f:
                out.append(email.message_from_binary_file(f, policy=email.policy.default))
        return out

    def email_config(self, port, extra=""):
        return ("email:\n"
                "  url: smtp://127.0.0.1:%d\n"
                "  from: pathwatch@city.example.lg.jp\n"
                "  to: [noc@city.example.lg.jp]\n"
                "  starttls: none\n"
                "  timeout: 10s\n%s"
                "retry: {attempts: 3, initial_backoff: 100ms, max_backoff: 400ms}\n"
                % (port, extra))

    def test_1_opened_and_recovered_mail_in_one_thread(self):
        s = self.smtp()
        p, statuses, counters = self.drive(
            self.email_config(s.port),
            [notification("opened"),
             notification("recovered",
                          failovers=[{"at": T_START + 31, "site": "本庁舎",
                                      "from": "primary", "to": "backup"}])])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual([x["state"] for x in statuses], ["sent", "sent"])
        self.assertEqual(counters["sent"], 2)
        msgs = self.messages()
        self.assertEqual(len(msgs), 2)
        opened, recovered = msgs
        # Subject: RFC 2047 base64 UTF-8 on the wire, decoded by the email package.
        self.assertIn("=?UTF-8?B?", s_raw(self.mail, 1))
        self.assertEqual(str(opened["Subject"]),
                         "[pathwatch] 障害発生: 住民記録システム — 原因候補: 主回線 (キャリアA)")
        self.assertEqual(str(recovered["Subject"]),
                         "[pathwatch] 復旧: 住民記録システム (継続時間 1時間23分)")
        # Threading: the opened message is the root; the recovery replies to it.
        self.assertEqual(opened["Message-ID"], ROOT_ID)
        self.assertIsNone(opened["In-Reply-To"])
        self.assertEqual(recovered["In-Reply-To"], ROOT_ID)
        self.assertEqual(recovered["References"], ROOT_ID)
        self.assertNotEqual(recovered["Message-ID"], ROOT_ID)
        for m in msgs:
            self.assertEqual(m["From"], "pathwatch@city.example.lg.jp")
            self.assertEqual(m["To"], "noc@city.example.lg.jp")
            self.assertEqual(m.get_content_type(), "text/plain")
            self.assertEqual(m.get_content_charset(), "utf-8")
            self.assertEqual(m["Content-Transfer-Encoding"], "base64")
            self.assertIsNotNone(email.utils.parsedate_to_datetime(m["Date"]))
        body = opened.get_content()
        for needle in ["主回線 — 責任者: キャリアA",
                       "連絡先: noc@carrier-a.example / 0120-000-001 / 回線ID PRI-0001",
                       "発生時刻: 2026-11-23 14:05 JST (2026-11-23T05:05:09Z)",
                       "障害 原因候補 1: 主回線 (キャリアA) — 根拠: 失敗 3 件"]:
            self.assertIn(needle, body)
        rbody = recovered.get_content()
        self.assertIn("復旧時刻: 2026-11-23 15:28 JST (2026-11-23T06:28:49Z)", rbody)
        self.assertIn("継続時間: 1時間23分", rbody)
        self.assertIn("2026-11-23 14:05 JST 本庁舎: primary → backup", rbody)
        self.assertEqual(s.handler.envelopes[0],
                         ("pathwatch@city.example.lg.jp", ["noc@city.example.lg.jp"]))

    def test_2_auth_right_and_wrong_password(self):
        s = self.smtp(require_auth=True)
        good = self.secret("pw", PASSWORD)
        p, statuses, _ = self.drive(
            self.email_config(s.port, "  username: %s\n  password_file: %s\n" % (USER, good)),
            [notification("opened")])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(len(self.messages()), 1)
        self.assertTrue(s.logins and s.logins[-1][1:] == (USER, True), s.logins)

        bad = self.secret("bad", "wrong-password-xyz")
        p, statuses, counters = self.drive(
            self.email_config(s.port, "  username: %s\n  password_file: %s\n" % (USER, bad)),
            [notification("opened")])
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertEqual(statuses[0]["state"], "failed")
        self.assertEqual(statuses[0]["attempts"], 1, statuses)  # rejected login: no retry
        self.assertEqual(counters["failed"], 1)
        self.assertEqual(len(self.messages()), 1)     # nothing more delivered
        self.assertNotIn("wrong-password-xyz", p.stdout + p.stderr)
        self.assertNotIn(PASSWORD, p.stdout + p.stderr)

    def test_3_required_starttls_is_not_skipped(self):
        s = self.smtp(require_auth=True)
        good = self.secret("pw", PASSWORD)
        cfg = self.email_config(s.port, "  username: %s\n  password_file: %s\n" % (USER, good))
        p, statuses, _ = self.drive(cfg.replace("starttls: none", "starttls: required"),
                                    [notification("opened")])
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertEqual(statuses[0]["state"], "failed")
        self.assertEqual(statuses[0]["attempts"], 1)
        self.assertEqual(s.logins, [])                # the password never left
        self.assertEqual(self.messages(), [])

    def test_4_webhook_json(self):
        h = self.http()
        token = self.secret("token", "t0k-123")
        cfg = ("webhooks:\n"
               "  - url: http://127.0.0.1:%d/hook/SECRET-PATH\n"
               "    headers: {X-Team: noc, Authorization: {value_file: %s, prefix: \"Bearer \"}}\n"
               "    timeout: 10s\n" % (h.port, token))
        p, statuses, _ = self.drive(cfg, [notification("opened"), notification("recovered")])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual([x["channel"] for x in statuses], ["webhook:127.0.0.1"] * 2)
        self.assertNotIn("SECRET-PATH", p.stdout + p.stderr)
        self.assertEqual(len(h.requests), 2)
        path, headers, body = h.requests[0]
        self.assertEqual(path, "/hook/SECRET-PATH")
        self.assertEqual(headers["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(headers["Authorization"], "Bearer t0k-123")
        self.assertEqual(headers["X-Team"], "noc")
        j = json.loads(body.decode("utf-8"))
        self.assertEqual(j["incident_id"], INCIDENT)
        self.assertEqual(j["kind"], "opened")
        self.assertEqual(j["service"], "住民記録システム")
        self.assertEqual(j["sites"][0]["label"], "本庁舎")
        self.assertEqual(j["segment"]["name"], "main-primary")
        self.assertEqual(j["owner"]["label"], "キャリアA")
        self.assertEqual(j["contact"]["email"], "noc@carrier-a.example")
        self.assertEqual(j["started_at"]["jst"], "2026-11-23 14:05 JST")
        self.assertEqual(j["started_at"]["utc"], "2026-11-23T05:05:09Z")
        self.assertEqual(j["evidence"][0], "サービス影響: 停止")
        r = json.loads(h.requests[1][2].decode("utf-8"))
        self.assertEqual(r["kind"], "recovered")
        self.assertEqual(r["duration_seconds"], 5020)

    def test_5_webhook_retries_after_two_500(self):
        h = self.http()
        cfg = ("webhooks:\n"
               "  - url: http://127.0.0.1:%d/flaky\n"
               "    language: en\n"
               "retry: {attempts: 5, initial_backoff: 100ms, max_backoff: 400ms}\n" % h.port)
        p, statuses, counters = self.drive(cfg, [notification("opened")])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(statuses[0]["state"], "sent")
        self.assertEqual(statuses[0]["attempts"], 3)   # 500, 500, 200
        self.assertEqual(counters["retries"], 2)
        self.assertEqual(len(h.requests), 3)
        self.assertEqual(json.loads(h.requests[2][2])["service"], "Resident records")
        self.assertIn("HTTP status 500", p.stderr)      # the failures were logged

    def test_7_back_within_5_s_of_the_receiver(self):
        """Issue 15 item 5: with the default retry policy, a receiver that was away (nothing
        listening, connections refused) for 8 s gets the queued messages, in order, within
        5 s of coming back (before: the first retry after 30 s, then 60 s, ...)."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        cfg = "webhooks:\n  - url: http://127.0.0.1:%d/hook\n" % port
        path = os.path.join(self.dir, "notify.yaml")
        with open(path, "w") as f:
            f.write(cfg)
        notes = os.path.join(self.dir, "notes.json")
        with open(notes, "w") as f:
            json.dump([notification("opened"), notification("recovered")], f)
        driver = subprocess.Popen([ARGS.driver, path, notes, "40"], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        self.cleanups.append(lambda: driver.poll() is None and driver.kill())
        time.sleep(8)
        h = self.http(port)
        back = time.monotonic()
        out, err = driver.communicate(timeout=60)
        self.assertEqual(driver.returncode, 0, out + err)
        self.assertEqual([json.loads(r[2])["kind"] for r in h.requests], ["opened", "recovered"])
        waited = h.arrivals[-1] - back
        sys.stderr.write("receiver back -> both delivered: %.2f s\n" % waited)
        self.assertLessEqual(waited, 5.0)
        self.assertIn("Couldn't connect to server", err)  # the outage was seen and logged

    def test_6_world_readable_password_stops_startup(self):
        loose = self.secret("pw", PASSWORD, mode=0o644)
        cfg = self.email_config(9, "  username: %s\n  password_file: %s\n" % (USER, loose))
        p, statuses, _ = self.drive(cfg, [notification("opened")])
        self.assertEqual(p.returncode, 2)
        self.assertIn("notify.yaml:8:18: email.password_file: secret file " + loose +
                      " is accessible by other users (mode 0644, world-readable", p.stderr)
        self.assertNotIn(PASSWORD, p.stderr)
        self.assertEqual(statuses, [])


def s_raw(directory, n):
    with open(os.path.join(directory, "%03d.eml" % n), "rb") as f:
        return f.read().decode("ascii")


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--driver", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
