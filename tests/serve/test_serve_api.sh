#!/bin/sh
# The studio's API and its security (facestitch serve): token on every route, the Host check,
# traversal attempts (.., %2e%2e, symlinks, absolute paths) answer 403/404 and show nothing,
# 1,000 malformed requests leave the server serving, a render job under 200 concurrent requests,
# cancel + retry, jobs kept across a restart, downloads with ranges. Loopback only, bounded loops.
set -u
. "$(dirname "$0")/serve_lib.sh"
echo "top secret marker 7f3a" >"$T/secret/secret.txt"
ln -s "$T/secret/secret.txt" "$T/media/link.txt"
ln -s "$T/secret" "$T/media/linkdir"
serve_start --node-dir "$T/no-node"
check print_line "grep -Eq '^open http://127\.0\.0\.1:[0-9]+/\?token=[0-9a-f]{64}$' $T/serve.out"

# every API route without the token, or with a wrong one: 403
ROUTES="GET:/api/state POST:/api/open GET:/api/faces GET:/api/frame GET:/api/directions POST:/api/preview
GET:/api/file GET:/api/jobs POST:/api/jobs POST:/api/jobs/cancel POST:/api/jobs/retry GET:/api/metrics
GET:/api/events GET:/api/nonexistent GET:/api"
bad=0
# a wrong token: the real one with its last digit changed (never the same: a token ending in 0 gets 1)
case $TOK in *0) WRONG=${TOK%?}1 ;; *) WRONG=${TOK%?}0 ;; esac
for r in $ROUTES; do
  m=${r%%:*} p=${r#*:}
  c1=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X "$m" -d '{}' "$BASE$p?project=0&frame=0&name=source")
  c2=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X "$m" -d '{}' -H "X-Facestitch-Token: $WRONG" "$BASE$p")
  c3=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X "$m" -d '{}' -H "Authorization: Bearer x$TOK" "$BASE$p")
  c4=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X "$m" -d '{}' -b "fs_token=" "$BASE$p")
  [ "$c1$c2$c3$c4" = 403403403403 ] || { echo "  $m $p: $c1 $c2 $c3 $c4"; bad=1; }
done
check no_token_403_every_route "[ $bad -eq 0 ]"
check token_header_200 "[ \$(api GET /api/state) = 200 ]"
check bearer_200 "[ \$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $TOK' $BASE/api/state) = 200 ]"
check cookie_200 "[ \$(curl -s -o /dev/null -w '%{http_code}' -b fs_token=$TOK $BASE/api/state) = 200 ]"
check page_sets_cookie "curl -s -D - -o /dev/null '$URL' | grep -qi '^set-cookie: fs_token=$TOK; Path=/; HttpOnly; SameSite=Strict'"
check page_wrong_token_no_cookie "! curl -s -D - -o /dev/null '$BASE/?token=abc' | grep -qi set-cookie"
# DNS rebinding: a foreign name in Host is refused, even with the token
check host_foreign_403 "[ \$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: evil.example:${BASE##*:}' -H 'X-Facestitch-Token: $TOK' $BASE/api/state) = 403 ]"
check host_page_403 "[ \$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: evil.example' $BASE/) = 403 ]"
check host_localhost_200 "[ \$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: localhost:${BASE##*:}' -H 'X-Facestitch-Token: $TOK' $BASE/api/state) = 200 ]"
check page_served "[ \$(curl -s -o $T/body -w '%{http_code}' $BASE/) = 200 ] && grep -q 'type=\"range\"' $T/body && grep -q '>Open<' $T/body"
check page_csp "curl -s -D - -o /dev/null $BASE/app.js | grep -qi \"^content-security-policy: default-src 'self'\""
check vendor_absent_404 "[ \$(curl -s -o /dev/null -w '%{http_code}' $BASE/vendor/uPlot.iife.min.js) = 404 ] && [ \$(curl -s -o /dev/null -w '%{http_code}' $BASE/vendor/../app.js) != 500 ]"

# the analysis job of the opened video finishes
AJ=$(job_id analyse)
check analyse_done "[ -n '$AJ' ] && wait_job '$AJ' done 60"
check faces_listed "[ \$(api GET '/api/faces?project=0&frame=2') = 200 ] && grep -q '\"track\":0' $T/body"
check frame_jpeg "[ \$(api GET '/api/frame?project=0&frame=2') = 200 ] && [ \$(head -c 2 $T/body | od -An -tx1 | tr -d ' ') = ffd8 ]"
check frame_out_of_range_400 "[ \$(api GET '/api/frame?project=0&frame=100000') = 400 ]"
check directions "[ \$(api GET /api/directions) = 200 ] && grep -q '\"age\"' $T/body && grep -q '\"smile\"' $T/body"

# traversal: nothing outside the opened folders is read or shown
leak=0
for name in ../../secret/secret.txt ..%2f..%2fsecret%2fsecret.txt %2e%2e/%2e%2e/secret/secret.txt /etc/passwd \
            "$T/secret/secret.txt" studio/../../../secret/secret.txt; do
  c=$(api GET "/api/file?project=0&name=$name")
  case $c in 403|404) ;; *) echo "  file $name: $c"; leak=1 ;; esac
  grep -q 'marker 7f3a\|root:' "$T/body" && leak=1
done
ln -s "$T/secret/secret.txt" "$T/proj/clip.fs/out_link.txt"
c=$(api GET "/api/file?project=0&name=out_link.txt"); [ "$c" = 403 ] || { echo "  symlink out of project: $c"; leak=1; }
for p in /etc/passwd "$T/secret/secret.txt" "$T/media/../secret/secret.txt" "$T/media/link.txt" \
         "$T/media/linkdir/secret.txt" "$T/media/%2e%2e/secret/secret.txt" /; do
  c=$(api POST /api/open "{\"path\":\"$p\"}")
  case $c in 403|404) ;; *) echo "  open $p: $c"; leak=1 ;; esac
  grep -q 'marker 7f3a\|root:' "$T/body" && leak=1
done
for u in /../../etc/passwd /%2e%2e/%2e%2e/etc/passwd /vendor/../../etc/passwd /api/../../etc/passwd; do
  c=$(curl -s --path-as-is -o "$T/body" -w '%{http_code}' -H "X-Facestitch-Token: $TOK" "$BASE$u")
  case $c in 403|404) ;; *) echo "  url $u: $c"; leak=1 ;; esac
  grep -q 'root:' "$T/body" && leak=1
done
check traversal_refused "[ $leak -eq 0 ]"
# a project whose manifest names a source outside the roots is refused and that folder stays closed
cp "$T/media/clip.mp4" "$T/secret/clip.mp4"
mkdir -p "$T/proj/evil.fs"
sed "s|$T/media/clip.mp4|$T/secret/clip.mp4|" "$T/proj/clip.fs/manifest.json" >"$T/proj/evil.fs/manifest.json"
check evil_manifest_written "grep -q '$T/secret/clip.mp4' $T/proj/evil.fs/manifest.json"
check evil_project_refused "[ \$(api POST /api/open '{\"path\":\"$T/proj/evil.fs\"}') = 400 ] && grep -q 'outside the folders' $T/body"
check evil_source_not_served "[ \$(api GET '/api/file?project=1&name=source') = 404 ] && [ \$(api POST /api/open '{\"path\":\"$T/secret/clip.mp4\"}') = 403 ]"
# "read nothing": a FIFO would block whoever opens it, so these requests must answer at once
mkfifo "$T/secret/fifo" "$T/media/fifo"
ln -s "$T/media/fifo" "$T/proj/clip.fs/fifo_link"
mkfifo "$T/proj/clip.fs/fifo_in"
fifo_ok=1
for q in "GET /api/file?project=0&name=../../secret/fifo" "GET /api/file?project=0&name=fifo_in" \
         "GET /api/file?project=0&name=fifo_link"; do
  c=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X "${q%% *}" -H "X-Facestitch-Token: $TOK" "$BASE${q#* }")
  case $c in 403|404) ;; *) echo "  $q: $c"; fifo_ok=0 ;; esac
done
for p in "$T/secret/fifo" "$T/media/fifo"; do
  c=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "X-Facestitch-Token: $TOK" -d "{\"path\":\"$p\"}" "$BASE/api/open")
  case $c in 400|403|404) ;; *) echo "  open $p: $c"; fifo_ok=0 ;; esac
done
check fifo_never_opened "[ $fifo_ok -eq 1 ]"
check direction_path_refused "[ \$(api POST /api/preview '{\"project\":0,\"frame\":2,\"face\":0,\"edit\":\"/etc/passwd=2\"}') = 400 ]"
check source_served "[ \$(api GET '/api/file?project=0&name=source') = 200 ] && cmp -s $T/body $T/media/clip.mp4"

# preview: the crop | its edit, one JPEG twice as wide as high
check preview_jpeg "[ \$(api POST /api/preview '{\"project\":0,\"frame\":2,\"face\":0,\"edit\":\"age=-6\"}') = 200 ] && [ \$(head -c 2 $T/body | od -An -tx1 | tr -d ' ') = ffd8 ]"
check preview_e4e_before_inversion "curl -s -D - -o /dev/null -H 'X-Facestitch-Token: $TOK' -d '{\"project\":0,\"frame\":2,\"face\":0,\"edit\":\"age=-6\"}' $BASE/api/preview | grep -qi 'x-preview-latent: e4e, generator'"
check preview_bad_face_400 "[ \$(api POST /api/preview '{\"project\":0,\"frame\":2,\"face\":7,\"edit\":\"age=-6\"}') = 400 ]"
check preview_bad_direction_400 "[ \$(api POST /api/preview '{\"project\":0,\"frame\":2,\"face\":0,\"edit\":\"nosuch=2\"}') = 400 ]"
# an S-space direction (one value per style channel of the conv layers, read from the generator's
# header) previews too: strength 0 renders what no edit renders, strength 5 changes the face
NS=$(head -c 65536 "$T/m/generator.safetensors" | tr -c '[:print:]' '\n' |
     grep -o '"synthesis[^"]*conv[01]\.affine\.weight":{"dtype":"F32","shape":\[[0-9]*' | sed 's/.*\[//' |
     awk '{s+=$1} END {print s+0}')
npy_f32() { # npy_f32 FILE N: a float32 vector of N values 0.5
  h="{'descr': '<f4', 'fortran_order': False, 'shape': ($2,), }"
  while [ $(( (${#h} + 11) % 64 )) -ne 0 ]; do h="$h "; done
  L=$((${#h} + 1))
  { printf '\223NUMPY\001\000'; printf "\\$(printf %03o $((L % 256)))\\$(printf %03o $((L / 256)))"; printf '%s\n' "$h"
    i=0; while [ $i -lt "$2" ]; do printf '\000\000\000\077'; i=$((i + 1)); done; } >"$1"
}
npy_f32 "$T/m/directions/sdir.npy" "$NS"
psnr() { ffmpeg -v info -nostats -i "$1" -i "$2" -lavfi psnr -f null - 2>&1 | sed -n 's/.*average:\([0-9.inf]*\).*/\1/p' | head -n 1; }
api POST /api/preview '{"project":0,"frame":2,"face":0,"edit":"age=0"}' >/dev/null; cp "$T/body" "$T/plain.jpg"
c0=$(api POST /api/preview '{"project":0,"frame":2,"face":0,"edit":"sdir=0"}'); cp "$T/body" "$T/s0.jpg"
c5=$(api POST /api/preview '{"project":0,"frame":2,"face":0,"edit":"sdir=5"}'); cp "$T/body" "$T/s5.jpg"
p0=$(psnr "$T/plain.jpg" "$T/s0.jpg") p5=$(psnr "$T/plain.jpg" "$T/s5.jpg")
echo "  S-space preview ($NS style channels): PSNR vs no edit: strength 0 $p0 dB, strength 5 $p5 dB"
# PSNRs are plain numbers (num refuses nan, inf and empty); strength 0 may also give inf (identical)
check preview_s_space "[ $NS -gt 0 ] && [ $c0 = 200 ] && [ $c5 = 200 ] && { [ \"$p0\" = inf ] || num '$p0' '>' 40; } && num '$p5' '>' 0 && num '$p5' '<' 30"

# 1,000 malformed requests (bad JSON, wrong types, oversize and deeply nested bodies, unknown routes
# and methods, garbage bytes), then the server still answers
DEEP=$(awk 'BEGIN{for(i=0;i<40;i++)printf "[";for(i=0;i<40;i++)printf "]"}')
head -c 70000 /dev/zero | tr '\0' 'a' >"$T/big.txt"
: >"$T/bad.cfg"
i=0
while [ $i -lt 30 ]; do
  for b in '{' '[1,2]' '{"path":1}' '"str"' 'null' "{\"x\":$DEEP}" '{"project":"0","frame":-1}' '{"job":5}'; do
    for p in /api/open /api/preview /api/jobs /api/jobs/cancel; do
      printf 'url = "%s%s"\nrequest = "POST"\ndata = "%s"\nheader = "X-Facestitch-Token: %s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' \
        "$BASE" "$p" "$(printf '%s' "$b" | sed 's/"/\\"/g')" "$TOK" >>"$T/bad.cfg"
    done
  done
  i=$((i + 1))
done
n_cfg=$(grep -c '^url' "$T/bad.cfg")
curl -s --no-progress-meter --parallel --parallel-max 20 -K "$T/bad.cfg" >"$T/bad.codes"
check malformed_all_4xx "[ \$(grep -c '^4' $T/bad.codes) -eq $n_cfg ]"
extra=0
for k in 1 2 3 4 5 6 7 8 9 10; do
  c=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Facestitch-Token: $TOK" --data-binary @"$T/big.txt" "$BASE/api/open")
  [ "$c" = 413 ] || extra=1
  c=$(curl -s -o /dev/null -w '%{http_code}' -X BREW -H "X-Facestitch-Token: $TOK" "$BASE/api/state")
  [ "$c" = 405 ] || [ "$c" = 400 ] || [ "$c" = 501 ] || extra=1
  printf 'GARBAGE \001\002\r\n\r\n' | curl -s -m 2 telnet://127.0.0.1:${BASE##*:} >/dev/null 2>&1
  printf 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n\r\n' | curl -s -m 2 telnet://127.0.0.1:${BASE##*:} >/dev/null 2>&1
done
check malformed_oversize_413 "[ $extra -eq 0 ]"
echo "  $((n_cfg + 40)) malformed requests sent"
check still_serving "[ \$(api GET /api/state) = 200 ] && kill -0 $PID"

# command-line errors: one line, exit 1 or 2, no server left running
PORT=${BASE##*:}
timeout 10 $B serve "$T/media/clip.mp4" --port "$PORT" --models "$T/m" --projects "$T/proj" >/dev/null 2>"$T/e1"; rc=$?
check port_in_use "[ $rc -eq 1 ] && grep -q 'cannot listen there' $T/e1"
timeout 10 $B serve "$S/media/broken_text_file.mp4" --port 0 --models "$T/m" --projects "$T/proj" >/dev/null 2>"$T/e2"; rc=$?
check broken_input "[ $rc -eq 1 ] && [ \$(wc -l <$T/e2) -eq 1 ] && grep -q broken_text_file $T/e2"
timeout 10 $B serve --port 70000 >/dev/null 2>"$T/e3"; rc=$?
check bad_port_usage "[ $rc -eq 2 ] && grep -q -- '--port' $T/e3"
timeout 10 $B serve "$T/proj/evil.fs" --port 0 --models "$T/m" >/dev/null 2>"$T/e4"; rc=$?
check evil_project_cli_refused "[ $rc -eq 1 ] && [ \$(wc -l <$T/e4) -eq 1 ] && grep -q 'outside the folders' $T/e4"

# a render job while 200 concurrent API requests hit the server
check render_queued "[ \$(api POST /api/jobs '{\"project\":0,\"edit\":\"age=-6\",\"face\":0}') = 202 ]"
RJ=$(job_id render)
: >"$T/load.cfg"
i=0
while [ $i -lt 50 ]; do
  for p in /api/jobs /api/state "/api/faces?project=0&frame=1" "/api/frame?project=0&frame=1"; do
    printf 'url = "%s%s"\nheader = "X-Facestitch-Token: %s"\noutput = "/dev/null"\nwrite-out = "%%{http_code} %%{time_total}\\n"\n' "$BASE" "$p" "$TOK" >>"$T/load.cfg"
  done
  i=$((i + 1))
done
(timeout 20 curl -s -N -H "X-Facestitch-Token: $TOK" "$BASE/api/events" >"$T/sse.txt" 2>/dev/null &)
curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max 200 -K "$T/load.cfg" >"$T/load.codes"
check load_200_all_ok "[ \$(grep -c '^200 ' $T/load.codes) -eq 200 ]"
sort -k2 -n "$T/load.codes" | awk '{t[NR]=$2} END {printf "  latency under load (200 concurrent, job running): p50 %.1f ms, p95 %.1f ms, max %.1f ms\n", t[int(NR*0.5)]*1000, t[int(NR*0.95)]*1000, t[NR]*1000}'
: >"$T/seq.times"
for k in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  curl -s -o /dev/null -w '%{time_total}\n' -H "X-Facestitch-Token: $TOK" "$BASE/api/jobs" >>"$T/seq.times"
done
sort -n "$T/seq.times" | awk '{t[NR]=$1} END {printf "  latency of single /api/jobs requests during the job: median %.1f ms, max %.1f ms\n", t[int(NR/2)]*1000, t[NR]*1000}'
check render_done "wait_job '$RJ' done 120"
OUT=$(grep -o "\"id\":\"$RJ\",[^}]*" "$T/body" | grep -o '"output":"[^"]*"' | cut -d'"' -f4)
check render_output "[ \$(api GET '/api/file?project=0&name=$OUT') = 200 ] && [ \$(ffprobe -v error -select_streams v:0 -show_entries stream=nb_frames -of default=nw=1:nk=1 $T/body) = 6 ]"
check preview_after_inversion "[ \$(curl -s -D $T/hdr -o $T/body -w '%{http_code}' -H 'X-Facestitch-Token: $TOK' -d '{\"project\":0,\"frame\":2,\"face\":0,\"edit\":\"age=-6\"}' $BASE/api/preview) = 200 ] && grep -qi 'x-preview-latent: pivot, PTI generator' $T/hdr"
check render_metrics "[ \$(api GET '/api/metrics?job=$RJ') = 200 ] && grep -q '\"bg_psnr_db\"' $T/body"
check range_206 "[ \$(curl -s -o $T/part -w '%{http_code}' -r 10-19 -H 'X-Facestitch-Token: $TOK' '$BASE/api/file?project=0&name=$OUT') = 206 ] && [ \$(wc -c <$T/part) -eq 10 ]"
check sse_progress "grep -q '^data: {\"jobs\"' $T/sse.txt && grep -q '\"state\":\"running\"' $T/sse.txt"
check job_log_kept "grep -q 'done' $T/proj/clip.fs/studio/jobs/$RJ.log"

# cancel a running render; retry resumes it from the project
api POST /api/jobs '{"project":0,"edit":"smile=3","face":"all"}' >/dev/null
CJ=$(job_id render)
wait_job "$CJ" running 30
check cancel_200 "[ \$(api POST /api/jobs/cancel '{\"job\":\"$CJ\"}') = 200 ]"
check cancelled "wait_job '$CJ' cancelled 60"
check cancel_again_409 "[ \$(api POST /api/jobs/cancel '{\"job\":\"$CJ\"}') = 409 ]"
check cancel_unknown_404 "[ \$(api POST /api/jobs/cancel '{\"job\":\"nope\"}') = 404 ]"

# jobs survive a restart
serve_stop
serve_start --bind 127.0.0.2
check bind_warns "grep -q -- '--bind 127.0.0.2' $T/serve.err"
check jobs_after_restart "[ \$(api GET /api/jobs) = 200 ] && grep -q '$RJ' $T/body && grep -q '$CJ' $T/body"
check retry_200 "[ \$(api POST /api/jobs/retry '{\"job\":\"$CJ\"}') = 200 ]"
check retry_done "wait_job '$CJ' done 120"
serve_stop
check no_sanitizer_report "! grep -q Sanitizer $T/serve.err"
finish
