#!/usr/bin/env python3
"""Print 'N passed, N failed[, N skipped]' for gtest cases of a bazel test run.

Bazel's own closing line ('Executed 5 out of 5 tests: 5 tests pass.') counts
test *targets*; CI log parsers want test *cases*. Sources:

  * the test.xml files under --testlogs (default bazel-testlogs) that are
    newer than --newer FILE (so results of earlier invocations are ignored)
    and, if the log lists the run's test targets (--test_summary=short, set
    by config ci), belong to one of those targets: each
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

# Summary lines: "//pkg:name   PASSED in 0.3s", "//a:b  NO STATUS",
# "//c:d  (cached) PASSED in 0.1s".
_TARGET_LINE = re.compile(
    r"^(//\S*|@\S*)\s+(?:\(cached\)\s+)?"
    r"(PASSED|FLAKY|FAILED TO BUILD|FAILED|NO STATUS|TIMEOUT|INCOMPLETE"
    r"|REMOTE FAILURE)\b")
_OK_STATUSES = ("PASSED", "FLAKY")


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


def reported_targets(log_path):
    """Returns ({label: status}) of the test targets listed in a bazel log."""
    targets = {}
    with open(log_path, errors="replace") as log:
        for line in log:
            match = _TARGET_LINE.match(line.strip())
            if match:
                targets[match.group(1)] = match.group(2)
    return targets


def target_dir(testlogs, label):
    """bazel-testlogs/<pkg>/<name> for //pkg:name (external repos: skipped)."""
    if not label.startswith("//"):
        return None
    package, _, name = label[2:].partition(":")
    if not name:
        name = package.rsplit("/", 1)[-1]
    return testlogs / package / name


def xml_files(testlogs, tdir):
    """test.xml files of one target: <tdir>/test.xml, shard_*/ and run_*/."""
    if tdir is None or not tdir.is_dir():
        return []
    files = [tdir / "test.xml"] + sorted(tdir.glob("shard_*/test.xml")) + sorted(
        tdir.glob("run_*/test.xml")) + sorted(tdir.glob("shard_*/run_*/test.xml"))
    return [f for f in files if f.is_file()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--testlogs", default="bazel-testlogs")
    parser.add_argument("--newer", help="only count test.xml newer than this file")
    parser.add_argument("--bazel-log", help="captured `bazel test` output")
    parser.add_argument("testlogs_pos", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()
    testlogs = pathlib.Path(args.testlogs_pos or args.testlogs)
    since = os.stat(args.newer).st_mtime if args.newer else None

    reported = {}
    if args.bazel_log and os.path.exists(args.bazel_log):
        reported = reported_targets(args.bazel_log)
    # With --test_summary=short (config ci) the log lists every test target of
    # the run: ignore XML of other targets (e.g. a concurrent invocation).
    if any(status in _OK_STATUSES for status in reported.values()):
        candidates = [x for t in reported for x in xml_files(testlogs, target_dir(testlogs, t))]
    else:  # --test_summary=terse and nothing failed: no target list.
        candidates = sorted(testlogs.rglob("test.xml")) if testlogs.is_dir() else []

    passed = failed = skipped = 0
    failed_per_xml = {}
    for xml in candidates:
        if since is not None and xml.stat().st_mtime < since:
            continue
        p, f, s = count_cases(xml)
        passed, failed, skipped = passed + p, failed + f, skipped + s
        failed_per_xml[xml.resolve()] = f

    for label, status in sorted(reported.items()):
        if status not in _OK_STATUSES:
            shown = any(failed_per_xml.get(x.resolve(), 0) > 0
                        for x in xml_files(testlogs, target_dir(testlogs, label)))
            if not shown:
                print(f"counted as failed (no failing test case in test.xml): {label}",
                      file=sys.stderr)
                failed += 1

    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
