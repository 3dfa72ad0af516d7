#!/bin/sh
# The studio's job options are edit's model options (docs/studio.md): a server started with
# --no-encoder and --model renders by projection (no e4e) and its video has the source's frame count;
# an option the studio's jobs do not take (--batch, --projection-steps) is refused with its one-line
# reason, exit 2, and no server. Loopback only, bounded waits.
set -u
. "$(dirname "$0")/serve_lib.sh"
# a 5-frame source (serve_lib's --max-frames 6 then cuts nothing): the render must keep all 5
ffmpeg -v error -y -i "$CLIP_SRC" -frames:v 5 -c:v libx264 -preset ultrafast -c:a copy "$T/short.mp4" &&
  mv "$T/short.mp4" "$T/media/clip.mp4" || { echo "FAIL ffmpeg could not cut the clip"; exit 1; }
nb_frames() { ffprobe -v error -select_streams v:0 -count_frames -show_entries stream=nb_read_frames -of default=nw=1:nk=1 "$1"; }
SRC_FRAMES=$(nb_frames "$T/media/clip.mp4")
check source_cut "[ '$SRC_FRAMES' = 5 ]"

serve_start --node-dir "$T/no-node" --no-encoder --model "$T/m/generator.safetensors"
AJ=$(job_id analyse)
check analyse_done "[ -n '$AJ' ] && wait_job '$AJ' done 60"
check render_queued "[ \$(api POST /api/jobs '{\"project\":0,\"edit\":\"age=-6\",\"face\":0}') = 202 ]"
RJ=$(job_id render)
check render_done "[ -n '$RJ' ] && wait_job '$RJ' done 120"
# --no-encoder reached the job: its pivots come from projection, not from e4e
check render_by_projection "grep -q '^invert: no encoder: projecting each crop' $T/serve.err"
OUT=$(grep -o "\"id\":\"$RJ\",[^}]*" "$T/body" | grep -o '"output":"[^"]*"' | cut -d'"' -f4)
c=$(api GET "/api/file?project=0&name=$OUT")
OUT_FRAMES=$(nb_frames "$T/body")
echo "  render $OUT: $OUT_FRAMES frames (source $SRC_FRAMES)"
check render_frame_count "[ '$c' = 200 ] && [ '$OUT_FRAMES' = '$SRC_FRAMES' ]"
serve_stop
check no_sanitizer_report "! grep -q Sanitizer $T/serve.err"

# options the public facestitch_params does not carry: one line with the reason, exit 2, no server
for opt in "--batch 2" "--projection-steps 5"; do
  flag=${opt%% *}
  timeout 10 $B serve "$T/media/clip.mp4" --port 0 --models "$T/m" --projects "$T/proj" $opt >"$T/o" 2>"$T/e"; rc=$?
  check "refused_${flag#--}" "[ $rc -eq 2 ] && [ ! -s $T/o ] && [ \$(grep -c -- 'not taken by the studio' $T/e) -eq 1 ] &&
    head -n 1 $T/e | grep -q -- '^facestitch: serve: $flag: not taken by the studio.s jobs yet'"
done
finish
