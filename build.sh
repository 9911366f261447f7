#!/usr/bin/env bash
# SeqCore build script. Usage: ./build.sh <verb> [args]   (./build.sh help lists the verbs)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

die() { echo "build.sh: $*" >&2; exit 1; }

require_dotnet() {
  command -v dotnet >/dev/null 2>&1 || die "the .NET SDK is missing: install the .NET 10 SDK (https://dot.net) so that 'dotnet' is on PATH."
  local sdks major
  sdks=$(dotnet --list-sdks 2>/dev/null | cut -d' ' -f1 | tr '\n' ' ')
  [ -n "$sdks" ] || die "'dotnet' is on PATH but no .NET SDK is installed (only a runtime?): install the .NET 10 SDK (https://dot.net)."
  major=$(dotnet --version 2>/dev/null | cut -d. -f1)
  [ "${major:-0}" -ge 10 ] || die "the .NET 10 SDK is needed, found SDK(s): ${sdks}(dotnet --version: $(dotnet --version 2>/dev/null || echo none)); install the .NET 10 SDK (https://dot.net)."
}

# Counts from a TRX file: prints "passed failed skipped".
trx_counts() {
  local trx=$1
  local line
  line=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  local total executed passed failed
  total=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$line")
  executed=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$line")
  passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$line")
  failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$line")
  echo "${passed:-0} ${failed:-0} $(( ${total:-0} - ${executed:-0} ))"
}

verb_test() {
  require_dotnet
  dotnet restore SeqCore.sln
  dotnet build SeqCore.sln -c Release --no-restore
  local results="$ROOT/artifacts/test-results"
  rm -rf "$results"
  local rc=0
  dotnet test tests/SeqCore.Tests/SeqCore.Tests.csproj -c Release --no-build \
    --logger "trx;LogFileName=tests.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" "$@" || rc=$?
  local trx
  trx=$(find "$results" -name '*.trx' | head -n 1)
  if [ -z "$trx" ]; then
    echo "0 passed, 1 failed, 0 skipped"
    die "the test run produced no results file (exit code $rc)."
  fi
  read -r passed failed skipped < <(trx_counts "$trx")
  echo "${passed} passed, ${failed} failed, ${skipped} skipped"
  [ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] || exit 1
}

CLI_PROJECT=src/SeqCore.Cli/SeqCore.Cli.csproj
CLI_DLL=src/SeqCore.Cli/bin/Release/net10.0/SeqCore.Cli.dll

# Release build of the CLI (and the library); build output goes to stderr so 'run -- ... --json' stays clean on stdout.
build_cli() {
  require_dotnet
  dotnet build "$CLI_PROJECT" -c Release -nologo -v quiet >&2 || die "building the CLI failed (see the errors above)."
  [ -f "$CLI_DLL" ] || die "the build did not produce $CLI_DLL."
}

verb_run() {
  [ "${1:-}" = "--" ] && shift
  build_cli
  exec dotnet "$CLI_DLL" "$@"
}

# The main job: a character-level LSTM language model trained on the King James Bible for about two minutes, then a
# generated sample. Extra arguments go to 'seqcore train' (e.g. ./build.sh demo --time 30s).
DEMO_OUT=artifacts/demo
DEMO_MODEL=$DEMO_OUT/kjv-lstm.safetensors
verb_demo() {
  build_cli
  echo "== seqcore train: character-level LSTM on data/kjv.txt (4.15 MB, the last 5% held out) for about 2 minutes"
  dotnet "$CLI_DLL" train --corpus data/kjv.txt --tokenizer char --arch lstm --embedding 32 --hidden 128 --layers 1 \
    --batch 32 --bptt 64 --lr 6e-3 --clip 1 --time 2m --eval-every 200 --seed 1 --out "$DEMO_MODEL" "$@"
  echo
  echo "== seqcore generate: 300 characters after 'And God said', temperature 0.8"
  dotnet "$CLI_DLL" generate --model "$DEMO_MODEL" --prompt "And God said" --tokens 300 --temperature 0.8 --seed 1
  echo
  echo "checkpoint: $DEMO_MODEL"
  echo "loss curve: $DEMO_OUT/kjv-lstm.loss.svg"
  echo "more: dotnet $CLI_DLL generate --model $DEMO_MODEL --prompt 'In the beginning' --top-p 0.9 --seed 2"
}

verb_bench() {
  require_dotnet
  local filter=${1:-*}
  [ $# -gt 0 ] && shift
  dotnet run -c Release --project bench/SeqCore.Bench -- --filter "$filter" --artifacts "$ROOT/artifacts/bench" "$@"
}

# PyTorch for the side-by-side comparison: Debian's python3-torch, with OpenBLAS as the BLAS it calls
# (without it, Debian's torch falls back to the reference BLAS and every ratio would flatter SeqCore).
require_torch() {
  if /usr/bin/python3 -c "import torch" >/dev/null 2>&1 && [ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ]; then return; fi
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "build.sh: installing python3-torch and libopenblas0-pthread (Debian) for the PyTorch side of the comparison" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-pthread >/dev/null \
      || die "could not install python3-torch libopenblas0-pthread with apt-get."
  else
    die "PyTorch is missing: install Debian's python3-torch and libopenblas0-pthread (as root: apt-get install python3-torch libopenblas0-pthread)."
  fi
}

verb_compare() {
  build_cli
  require_torch
  /usr/bin/python3 bench/compare/compare.py --seqcore "dotnet $CLI_DLL" --out "$ROOT/artifacts/compare" "$@"
}

verb_pack() {
  require_dotnet
  local out="$ROOT/artifacts/packages"
  dotnet pack src/SeqCore/SeqCore.csproj -c Release -o "$out"
  dotnet pack "$CLI_PROJECT" -c Release -o "$out"
  echo "packages in $out:"
  ls -1 "$out"
  echo "install the tool with: dotnet tool install --global --add-source $out SeqCore.Cli"
}

usage() {
  cat <<'USAGE'
Usage: ./build.sh <verb> [args]
  test [dotnet test args]   restore, build (Release), run every test; ends with "N passed, N failed, N skipped"
  demo [train args]         Release build, then a character-level LSTM trained on data/kjv.txt for about 2 minutes,
                            its held-out bits per character, a generated sample, the checkpoint and loss-curve SVG
  run -- ARGS               Release build of the CLI, then run 'seqcore ARGS' (e.g. ./build.sh run -- info --json)
  bench [filter] [args]     BenchmarkDotNet suites in Release; filter defaults to '*' (all: long!), e.g.
                            ./build.sh bench '*Gemm*' --job short; results in artifacts/bench
  compare [filter] [--quick]  SeqCore and PyTorch (Debian's python3-torch, installed if missing) on the same cases
                            in one run: table of SeqCore ms, PyTorch ms and ratio; CSV and SVG in artifacts/compare
  pack                      dotnet pack the library and the seqcore tool into artifacts/packages
  help                      this text
USAGE
}

verb=${1:-help}
shift || true
case "$verb" in
  test) verb_test "$@" ;;
  demo) verb_demo "$@" ;;
  run) verb_run "$@" ;;
  bench) verb_bench "$@" ;;
  compare) verb_compare "$@" ;;
  pack) verb_pack "$@" ;;
  help|-h|--help) usage ;;
  *) usage >&2; die "unknown verb '$verb'." ;;
esac
