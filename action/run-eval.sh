#!/usr/bin/env bash
# The "Evaluate" step of action.yml: turns the action's inputs (INPUT_* variables) into one
# `rag eval` command, saves its --json output for the comment step and records the exit code in
# $GITHUB_OUTPUT. Exits 0 when the gate failed (exit 1) so the comment and upload steps still run;
# the action's last step exits with the recorded code. Anything else (usage error, bug) fails now.
set -euo pipefail

rag=(node "${RAG_BIN:-$(dirname "$0")/../bin/rag.js}")
out="${INPUT_OUT:-rag-eval}"
json="${INPUT_JSON_FILE:-${RUNNER_TEMP:-/tmp}/rag-eval.json}"

args=(eval --dataset "${INPUT_DATASET:?the action needs the dataset input}" --out "$out" --json)
split_list() { tr ',\n' '\n\n' <<<"$1" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' | grep -v '^$' || true; }
while IFS= read -r m; do args+=(--model "$m"); done < <(split_list "${INPUT_MODELS:-}")
while IFS= read -r m; do args+=(--mode "$m"); done < <(split_list "${INPUT_MODES:-}")
while IFS= read -r f; do args+=(--min "$f"); done < <(split_list "${INPUT_MIN:-}")
[[ -n "${INPUT_SHORTLIST:-}" ]] && args+=(--shortlist "$INPUT_SHORTLIST")
[[ -n "${INPUT_BASELINE:-}" ]] && args+=(--baseline "$INPUT_BASELINE")
[[ -n "${INPUT_MAX_DROP:-}" ]] && args+=(--max-drop "$INPUT_MAX_DROP")
[[ -n "${INPUT_MARGIN:-}" ]] && args+=(--margin "$INPUT_MARGIN")
[[ -n "${INPUT_EFFECT:-}" ]] && args+=(--effect "$INPUT_EFFECT")
[[ -n "${INPUT_CORRECTION:-}" ]] && args+=(--correction "$INPUT_CORRECTION")
[[ "${INPUT_FAIL_UNLESS_EQUIVALENT:-false}" == "true" ]] && args+=(--fail-unless-equivalent)

echo "rag ${args[*]}" >&2
set +e
"${rag[@]}" "${args[@]}" >"$json"
code=$?
set -e
{
  echo "exit-code=$code"
  echo "passed=$([[ $code == 0 ]] && echo true || echo false)"
  echo "results=$out/results.json"
  echo "json=$json"
} >>"${GITHUB_OUTPUT:-/dev/null}"
if [[ $code -gt 1 ]]; then exit "$code"; fi
exit 0
