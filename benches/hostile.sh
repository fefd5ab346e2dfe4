#!/usr/bin/env bash
# Times `shortlist next` (`check` for the cycle fan) on the hostile plans of
# examples/hostile_plans.rs: wall time and peak memory from /usr/bin/time, one fresh
# process each, plus the deepest plan on a 2 MiB stack (ulimit -s 2048).
# With OLD=/path/to/an/older/shortlist, that binary runs too, in the same run.
# Usage: benches/hostile.sh [DIR]   (default /tmp/shortlist-hostile)
set -euo pipefail
DIR=${1:-/tmp/shortlist-hostile}
cd "$(dirname "$0")/.."
cargo build --release --quiet --example hostile_plans --bin shortlist
BIN=${CARGO_TARGET_DIR:-target}/release
SL=$(realpath "$BIN/shortlist")
"$BIN/examples/hostile_plans" "$DIR" >/dev/null

run() { # run LABEL BINARY
  local label=$1 bin=$2
  for d in "$DIR"/*/; do
    local f cmd=next
    f=$(basename "$d")
    [[ $f == cyclefan* ]] && cmd=check
    local out="$DIR/.time"
    (cd "$d" && timeout 120 /usr/bin/time -o "$out" -f "%e s, %M KB" "$bin" $cmd >/dev/null 2>&1) ||
      echo "exit $? (timeout 120 s is 124)" >>"$out"
    printf '%-4s %-17s %-5s %s\n' "$label" "$f" "$cmd" "$(tr '\n' ' ' <"$out")"
  done
  local deepest
  deepest=$(ls -d "$DIR"/deep-* | sort -t- -k2 -n | tail -1)
  (cd "$deepest" && ulimit -s 2048 && if timeout 120 "$bin" next >/dev/null 2>&1; then
    echo "$label $(basename "$deepest") on a 2 MiB stack: ok"
  else
    echo "$label $(basename "$deepest") on a 2 MiB stack: failed (exit $?)"
  fi)
}

[[ -n ${OLD:-} ]] && run old "$OLD"
run new "$SL"
