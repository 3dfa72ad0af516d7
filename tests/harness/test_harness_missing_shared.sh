#!/bin/sh
# Tests that need ../shared, pointed at a folder that does not exist: with CI=true each one fails
# (exit 1, a line naming CI=true), never skips; without CI each one skips (77) with a reason, except
# a test whose ../shared part is optional, which passes. A sample from each room whose tests read
# ../shared (MPI, studio, face-api, weights, pipeline, and C tests through tests/check.h); each
# must stop before any real work, so this takes about a second.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
BUILD=${FS_BUILD:?}
T=$(mktemp -d /tmp/fs_test_missing_shared_XXXXXX)
trap 'rm -rf "$T"' EXIT
ABSENT=$T/absent

# run CI TEST [ARGS]: one test with FS_SHARED=$ABSENT, CI set to $1 (unset when empty); sets rc
run() {
  ci=$1
  shift
  if [ -n "$ci" ]; then
    CI=$ci FS_SHARED=$ABSENT timeout 30 "$@" >"$T/out" 2>&1
  else
    env -u CI FS_SHARED="$ABSENT" timeout 30 "$@" >"$T/out" 2>&1
  fi
  rc=$?
}
# expect NAME TEST [ARGS]: exit 1 naming CI=true under CI=true, 77 with "SKIP:" without CI
expect() {
  name=$1
  shift
  run true "$@"
  check "${name}_ci_fails" "[ $rc -eq 1 ] && grep -q 'CI=true' $T/out && grep -q '$ABSENT' $T/out"
  [ $rc -eq 1 ] || cat "$T/out"
  run "" "$@"
  check "${name}_skips" "[ $rc -eq 77 ] && grep -q 'SKIP: .*$ABSENT' $T/out"
  [ $rc -eq 77 ] || cat "$T/out"
}

S=$FS_SRC/tests
expect dist_align sh "$S/dist/test_dist_align.sh"
expect dist_edit sh "$S/dist/test_dist_edit.sh"
expect serve_api sh "$S/serve/test_serve_api.sh"
expect serve_browser sh "$S/serve/test_serve_browser.sh"
expect faceapi_detector sh "$S/models/faceapi/test_faceapi_detector.sh"
expect faceapi_units sh "$S/models/faceapi/test_faceapi_units.sh"
expect faceapi_analyze_cli sh "$S/models/faceapi/test_faceapi_analyze_cli.sh"
expect weights_cli_convert sh "$S/weights/test_weights_cli_convert.sh"
expect pipeline_sweep sh "$S/pipeline/test_pipeline_cli_sweep.sh"
expect align_cli sh "$S/pipeline/project/test_align_cli.sh"
# C tests: test_shared_path (tests/check.h)
expect c_weights_fixtures "$BUILD/tests/weights/test_weights_fixtures"
expect c_metrics_video "$BUILD/tests/pipeline/metrics/test_metrics_video"
# a C test whose ../shared part is optional (test_shared_find): passes without it, fails under CI=true
D="$BUILD/tests/pipeline/test_pipeline_direction"
run true "$D"
check c_optional_part_ci_fails "[ $rc -eq 1 ] && grep -q 'CI=true' $T/out"
run "" "$D"
check c_optional_part_left_out "[ $rc -eq 0 ] && grep -q 'CLI part skipped' $T/out"
finish
