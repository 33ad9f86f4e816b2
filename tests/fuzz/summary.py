"""Reads the status log written by hooks.py and judges the fuzzing run.

    python3 summary.py LOG MIN_TOTAL

Prints, per surface, the number of requests and the distribution of status
codes (with the error codes of the 4xx/5xx answers), then fails (exit 1) when:
- any answer is a server error other than `502 upstream_*` or `503 busy`;
- fewer than MIN_TOTAL requests were made in all;
- a surface met mostly refusals of its credentials: fewer than 35 % of its
  answers are something other than 401 and 403, or fewer than 5 % are 2xx.
  A run whose token or Origin was wrong cannot pass for a good one. (Good
  widget runs see 37 to 48 % of 401s: the hooks send three of four event
  stream requests without a token on purpose, as a valid one holds the
  stream open; so the bar is not a half.)
"""

import collections
import sys

MIN_NOT_AUTH_SHARE = 0.35
MIN_SUCCESS_SHARE = 0.05


def main(log_path, min_total):
    by_surface = collections.defaultdict(collections.Counter)
    codes = collections.defaultdict(collections.Counter)
    operations = collections.defaultdict(collections.Counter)
    with open(log_path, encoding="utf-8") as log:
        for line in log:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 5:
                continue
            surface, method, path, status, code = parts[:5]
            status = int(status)
            by_surface[surface][status] += 1
            if code:
                codes[surface][(status, code)] += 1
            operations[surface][f"{method} {path}"] += 1

    problems = []
    total = 0
    for surface in sorted(by_surface):
        statuses = by_surface[surface]
        count = sum(statuses.values())
        total += count
        print(f"\n{surface}: {count} requests over {len(operations[surface])} operations")
        for status in sorted(statuses):
            share = 100.0 * statuses[status] / count
            detail = ", ".join(
                f"{code} {n}"
                for (s, code), n in sorted(codes[surface].items(), key=lambda item: -item[1])
                if s == status
            )
            print(f"  {status}: {statuses[status]:6d} ({share:5.1f} %)  {detail}")
        least = min(operations[surface].items(), key=lambda item: item[1])
        print(f"  least fuzzed operation: {least[0]} ({least[1]} requests)")
        refused = statuses[401] + statuses[403]
        success = sum(n for status, n in statuses.items() if 200 <= status < 300)
        if count - refused < MIN_NOT_AUTH_SHARE * count:
            problems.append(
                f"{surface}: {refused} of {count} answers are 401/403: the credentials did not work"
            )
        if success < MIN_SUCCESS_SHARE * count:
            problems.append(f"{surface}: only {success} of {count} answers are 2xx")
        errors = {
            (status, code): n
            for (status, code), n in codes[surface].items()
            if status >= 500 and not (status == 502 and code.startswith("upstream_"))
            and not (status == 503 and code == "busy")
        }
        bare = sum(n for status, n in statuses.items() if status >= 500) - sum(
            n for (status, _), n in codes[surface].items() if status >= 500
        )
        for (status, code), n in sorted(errors.items()):
            problems.append(f"{surface}: {n} server errors {status} {code}")
        if bare:
            problems.append(f"{surface}: {bare} server errors without an error code")

    print(f"\nall surfaces: {total} requests")
    if total < min_total:
        problems.append(f"only {total} requests, fewer than {min_total}")
    for surface in ("admin", "widget"):
        if surface not in by_surface:
            problems.append(f"{surface}: no request was made")
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
