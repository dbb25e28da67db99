#!/usr/bin/env python3
"""The original project's discovery, for a side-by-side count: every
INTERVAL seconds one GET /services on a Docker unix socket, nothing else.

    services_poller.py SOCK INTERVAL LOG

Appends one line per list to LOG: "EPOCH_MS BYTES NAME..." (the time the
request was sent, the size of the answer's body, the service names in it),
so a benchmark can count its requests and bytes and see when a new service
is first listed. Stops on SIGTERM."""
import http.client
import json
import os
import signal
import socket
import sys
import time


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def main():
    sock, interval, logpath = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    log = open(logpath, "a")
    while True:
        t = time.time()
        try:
            c = UnixConnection(sock)
            c.request("GET", "/services")
            body = c.getresponse().read()
            c.close()
            names = [s["Spec"]["Name"] for s in json.loads(body)]
            log.write("%d %d %s\n" % (t * 1000, len(body), " ".join(names)))
        except (OSError, ValueError, KeyError, TypeError, http.client.HTTPException) as e:
            log.write("%d 0 ERROR %s\n" % (t * 1000, str(e).replace("\n", " ")))
        log.flush()
        time.sleep(max(0.0, t + interval - time.time()))


if __name__ == "__main__":
    main()
