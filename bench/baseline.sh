#!/usr/bin/env bash
# Makes a built checkout of another commit, to run beside this one: `npm run bench -- --baseline DIR`.
#
#     bench/baseline.sh COMMIT [DIR]      # DIR defaults to $TMPDIR/toolgate-baseline-<commit>
#
# DIR becomes a detached git worktree of COMMIT (remove it with `git worktree remove DIR`), with its own
# node_modules (`npm ci`, from the npm cache where it can) and its own dist/ (`npm run build`). Run again on the
# same DIR and COMMIT, it installs and builds again; any other existing DIR is refused.
set -euo pipefail

commit=${1:?usage: bench/baseline.sh COMMIT [DIR]}
repo=$(cd "$(dirname "$0")/.." && pwd)
if ! sha=$(git -C "$repo" rev-parse --verify --quiet "$commit^{commit}"); then
  echo "bench/baseline.sh: no commit $commit in $repo" >&2
  exit 2
fi
dir=${2:-${TMPDIR:-/tmp}/toolgate-baseline-${sha:0:7}}

if [ -e "$dir" ]; then
  dir=$(cd "$dir" && pwd)
  top=$(git -C "$dir" rev-parse --show-toplevel 2>/dev/null || true)
  head=$(git -C "$dir" rev-parse HEAD 2>/dev/null || true)
  if [ "$top" != "$dir" ] || [ "$head" != "$sha" ]; then
    echo "bench/baseline.sh: $dir exists and is not a checkout of $sha" >&2
    exit 2
  fi
  if [ -n "$(git -C "$dir" status --porcelain --untracked-files=no)" ]; then
    echo "bench/baseline.sh: $dir has local changes" >&2
    exit 2
  fi
else
  git -C "$repo" worktree add --detach "$dir" "$sha"
  dir=$(cd "$dir" && pwd)
fi

cd "$dir"
npm ci --prefer-offline --no-audit --no-fund
npm run build --silent
test -f dist/src/main.js
echo "baseline $(git rev-parse --short HEAD) built in $dir; use it with: npm run bench -- --baseline $dir"
