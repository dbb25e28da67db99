#!/usr/bin/env python3
"""retention.py: which snapshots `restic forget` keeps, worked out from
restic's DOCUMENTED rules (doc/060_forget.rst, "Removing backup snapshots"),
not from its code, to check what restic really did.

    retention.py [FILTER] [POLICY] [--keep-oldest] [--survivors] < snapshots.json

snapshots.json: `restic snapshots --json` (objects with id, time, hostname,
tags, paths; "host" is taken for "hostname"). Prints the ids kept, one a
line, newest first; with --survivors, also every snapshot the filter does
not select (what `restic snapshots` lists after the forget).

FILTER (what forget considers; the rest is never touched):
    --host H          only host H (repeatable: any of them)
    --tag a,b         only snapshots with ALL of a and b (repeatable: any list)
    --group-by LIST   host,paths,tags or a part of it (default host,paths);
                      the policy applies to each group on its own
POLICY (a snapshot kept by any rule is kept):
    --keep-last N     the N newest
    --keep-hourly N, --keep-daily N, --keep-weekly N, --keep-monthly N,
    --keep-yearly N   for the newest N hours / days / ISO weeks (Monday to
                      Sunday) / months / years that have snapshots, the
                      newest snapshot of each; natural boundaries of the
                      wall clock the snapshot's time is written in
    --keep-within D   every snapshot newer than the newest one minus D
                      (restic's 1y2m7d3h; years, months and days go back on
                      the calendar, hours on the clock); snapshots in the
                      future (after --now, default the current time) are not
                      the newest one
    --keep-tag a,b    every snapshot with ALL of a and b (repeatable)
    --keep-oldest     restic 0.17+: "If there are not enough snapshots to
                      keep one for each duration related --keep-{within-,}*
                      option, the oldest snapshot is kept additionally": a
                      count rule with counts left keeps the group's oldest
A count of -1 ("unlimited", 0.17+) is not supported. Snapshots of equal time
in one group come in an order restic does not document: avoid them.
Exit 2 on a usage error.
"""
import argparse
import datetime
import json
import re
import sys


def parse_time(s):
    """restic's RFC 3339 time, nanoseconds cut to microseconds; the offset
    written is kept, so calendar fields are that wall clock's."""
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", s)
    if not m:
        raise ValueError("not an RFC 3339 time: %r" % s)
    frac = (m.group(2) or "")[:6].ljust(6, "0")
    zone = "+00:00" if m.group(3) == "Z" else m.group(3)
    return datetime.datetime.fromisoformat("%s.%s%s" % (m.group(1), frac, zone))


def parse_duration(s):
    m = re.fullmatch(r"(?:(\d+)([ymdh]))+", s)
    if not m:
        raise ValueError("not a restic duration: %r" % s)
    d = {"y": 0, "m": 0, "d": 0, "h": 0}
    for num, unit in re.findall(r"(\d+)([ymdh])", s):
        d[unit] = int(num)
    return d


def go_add_date(t, years, months, days):
    """Go's time.AddDate: the fields are added, then normalised (31 March
    minus one month is 3 March, not the end of February)."""
    month0 = t.month - 1 + months
    year = t.year + years + month0 // 12
    month = month0 % 12 + 1
    first = t.replace(year=year, month=month, day=1)
    return first + datetime.timedelta(days=t.day - 1 + days)


def within_cutoff(latest, d):
    t = go_add_date(latest, -d["y"], -d["m"], -d["d"])
    return t - datetime.timedelta(hours=d["h"])


BUCKETS = [
    ("last", None),
    ("hourly", lambda t: (t.year, t.month, t.day, t.hour)),
    ("daily", lambda t: (t.year, t.month, t.day)),
    ("weekly", lambda t: tuple(t.isocalendar()[:2])),
    ("monthly", lambda t: (t.year, t.month)),
    ("yearly", lambda t: (t.year,)),
]


def apply_policy(group, args, now):
    """The ids restic keeps of one group (a list of snapshots)."""
    snaps = sorted(group, key=lambda s: s["t"], reverse=True)
    keep = set()
    if args.keep_within:
        past = [s["t"] for s in snaps if s["t"] <= now]
        if past:
            cutoff = within_cutoff(max(past), parse_duration(args.keep_within))
            keep |= {s["id"] for s in snaps if s["t"] > cutoff}
    for lists in args.keep_tag or []:
        want = set(lists.split(","))
        keep |= {s["id"] for s in snaps if want <= set(s["tags"])}
    for name, bucket in BUCKETS:
        left = getattr(args, "keep_" + name)
        if left <= 0:
            continue
        last = None
        for i, s in enumerate(snaps):
            if left == 0:
                break
            # keep-last: every snapshot is a bucket of its own.
            val = i if bucket is None else bucket(s["t"])
            oldest = i == len(snaps) - 1
            if val != last or (args.keep_oldest and oldest):
                keep.add(s["id"])
                last = val
                left -= 1
    return keep


def main():
    ap = argparse.ArgumentParser(description="restic's documented forget rules", add_help=True)
    ap.add_argument("--host", action="append")
    ap.add_argument("--tag", action="append")
    ap.add_argument("--group-by", default="host,paths")
    for name, _ in BUCKETS:
        ap.add_argument("--keep-" + name, type=int, default=0)
    ap.add_argument("--keep-within")
    ap.add_argument("--keep-tag", action="append")
    ap.add_argument("--keep-oldest", action="store_true")
    ap.add_argument("--survivors", action="store_true")
    ap.add_argument("--now", help="RFC 3339 time (default: now)")
    args = ap.parse_args()
    for name, _ in BUCKETS:
        if getattr(args, "keep_" + name) < 0:
            ap.error("--keep-%s: a negative count (unlimited) is not supported" % name)
    group_by = [g for g in args.group_by.split(",") if g]
    if not set(group_by) <= {"host", "paths", "tags"}:
        ap.error("--group-by takes host, paths, tags")
    try:
        if args.keep_within:
            parse_duration(args.keep_within)
        now = parse_time(args.now) if args.now else datetime.datetime.now(datetime.timezone.utc)
        snaps = json.load(sys.stdin)
        for s in snaps:
            s["t"] = parse_time(s["time"])
            s["host"] = s.get("hostname", s.get("host", ""))
            s["tags"] = s.get("tags") or []
            s["paths"] = s.get("paths") or []
    except (ValueError, KeyError, TypeError) as e:
        print("retention.py: %s" % e, file=sys.stderr)
        return 2

    def selected(s):
        if args.host and s["host"] not in args.host:
            return False
        if args.tag and not any(set(l.split(",")) <= set(s["tags"]) for l in args.tag):
            return False
        return True

    groups = {}
    for s in snaps:
        if not selected(s):
            continue
        key = (s["host"] if "host" in group_by else None,
               tuple(sorted(s["paths"])) if "paths" in group_by else None,
               tuple(sorted(s["tags"])) if "tags" in group_by else None)
        groups.setdefault(key, []).append(s)
    keep = set()
    for g in groups.values():
        keep |= apply_policy(g, args, now)
    out = [s for s in snaps if s["id"] in keep or (args.survivors and not selected(s))]
    for s in sorted(out, key=lambda s: s["t"], reverse=True):
        print(s["id"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
