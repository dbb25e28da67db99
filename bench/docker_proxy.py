#!/usr/bin/env python3
"""A counting proxy for the Docker API on unix sockets.

    docker_proxy.py LISTEN_SOCK UPSTREAM_SOCK LOG

Forwards every connection to UPSTREAM_SOCK byte for byte and appends one
line per HTTP request the client sends ("EPOCH_MS METHOD PATH") to LOG, so
a benchmark can count the agent's Docker API requests in a time window.
Requests are found at the start of the client's stream and after each
complete request (keep-alive); request bodies are skipped by their
Content-Length. Stops on SIGTERM."""
import os
import re
import signal
import socket
import sys
import threading
import time

REQ = re.compile(rb"^(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP/1\.[01]\r\n")


def pump(src, dst, on_data=None):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if on_data:
                on_data(data)
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class RequestCounter:
    def __init__(self, log):
        self.log, self.buf, self.skip = log, b"", 0

    def feed(self, data):
        self.buf += data
        while True:
            if self.skip:
                n = min(self.skip, len(self.buf))
                self.buf, self.skip = self.buf[n:], self.skip - n
                if self.skip:
                    return
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buf = self.buf[:end + 4], self.buf[end + 4:]
            m = REQ.match(head)
            if m:
                path = m.group(2).split(b"?")[0].decode("latin-1")
                with LOCK:
                    self.log.write("%d %s %s\n" % (time.time() * 1000, m.group(1).decode(), path))
                    self.log.flush()
            cl = re.search(rb"\r\ncontent-length: *(\d+)", head, re.I)
            self.skip = int(cl.group(1)) if cl else 0


LOCK = threading.Lock()


def main():
    listen, upstream, logpath = sys.argv[1:4]
    log = open(logpath, "a")
    if os.path.exists(listen):
        os.unlink(listen)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(listen)
    srv.listen(16)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    while True:
        c, _ = srv.accept()
        u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        u.connect(upstream)
        counter = RequestCounter(log)
        threading.Thread(target=pump, args=(c, u, counter.feed), daemon=True).start()
        threading.Thread(target=pump, args=(u, c), daemon=True).start()


if __name__ == "__main__":
    main()
