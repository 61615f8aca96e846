#!/usr/bin/python3
"""The isolation lab's mail relay and webhook receiver, run inside the collector's namespace
(its own loopback): every e-mail the collector sends is saved as DIR/mail/NNN.eml (aiosmtpd,
the same server as tests/lab/notify), every webhook body as DIR/hook/NNN.json. Once both
listen, their ports go to DIR/ports.json. Runs until SIGTERM.

usage: lab_receivers.py DIR
"""
import http.server
import json
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "notify"))
from test_notify_receivers import SmtpServer  # noqa: E402


def main():
    out = sys.argv[1]
    mail, hook = os.path.join(out, "mail"), os.path.join(out, "hook")
    os.makedirs(mail, exist_ok=True)
    os.makedirs(hook, exist_ok=True)
    smtp = SmtpServer(mail)
    lock = threading.Lock()
    saved = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(min(length, 1 << 20))
            with lock:
                saved[0] += 1
                path = os.path.join(hook, "%03d.json" % saved[0])
            with open(path + ".tmp", "wb") as f:
                f.write(body)
            os.rename(path + ".tmp", path)  # readers never see half a body
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    ports = os.path.join(out, "ports.json")
    with open(ports + ".tmp", "w") as f:
        json.dump({"smtp": smtp.port, "http": web.server_address[1]}, f)
    os.rename(ports + ".tmp", ports)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    web.shutdown()
    web.server_close()
    smtp.close()


if __name__ == "__main__":
    main()
