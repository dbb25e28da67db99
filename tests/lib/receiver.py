#!/usr/bin/env python3
"""An HTTP receiver on 127.0.0.1 for the notification scenarios.

    receiver.py LOG PORTFILE [--status N] [--body-size N] [--hang]
                [--redirect LOCATION] [--tls CERT KEY] [--port N]

Listens on a free port of 127.0.0.1 (or on N) and writes the port into PORTFILE once
it accepts connections. Every request is appended to LOG as one JSON line
before it is answered: {"method", "path" (with the query), "headers" (names
in lower case), "body" (text)}. It then answers 200 "ok", or:
  --status N           N with the body "oops"
  --body-size N        a body of N bytes ("x" repeated) instead
  --hang               nothing: the connection stays open, no answer ever
  --redirect LOCATION  307 to LOCATION (the first request only; later ones
                       are answered 200)
  --tls CERT KEY       over TLS with that certificate
  --port N             on port N (443 for a service's fixed https address)
Runs until it is killed."""
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main(argv):
    log_path, port_file = argv[1], argv[2]
    opts = argv[3:]
    status, hang, redirect, tls, size, port = 200, False, None, None, None, 0
    while opts:
        o = opts.pop(0)
        if o == "--status":
            status = int(opts.pop(0))
        elif o == "--body-size":
            size = int(opts.pop(0))
        elif o == "--hang":
            hang = True
        elif o == "--redirect":
            redirect = opts.pop(0)
        elif o == "--tls":
            tls = (opts.pop(0), opts.pop(0))
        elif o == "--port":
            port = int(opts.pop(0))
        else:
            sys.exit("receiver.py: unknown option " + o)
    lock = threading.Lock()
    redirected = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def handle_any(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            rec = {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
            }
            with lock:
                with open(log_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(rec) + "\n")
                first = not redirected
                redirected.append(1)
            if hang:
                while True:
                    time.sleep(3600)
            if redirect and first:
                self.send_response(307)
                self.send_header("Location", redirect)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            out = b"ok" if status < 300 else b"oops"
            if size is not None:
                out = b"x" * size
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            try:
                self.wfile.write(out)
            except OSError:
                pass  # the client stopped reading

        do_GET = do_POST = do_PUT = handle_any

    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    # The port appears whole, and only once the socket listens.
    os.rename(port_file + ".tmp", port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main(sys.argv)
