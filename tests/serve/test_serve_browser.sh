#!/bin/sh
# Browser test of the studio page: Playwright (playwright-core from .node/, installed by
# scripts/install-deps) drives Debian's chromium headless through tests/serve/studio.mjs.
# Screenshots of each state are kept in out/studio/ of the source tree.
set -u
command -v node >/dev/null || { echo "SKIP: node not installed (scripts/install-deps)"; exit 77; }
NODE_DIR=${FS_NODE_DIR:-${FS_SRC:?}/.node/node_modules}
[ -f "$NODE_DIR/playwright-core/package.json" ] || { echo "SKIP: playwright-core not in $NODE_DIR (run scripts/install-deps)"; exit 77; }
CHROMIUM=${FS_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "SKIP: $CHROMIUM not installed (scripts/install-deps)"; exit 77; }
SERVE_INPUT=""
. "$(dirname "$0")/serve_lib.sh"
serve_start --root "$T/media" --node-dir "$NODE_DIR"
OUTDIR=$FS_SRC/out/studio
mkdir -p "$OUTDIR" 2>/dev/null || { OUTDIR=${FS_BUILD:?}/out/studio; mkdir -p "$OUTDIR"; }
FS_NODE_DIR=$NODE_DIR FS_CHROMIUM=$CHROMIUM timeout 400 node "$(dirname "$0")/studio.mjs" "$URL" "$T/media/clip.mp4" "$OUTDIR"
rc=$?
[ $rc -eq 0 ] || { echo "server log:"; tail -n 20 "$T/serve.err"; }
serve_stop
if grep -q Sanitizer "$T/serve.err"; then echo "FAIL sanitizer report in the server log"; rc=1; fi
echo "screenshots: $OUTDIR"
exit $rc
