#!/usr/bin/env bash
# Fail if nbdev_clean / nbdev_export / the README renderer would change anything: notebooks are the source.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "check-sync: not a git checkout, skipping the sync checks"; exit 0
fi
state() { git status --porcelain --untracked-files=all; git diff --no-ext-diff | sha1sum; }
before=$(state)
nbdev_clean >/dev/null
nbdev_clean --fname runs >/dev/null
if [[ "$(state)" != "$before" ]]; then
  echo "check-sync: nbdev_clean changed notebooks (unclean metadata or outputs): run 'make clean-nbs' and commit"
  git status --short; exit 1
fi
nbdev_export
if [[ "$(state)" != "$before" ]]; then
  echo "check-sync: audiomi/ is out of sync with nbs/: run 'make export' and commit (never edit audiomi/*.py by hand)"
  git status --short; exit 1
fi
# nbdev never deletes a module whose notebook is gone: every module must come from a notebook's default_exp
mods=$(grep -rhoE '^ *"#\| *default_exp +[A-Za-z0-9_.]+' nbs --include='*.ipynb' | sed -E 's/.*default_exp +//' | sort -u)
stale=0
for f in $(cd audiomi && ls *.py); do
  m=${f%.py}
  [[ "$m" == "__init__" || "$m" == "_modidx" ]] && continue
  grep -qx "$m" <<<"$mods" || { echo "check-sync: audiomi/$f is not exported by any notebook (stale module: delete it)"; stale=1; }
done
[[ $stale == 0 ]] || exit 1
python tools/nb2readme.py --check
echo "check-sync: notebooks clean, package and README in sync"
