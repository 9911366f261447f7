#!/usr/bin/env bash
# SeqCore build script. Usage: ./build.sh <verb> [args]   (./build.sh help lists the verbs)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

die() { echo "build.sh: $*" >&2; exit 1; }

require_dotnet() {
  command -v dotnet >/dev/null 2>&1 || die "the .NET SDK is missing: install the .NET 10 SDK (https://dot.net) so that 'dotnet' is on PATH."
  local major
  major=$(dotnet --version 2>/dev/null | cut -d. -f1)
  [ "${major:-0}" -ge 10 ] || die "the .NET 10 SDK is needed, found $(dotnet --version 2>/dev/null || echo none)."
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

usage() {
  cat <<'USAGE'
Usage: ./build.sh <verb> [args]
  test [dotnet test args]   restore, build (Release), run every test; ends with "N passed, N failed, N skipped"
  help                      this text
USAGE
}

verb=${1:-help}
shift || true
case "$verb" in
  test) verb_test "$@" ;;
  help|-h|--help) usage ;;
  *) usage >&2; die "unknown verb '$verb'." ;;
esac
