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
  check_ptx_current
  build_emu || true
  ensure_mpi || true
  export SEQCORE_EMU_LIB="$ROOT/$EMU_LIB"
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

# ----- Open MPI for the data-parallel tests (docs/distributed.md) ---------------------------------------------------------
# mpirun and libmpi.so.40 from Debian's openmpi-bin and libopenmpi-dev, installed with apt-get when missing and we are
# root; otherwise a warning naming the packages, and the MPI tests skip with the reason.
ensure_mpi() {
  command -v mpirun >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q 'libmpi\.so\.40' && return 0
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "build.sh: installing openmpi-bin and libopenmpi-dev (Debian) for the data-parallel tests" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openmpi-bin libopenmpi-dev >&2 && return 0
  fi
  echo "build.sh: warning: Open MPI is missing (mpirun, libmpi.so.40); install openmpi-bin and libopenmpi-dev to run the MPI tests (they are skipped)." >&2
  return 1
}

# ----- CUDA kernels: PTX (nvcc) and the CPU emulation library (any C++20 compiler) ----------------------------------
# kernels/*.cu → native/ptx/<name>.ptx (committed, embedded in SeqCore.Cuda) and → native/emu/libseqcore_emu.so (build
# output, used by the emulated tests). build.ps1 mirrors these functions.
NVCC_FLAGS="-ccbin clang-14 --ptx -arch=compute_80 -std=c++17"
PTXAS_ARCHS="sm_80 sm_90"
EMU_LIB=native/emu/libseqcore_emu.so

# The hash of everything that determines the PTX: the flags and each kernels/*.cu and kernels/*.cuh (sorted).
kernel_sources_hash() {
  { echo "nvcc $NVCC_FLAGS"; LC_ALL=C sha256sum kernels/*.cu kernels/*.cuh; } | LC_ALL=C sort
}

verb_kernels() {
  command -v nvcc >/dev/null 2>&1 || die "nvcc is missing: install Debian's nvidia-cuda-toolkit (component non-free) or the CUDA toolkit, so that 'nvcc' is on PATH."
  command -v clang-14 >/dev/null 2>&1 || die "clang-14 is missing (nvcc's host compiler here): apt-get install clang-14."
  mkdir -p native/ptx
  rm -f native/ptx/*.ptx
  local cu name
  for cu in kernels/*.cu; do
    name=$(basename "$cu" .cu)
    echo "nvcc $cu -> native/ptx/$name.ptx"
    # shellcheck disable=SC2086
    nvcc $NVCC_FLAGS "$cu" -o "native/ptx/$name.ptx" || die "nvcc failed on $cu."
    for arch in $PTXAS_ARCHS; do
      ptxas -arch="$arch" "native/ptx/$name.ptx" -o /dev/null || die "ptxas -arch=$arch rejected native/ptx/$name.ptx."
    done
  done
  kernel_sources_hash > native/ptx/SOURCES.sha256
  echo "PTX written and checked with ptxas ($PTXAS_ARCHS); native/ptx/SOURCES.sha256 records its inputs."
}

# Fails when nvcc is present and native/ptx does not match kernels/ (without nvcc the PTX cannot be regenerated, so only warn).
check_ptx_current() {
  local stale=""
  if [ ! -f native/ptx/SOURCES.sha256 ] || [ "$(kernel_sources_hash)" != "$(cat native/ptx/SOURCES.sha256)" ]; then
    stale="kernels/ changed since native/ptx was generated (native/ptx/SOURCES.sha256 differs)"
  fi
  local cu
  for cu in kernels/*.cu; do
    [ -f "native/ptx/$(basename "$cu" .cu).ptx" ] || stale="native/ptx/$(basename "$cu" .cu).ptx is missing"
  done
  [ -z "$stale" ] && return 0
  if command -v nvcc >/dev/null 2>&1; then
    die "the committed PTX is stale: $stale. Run ./build.sh kernels and commit native/ptx."
  fi
  echo "build.sh: warning: the committed PTX may be stale ($stale), and nvcc is not here to regenerate it." >&2
}

# A C++20 compiler for the emulation library; installs g++ with apt-get when none is found and we are root.
find_cxx() {
  local c
  for c in "${CXX:-}" g++ clang++ clang++-14; do
    [ -n "$c" ] && command -v "$c" >/dev/null 2>&1 && { echo "$c"; return 0; }
  done
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "build.sh: installing g++ (Debian) for the CUDA kernel emulation library" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++ >&2 && { echo g++; return 0; }
  fi
  return 1
}

# Builds native/emu/libseqcore_emu.so unless it is newer than every input. Returns 1 (after saying why) without a compiler.
build_emu() {
  local inputs=(kernels/*.cu kernels/*.cuh kernels/emu/*.h kernels/emu/*.cpp)
  if [ -f "$EMU_LIB" ]; then
    local newer=0 f
    for f in "${inputs[@]}"; do [ "$f" -nt "$EMU_LIB" ] && newer=1; done
    [ "$newer" = 0 ] && return 0
  fi
  local cxx
  if ! cxx=$(find_cxx); then
    echo "build.sh: warning: no C++ compiler (g++ or clang++) could be found or installed; the emulated CUDA kernel tests will be skipped." >&2
    return 1
  fi
  mkdir -p native/emu/obj
  local cu objs=()
  for cu in kernels/*.cu kernels/emu/emu_api.cpp; do
    local obj="native/emu/obj/$(basename "$cu").o"
    "$cxx" -std=c++20 -x c++ -O2 -fPIC -pthread -ffp-contract=off -Wall -Wno-unused-variable -c "$cu" -o "$obj" \
      || die "compiling $cu for the emulation library failed (see above)."
    objs+=("$obj")
  done
  "$cxx" -shared -pthread "${objs[@]}" -o "$EMU_LIB" || die "linking $EMU_LIB failed."
  echo "build.sh: built $EMU_LIB with $cxx" >&2
}

verb_emu() { build_emu || die "the emulation library could not be built (no C++ compiler)."; }

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
  dotnet "$CLI_DLL" train --corpus data/kjv.txt --tokenizer char --arch lstm --embedding 64 --hidden 256 --layers 1 \
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

# The TorchSharp peer (TorchSharp-cpu 0.107, LibTorch 2.10) runs in a Debian 13 root made once by debootstrap (its
# native library needs glibc 2.38); bench/compare/torchsharp.sh explains. Without root or network the comparison
# goes on with PyTorch alone and says why. SEQCORE_NO_TORCHSHARP=1 skips it.
torchsharp_peer() {
  [ "${SEQCORE_NO_TORCHSHARP:-0}" = 1 ] && { echo "build.sh: TorchSharp peer skipped (SEQCORE_NO_TORCHSHARP=1)" >&2; return 1; }
  bench/compare/torchsharp.sh setup && bench/compare/torchsharp.sh build && bench/compare/torchsharp.sh check \
    || { echo "build.sh: no TorchSharp peer (see the line above); comparing with PyTorch alone" >&2; return 1; }
}

verb_compare() {
  build_cli
  require_torch
  local peer=()
  if torchsharp_peer; then peer=(--torchsharp "$ROOT/bench/compare/torchsharp.sh run"); fi
  /usr/bin/python3 bench/compare/compare.py --seqcore "dotnet $CLI_DLL" --out "$ROOT/artifacts/compare" "${peer[@]}" "$@"
}

# NuGet packages of SeqCore, SeqCore.Cuda, SeqCore.Testing and the seqcore tool (SeqCore.Cli) in artifacts/packages:
# version from git by MinVer (tag vX.Y.Z on HEAD gives X.Y.Z; without a v* tag 0.0.0-alpha.0.N, N the commit height),
# symbols (.snupkg) and SourceLink. Built apart from the ordinary Release build (artifacts/pack-build) as a CI build
# (ContinuousIntegrationBuild: paths in the PDBs mapped to /_/). Then the pack check.
PACKAGES=artifacts/packages
verb_pack() {
  require_dotnet
  local out="$ROOT/$PACKAGES"
  rm -rf "$out"
  dotnet pack src/SeqCore.Packages.slnf -c Release --artifacts-path "$ROOT/artifacts/pack-build" -o "$out" \
    -p:ContinuousIntegrationBuild=true -nologo || die "dotnet pack failed (see the errors above)."
  echo "packages in $out:"
  ls -1 "$out"
  verb_pack_check
}

# The pack check: tests/SeqCore.PackageTests on artifacts/packages (their contents and symbols; the tool installed into
# a temporary tool path and 'seqcore info' run; each library package restored into a scratch console project, with
# its own NuGet cache, that builds and runs the example of the package's readme).
verb_pack_check() {
  require_dotnet
  local out="$ROOT/$PACKAGES" tool
  tool=$(find "$out" -maxdepth 1 -name 'SeqCore.Cli.*.nupkg' 2>/dev/null | head -n 1)
  [ -n "$tool" ] || die "no SeqCore.Cli package in $out: run ./build.sh pack."
  local version
  version=$(basename "$tool" .nupkg)
  version=${version#SeqCore.Cli.}
  echo "== pack check of version $version: tests/SeqCore.PackageTests"
  SEQCORE_PACKAGES="$out" dotnet test tests/SeqCore.PackageTests/SeqCore.PackageTests.csproj -c Release -nologo \
    --logger "console;verbosity=normal" || die "the pack check failed (see above)."
  echo "pack check passed: $version"
  echo "install the tool:  dotnet tool install --global --add-source $out SeqCore.Cli --version $version"
  echo "use the library:   dotnet add package SeqCore --version $version --source $out"
}
# Self-contained linux-x64 folder of the CLI (with the CUDA backend, its PTX and the parity suite), for a machine that
# has an NVIDIA driver but no .NET: artifacts/gpu-bundle/seqcore selftest --backend cuda. Trimmed (partial: only the
# framework) to stay under 64 MiB; invariant globalization so libicu is not needed either.
BUNDLE_LIMIT_MIB=64
verb_gpu_bundle() {
  require_dotnet
  local out="$ROOT/artifacts/gpu-bundle"
  rm -rf "$out"
  dotnet publish "$CLI_PROJECT" -c Release -r linux-x64 --self-contained true -o "$out" \
    -p:PublishTrimmed=true -p:TrimMode=partial -p:InvariantGlobalization=true \
    -p:JsonSerializerIsReflectionEnabledByDefault=true -p:DebugType=none -p:SuppressTrimAnalysisWarnings=true \
    -p:TreatWarningsAsErrors=false -nologo -v quiet || die "dotnet publish of the GPU bundle failed (see above)."
  mv "$out/SeqCore.Cli" "$out/seqcore"
  local bytes mib
  bytes=$(du -sb "$out" | cut -f1)
  mib=$(( (bytes + 1048575) / 1048576 ))
  echo "gpu-bundle: $out ($bytes bytes, ${mib} MiB; limit ${BUNDLE_LIMIT_MIB} MiB)"
  [ "$bytes" -le $(( BUNDLE_LIMIT_MIB * 1048576 )) ] || die "the GPU bundle is ${mib} MiB, over the ${BUNDLE_LIMIT_MIB} MiB limit."
  echo "run on the GPU machine: $out/seqcore info; $out/seqcore selftest --backend cuda"
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
  compare [filter] [--quick]  SeqCore, PyTorch (Debian's python3-torch, installed if missing) and TorchSharp (in a
                            Debian 13 root made once by debootstrap) on the same cases in one run: table of ms and
                            ratios; CSV and SVG in artifacts/compare
  pack                      NuGet packages SeqCore, SeqCore.Cuda, SeqCore.Testing and the seqcore tool (SeqCore.Cli)
                            in artifacts/packages, version from git tags v*, symbols, SourceLink; then pack-check
  pack-check                tests/SeqCore.PackageTests on artifacts/packages: contents, the tool installed and run,
                            each library restored into a scratch project that runs its readme example
  kernels                   nvcc: kernels/*.cu -> native/ptx/*.ptx (compute_80), checked by ptxas for sm_80 and sm_90
  gpu-bundle                self-contained linux-x64 folder of the CLI (CUDA backend + parity suite) in artifacts/gpu-bundle, < 64 MiB
  emu                       C++ build of kernels/*.cu against kernels/emu/cuda_emu.h -> native/emu/libseqcore_emu.so
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
  pack-check) verb_pack_check "$@" ;;
  kernels) verb_kernels "$@" ;;
  gpu-bundle) verb_gpu_bundle "$@" ;;
  emu) verb_emu "$@" ;;
  help|-h|--help) usage ;;
  *) usage >&2; die "unknown verb '$verb'." ;;
esac
