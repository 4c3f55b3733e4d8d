#!/usr/bin/env bash
# Run the whole suite several times in a row from a clean clone, while another process keeps
# every core busy: the check that no test races the app (issue 16). Stops at the first
# failure. Usage: scripts/soak.sh [RUNS (3)] [REPO (this one)] [COMMIT (HEAD)]
# Each run's output is in $SOAK_DIR/run-N.log (default /tmp/cairn-soak).
set -euo pipefail
runs=${1:-3}
repo=${2:-$(cd "$(dirname "$0")/.." && pwd)}
commit=$(git -C "$repo" rev-parse "${3:-HEAD}")
dir=${SOAK_DIR:-/tmp/cairn-soak}
rm -rf "$dir" && mkdir -p "$dir"
git clone -q "$repo" "$dir/clone" && git -C "$dir/clone" checkout -q "$commit"

# The load: one busy loop per core, at the same priority as the tests.
cores=$(nproc)
load=()
for _ in $(seq "$cores"); do
  (while :; do :; done) &
  load+=($!)
done
trap 'kill "${load[@]}" 2>/dev/null || true' EXIT
echo "soak: $runs runs of $commit with $cores busy loops beside them; logs in $dir"

for n in $(seq "$runs"); do
  start=$(date +%s)
  # The first run is CI's own (it sets up the clone); the others run the README's test command.
  if [ "$n" = 1 ]; then cmd=(.ci/run); else cmd=(env CAIRN_TEST_DATABASE_URL="$(cd "$dir/clone" && scripts/postgres.sh)" make test); fi
  if (cd "$dir/clone" && "${cmd[@]}") >"$dir/run-$n.log" 2>&1; then
    echo "soak: run $n passed in $(( $(date +%s) - start )) s: $(grep -E '^[=]+ .*(passed|failed)' "$dir/run-$n.log" | tail -1)"
  else
    echo "soak: run $n FAILED after $(( $(date +%s) - start )) s; see $dir/run-$n.log"
    grep -E '^(FAILED|ERROR)' "$dir/run-$n.log" | head -20 || true
    exit 1
  fi
done
echo "soak: all $runs runs passed"
