"""Checks that a log holds one JSON object per line with ts, level and msg.

Usage: check_json_lines.py LOG [BYTES]; with BYTES, only the lines that start
within the first BYTES bytes. Fails on an empty log.
"""

import json
import re
import sys

TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
LEVELS = {"trace", "debug", "info", "warn", "error"}


def reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def problem(raw):
    """Returns what is wrong with one line, or None."""
    try:
        obj = json.loads(raw.decode("utf-8"), parse_constant=reject_constant)
    except ValueError as err:
        return f"not JSON ({err})"
    if not isinstance(obj, dict):
        return "not an object"
    for key in ("ts", "level", "msg"):
        if not isinstance(obj.get(key), str):
            return f"no string '{key}'"
    if not TS.fullmatch(obj["ts"]):
        return f"bad ts {obj['ts']!r}"
    if obj["level"] not in LEVELS:
        return f"bad level {obj['level']!r}"
    return None


def main():
    with open(sys.argv[1], "rb") as file:
        data = file.read()
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else len(data)
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    checked = bad = offset = 0
    for number, raw in enumerate(lines, 1):
        if offset >= limit:
            break
        offset += len(raw) + 1
        checked += 1
        why = problem(raw)
        if why:
            bad += 1
            print(f"line {number}: {why}: {raw[:200]!r}")
    print(f"{checked} lines checked, {bad} bad")
    return 1 if bad or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
