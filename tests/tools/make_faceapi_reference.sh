#!/bin/sh
# Regenerates tests/models/faceapi/data/reference.json: installs @vladmandic/face-api@1.7.15 and
# @tensorflow/tfjs@4.22.0 (+ the wasm backend its node-wasm bundle loads) with npm into a scratch
# dir (nothing is committed but the JSON), extracts the images of inputs.txt with ffmpeg
# (faceapi_frames.sh) and runs faceapi_reference.js on TF.js's CPU backend.
# Usage: tests/tools/make_faceapi_reference.sh [SHARED_DIR]   (default: ../shared)
# Needs node, npm (network access for npm), ffmpeg.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SHARED=${1:-$(cd "$ROOT/.." && pwd)/shared}
T=$(mktemp -d "${TMPDIR:-/tmp}/faceapi_ref.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"
echo '{"name":"faceapi-ref","private":true}' > package.json
npm install --silent --no-audit --no-fund --ignore-scripts \
  @vladmandic/face-api@1.7.15 @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0
(cd node_modules/@vladmandic/face-api/model && sha256sum --quiet -c "$ROOT/scripts/face-api.sha256")
specs=$(sh "$HERE/faceapi_frames.sh" "$SHARED/media" "$T/frames" | awk '{print $1":"$2":"$3":"$5}')
cp "$HERE/faceapi_reference.js" "$T/"
# shellcheck disable=SC2086
node "$T/faceapi_reference.js" node_modules/@vladmandic/face-api/model "$T/reference.json" $specs
mv "$T/reference.json" "$ROOT/tests/models/faceapi/data/reference.json"
echo "wrote tests/models/faceapi/data/reference.json"
