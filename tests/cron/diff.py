#!/usr/bin/python3
"""Differential test of src/agent/cron.c against python3-croniter.

Usage: /usr/bin/python3 tests/cron/diff.py BUILD_DIR   (runs BUILD_DIR/tests/cron_next)

Generates, from a fixed seed, thousands of cron expressions (5 and 6 fields,
names, lists, ranges, steps, macros, '?', restricted day-of-month and
day-of-week) and start times (random ones, and ones at and around the DST
changes of Europe/Helsinki, America/New_York, Australia/Lord_Howe and
America/Santiago; UTC too), runs them through cron_next in one process per
time zone, and compares each answer with two computations:

 1. The reference: croniter searching the *wall clock* (naive datetimes, so
    its field matching and calendar arithmetic are what is tested), then the
    wall time it finds mapped to an instant with the DST rules of
    src/agent/cron.h, written here independently on top of zoneinfo. Every case
    must agree. Two croniter bugs in day matching are repaired here
    (croniter_next()), and counted.
 2. croniter with an aware start datetime, as its users call it. It must
    agree too, unless explain() names the reason it does not: one of the two
    day-matching bugs, or, only when a UTC offset change lies between the
    start and the answer, one of croniter 1.3.5's DST mistakes or one of our
    two intentional DST rules. Each reason is counted and printed; nothing
    is dropped silently. tests/cron/README.md lists them.

Known croniter differences that are translated, not excluded (to_croniter()):
croniter puts the seconds field last; it has no '?'; it decides day-of-month
OR day-of-week on the expanded sets rather than on the text as Vixie cron
does; and in six-field expressions it mishandles 7 (Sunday) in day-of-week.

Prints TAP-like "ok - ..." / "not ok - ..." lines, '#' lines with the
reasons, up to 10 mismatches and the number of cases, and exits non-zero on
any mismatch. CRON_DIFF_SEED=N tries another seed; CRON_DIFF_VERBOSE=1
prints every explained difference.
"""
import os
import random
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from croniter.croniter import croniter, CroniterBadDateError, CroniterError

SEED = int(os.environ.get("CRON_DIFF_SEED", "20240310"))  # fixed unless exploring
# Lord Howe Island changes by 30 minutes at 02:00; Santiago changes at
# midnight (00:00 is skipped, 23:00-23:59 repeated the evening before).
ZONES = ["UTC", "Europe/Helsinki", "America/New_York", "Australia/Lord_Howe", "America/Santiago"]
SEARCH_YEARS = 5  # CRON_SEARCH_YEARS in src/agent/cron.h
RANDOM_CASES = 1500  # per zone
DST_EXPRS = 60  # per zone with DST; each tried at many start times
MAX_EXAMPLES = 10
VERBOSE = os.environ.get("CRON_DIFF_VERBOSE") == "1"  # print every explained difference

MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
DAYS = "SUN MON TUE WED THU FRI SAT".split()
# (name, min, max, names, step span)
FIELDS = {
    "sec": (0, 59, None, 60),
    "min": (0, 59, None, 60),
    "hour": (0, 23, None, 24),
    "dom": (1, 31, None, 31),
    "mon": (1, 12, MONTHS, 12),
    "dow": (0, 7, DAYS, 7),
}
MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]


# ---- expression generator ------------------------------------------------

def rand_case(rng, s):
    return rng.choice([s, s.lower(), s.capitalize()])


def gen_value(rng, f, v):
    lo, hi, names, _ = FIELDS[f]
    if names and v < len(names) + (f == "mon") and rng.random() < 0.4:
        return rand_case(rng, names[v - 1 if f == "mon" else v])
    return str(v)


def gen_item(rng, f):
    lo, hi, names, span = FIELDS[f]
    kind = rng.choice(["*/k", "a", "a", "a-b", "a-b/k", "a/k"])
    step = rng.randint(1, min(span, 15) if rng.random() < 0.8 else span)
    a = rng.randint(lo, hi)
    if kind == "*/k":
        return "*/%d" % step
    if kind == "a":
        return gen_value(rng, f, a)
    if kind == "a/k":
        return "%s/%d" % (gen_value(rng, f, a), step)
    if f == "dow" and rng.random() < 0.15:
        b = rng.choice([0, 7])  # "FRI-SUN", "5-0", "5-7"
        a = rng.randint(1, 7)
        hi_s = rand_case(rng, "SUN") if b == 0 and rng.random() < 0.5 else str(b)
        s = "%s-%s" % (gen_value(rng, f, a) if a < 7 else "7", hi_s)
    else:
        b = rng.randint(a, hi)
        s = "%s-%s" % (gen_value(rng, f, a), gen_value(rng, f, b))
    return s + ("/%d" % step if kind == "a-b/k" else "")


def gen_field(rng, f, star):
    if rng.random() < star:
        return "*"
    if f in ("dom", "dow") and rng.random() < 0.05:
        return "?"
    if f == "dom" and rng.random() < 0.03:
        return "1-31"  # restricted text, full set: Vixie ORs with day-of-week
    if f == "dow" and rng.random() < 0.03:
        return rng.choice(["0-6", "SUN-SAT", "0-7", "*,1"])
    return ",".join(gen_item(rng, f) for _ in range(rng.choice([1, 1, 1, 2, 3])))


def gen_expr(rng):
    if rng.random() < 0.05:
        return rand_case(rng, rng.choice(MACROS))
    six = rng.random() < 0.3
    parts = []
    if six:
        parts.append(gen_field(rng, "sec", 0.4))
    parts.append(gen_field(rng, "min", 0.2))
    parts.append(gen_field(rng, "hour", 0.35))
    both = rng.random() < 0.2  # restricted dom and dow together
    parts.append(gen_field(rng, "dom", 0.0 if both else 0.7))
    parts.append(gen_field(rng, "mon", 0.7))
    parts.append(gen_field(rng, "dow", 0.0 if both else 0.7))
    return rng.choice([" ", " ", "  ", "\u0020\u0020\u0020"]).join(parts)


def gen_dst_expr(rng):
    """Expressions whose fire times land in or next to the changed hours."""
    hour = rng.choice(["1", "2", "3", "4", "2,3", "3,4", "1-4", "*", "*/2", "2-3/1",
                       "0", "23", "22-23,0-1", "0,12"])
    minute = rng.choice(["0", "30", "59", "*/15", "5-59/15", "*/7", "*", "0,30", "45"])
    parts = [minute, hour, "*", "*", "*"]
    if rng.random() < 0.3:
        parts[2] = str(rng.randint(1, 31))
    if rng.random() < 0.3:
        parts[4] = rng.choice(["SUN", "0", "7", "SAT,SUN", "MON-FRI"])
    if rng.random() < 0.25:
        parts.insert(0, rng.choice(["0", "30", "*/20", "59"]))
    return " ".join(parts)


# ---- translation to croniter ---------------------------------------------

def to_croniter(expr):
    """Returns (croniter expression, day_or) meaning the same as expr does
    under src/agent/cron.h. Raises CroniterError when croniter rejects it."""
    if expr.strip().startswith("@"):
        return expr.strip(), True
    f = expr.split()
    if len(f) == 6:
        f = f[1:] + f[:1]  # croniter: seconds last
    if len(f) not in (5, 6):
        return " ".join(f), True
    # Vixie cron: a day field is restricted unless its text starts with * or ?
    dom_r = not f[2].startswith(("*", "?"))
    dow_r = not f[4].startswith(("*", "?"))
    for i in (2, 4):  # croniter has no '?'
        f[i] = "*" if f[i] == "?" else f[i]
    if len(f) == 6:
        # croniter 1.3.5 skips its 7 -> 0 mapping of day-of-week in six-field
        # expressions: 7 never matches, and "TUE-7,*/7" counts 7 values and
        # becomes "*". Give it the field as its five-field parser expands it.
        dow = croniter.expand("* * * * " + f[4])[0][4]
        f[4] = ",".join(str(v) for v in dow)
    if not (dom_r and dow_r):
        return " ".join(f), False  # AND, the unrestricted set may be partial (*/2)
    exp = croniter.expand(" ".join(f))[0]
    if exp[2] == ["*"] or exp[4] == ["*"]:
        # Both restricted and one matches every day ("1-31", "0-7"): Vixie's
        # OR makes every day match, croniter would AND with the other field.
        f[2] = f[4] = "*"
    return " ".join(f), True


# ---- time zone helpers (independent of src/agent/cron.c) -----------------------

def wall(ts, tz):
    return datetime.fromtimestamp(ts, tz).replace(tzinfo=None)


def offset(ts, tz):
    return int(datetime.fromtimestamp(ts, tz).utcoffset().total_seconds())


def transitions(tz, y0=2023, y1=2106):
    """Every UTC offset change between y0 and y1 (past every answer), as
    (instant, old, new). Steps of a day find changes at least that far apart."""
    out = []
    t = int(datetime(y0, 1, 1, tzinfo=timezone.utc).timestamp())
    end = int(datetime(y1, 1, 1, tzinfo=timezone.utc).timestamp())
    o = offset(t, tz)
    while t < end:
        n = t + 86400
        if offset(n, tz) != o:
            lo, hi = t, n
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset(mid, tz) == o:
                    lo = mid
                else:
                    hi = mid
            out.append((hi, o, offset(hi, tz)))
            o = offset(hi, tz)
        t = n
    return out


def high_water(ts, tz, trans):
    """The latest wall time shown at or before ts (cron.h: nothing fires while
    the clock replays an hour it has already shown)."""
    for t, old, new in trans:
        if new < old and t <= ts < t + (old - new):
            return wall(t - 1, tz)
    return wall(ts, tz)


def first_reach(w, tz):
    """The first instant the wall clock shows w or a later time."""
    t = int(w.replace(tzinfo=tz, fold=0).timestamp())
    if wall(t, tz) == w:
        return t  # fold=0 is the first occurrence of a repeated time
    # w is skipped: fold=1 reads it with the offset after the change, an
    # instant before the change; fold=0 one after. The change is between.
    lo = int(w.replace(tzinfo=tz, fold=1).timestamp())
    hi = t
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if wall(mid, tz) > w:
            hi = mid
        else:
            lo = mid
    return hi


def croniter_next(ce, day_or, start):
    """croniter's next time after the datetime start (naive or aware), or
    None, with two croniter 1.3.5 bugs repaired. Returns (answer, repaired).

    Day-of-month overflow: a day-of-month list holding a day the current
    month lacks ("1,30" on 7 February) makes croniter add the days, land on
    2 March and skip 1 March. The answer cannot lie beyond the month it
    skipped into, so asking again from the last second of the start's month
    and taking the earlier answer repairs it.

    OR of the day fields: croniter computes the day-of-month half and the
    day-of-week half and takes the earlier, but raises when either half has
    no match ("0 0 29 FEB MON" in 2097) although the other has one; then ask
    each half on its own."""
    def ask(expr, dt, d_or):
        try:
            return croniter(expr, dt, day_or=d_or,
                            max_years_between_matches=SEARCH_YEARS + 2).get_next(datetime)
        except CroniterBadDateError:
            return None

    def ask_or(dt):
        r = ask(ce, dt, day_or)
        exp = croniter.expand(ce)[0]
        if r is not None or not day_or or exp[2] == ["*"] or exp[4] == ["*"]:
            return r, False
        f = ce.split()
        halves = [ask(" ".join(f[:4] + ["*"] + f[5:]), dt, True),
                  ask(" ".join(f[:2] + ["*"] + f[3:]), dt, True)]
        halves = [h for h in halves if h is not None]
        return (min(halves) if halves else None), bool(halves)

    first, fixed = ask_or(start)
    y, m = (start.year, start.month + 1) if start.month < 12 else (start.year + 1, 1)
    month_end = datetime(y, m, 1, tzinfo=start.tzinfo) - timedelta(seconds=1)
    if first is None or first <= month_end:
        return first, fixed
    second, _ = ask_or(month_end)
    if second is not None and second < first:
        return second, True
    return first, fixed


def reference(expr, start, tz, trans):
    """Returns (answer, the wall time croniter found, croniter repaired)."""
    try:
        ce, day_or = to_croniter(expr)
        croniter.expand(ce)
    except CroniterError:
        return "ERR", None, False
    hw = high_water(start, tz, trans)
    w, fixed = croniter_next(ce, day_or, hw)
    if w is None or w.year > (hw + timedelta(seconds=1)).year + SEARCH_YEARS:
        return "NONE", None, fixed
    return str(first_reach(w, tz)), w, fixed


def wall_matches(expr, w):
    """Whether expr matches the naive wall time w, in croniter's opinion."""
    ce, day_or = to_croniter(expr)
    return croniter_next(ce, day_or, w - timedelta(seconds=1))[0] == w


def explain(expr, start, mine, cro, w, fixed, tz, trans):
    """Why aware croniter's answer cro differs from ours, or None (a
    failure). Apart from the two croniter bugs croniter_next() repairs,
    differences are accepted only across a UTC offset change."""
    if fixed:
        return "croniter day-field bug"
    if "ERR" in (mine, cro) or "NONE" in (mine, cro):
        return None
    c = int(cro)
    near = [t for t, _, _ in trans if start - 7200 < t <= max(c, int(mine)) + 1]
    if not near:
        return None
    if c <= start:
        # Started in a replayed hour, croniter reads the wall time with the
        # first offset and answers a time in the past.
        return "in the past"
    t0 = int(w.replace(tzinfo=tz, fold=0).timestamp())
    if wall(t0, tz) != w:  # w is a skipped wall time
        if c == t0:
            # Intentional: croniter (like PEP 495 fold=0) reads a skipped
            # time with the offset before the change, 02:30 -> 03:30 EDT;
            # we fire when the clock jumps over it, at 03:00 EDT.
            return "skipped time read with the old offset (intentional)"
        if c > int(mine) and any(t - 60 <= start < t for t in near):
            # croniter steps 60 s (1 s with seconds) in UTC before reading
            # the wall clock, so from the last minute before the change it
            # never sees the skipped times.
            return "skipped time passed over"
    if c == t0 - (offset(t0, tz) - offset(start, tz)):
        # croniter's "DST handling for cron job spanning across days" moves
        # its answer by the offset change when the answer is far enough
        # away: "0 12 * * *" fires at 11:00 EDT, "9 * * 11 *" at 01:09 EET.
        return "shifted by the offset change"
    if datetime.fromtimestamp(c, tz).fold == 1 and c < int(mine):
        # Intentional: a time repeated by a fall-back change fires once, and
        # nothing fires while the clock replays the hour. croniter usually
        # agrees ("*/15 * * * *": 01:45 EDT, then 02:00 EST) but fires in
        # the replay when started in the last second before it.
        return "fires in the replayed hour (intentional)"
    if not wall_matches(expr, wall(c, tz)):
        # Several of croniter's steps combined (a UTC step into the replayed
        # hour, then the shift): "0 */15 23 * * *" fires at 00:00.
        return "wall time does not match the expression"
    return None


def aware(expr, start, tz):
    """croniter as its users call it: an aware start, get_next(float)."""
    try:
        ce, day_or = to_croniter(expr)
        r = croniter(ce, datetime.fromtimestamp(start, tz), day_or=day_or,
                     max_years_between_matches=SEARCH_YEARS + 2).get_next(float)
    except CroniterBadDateError:
        return "NONE"
    except CroniterError:
        return "ERR"
    # The same window as cron_next, measured on the wall clock.
    if wall(r, tz).year > (wall(start, tz) + timedelta(seconds=1)).year + SEARCH_YEARS:
        return "NONE"
    return str(int(r))


# ---- cases ----------------------------------------------------------------

def start_times(rng, n):
    lo = int(datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp())
    hi = int(datetime(2031, 1, 1, tzinfo=timezone.utc).timestamp())
    for _ in range(n):
        t = rng.randrange(lo, hi)
        r = rng.random()
        if r < 0.3:
            t -= t % 60  # on a minute
        elif r < 0.4:
            t -= t % 3600
        yield t


def dst_starts(rng, trans):
    """Start times at and around each change: the edges to the second, the
    changed hour, and the days before (daily jobs crossing the change)."""
    out = []
    for t, old, new in trans:
        if t >= datetime(2032, 1, 1, tzinfo=timezone.utc).timestamp():
            break
        d = abs(old - new)
        for e in (-86400, -3601, -3600, -61, -60, -1, 0, 1, 59, 60, d - 61, d - 1, d, d + 1, d + 60):
            out.append(t + e)
        for _ in range(4):
            out.append(t + rng.randrange(-3 * 3600, 3 * 3600))
        out.append(t - rng.randrange(3600, 3 * 86400))
    return out


# Expressions that fire rarely or never; the start times span leap years
# and the end of the search window (2100 is not a leap year).
RARE = ["0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 29 2 *", "0 0 29 FEB MON", "0 0 29 2 */1",
        "0 0 31 * 1", "59 23 31 12 *", "0 0 1 1 * ", "30 0 0 29 2 *", "0 12 13 * FRI"]
RARE_STARTS = ["2024-02-29T00:00:00", "2027-03-01T00:00:00", "2095-01-01T00:00:00",
               "2096-03-01T00:00:00", "2099-12-31T23:59:59"]


def make_cases(rng, zone, trans):
    cases = []
    for e in RARE:
        for s in RARE_STARTS:
            cases.append((e, int(datetime.fromisoformat(s).replace(tzinfo=timezone.utc).timestamp())))
    starts = list(start_times(rng, RANDOM_CASES))
    for t in starts:
        cases.append((gen_expr(rng), t))
    if trans:
        ds = dst_starts(rng, trans)
        for _ in range(DST_EXPRS):
            e = gen_dst_expr(rng)
            for t in rng.sample(ds, 25):
                cases.append((e, t))
        for t in rng.sample(ds, 150):  # random expressions near changes too
            cases.append((gen_expr(rng), t))
    return cases


def run_tool(build, zone, cases):
    tool = os.path.join(build, "tests", "cron_next")
    data = "".join("%s\t%d\n" % (e, t) for e, t in cases)
    env = dict(os.environ, TZ=zone)
    p = subprocess.run([tool], input=data, capture_output=True, text=True, env=env,
                       timeout=120)
    if p.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (tool, p.returncode, p.stderr.strip()))
    out = p.stdout.split("\n")[:-1]
    if len(out) != len(cases):
        raise RuntimeError("%s gave %d answers for %d cases" % (tool, len(out), len(cases)))
    return out


def fmt(v, tz):
    if v in ("ERR", "NONE"):
        return v
    return "%s (%s)" % (v, datetime.fromtimestamp(int(v), tz).isoformat())


def check_zone(build, rng, zone, examples):
    tz = ZoneInfo(zone)
    trans = transitions(tz)
    cases = make_cases(rng, zone, trans)
    got = run_tool(build, zone, cases)
    n_ref = n_fire = n_none = n_aware = n_dst = n_month = 0
    reasons = {}
    bad = []
    for (expr, start), mine in zip(cases, got):
        ref, w, fixed = reference(expr, start, tz, trans)
        n_month += fixed
        cro = aware(expr, start, tz)
        if mine == ref:
            n_ref += 1
            n_fire += mine not in ("ERR", "NONE")
            n_none += mine == "NONE"
        else:
            bad.append(("reference", expr, start, mine, ref, cro))
            continue
        if cro == mine:
            n_aware += 1
            continue
        # Aware croniter may differ only for a reason explain() names.
        why = explain(expr, start, mine, cro, w, fixed, tz, trans)
        if why and VERBOSE:
            print("# %s: '%s' after %s: ours %s, aware croniter %s" % (
                why, expr, fmt(str(start), tz), fmt(mine, tz), fmt(cro, tz)))
        if why:
            n_dst += 1
            reasons[why] = reasons.get(why, 0) + 1
        else:
            bad.append(("aware croniter", expr, start, mine, ref, cro))
    for b in bad[: max(0, MAX_EXAMPLES - len(examples))]:
        examples.append((zone, tz) + b)
    desc = "%s: %d/%d cases match the reference (%d fire times, %d never within %d years)" % (
        zone, n_ref, len(cases), n_fire, n_none, SEARCH_YEARS)
    desc += "; %d also match aware croniter exactly, %d differ from it for a reason below" % (
        n_aware, n_dst)
    desc += "; the reference repaired croniter's day-field bugs in %d" % n_month
    print("%s - %s" % ("not ok" if bad else "ok", desc))
    if reasons:
        print("#   %s: aware croniter differs: %s" % (zone, ", ".join(
            "%s %d" % (k, v) for k, v in sorted(reasons.items()))))
    return not bad, len(cases)


# Invalid expressions: cron_parse must reject each (whole-string validation),
# and croniter must too, except for the croniter extensions listed after.
INVALID = [
    "", "   ", "* * * *", "* * * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *",
    "* * 32 * *", "* * * 0 *", "* * * 13 *", "* * * * 8", "*/0 * * * *",
    "0-59/0 * * * *", "30-10 * * * *", "* 20-5 * * *", "* * 20-10 * *", "* * * DEC-JAN *",
    "* * * * TUE-MON", "1,,2 * * * *", "1, * * * *", ",1 * * * *", "5- * * * *",
    "-5 * * * *", "5-10-15 * * * *", "*/ * * * *", "5/ * * * *", "*5 * * * *",
    "5x * * * *", "* * * JANUARY *", "* * * * MONDAY", "* * * FOO *", "JAN * * * *",
    "* * * * 1.5", "@dailyx", "@reboot", "@daily *", "@", "60 * * * * *",
    "* * * * * 8", "*/5/2 * * * *", "* * * MON *", "* * * * JAN", "1 2 3 4 5 6 7",
    "* * * * * 1 x", "+5 * * * *", "? * * * *", "* * 1,? * *", "5 * * * * \x01",
]
# Accepted by croniter 1.3.5 only: its extensions (L, #), steps larger
# than the field, '?' outside the day fields, and 0 as a six-field day-of-month.
CRONITER_ONLY = [
    "* * L * *", "* * * * 5#2", "* * * * L5", "*/61 * * * *", "0 */25 * * *",
    "0 0 0 0 * *",
]


def check_invalid(build, examples):
    cases = [(e, 0) for e in INVALID + CRONITER_ONLY]
    got = run_tool(build, "UTC", cases)
    bad = []
    for (expr, _), mine in zip(cases, got):
        try:
            ce, _ = to_croniter(expr)
            croniter.expand(ce)
            cro = "accepted"
        except CroniterError:
            cro = "ERR"
        if expr in CRONITER_ONLY:
            if mine != "ERR" or cro != "accepted":
                bad.append((expr, mine, cro))
        elif mine != "ERR" or cro != "ERR":
            bad.append((expr, mine, cro))
    for expr, mine, cro in bad[: max(0, MAX_EXAMPLES - len(examples))]:
        examples.append(("parse", repr(expr), mine, cro))
    print("%s - invalid expressions: %d rejected by both, %d croniter extensions rejected "
          "by cron_parse only" % ("not ok" if bad else "ok", len(INVALID), len(CRONITER_ONLY)))
    return not bad, len(cases)


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: %s BUILD_DIR\n" % sys.argv[0])
        return 2
    build = sys.argv[1]
    rng = random.Random(SEED)
    examples = []
    ok = True
    total = 0
    for zone in ZONES:
        z_ok, n = check_zone(build, rng, zone, examples)
        ok &= z_ok
        total += n
    i_ok, n = check_invalid(build, examples)
    ok &= i_ok
    total += n
    for ex in examples:
        if ex[0] == "parse":
            print("# mismatch: parse %s: cron_parse %s, croniter %s" % ex[1:])
            continue
        zone, tz, kind, expr, start, mine, ref, cro = ex
        print("# mismatch (%s) in %s: '%s' after %s" % (kind, zone, expr, fmt(str(start), tz)))
        print("#   cron_next %s, reference %s, aware croniter %s" % (
            fmt(mine, tz), fmt(ref, tz), fmt(cro, tz)))
    print("# %d cases compared (seed %d)" % (total, SEED))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
