#!/usr/bin/env bash
# The main job: installs what is missing (scripts/setup.sh), builds
# illusionctl and runs the golden model of the paper's four workloads on
# their reference samples, printing each class and the per-inference time.
# Extra arguments go to `illusionctl golden` (e.g. --json, --repeat=1000).
# ILLUSION_REFERENCE_DIR: the reference kit (default <repo>/../shared/reference;
# without it the run uses seeded weights and says so).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

scripts/setup.sh

reference_dir="${ILLUSION_REFERENCE_DIR:-${repo_root}/../shared/reference}"
if [[ -d "${reference_dir}" ]]; then
  reference_dir="$(cd "${reference_dir}" && pwd)"
fi

bazel build //clients:illusionctl >&2
exec bazel-bin/clients/illusionctl golden --reference_dir="${reference_dir}" "$@"
