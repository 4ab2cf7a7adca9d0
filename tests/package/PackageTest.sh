#!/usr/bin/env bash
# The Debian package, built and checked as a user would get it: `cpack` builds the .deb, `dpkg -x`
# unpacks it into a temporary root, and the unpacked programs run from there (their model found
# relative to their own prefix, their data in a fresh user's data directory).
#   PackageTest.sh BUILD_DIR VERSION CALIB_DIR
set -euo pipefail
BUILD=$1
VERSION=$2
CALIB=$3
WORK="$BUILD/package-test"
rm -rf "$WORK"
mkdir -p "$WORK"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
check() {  # check DESCRIPTION COMMAND...: runs the command, fails with the description if it fails
  local what=$1
  shift
  "$@" || fail "$what"
  echo "ok: $what"
}

[ -d "$CALIB" ] || fail "$CALIB is missing: run ./workbench test (it prepares data/fashion-mnist)"

# --- build --------------------------------------------------------------------------------------
cpack --config "$BUILD/CPackConfig.cmake" -B "$WORK/cpack" >"$WORK/cpack.log" 2>&1 ||
  { cat "$WORK/cpack.log"; fail "cpack"; }
DEB="$WORK/cpack/evolq-workbench_${VERSION}_amd64.deb"
check "the package is $(basename "$DEB")" test -f "$DEB"
check "the package's version is $VERSION" test "$(dpkg-deb -f "$DEB" Version)" = "$VERSION"
DEPENDS=$(dpkg-deb -f "$DEB" Depends)
for dep in libopenblas0-pthread libtorch libqt6widgets6 libopencv-imgcodecs libc6; do
  check "Depends names $dep" grep -q "$dep" <<<"$DEPENDS"
done

# --- unpack -------------------------------------------------------------------------------------
ROOT="$WORK/root"
dpkg -x "$DEB" "$ROOT"
for f in usr/bin/evolq usr/bin/evolq-workbench \
         usr/share/evolq-workbench/models/vit-tiny-fmnist/config.json \
         usr/share/evolq-workbench/models/vit-tiny-fmnist/model.safetensors \
         usr/share/applications/evolq-workbench.desktop \
         usr/share/metainfo/io.github.evolq.workbench.metainfo.xml \
         usr/share/icons/hicolor/scalable/apps/evolq-workbench.svg \
         usr/share/man/man1/evolq.1.gz; do
  check "installs /$f" test -s "$ROOT/$f"
done
for size in 16 22 24 32 48 64 128 256; do
  png="$ROOT/usr/share/icons/hicolor/${size}x${size}/apps/evolq-workbench.png"
  check "installs a ${size}x${size} PNG icon" test "$(od -An -tx1 -N16 -j8 "$png" 2>/dev/null |
    tr -d ' \n')" = "0000000d49484452$(printf '%08x%08x' "$size" "$size")"
done
for bin in evolq evolq-workbench; do
  check "$bin finds every library" bash -c "! ldd '$ROOT/usr/bin/$bin' | grep -q 'not found'"
done

# --- validators ---------------------------------------------------------------------------------
check "desktop-file-validate" desktop-file-validate "$ROOT/usr/share/applications/evolq-workbench.desktop"
check "appstreamcli validate" appstreamcli validate --no-net \
  "$ROOT/usr/share/metainfo/io.github.evolq.workbench.metainfo.xml"
check "the metainfo's newest release is $VERSION" \
  grep -q "<release version=\"$VERSION\"" "$ROOT/usr/share/metainfo/io.github.evolq.workbench.metainfo.xml"
check "the metainfo has a screenshot" \
  grep -q "<screenshot type=\"default\"" "$ROOT/usr/share/metainfo/io.github.evolq.workbench.metainfo.xml"
MAN=$(gzip -dc "$ROOT/usr/share/man/man1/evolq.1.gz")
check "the man page is evolq(1) $VERSION" grep -q "^\.TH EVOLQ 1 .*evolq $VERSION" <<<"$MAN"
for c in info predict eval quantize search landscape sensitivity bench prepare-fashion-mnist train; do
  check "the man page describes evolq $c" grep -qxF ".SS evolq ${c//-/\\-}" <<<"$MAN"
done
check "the man page names no build folder" bash -c '! grep -qF -e "$1" -e "$2" <<<"$0"' "$MAN" \
  "$BUILD" "${BUILD//-/\\-}"
check "the man page's usage lines name evolq" bash -c '! grep -q "^Usage: /" <<<"$0"' "$MAN"

# --- run the unpacked programs as a fresh user --------------------------------------------------
export HOME="$WORK/home"
mkdir -p "$HOME"
unset XDG_DATA_HOME XDG_CONFIG_HOME
EVOLQ="$ROOT/usr/bin/evolq"
MODEL="$ROOT/usr/share/evolq-workbench/models/vit-tiny-fmnist"
check "evolq --version prints $VERSION" grep -q "^evolq $VERSION " <<<"$("$EVOLQ" --version)"
check "evolq-workbench --version prints $VERSION" grep -q "$VERSION" \
  <<<"$(QT_QPA_PLATFORM=offscreen "$ROOT/usr/bin/evolq-workbench" --version)"
INFO=$("$EVOLQ" info)
check "evolq info opens the unpacked model by default" grep -q "$MODEL" <<<"$INFO"
check "evolq info describes the model" grep -qi "depth" <<<"$INFO"

SCALES="$WORK/scales.json"
"$EVOLQ" quantize --calib "$CALIB" --calib-size 20 --calib-batch 10 --out "$SCALES" >"$WORK/quantize.log" 2>&1 ||
  { cat "$WORK/quantize.log"; fail "evolq quantize"; }
check "evolq quantize wrote a scale file" grep -q '"format": "evolq-scales"' "$SCALES"
check "the scale file names the unpacked model" grep -q "$MODEL" "$SCALES"

# No data folder yet: the error names the user's data directory and how to fill it, and no file.
DATA="$HOME/.local/share/evolq-workbench/fashion-mnist"
NOFILE="$WORK/not-written.json"
if "$EVOLQ" quantize --calib-size 20 --out "$NOFILE" >"$WORK/nodata.log" 2>&1; then
  fail "evolq quantize without a data folder succeeded"
fi
check "without data the error names $DATA/calib" grep -q "$DATA/calib" "$WORK/nodata.log"
check "without data the error names prepare-fashion-mnist" grep -q "prepare-fashion-mnist" "$WORK/nodata.log"
check "without data no scale file" test ! -e "$NOFILE"
check "prepare-fashion-mnist writes to the user's data directory by default" \
  grep -qF -- "$DATA" <<<"$("$EVOLQ" prepare-fashion-mnist --help | tr -d ' \n')"
check "nothing was written next to the binaries" test -z "$(find "$ROOT" -newer "$DEB" -type f)"
echo "package test passed: $(basename "$DEB")"
