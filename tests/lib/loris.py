#!/usr/bin/env python3
"""Hostile clients for the metrics port, for SECONDS:
  - N connections held open at all times (reopened when the server closes
    one), half sending a request head one byte a second (slow loris), half
    sending nothing;
  - one client scraping /metrics in a loop, counting good answers.
Prints "scrapes=K ok=M opened=O" at the end.

    loris.py HOST PORT N SECONDS
"""
import socket
import sys
import time

HEAD = b"GET /metrics HTTP/1.1\r\nHost: x\r\nUser-Agent: loris\r\n" + b"X-Pad: " + b"a" * 200 + b"\r\n\r\n"


def opener(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect((host, port))
    except BlockingIOError:
        pass
    return s


def main():
    host, port, n, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    end = time.monotonic() + secs
    conns = []  # [sock, bytes sent, slow?]
    opened = 0
    scrapes = good = 0
    last_drip = 0.0
    while time.monotonic() < end:
        while len(conns) < n:
            conns.append([opener(host, port), 0, len(conns) % 2 == 0])
            opened += 1
        now = time.monotonic()
        if now - last_drip >= 1.0:
            last_drip = now
            keep = []
            for c in conns:
                s, sent, slow = c
                try:
                    if slow and sent < len(HEAD) - 4:
                        s.send(HEAD[sent:sent + 1])
                        c[1] += 1
                    # A closed connection reads as b"" (or an error).
                    try:
                        if s.recv(65536) == b"":
                            raise ConnectionError
                    except BlockingIOError:
                        pass
                    keep.append(c)
                except (OSError, ConnectionError):
                    s.close()
            conns = keep
        # One honest scrape, bounded in time.
        try:
            t = socket.create_connection((host, port), timeout=2)
            t.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while True:
                b = t.recv(65536)
                if not b:
                    break
                data += b
            t.close()
            scrapes += 1
            if data.startswith(b"HTTP/1.1 200") and b"rds_build_info" in data:
                good += 1
        except OSError:
            scrapes += 1
        time.sleep(0.05)
    for c in conns:
        c[0].close()
    print(f"scrapes={scrapes} ok={good} opened={opened}")


if __name__ == "__main__":
    main()
