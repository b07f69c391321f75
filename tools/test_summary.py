#!/usr/bin/env python3
"""Print 'N passed, N failed[, N skipped]' for gtest cases of a bazel test run.

Bazel's own closing line ('Executed 5 out of 5 tests: 5 tests pass.') counts
test *targets*; CI log parsers want test *cases*. Sources:

  * every test.xml under --testlogs (default bazel-testlogs) that is newer than
    --newer FILE (so results of earlier invocations are ignored): each
    <testcase> is failed (has <failure>/<error>), skipped (gtest GTEST_SKIP:
    result="skipped", status="notrun" or <skipped>) or passed;
  * --bazel-log FILE, the captured output of `bazel test`: every target it
    reports as FAILED / FAILED TO BUILD / NO STATUS / TIMEOUT / INCOMPLETE
    whose fresh test.xml shows no failed case (it did not build, crashed
    before writing XML, timed out...) adds one failed case.

Exit status: 1 if anything failed, else 0. Standard library only.
"""
import argparse
import os
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

# Terse/short summary lines: "//pkg:name   FAILED in 0.3s", "//a:b  NO STATUS".
_FAILED_TARGET = re.compile(
    r"^(//\S*|@\S*)\s+(FAILED TO BUILD|FAILED|NO STATUS|TIMEOUT|INCOMPLETE|REMOTE FAILURE)\b")


def count_cases(xml_path):
    """Returns (passed, failed, skipped) of one test.xml."""
    passed = failed = skipped = 0
    try:
        root = ET.parse(xml_path).getroot()
    except ET.ParseError:
        return 0, 1, 0  # Truncated XML: the test died while writing it.
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif (case.get("status") == "notrun" or case.get("result") == "skipped"
              or case.find("skipped") is not None):
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def failed_targets(log_path):
    targets = set()
    with open(log_path, errors="replace") as log:
        for line in log:
            match = _FAILED_TARGET.match(line.strip())
            if match:
                targets.add(match.group(1))
    return targets


def target_dir(testlogs, label):
    """bazel-testlogs/<pkg>/<name> for //pkg:name (external repos: skipped)."""
    if not label.startswith("//"):
        return None
    package, _, name = label[2:].partition(":")
    if not name:
        name = package.rsplit("/", 1)[-1]
    return testlogs / package / name


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--testlogs", default="bazel-testlogs")
    parser.add_argument("--newer", help="only count test.xml newer than this file")
    parser.add_argument("--bazel-log", help="captured `bazel test` output")
    parser.add_argument("testlogs_pos", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()
    testlogs = pathlib.Path(args.testlogs_pos or args.testlogs)
    since = os.stat(args.newer).st_mtime if args.newer else None

    passed = failed = skipped = 0
    failed_per_xml = {}
    if testlogs.is_dir():
        for xml in sorted(testlogs.rglob("test.xml")):
            if since is not None and xml.stat().st_mtime < since:
                continue
            p, f, s = count_cases(xml)
            passed, failed, skipped = passed + p, failed + f, skipped + s
            failed_per_xml[xml.resolve()] = f

    if args.bazel_log and os.path.exists(args.bazel_log):
        for label in sorted(failed_targets(args.bazel_log)):
            tdir = target_dir(testlogs, label)
            shown = tdir is not None and tdir.is_dir() and any(
                failed_per_xml.get(x.resolve(), 0) > 0 for x in tdir.rglob("test.xml"))
            if not shown:
                print(f"counted as failed (no failing test case in test.xml): {label}",
                      file=sys.stderr)
                failed += 1

    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
