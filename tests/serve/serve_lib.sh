# serve_lib.sh — sourced by the studio's tests: tiny models, a shared clip, and a server on a free
# loopback port (bounded waits everywhere). Sources tests/testlib.sh (check, skip, need_shared, finish);
# sets T, B, CLIP_SRC; serve_start sets URL, BASE, TOK, PID.
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
S=${FS_SHARED:-../shared}
CLIP_SRC=$S/media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4
need_shared "$CLIP_SRC"
command -v curl >/dev/null || skip "curl not installed (scripts/install-deps)"
$B serve --help >/dev/null 2>&1 || skip "this build has no 'serve' (libmicrohttpd missing)"
T=$(mktemp -d /tmp/fs_test_serve_XXXXXX)
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/media" "$T/secret" "$T/proj"
cp "$CLIP_SRC" "$T/media/clip.mp4"
$B -q models init --tiny --out "$T/m" || { echo "FAIL models init"; exit 1; }

# serve_start [extra args]: starts the server, waits (<= 10 s) for its "open ..." line
serve_start() {
  : >"$T/serve.out"
  $B --threads 2 serve ${SERVE_INPUT-"$T/media/clip.mp4"} --port 0 --models "$T/m" --pti-steps 1 --stitch-steps 3 \
     --max-frames 6 --projects "$T/proj" "$@" >"$T/serve.out" 2>>"$T/serve.err" &
  PID=$!
  i=0
  while [ $i -lt 100 ] && ! grep -q '^open ' "$T/serve.out"; do sleep 0.1; i=$((i + 1)); done
  URL=$(sed -n 's/^open //p' "$T/serve.out" | head -n 1)
  [ -n "$URL" ] || { echo "FAIL server did not start"; cat "$T/serve.err"; exit 1; }
  BASE=${URL%%/\?token=*}
  TOK=${URL##*token=}
}
serve_stop() {
  kill "$PID" 2>/dev/null
  i=0
  while [ $i -lt 100 ] && kill -0 "$PID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
  PID=""
}
# api METHOD PATH [BODY]: prints the HTTP status; the body goes to $T/body
api() {
  if [ -n "${3:-}" ]; then
    curl -s -o "$T/body" -w '%{http_code}' -X "$1" -H "X-Facestitch-Token: $TOK" --data-binary "$3" "$BASE$2"
  else
    curl -s -o "$T/body" -w '%{http_code}' -X "$1" -H "X-Facestitch-Token: $TOK" "$BASE$2"
  fi
}
# wait_job ID STATE SECONDS: polls /api/jobs until job ID is in STATE
wait_job() {
  i=0
  while [ $i -lt $(($3 * 5)) ]; do
    api GET /api/jobs >/dev/null
    grep -q "\"id\":\"$1\",[^}]*\"state\":\"$2\"" "$T/body" && return 0
    sleep 0.2; i=$((i + 1))
  done
  return 1
}
# the newest job's id of kind KIND
job_id() { api GET /api/jobs >/dev/null; grep -o "\"id\":\"[^\"]*-$1\"" "$T/body" | head -n 1 | cut -d'"' -f4; }
