#!/bin/sh
# Browser test of the studio page: Playwright (playwright-core from .node/, installed by
# scripts/install-deps) drives Debian's chromium headless through tests/serve/studio.mjs.
# Screenshots of each state are kept in out/studio/ of the source tree.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
# ../shared first: under CI=true its absence fails even where node or chromium are missing too
need_shared "${FS_SHARED:-../shared}/media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4"
command -v node >/dev/null || skip "node not installed (scripts/install-deps)"
NODE_DIR=${FS_NODE_DIR:-$FS_SRC/.node/node_modules}
[ -f "$NODE_DIR/playwright-core/package.json" ] || skip "playwright-core not in $NODE_DIR (run scripts/install-deps)"
CHROMIUM=${FS_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || skip "$CHROMIUM not installed (scripts/install-deps)"
SERVE_INPUT=""
. "$(dirname "$0")/serve_lib.sh"
serve_start --root "$T/media" --node-dir "$NODE_DIR"
OUTDIR=$FS_SRC/out/studio
mkdir -p "$OUTDIR" 2>/dev/null || { OUTDIR=${FS_BUILD:?}/out/studio; mkdir -p "$OUTDIR"; }
FS_NODE_DIR=$NODE_DIR FS_CHROMIUM=$CHROMIUM timeout 400 node "$(dirname "$0")/studio.mjs" "$URL" "$T/media/clip.mp4" "$OUTDIR"
rc=$?
check studio_page "[ $rc -eq 0 ]"
[ $rc -eq 0 ] || { echo "server log:"; tail -n 20 "$T/serve.err"; }
serve_stop
check no_sanitizer_report "! grep -q Sanitizer $T/serve.err"
echo "screenshots: $OUTDIR"
finish
