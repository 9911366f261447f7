#!/usr/bin/env bash
# The TorchSharp peer of './build.sh compare': TorchSharp-cpu 0.107 (LibTorch 2.10) needs glibc 2.38 and
# GLIBCXX_3.4.32, newer than Debian 12's, so it runs inside a Debian 13 (trixie) root made once with debootstrap from
# Debian's own mirror and reused. The .NET runtime and this repository are bind-mounted into the root at their own
# paths, in a private mount namespace (unshare -m) that disappears with the process: nothing stays mounted.
#
#   bench/compare/torchsharp.sh setup        make the root (needs root and debootstrap; about a minute, 220 MB)
#   bench/compare/torchsharp.sh build        build bench/TorchSharpPeer into artifacts/torchsharp-peer
#   bench/compare/torchsharp.sh run ARGS...  run the peer in the root (ARGS as bench/compare/torch_bench.py's)
#   bench/compare/torchsharp.sh check        exit 0 when the root, the peer and the privileges are all there
# The root lives in ${SEQCORE_CACHE:-$HOME/.cache/seqcore}/debian13-root.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${SEQCORE_CACHE:-$HOME/.cache/seqcore}
JAIL="$CACHE/debian13-root"
PEER_DIR="$ROOT/artifacts/torchsharp-peer"
DOTNET_DIR=$(dirname "$(readlink -f "$(command -v dotnet)")")

die() { echo "torchsharp.sh: $*" >&2; exit 2; }

setup() {
  [ -x "$JAIL/usr/bin/env" ] && [ -e "$JAIL/usr/lib/x86_64-linux-gnu/libstdc++.so.6" ] && return 0
  [ "$(id -u)" = 0 ] || die "making the Debian 13 root needs root (debootstrap, chroot)."
  if ! command -v debootstrap >/dev/null 2>&1; then
    apt-get install -y -qq debootstrap >/dev/null || die "could not install debootstrap with apt-get."
  fi
  mkdir -p "$CACHE"
  rm -rf "$JAIL.partial"
  debootstrap --variant=minbase --include=libstdc++6,libgomp1 trixie "$JAIL.partial" http://deb.debian.org/debian >"$CACHE/debootstrap.log" 2>&1 \
    || die "debootstrap failed; its log is $CACHE/debootstrap.log."
  mv "$JAIL.partial" "$JAIL"
  echo "torchsharp.sh: Debian 13 root ready in $JAIL" >&2
}

build() {
  dotnet build "$ROOT/bench/TorchSharpPeer/TorchSharpPeer.csproj" -c Release -o "$PEER_DIR" -nologo -v q >/dev/null \
    || die "building bench/TorchSharpPeer failed (run: dotnet build bench/TorchSharpPeer -c Release)."
}

run() {
  [ -e "$PEER_DIR/TorchSharpPeer.dll" ] || die "the peer is not built; run: $0 build"
  [ -x "$JAIL/usr/bin/env" ] || die "no Debian 13 root in $JAIL; run: $0 setup"
  mkdir -p "$JAIL$DOTNET_DIR" "$JAIL$ROOT"
  local threads=1 a
  for ((i = 1; i <= $#; i++)); do a=${!i}; if [ "$a" = --threads ]; then j=$((i + 1)); threads=${!j}; fi; done
  unshare -m sh -c 'mount --bind "$1" "$2$1" && mount --bind "$3" "$2$3" && mount -t proc proc "$2/proc" && j="$2" && shift 3 && exec chroot "$j" "$@"' \
    torchsharp "$DOTNET_DIR" "$JAIL" "$ROOT" \
    env -i PATH=/usr/bin:/bin HOME=/tmp DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
    OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" "$DOTNET_DIR/dotnet" "$PEER_DIR/TorchSharpPeer.dll" "$@"
}

check() {
  [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && [ -x "$JAIL/usr/bin/env" ] && [ -e "$PEER_DIR/TorchSharpPeer.dll" ]
}

case "${1:-}" in
  setup) setup ;;
  build) build ;;
  run) shift; run "$@" ;;
  check) check ;;
  *) die "usage: $0 setup|build|run ARGS...|check" ;;
esac
