#!/usr/bin/env bash
# Builds the two benchmark repositories and times `shortlist worktrees` and `shortlist
# next` (fresh processes, end to end) side by side with the anchors, in the same run:
#   - `git status` in every worktree (summed),
#   - a reference script running 7 `git` processes per worktree (what teams do by hand).
# Usage: benches/worktrees.sh [DIR] [small|big|both]   (default /tmp/shortlist-bench both)
# With OLD=/path/to/an/older/shortlist, `shortlist next` of that binary and of this one
# also run interleaved (old, new, old, new… fresh processes), to compare two versions in
# one run on a machine whose speed drifts.
# The repositories are generated once with git2 (examples/gen_repo.rs) and reused.
# `git` is needed for the anchors only; shortlist itself never runs it.
set -euo pipefail
DIR=${1:-/tmp/shortlist-bench}
WHICH=${2:-both}
RUNS=${RUNS:-7}
cd "$(dirname "$0")/.."
cargo build --release --quiet --example gen_repo --bin shortlist
cargo bench --quiet --no-run --bench bot_answers 2>/dev/null
BIN=${CARGO_TARGET_DIR:-target}/release
SL=$BIN/shortlist

now_ns() { date +%s%N; }

# time_cmd LABEL CMD...: runs CMD $RUNS times, prints min and median wall time.
time_cmd() {
  local label=$1; shift
  local times=()
  for _ in $(seq "$RUNS"); do
    local t0; t0=$(now_ns)
    "$@" >/dev/null 2>&1
    times+=($(( ($(now_ns) - t0) / 1000 )))
  done
  local sorted; sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  local min; min=$(echo "$sorted" | head -1)
  local med; med=$(echo "$sorted" | sed -n "$(( (RUNS + 1) / 2 ))p")
  printf '  %-44s min %8.1f ms   median %8.1f ms\n' "$label" "$(echo "$min/1000" | bc -l)" "$(echo "$med/1000" | bc -l)"
}

worktree_paths() { git -C "$1" worktree list --porcelain | sed -n 's/^worktree //p'; }

git_status_all() {
  for wt in $(worktree_paths "$1"); do git -C "$wt" status --porcelain >/dev/null; done
}

# The hand procedure, as the issue that set the targets lists it: `git worktree list`
# (worktree_paths), then seven git processes per worktree.
reference_script() {
  local base=main
  for wt in $(worktree_paths "$1"); do
    git -C "$wt" rev-parse --verify "$base" >/dev/null
    git -C "$wt" diff --name-only --cached >/dev/null
    git -C "$wt" diff --name-only >/dev/null
    git -C "$wt" diff --name-only "$base...HEAD" >/dev/null
    git -C "$wt" status --porcelain >/dev/null
    git -C "$wt" rev-list --left-right --count "$base...HEAD" >/dev/null
    git -C "$wt" log -1 >/dev/null
  done
}

# ab_next MAIN DB: `shortlist next` of $OLD and of this build, alternating, $AB_RUNS each.
ab_next() {
  local main=$1 db=$2 runs=${AB_RUNS:-21}
  local old=() new=()
  for _ in $(seq "$runs"); do
    local t0; t0=$(now_ns)
    "$OLD" --repo "$main" --database "$db" next >/dev/null 2>&1
    old+=($(( ($(now_ns) - t0) / 1000 )))
    t0=$(now_ns)
    "$SL" --repo "$main" --database "$db" next >/dev/null 2>&1
    new+=($(( ($(now_ns) - t0) / 1000 )))
  done
  local label
  for label in old new; do
    local -n arr=$label
    local sorted; sorted=$(printf '%s\n' "${arr[@]}" | sort -n)
    printf '  %-44s min %8.1f ms   median %8.1f ms\n' "next, $label binary (interleaved, $runs each)" \
      "$(echo "$(echo "$sorted" | head -1)/1000" | bc -l)" \
      "$(echo "$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")/1000" | bc -l)"
  done
}

bench() {
  local size=$1 root=$DIR/$1
  if [ ! -d "$root/main" ]; then
    echo "building the $size repository under $root ..."
    "$BIN/examples/gen_repo" "$size" "$root"
  fi
  local main=$root/main
  local n; n=$(worktree_paths "$main" | wc -l)
  local files; files=$(git -C "$main" ls-files | wc -l)
  echo "== $size: $files tracked files, $n worktrees (main + linked)"
  # Warm-up: both tools refresh stale index stat data once, then measure steady state.
  "$SL" --repo "$main" worktrees >/dev/null
  git_status_all "$main"
  time_cmd "git status, one worktree (main)" git -C "$main" status --porcelain
  time_cmd "git status in every worktree" git_status_all "$main"
  time_cmd "reference script (7 git per worktree)" reference_script "$main"
  time_cmd "shortlist worktrees" "$SL" --repo "$main" worktrees
  time_cmd "shortlist worktrees --no-index-refresh" "$SL" --repo "$main" --no-index-refresh worktrees
  # The whole triage: plan + scan + staleness + conflicts + shortlist + render.
  local db; db=$(mktemp -d)/bench.sqlite3
  time_cmd "shortlist next" "$SL" --repo "$main" --database "$db" next
  time_cmd "shortlist next --format json" "$SL" --repo "$main" --database "$db" --format json next
  if [ -n "${OLD:-}" ]; then
    ab_next "$main" "$db"
  fi
  if command -v /usr/bin/time >/dev/null; then
    local rss; rss=$( { /usr/bin/time -f '%M' "$SL" --repo "$main" worktrees >/dev/null; } 2>&1 | tail -1)
    echo "  shortlist worktrees peak RSS: $((rss / 1024)) MB"
  fi
  echo "  where the time goes (one run):"
  "$SL" --repo "$main" worktrees --timings 2>&1 >/dev/null | sed 's/^/    /'
  echo "  where the time goes in next (one run):"
  "$SL" --repo "$main" --database "$db" next --timings 2>&1 >/dev/null | sed 's/^/    /'
  # The bot, watching: answer times from the interaction to the answer's arrival at the
  # fake Discord, with nothing changed and after one file changes in one linked
  # worktree (a tracked file, put back afterwards).
  local wt; wt=$(worktree_paths "$main" | sed -n 2p)
  local file; file="$wt/$(git -C "$wt" ls-files 'src/*' | sed -n 1p)"
  local saved; saved=$(mktemp)
  cp "$file" "$saved"
  echo "  the bot's answers (watching session, fake Discord):"
  BOT_BENCH_REPO=$main BOT_BENCH_CHANGE=$file BOT_BENCH_ROUNDS=${BOT_ROUNDS:-50} \
    cargo bench --quiet --bench bot_answers 2>/dev/null | grep -v '^$' || true
  cp "$saved" "$file"
  rm -f "$saved"
}

case $WHICH in
  small) bench small ;;
  big) bench big ;;
  *) bench small; bench big ;;
esac
