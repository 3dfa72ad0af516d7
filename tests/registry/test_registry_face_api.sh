#!/bin/sh
# `facestitch models fetch face-api` with a stand-in npm (FACESTITCH_NPM; nothing is contacted):
# the pins in scripts/face-api.sha256 equal the built-in table, npm missing / failing gives one
# line and exit 1, a package with one damaged file installs nothing, and (when the real networks
# are in the user's cache) a good package installs all ten files and `models verify` passes.
set -u
. "${FS_SRC:?}/tests/testlib.sh"
B=${FS_BIN:?}
SRC=${FS_SRC:?}
T=$(mktemp -d /tmp/fs_face_api_XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
export FACESTITCH_MODELS="$T/cache"
unset FACESTITCH_MIRROR FACESTITCH_REGISTRY_MANIFEST

# 1. The shell script's pins and the C table agree (sha256 and file name, all ten files).
"$B" models list --json > "$T/list.json"; rc=$?
check "models list --json" "[ $rc -eq 0 ]"
while read -r h f; do
  check "pin $f" "grep -q '\"sha256\":[[:space:]]*\"$h\"' '$T/list.json' && grep -q 'face-api/$f\"' '$T/list.json'"
done < "$SRC/scripts/face-api.sha256"
check "ten pins" "[ \$(wc -l < '$SRC/scripts/face-api.sha256') -eq 10 ]"
check "list says npm + MIT" "'$B' models list | grep -q 'face-api-ssd_mobilenetv1_model .*npm *MIT'"

# 2. npm missing.
FACESTITCH_NPM="$T/no-such-npm" "$B" models fetch face-api > "$T/o" 2> "$T/e"
check "npm missing: exit 1" "[ $? -eq 1 ]"
check "npm missing: one error line" "[ \$(grep -c '^facestitch:' '$T/e') -eq 1 ] && grep -q 'install Node.js and npm' '$T/e'"

# 3. npm fails (offline).
cat > "$T/npm-offline" <<'X'
#!/bin/sh
echo "npm error code ENOTFOUND (stand-in: offline)" >&2
exit 1
X
chmod +x "$T/npm-offline"
FACESTITCH_NPM="$T/npm-offline" "$B" models fetch face-api > "$T/o" 2> "$T/e"
check "offline: exit 1" "[ $? -eq 1 ]"
check "offline: reason" "grep -q 'ENOTFOUND' '$T/e' && grep -q 'Haar' '$T/e'"
check "offline: nothing installed" "[ ! -e '$T/cache/face-api' ] || [ -z \"\$(ls '$T/cache/face-api')\" ]"

# A stand-in npm that packs the files of $PKGDIR/package (args: pack --silent --pack-destination D PKG).
cat > "$T/npm-fake" <<'X'
#!/bin/sh
[ "$1" = pack ] || exit 2
tar -czf "$4/vladmandic-face-api-1.7.15.tgz" -C "$PKGDIR" package
X
chmod +x "$T/npm-fake"

# 4. A package whose files are damaged: nothing installed, the reason names sha256.
mkdir -p "$T/bad/package/model"
while read -r h f; do echo "not the real $f" > "$T/bad/package/model/$f"; done < "$SRC/scripts/face-api.sha256"
PKGDIR="$T/bad" FACESTITCH_NPM="$T/npm-fake" "$B" models fetch face-api > "$T/o" 2> "$T/e"
check "damaged: exit 1" "[ $? -eq 1 ]"
check "damaged: names sha256" "grep -q 'sha256' '$T/e' && grep -q 'not installed' '$T/e'"
check "damaged: nothing installed" "[ -z \"\$(ls '$T/cache/face-api' 2>/dev/null)\" ]"

# 5. A good package (only when the real networks are in the user's cache, e.g. after install-deps).
REAL=${HOME:-/nonexistent}/.cache/facestitch/face-api
if [ -f "$REAL/face_recognition_model.bin" ]; then
  mkdir -p "$T/good/package/model"
  cp "$REAL"/* "$T/good/package/model/"
  PKGDIR="$T/good" FACESTITCH_NPM="$T/npm-fake" "$B" models fetch face-api > "$T/o" 2>&1
  check "good: exit 0" "[ $? -eq 0 ]"
  check "good: verify" "'$B' models verify face-api-ssd_mobilenetv1_model face-api-face_recognition_model-manifest > /dev/null"
  check "good: second fetch does nothing" "FACESTITCH_NPM='$T/no-such-npm' '$B' models fetch face-api 2>&1 | grep -q 'all networks present'"
else
  echo "note: no face-api networks in $REAL (scripts/fetch-face-api), good-package case not run"
fi
[ $fail -eq 0 ] && echo "OK test_registry_face_api"
finish
