#!/usr/bin/env pwsh
# SeqCore build script for PowerShell (Windows PowerShell 5.1 or PowerShell 7); mirrors build.sh.
# Usage: ./build.ps1 <verb> [args]   (./build.ps1 help lists the verbs)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
Set-Location $Root
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'

$CliProject = 'src/SeqCore.Cli/SeqCore.Cli.csproj'
$CliDll = Join-Path $Root 'src/SeqCore.Cli/bin/Release/net10.0/SeqCore.Cli.dll'

function Stop-Build([string]$Message) {
    [Console]::Error.WriteLine("build.ps1: $Message")
    exit 1
}

# Runs a native command with its arguments; stops the script when it fails.
function Invoke-Checked([string]$What, [string]$Command, [string[]]$Arguments) {
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { Stop-Build "$What failed (exit code $LASTEXITCODE)." }
}

function Assert-Dotnet {
    # Windows PowerShell turns a native command's stderr into errors under 'Stop'; these calls check exit codes instead.
    $ErrorActionPreference = 'Continue'
    if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
        Stop-Build "the .NET SDK is missing: install the .NET 10 SDK (https://dot.net) so that 'dotnet' is on PATH."
    }
    $sdks = @(& dotnet --list-sdks 2>$null | ForEach-Object { ($_ -split ' ')[0] })
    if ($sdks.Count -eq 0) {
        Stop-Build "'dotnet' is on PATH but no .NET SDK is installed (only a runtime?): install the .NET 10 SDK (https://dot.net)."
    }
    $version = (& dotnet --version 2>$null)
    $major = 0
    if ($version) { [void][int]::TryParse(($version -split '\.')[0], [ref]$major) }
    if ($major -lt 10) {
        Stop-Build "the .NET 10 SDK is needed, found SDK(s): $($sdks -join ' ') (dotnet --version: $version); install the .NET 10 SDK (https://dot.net)."
    }
}

# Counts from a TRX file: passed, failed, skipped (total - executed).
function Get-TrxCounts([string]$Trx) {
    [xml]$doc = Get-Content -Raw -LiteralPath $Trx
    $c = $doc.TestRun.ResultSummary.Counters
    $total = [int]$c.total
    $executed = [int]$c.executed
    return @([int]$c.passed, [int]$c.failed, ($total - $executed))
}

function Invoke-Test([string[]]$Rest) {
    Assert-Dotnet
    Assert-PtxCurrent
    Build-Emu
    Assert-Mpi
    $env:SEQCORE_EMU_LIB = Join-Path $Root $EmuLib
    Invoke-Checked 'restore' 'dotnet' @('restore', 'SeqCore.sln')
    Invoke-Checked 'build' 'dotnet' @('build', 'SeqCore.sln', '-c', 'Release', '--no-restore')
    $results = Join-Path $Root 'artifacts/test-results'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    $arguments = @('test', 'tests/SeqCore.Tests/SeqCore.Tests.csproj', '-c', 'Release', '--no-build',
        '--logger', 'trx;LogFileName=tests.trx', '--logger', 'console;verbosity=normal',
        '--results-directory', $results) + $Rest
    & dotnet @arguments
    $rc = $LASTEXITCODE
    $trx = Get-ChildItem -Path $results -Filter '*.trx' -Recurse -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $trx) {
        Write-Output '0 passed, 1 failed, 0 skipped'
        Stop-Build "the test run produced no results file (exit code $rc)."
    }
    $passed, $failed, $skipped = Get-TrxCounts $trx.FullName
    Write-Output "$passed passed, $failed failed, $skipped skipped"
    if ($rc -ne 0 -or $failed -ne 0) { exit 1 }
}

# Release build of the CLI; its output goes to stderr so 'run -- ... --json' stays clean on stdout.
function Build-Cli {
    Assert-Dotnet
    & dotnet build $CliProject -c Release -nologo -v quiet | ForEach-Object { [Console]::Error.WriteLine($_) }
    if ($LASTEXITCODE -ne 0) { Stop-Build 'building the CLI failed (see the errors above).' }
    if (-not (Test-Path $CliDll)) { Stop-Build "the build did not produce $CliDll." }
}

function Invoke-Run([string[]]$Rest) {
    if ($Rest.Count -gt 0 -and $Rest[0] -eq '--') { $Rest = @($Rest | Select-Object -Skip 1) }
    Build-Cli
    & dotnet $CliDll @Rest
    exit $LASTEXITCODE
}

# The main job: a character-level LSTM language model trained on the King James Bible for about two minutes, then a
# generated sample. Extra arguments go to 'seqcore train' (e.g. ./build.ps1 demo --time 30s).
function Invoke-Demo([string[]]$Rest) {
    Build-Cli
    $model = 'artifacts/demo/kjv-lstm.safetensors'
    Write-Output '== seqcore train: character-level LSTM on data/kjv.txt (4.15 MB, the last 5% held out) for about 2 minutes'
    $arguments = @('train', '--corpus', 'data/kjv.txt', '--tokenizer', 'char', '--arch', 'lstm', '--embedding', '64', '--hidden', '256',
        '--layers', '1', '--batch', '32', '--bptt', '64', '--lr', '6e-3', '--clip', '1', '--time', '2m', '--eval-every', '200',
        '--seed', '1', '--out', $model) + $Rest
    & dotnet $CliDll @arguments
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    Write-Output ''
    Write-Output "== seqcore generate: 300 characters after 'And God said', temperature 0.8"
    & dotnet $CliDll generate --model $model --prompt 'And God said' --tokens 300 --temperature 0.8 --seed 1
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    Write-Output ''
    Write-Output "checkpoint: $model"
    Write-Output 'loss curve: artifacts/demo/kjv-lstm.loss.svg'
    Write-Output "more: dotnet $CliDll generate --model $model --prompt 'In the beginning' --top-p 0.9 --seed 2"
    exit 0
}

function Invoke-Bench([string[]]$Rest) {
    Assert-Dotnet
    $filter = '*'
    if ($Rest.Count -gt 0) { $filter = $Rest[0]; $Rest = @($Rest | Select-Object -Skip 1) }
    $arguments = @('run', '-c', 'Release', '--project', 'bench/SeqCore.Bench', '--',
        '--filter', $filter, '--artifacts', (Join-Path $Root 'artifacts/bench')) + $Rest
    & dotnet @arguments
    exit $LASTEXITCODE
}

# NuGet packages of SeqCore, SeqCore.Cuda, SeqCore.Testing and the seqcore tool (SeqCore.Cli) in artifacts/packages
# (mirrors build.sh verb_pack): version from git by MinVer (tag vX.Y.Z on HEAD gives X.Y.Z; without a v* tag
# 0.0.0-alpha.0.N), symbols and SourceLink, built apart (artifacts/pack-build) as a CI build; then the pack check.
$Packages = Join-Path $Root 'artifacts/packages'
function Invoke-Pack {
    Assert-Dotnet
    if (Test-Path $Packages) { Remove-Item -Recurse -Force $Packages }
    Invoke-Checked 'dotnet pack' 'dotnet' @('pack', 'src/SeqCore.Packages.slnf', '-c', 'Release',
        '--artifacts-path', (Join-Path $Root 'artifacts/pack-build'), '-o', $Packages, '-p:ContinuousIntegrationBuild=true', '-nologo')
    Write-Output "packages in ${Packages}:"
    Get-ChildItem -Path $Packages -Name
    Invoke-PackCheck
}

# The pack check (mirrors build.sh verb_pack_check): tests/SeqCore.PackageTests on artifacts/packages.
function Invoke-PackCheck {
    Assert-Dotnet
    $tool = Get-ChildItem -Path $Packages -Filter 'SeqCore.Cli.*.nupkg' -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $tool) { Stop-Build "no SeqCore.Cli package in ${Packages}: run ./build.ps1 pack." }
    $version = $tool.BaseName.Substring('SeqCore.Cli.'.Length)
    Write-Output "== pack check of version ${version}: tests/SeqCore.PackageTests"
    $env:SEQCORE_PACKAGES = $Packages
    try {
        Invoke-Checked 'the pack check' 'dotnet' @('test', 'tests/SeqCore.PackageTests/SeqCore.PackageTests.csproj', '-c', 'Release', '-nologo',
            '--logger', 'console;verbosity=normal')
    }
    finally { Remove-Item Env:SEQCORE_PACKAGES }
    Write-Output "pack check passed: $version"
    Write-Output "install the tool:  dotnet tool install --global --add-source $Packages SeqCore.Cli --version $version"
    Write-Output "use the library:   dotnet add package SeqCore --version $version --source $Packages"
}

# ----- Open MPI for the data-parallel tests (mirrors build.sh: ensure_mpi). Untested: no PowerShell here.
# On Linux installs Debian's openmpi-bin and libopenmpi-dev as root when mpirun is missing; elsewhere a warning (the MPI
# tests are skipped; Windows would need an Open MPI build, MS-MPI is not bound).
function Assert-Mpi {
    if (Get-Command mpirun -ErrorAction SilentlyContinue) { return }
    if ($IsLinux -and (Get-Command apt-get -ErrorAction SilentlyContinue) -and ((id -u) -eq '0')) {
        Write-Warning 'installing openmpi-bin and libopenmpi-dev (Debian) for the data-parallel tests'
        apt-get update -qq; $env:DEBIAN_FRONTEND = 'noninteractive'; apt-get install -y -qq openmpi-bin libopenmpi-dev
        if ($LASTEXITCODE -eq 0) { return }
    }
    Write-Warning 'Open MPI is missing (mpirun, libmpi.so.40); install openmpi-bin and libopenmpi-dev to run the MPI tests (they are skipped).'
}

# ----- CUDA kernels (mirrors build.sh: kernel_sources_hash, verb_kernels, check_ptx_current, build_emu, verb_gpu_bundle).
# Untested: written alongside build.sh on a Linux machine without PowerShell.
$NvccFlags = @('-ccbin', 'clang-14', '--ptx', '-arch=compute_80', '-std=c++17')
$PtxasArchs = @('sm_80', 'sm_90')
$EmuLib = 'native/emu/libseqcore_emu.so'

function Get-KernelSourcesHash {
    $lines = @("nvcc $($NvccFlags -join ' ')")
    foreach ($f in (Get-ChildItem kernels -File | Where-Object { $_.Extension -in '.cu', '.cuh' })) {
        $h = (Get-FileHash -Algorithm SHA256 $f.FullName).Hash.ToLowerInvariant()
        $lines += "$h  kernels/$($f.Name)"
    }
    return (($lines | Sort-Object -CaseSensitive) -join "`n")
}

function Invoke-Kernels {
    if (-not (Get-Command nvcc -ErrorAction SilentlyContinue)) { Stop-Build "nvcc is missing: install the CUDA toolkit so that 'nvcc' is on PATH." }
    New-Item -ItemType Directory -Force native/ptx | Out-Null
    Remove-Item native/ptx/*.ptx -ErrorAction SilentlyContinue
    foreach ($cu in Get-ChildItem kernels -Filter '*.cu') {
        $ptx = "native/ptx/$($cu.BaseName).ptx"
        Invoke-Checked "nvcc $($cu.Name)" 'nvcc' ($NvccFlags + @("kernels/$($cu.Name)", '-o', $ptx))
        foreach ($arch in $PtxasArchs) { Invoke-Checked "ptxas -arch=$arch $ptx" 'ptxas' @("-arch=$arch", $ptx, '-o', [System.IO.Path]::GetTempFileName()) }
    }
    Set-Content -NoNewline native/ptx/SOURCES.sha256 ((Get-KernelSourcesHash) + "`n")
}

function Assert-PtxCurrent {
    $stale = $null
    if (-not (Test-Path native/ptx/SOURCES.sha256) -or ((Get-Content -Raw native/ptx/SOURCES.sha256).TrimEnd() -ne (Get-KernelSourcesHash))) {
        $stale = 'kernels/ changed since native/ptx was generated (native/ptx/SOURCES.sha256 differs)'
    }
    if (-not $stale) { return }
    if (Get-Command nvcc -ErrorAction SilentlyContinue) { Stop-Build "the committed PTX is stale: $stale. Run ./build.ps1 kernels and commit native/ptx." }
    [Console]::Error.WriteLine("build.ps1: warning: the committed PTX may be stale ($stale), and nvcc is not here to regenerate it.")
}

function Build-Emu {
    if (-not $IsLinux) { [Console]::Error.WriteLine('build.ps1: the kernel emulation library is built on Linux only; the emulated tests will be skipped.'); return }
    $cxx = @($env:CXX, 'g++', 'clang++', 'clang++-14') | Where-Object { $_ -and (Get-Command $_ -ErrorAction SilentlyContinue) } | Select-Object -First 1
    if (-not $cxx) { [Console]::Error.WriteLine('build.ps1: warning: no C++ compiler; the emulated CUDA kernel tests will be skipped.'); return }
    New-Item -ItemType Directory -Force native/emu/obj | Out-Null
    $objs = @()
    foreach ($src in @(Get-ChildItem kernels -Filter '*.cu') + @(Get-Item kernels/emu/emu_api.cpp)) {
        $obj = "native/emu/obj/$($src.Name).o"
        Invoke-Checked "compiling $($src.Name)" $cxx @('-std=c++20', '-x', 'c++', '-O2', '-fPIC', '-pthread', '-ffp-contract=off', '-c', $src.FullName, '-o', $obj)
        $objs += $obj
    }
    Invoke-Checked 'linking the emulation library' $cxx (@('-shared', '-pthread') + $objs + @('-o', $EmuLib))
}

function Invoke-GpuBundle {
    Assert-Dotnet
    $out = Join-Path $Root 'artifacts/gpu-bundle'
    if (Test-Path $out) { Remove-Item -Recurse -Force $out }
    Invoke-Checked 'publishing the GPU bundle' 'dotnet' @('publish', $CliProject, '-c', 'Release', '-r', 'linux-x64', '--self-contained', 'true', '-o', $out,
        '-p:PublishTrimmed=true', '-p:TrimMode=partial', '-p:InvariantGlobalization=true', '-p:JsonSerializerIsReflectionEnabledByDefault=true',
        '-p:DebugType=none', '-p:SuppressTrimAnalysisWarnings=true', '-p:TreatWarningsAsErrors=false')
    Move-Item (Join-Path $out 'SeqCore.Cli') (Join-Path $out 'seqcore')
    $bytes = (Get-ChildItem -Recurse -File $out | Measure-Object -Sum Length).Sum
    Write-Output ("gpu-bundle: $out ($bytes bytes, {0:N1} MiB; limit 64 MiB)" -f ($bytes / 1MB))
    if ($bytes -gt 64MB) { Stop-Build 'the GPU bundle is over the 64 MiB limit.' }
}

function Show-Usage {
    @'
Usage: ./build.ps1 <verb> [args]
  test [dotnet test args]   restore, build (Release), run every test; ends with "N passed, N failed, N skipped"
  demo [train args]         Release build, then a character-level LSTM trained on data/kjv.txt for about 2 minutes,
                            its held-out bits per character, a generated sample, the checkpoint and loss-curve SVG
  run -- ARGS               Release build of the CLI, then run 'seqcore ARGS' (e.g. ./build.ps1 run -- info --json)
  bench [filter] [args]     BenchmarkDotNet suites in Release; filter defaults to '*' (all: long!), e.g.
                            ./build.ps1 bench '*Gemm*' --job short; results in artifacts/bench
  pack                      NuGet packages SeqCore, SeqCore.Cuda, SeqCore.Testing and the seqcore tool (SeqCore.Cli)
                            in artifacts/packages, version from git tags v*, symbols, SourceLink; then pack-check
  pack-check                tests/SeqCore.PackageTests on artifacts/packages: contents, the tool installed and run,
                            each library restored into a scratch project that runs its readme example
  kernels                   nvcc: kernels/*.cu -> native/ptx/*.ptx (compute_80), checked by ptxas for sm_80 and sm_90
  emu                       C++ build of kernels/*.cu against kernels/emu/cuda_emu.h -> native/emu/libseqcore_emu.so
  gpu-bundle                self-contained linux-x64 folder of the CLI in artifacts/gpu-bundle, < 64 MiB
  help                      this text
'@
}

$verb = 'help'
$rest = @()
if ($args.Count -gt 0) { $verb = [string]$args[0] }
if ($args.Count -gt 1) { $rest = @($args[1..($args.Count - 1)] | ForEach-Object { [string]$_ }) }

switch ($verb) {
    'test' { Invoke-Test $rest }
    'demo' { Invoke-Demo $rest }
    'run' { Invoke-Run $rest }
    'bench' { Invoke-Bench $rest }
    'pack' { Invoke-Pack }
    'pack-check' { Invoke-PackCheck }
    'kernels' { Invoke-Kernels }
    'emu' { Build-Emu }
    'gpu-bundle' { Invoke-GpuBundle }
    { $_ -in @('help', '-h', '--help') } { Show-Usage }
    default {
        [Console]::Error.WriteLine((Show-Usage))
        Stop-Build "unknown verb '$verb'."
    }
}
