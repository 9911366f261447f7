using System.CommandLine;
using System.Text.Json.Serialization;
using SeqCore.Cli.Options;
using SeqCore.Diagnostics;
using Spectre.Console;

namespace SeqCore.Cli.Commands;

/// <summary><c>seqcore info</c>: the machine, the runtime, the backends and the measured FMA peak.</summary>
internal static class InfoCommand
{
    public static IReadOnlyList<OptionSpec> AllOptions { get; } = [CommonOptions.Json];

    public static Command Create(CliIO io)
    {
        var command = new Command("info", "Show the version, runtime, CPU features, backends and the measured single-core FMA peak.");
        foreach (var o in AllOptions) command.Options.Add(o.Symbol);
        command.SetAction(parse =>
        {
            var report = Collect();
            if (new OptionValues(parse).Get(CommonOptions.Json)) Output.WriteJsonLine(io.Out, report);
            else Render(Output.Console(io.Out), report);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Reads the machine and measures the peak (about 0.15 s).</summary>
    public static InfoReport Collect()
    {
        var sys = SystemInfo.Read();
        var f = FmaPeak.Measure<float>();
        var d = FmaPeak.Measure<double>();
        var gpu = SeqCore.Cuda.CudaDeviceInfo.Probe();
        string cudaDetail = gpu.Available
            ? $"{gpu.Name}, {gpu.TotalMemoryBytes / (1024.0 * 1024 * 1024):F1} GiB, compute capability {gpu.ComputeCapability}, {gpu.Multiprocessors} SMs, driver CUDA {gpu.DriverVersion} ({gpu.DriverLibrary})"
            : gpu.Reason ?? "no CUDA device";
        return new InfoReport(
            sys.Version, sys.Runtime, sys.Os, System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString(),
            sys.CpuModel, sys.LogicalCores, sys.SimdWidthBits, sys.Vector256Accelerated, sys.Fma, sys.Avx2, sys.Avx512F,
            new PeakReport(f.GflopsPerCore, d.GflopsPerCore, f.Method, FmaPeak.Chains, (f.Elapsed + d.Elapsed).TotalMilliseconds),
            GemmKernel(sys),
            [
                new BackendReport("cpu", true, $"{sys.LogicalCores} threads, {(sys.SimdWidthBits > 0 ? $"{sys.SimdWidthBits}-bit SIMD" : "scalar")}", null, null),
                new BackendReport("cuda", gpu.Available, cudaDetail, gpu.DriverLibrary ?? CudaDriverProbe.LibraryName, gpu.DriverLibrary is not null),
            ],
            new CudaReport(gpu.Available, gpu.Name, gpu.TotalMemoryBytes, gpu.ComputeCapability, gpu.Multiprocessors, gpu.DriverVersion, gpu.Reason),
            Distributed());
    }

    /// <summary>The micro-tiles the CPU backend's packed GEMM runs on this machine (CpuBackend.Gemm.cs).</summary>
    private static string GemmKernel(SystemInfo sys) =>
        SeqCore.Cpu.Gemm.Avx512Width.Available ? "6×32 float, 6×16 double (Vector512, AVX-512F)"
        : sys.Fma && sys.Vector256Accelerated ? "6×16 float, 6×8 double (Vector256, AVX2 + FMA)"
        : "none: the scalar reference loop (no AVX2 + FMA)";

    /// <summary>The engines of data-parallel training (docs/distributed.md): MPI for processes, NCCL for GPUs.</summary>
    private static DistributedReport[] Distributed()
    {
        bool mpi = SeqCore.Distributed.MpiCommunicator.Probe(out string mpiDetail);
        bool nccl = SeqCore.Cuda.NcclCommunicator.Probe(out string ncclDetail);
        return [new DistributedReport("mpi", mpi, mpiDetail), new DistributedReport("nccl", nccl, ncclDetail)];
    }

    private static void Render(IAnsiConsole console, InfoReport r)
    {
        static string YesNo(bool b) => b ? "yes" : "no";
        var table = new Table().Title($"seqcore {r.Version}").AddColumn("Property").AddColumn("Value");
        void Row(string k, string v) => table.AddRow(Markup.Escape(k), Markup.Escape(v));
        Row("Runtime", r.Runtime);
        Row("OS", $"{r.Os} ({r.Architecture})");
        Row("CPU", r.CpuModel);
        Row("Logical cores", r.LogicalCores.ToString());
        Row("SIMD width", r.SimdWidthBits > 0 ? $"{r.SimdWidthBits} bits (Vector256 accelerated: {YesNo(r.Vector256Accelerated)})" : "none");
        Row("FMA / AVX2 / AVX-512F", $"{YesNo(r.Fma)} / {YesNo(r.Avx2)} / {YesNo(r.Avx512f)}");
        Row("FMA peak, float", $"{Output.Sig3(r.FmaPeak.FloatGflopsPerCore)} GFLOP/s per core");
        Row("FMA peak, double", $"{Output.Sig3(r.FmaPeak.DoubleGflopsPerCore)} GFLOP/s per core");
        Row("Peak measured with", $"{r.FmaPeak.Method}, {r.FmaPeak.Chains} chains, {r.FmaPeak.MeasureMs:F0} ms");
        Row("GEMM micro-tiles", r.GemmKernel);
        console.Write(table);

        var backends = new Table().Title("Backends").AddColumn("Name").AddColumn("Available").AddColumn("Detail");
        foreach (var b in r.Backends)
            backends.AddRow(Markup.Escape(b.Name), b.Available ? "[green]yes[/]" : "[yellow]no[/]", Markup.Escape(b.Detail));
        console.Write(backends);

        var distributed = new Table().Title("Data-parallel training").AddColumn("Engine").AddColumn("Available").AddColumn("Detail");
        foreach (var d in r.Distributed)
            distributed.AddRow(Markup.Escape(d.Name), d.Available ? "[green]yes[/]" : "[yellow]no[/]", Markup.Escape(d.Detail));
        console.Write(distributed);
    }
}

/// <summary>What <c>seqcore info --json</c> prints (snake_case names).</summary>
internal sealed record InfoReport(
    string Version, string Runtime, string Os, string Architecture, string CpuModel, int LogicalCores,
    int SimdWidthBits, bool Vector256Accelerated, bool Fma, bool Avx2, [property: JsonPropertyName("avx512f")] bool Avx512f,
    PeakReport FmaPeak, string GemmKernel, BackendReport[] Backends, CudaReport Cuda, DistributedReport[] Distributed);

/// <summary>An engine of data-parallel training (<c>mpi</c>, <c>nccl</c>): whether its library loads, its file or why not.</summary>
internal sealed record DistributedReport(string Name, bool Available, string Detail);

/// <summary>The CUDA device 0 as the driver reports it, or why there is none.</summary>
internal sealed record CudaReport(bool Available, string? Device, long MemoryBytes, string? ComputeCapability, int Multiprocessors,
    string? DriverCudaVersion, string? Reason);

/// <summary>Single-core peak in GFLOP/s, measured by <see cref="FmaPeak"/>.</summary>
internal sealed record PeakReport(double FloatGflopsPerCore, double DoubleGflopsPerCore, string Method, int Chains, double MeasureMs);

/// <summary>One backend: whether this build can use it, and why not.</summary>
internal sealed record BackendReport(string Name, bool Available, string Detail, string? DriverLibrary, bool? DriverLoadable);
