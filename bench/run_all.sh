#!/usr/bin/env bash
# Every benchmark in bench/, one after the other, each recording its results file
# (bench/results/<name>.md). Convention: a benchmark is bench/<name>.py, runnable as
# `python bench/<name>.py --record`, writing bench/results/<name>.md with its figures, the
# machine, the date and the exact command. Helpers (files starting with "_") are skipped.
#
#   bash bench/run_all.sh                 all benchmarks
#   bash bench/run_all.sh scaling         only the named ones
#   BENCH_CLEAN=1 bash bench/run_all.sh   remove generated data under bench/data/ afterwards
#
# Benchmarks run sequentially on purpose: on a 2-core machine two at once would measure each
# other. A failing benchmark is reported and the others still run; the exit status is non-zero
# if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PY="$VENV/bin/python"
[ -x "$PY" ] || PY="$(command -v python3)"
mkdir -p bench/results

if [ "$#" -gt 0 ]; then
  names=("$@")
else
  names=()
  for f in bench/*.py; do
    b="$(basename "$f" .py)"
    case "$b" in _*|conftest) continue ;; esac
    names+=("$b")
  done
fi

failed=()
for name in "${names[@]}"; do
  script="bench/$name.py"
  if [ ! -f "$script" ]; then echo "no such benchmark: $script" >&2; failed+=("$name"); continue; fi
  echo "== $name ($(date -u +%FT%TZ), load $(cut -d' ' -f1 /proc/loadavg))" >&2
  extra=()
  if [ "$name" = "scaling" ] && [ -n "${BENCH_CLEAN:-}" ]; then extra+=(--clean); fi
  start=$(date +%s)
  if "$PY" "$script" --record "${extra[@]}" > "${TMPDIR:-/tmp}/zhizao-bench-$name.out"; then
    echo "   done in $(( $(date +%s) - start )) s -> bench/results/$name.md" >&2
  else
    echo "   FAILED after $(( $(date +%s) - start )) s (output: ${TMPDIR:-/tmp}/zhizao-bench-$name.out)" >&2
    failed+=("$name")
  fi
done

if [ -n "${BENCH_CLEAN:-}" ]; then
  rm -rf bench/data
fi
if [ "${#failed[@]}" -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
