#!/usr/bin/env python3
"""The memory a set of processes occupies together: the number of distinct
physical pages resident in any of them, in KiB (needs root: /proc/PID/pagemap
shows page frame numbers to root only).

Summing VmRSS counts a page every process maps (libc's code, say) once per
process; summing PSS charges the shared pages partly to processes outside the
set. Counting page frames once gives what the set costs the machine.

    mem_union.py PID [PID ...]
"""
import struct
import sys

PAGE = 4096


def frames(pid):
    out = set()
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pm:
        for line in maps:
            rng = line.split()[0]
            if line.rstrip().endswith("[vsyscall]"):
                continue
            lo, hi = (int(x, 16) for x in rng.split("-"))
            n = (hi - lo) // PAGE
            pm.seek(lo // PAGE * 8)
            data = pm.read(n * 8)
            for (e,) in struct.iter_unpack("<Q", data):
                if e >> 63 & 1:  # present in RAM
                    pfn = e & ((1 << 55) - 1)
                    if pfn == 0:
                        sys.exit("mem_union.py: page frame numbers are hidden (not root?)")
                    out.add(pfn)
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    union = set()
    for pid in sys.argv[1:]:
        try:
            union |= frames(pid)
        except FileNotFoundError:
            pass  # the process ended meanwhile
    print(len(union) * PAGE // 1024)


if __name__ == "__main__":
    main()
