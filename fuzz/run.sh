#!/usr/bin/env bash
# Runs every fuzz target for SECONDS seconds each (default 1800) or RUNS executions
# (default 10^6), whichever comes first, seeded from
# tests/fixtures and with the plan dictionary, then prints the executions and any
# crash found (crash inputs are left in fuzz/artifacts/<target>/).
#
# With cargo-fuzz on a nightly toolchain (AddressSanitizer):
#   cargo install cargo-fuzz && rustup toolchain install nightly
#   fuzz/run.sh [SECONDS]
# Without them (stable, no sanitizer, coverage instrumentation only): STABLE=1 fuzz/run.sh
set -euo pipefail
SECS=${1:-1800}
cd "$(dirname "$0")"
TARGETS=(plan_bytes plan_structured plan_formats plan_frontmatter plan_taskmaster triage note_slug
  glob_overlap config_toml)

# Seed corpora from the fixtures (kept out of git: corpus/ is generated).
mkdir -p corpus/plan_bytes corpus/plan_structured corpus/plan_formats corpus/plan_frontmatter \
  corpus/plan_taskmaster corpus/triage corpus/note_slug corpus/glob_overlap corpus/config_toml
cp ../tests/fixtures/*.md corpus/plan_bytes/ 2>/dev/null || true
# Each spec-tool fixture, with the byte that picks its reader in front.
n=0
while IFS= read -r -d '' f; do
  case $f in
    */specs/*/tasks.md) pick='\x01' ;; */.kiro/*) pick='\x02' ;; */openspec/*) pick='\x03' ;;
    */.planning/*) pick='\x05' ;; */backlog/*.md) pick='\x06' ;; *.yaml) pick='\x08' ;;
    *.json) pick='\x09' ;; *) continue ;;
  esac
  { printf "$pick"; cat "$f"; } >"corpus/plan_formats/fixture-$n"
  cp "corpus/plan_formats/fixture-$n" "corpus/triage/fixture-$n"
  n=$((n + 1))
done < <(find ../tests/fixtures/formats -type f -print0)
find ../tests/fixtures/formats \( -path '*backlog*' -name '*.md' -o -name '*.yaml' \) \
  -exec cp {} corpus/plan_frontmatter/ \;
find ../tests/fixtures/formats -name '*.json' \
  -exec sh -c 'cp "$1" "corpus/plan_taskmaster/$(echo "$1" | tr / _ | sed "s/^[._]*//")"' _ {} \;
printf 'src/*\nsrc/a.rs\nsrc/a.rs\n' >corpus/glob_overlap/star
printf '{a,b}/**\n[!x]/c\nb/c\n' >corpus/glob_overlap/brace
printf 'Sprint 12 — 上线前检查\n' >corpus/note_slug/mixed
printf 'plan = ["docs/**/*.md"]\n[discord]\nchannels = [1]\n' >corpus/config_toml/basic

if [[ -n ${STABLE:-} ]]; then
  export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
  # --target keeps the instrumentation off build scripts and proc macros.
  HOST=$(rustc -vV | sed -n 's/^host: //p')
  cargo build --release --bins --target "$HOST"
  BIN=${CARGO_TARGET_DIR:-target}/$HOST/release
fi
for t in "${TARGETS[@]}"; do
  dict=()
  [[ $t == plan_* || $t == triage ]] && dict=(-dict=plan.dict)
  mkdir -p "artifacts/$t"
  if [[ -n ${STABLE:-} ]]; then
    "$BIN/$t" "corpus/$t" "${dict[@]}" -max_total_time="$SECS" -runs="${RUNS:-1000000}" -artifact_prefix="artifacts/$t/" \
      -print_final_stats=1 2>"artifacts/$t.log" || true
  else
    cargo +nightly fuzz run "$t" "corpus/$t" -- "${dict[@]}" -max_total_time="$SECS" -runs="${RUNS:-1000000}" \
      -print_final_stats=1 2>"artifacts/$t.log" || true
  fi
  echo "$t: $(grep -m1 'stat::number_of_executed_units' "artifacts/$t.log" || echo 'no stats') crashes: $(find "artifacts/$t" -type f | wc -l)"
done
