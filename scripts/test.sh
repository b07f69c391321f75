#!/usr/bin/env bash
# Builds and runs every test: scripts/setup.sh, then
#   bazel test --config=ci //... [extra bazel args]
# and prints, as the very last line, the gtest case count
#   "N passed, N failed" (", N skipped" appended if any were skipped).
# A test target that failed to build or died without writing test.xml counts
# as one failed case. Exits non-zero if bazel or any test failed.
#
# Extra arguments go to `bazel test`: flags (as --flag=value) and/or target
# patterns; without a target pattern, //... is tested.
# ILLUSION_REFERENCE_DIR (the reference kit, read by tests) is made absolute;
# default: <repo>/../shared/reference.
# ILLUSION_BAZEL_SHUTDOWN=1 stops the Bazel server afterwards (CI).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

scripts/setup.sh

if [[ -n "${ILLUSION_REFERENCE_DIR:-}" ]]; then
  if [[ "${ILLUSION_REFERENCE_DIR}" != /* && -d "${ILLUSION_REFERENCE_DIR}" ]]; then
    ILLUSION_REFERENCE_DIR="$(cd "${ILLUSION_REFERENCE_DIR}" && pwd)"
  fi
  export ILLUSION_REFERENCE_DIR
elif [[ -d "${repo_root}/../shared/reference" ]]; then
  export ILLUSION_REFERENCE_DIR="$(cd "${repo_root}/../shared/reference" && pwd)"
fi
echo "test.sh: ILLUSION_REFERENCE_DIR=${ILLUSION_REFERENCE_DIR:-<unset>}" >&2

# Test patterns default to //... unless the caller named targets.
targets=("//...")
for arg in "$@"; do
  if [[ "${arg}" != -* ]]; then targets=(); break; fi
done

python=/usr/bin/python3
[[ -x "${python}" ]] || python=python3

work_dir="$(mktemp -d)"
trap 'rm -rf "${work_dir}"' EXIT
touch "${work_dir}/start"  # Only test.xml files newer than this are counted.

rc=0
bazel test --config=ci "$@" "${targets[@]}" 2>&1 | tee "${work_dir}/bazel.log" \
  || rc=$?
# With pipefail, rc is bazel's status (tee does not fail).

if [[ "${ILLUSION_BAZEL_SHUTDOWN:-0}" == 1 ]]; then
  bazel shutdown >&2 2>/dev/null || true
fi

summary_rc=0
summary="$("${python}" tools/test_summary.py --testlogs bazel-testlogs \
  --newer "${work_dir}/start" --bazel-log "${work_dir}/bazel.log")" \
  || summary_rc=$?
if [[ ${rc} -eq 0 && ${summary_rc} -ne 0 ]]; then
  rc=${summary_rc}
fi
echo "${summary}"
exit "${rc}"
