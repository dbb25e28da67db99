#!/usr/bin/env python3
"""Writes the benchmark data set, the same bytes on every run (seeded).

    gen_data.py DIR [TOTAL_MB] [SMALL_FILES]

About TOTAL_MB in all (default 200): SMALL_FILES (default 2000) small files
of 1 to 48 KiB in nested directories, and the rest in four large files.
Half of everything is compressible text, half random bytes, so restic's
compression and deduplication both have work to do."""
import os
import random
import sys


def text_block(rng, n):
    words = [b"backup", b"restic", b"swarm", b"volume", b"snapshot", b"postgres",
             b"row", b"INSERT", b"INTO", b"VALUES", b"node", b"service"]
    out = bytearray()
    while len(out) < n:
        out += b" ".join(rng.choice(words) for _ in range(12)) + b"\n"
    return bytes(out[:n])


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    small = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    rng = random.Random(20261201)
    used = 0
    for i in range(small):
        n = rng.randint(1024, 48 * 1024)
        data = text_block(rng, n) if i % 2 else rng.randbytes(n)
        write(os.path.join(root, "small", "d%02d" % (i % 40), "f%05d.dat" % i), data)
        used += n
    rest = max(total * 1024 * 1024 - used, 4 * 1024 * 1024)
    chunk = 4 * 1024 * 1024
    for j in range(4):
        path = os.path.join(root, "large", "big%d.bin" % j)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            left = rest // 4
            while left > 0:
                n = min(chunk, left)
                f.write(text_block(rng, n) if j % 2 else rng.randbytes(n))
                left -= n


if __name__ == "__main__":
    main()
