#!/usr/bin/env bash
# The main job: installs what is missing (scripts/setup.sh), builds
# illusionctl (with chipd) and runs the paper's 8-chip SVHN experiment over
# real chipd processes on loopback with the msp430_rram chip model, against
# the ideal chip: it prints the per-chip timeline, energy, time and EDP vs
# the ideal chip, and where the SQLite trace store is.
# With the reference kit (ILLUSION_REFERENCE_DIR, default
# <repo>/../shared/reference) it uses the paper's SVHN weights and test
# sample 0 (class 5); without it, seeded weights and inputs (and says so).
# Extra arguments go to `illusionctl run` (e.g. --inferences=100 --json,
# --schedule=overlapped, --export_streams=DIR).
# The trace store: $ILLUSION_DB, else $XDG_DATA_HOME/illusion/traces.db, else
# ~/.local/share/illusion/traces.db.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

scripts/setup.sh

reference_dir="${ILLUSION_REFERENCE_DIR:-${repo_root}/../shared/reference}"
data_flags=()
if [[ -d "${reference_dir}/illusion/svhn/weights" ]]; then
  reference_dir="$(cd "${reference_dir}" && pwd)"
  data_flags=(--weights="${reference_dir}/illusion/svhn/weights"
              --input="${reference_dir}/illusion/svhn/input_sample0.bin")
else
  echo "main.sh: no reference kit at '${reference_dir}'; seeded weights and inputs" >&2
fi

bazel build //clients:illusionctl >&2
exec bazel-bin/clients/illusionctl run --workload=svhn --strategy=paper --chips=8 \
  --chip_model=msp430_rram --backend=loopback "${data_flags[@]}" "$@"
