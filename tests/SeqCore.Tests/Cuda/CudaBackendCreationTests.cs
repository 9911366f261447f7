using SeqCore.Cpu;
using SeqCore.Cuda;
using SeqCore.Cuda.Runtime;
using SeqCore.Testing;

namespace SeqCore.Tests.Cuda;

/// <summary>What happens around the backend itself: creation without a device, coverage of the interface, the kernels.</summary>
public class CudaBackendCreationTests
{
    [Test]
    public void WithoutADeviceTheConstructorGivesOneClearErrorAndTheCpuKeepsWorking()
    {
        var info = CudaDeviceInfo.Probe();
        if (info.Available) Assert.Ignore($"a CUDA device is present ({info.Name}); this test is about machines without one");
        var e = Assert.Throws<CudaException>(() => new CudaBackend<float>())!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Does.StartWith("No CUDA device: "));
        Assert.That(e.Message, Is.EqualTo(info.Reason), "the constructor and the probe give the same reason");
        Assert.That(e.Message, Does.Not.Contain("\n"));
        // A second attempt fails the same way (nothing half-initialised was left behind), and the CPU is unaffected.
        Assert.That(Assert.Throws<CudaException>(() => new CudaBackend<double>())!.Message, Is.EqualTo(e.Message));
        using var cpu = new CpuBackend<float>();
        using var a = cpu.FromHost([1f, 2f, 3f, 4f], 2, 2);
        using var c = cpu.Allocate(2, 2);
        cpu.MatMul(a, a, c);
        Assert.That(cpu.ToArray(c), Is.EqualTo(new[] { 7f, 10f, 15f, 22f }));
    }

    [Test]
    public void EveryBackendOperationHasAParityCaseOrIsListedAsPending()
    {
        string[] pendingOps = PendingOperations();
        var covered = ParitySuite<float>.Cases.Select(c => c.Op).ToHashSet();
        string[] housekeeping = ["get_Name", "Allocate", "Release", "CopyFromHost", "CopyToHost", "Synchronize", "Dispose"];
        var missing = typeof(IBackend<float>).GetMethods().Select(m => m.Name)
            .Concat(typeof(IBackend<float>).GetInterfaces().SelectMany(i => i.GetMethods()).Select(m => m.Name))
            .Distinct().Where(n => !covered.Contains(n) && !pendingOps.Contains(n) && !housekeeping.Contains(n)).ToList();
        Assert.That(missing, Is.Empty, "IBackend operations with neither a parity case nor a pending placeholder");
    }

    /// <summary>The placeholders of src/SeqCore.Cuda/CudaBackend.Pending.cs (<c>throw Pending(nameof(Method))</c>).</summary>
    internal static string[] PendingOperations()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string file = Path.Combine(dir.FullName, "src", "SeqCore.Cuda", "CudaBackend.Pending.cs");
            if (File.Exists(file))
                return [.. System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(file), @"throw Pending\(nameof\((\w+)\)\)").Select(m => m.Groups[1].Value)];
        }
        return []; // the file is gone: nothing is pending
    }

    [Test]
    public void PendingOperationsThrowNotSupportedNamingTheMethod()
    {
        string? lib = CudaTestDevices.EmulationLibrary(out string reason);
        if (lib is null) Assert.Ignore(reason);
        using var gpu = new CudaBackend<float>(new EmulatedDevice(lib!));
        foreach (string name in PendingOperations())
        {
            var method = typeof(CudaBackend<float>).GetMethod(name)!;
            var args = method.GetParameters().Select(p => p.ParameterType.IsValueType ? Activator.CreateInstance(p.ParameterType) : null).ToArray();
            var e = Assert.Throws<System.Reflection.TargetInvocationException>(() => method.Invoke(gpu, args))!;
            Assert.That(e.InnerException, Is.TypeOf<NotSupportedException>());
            Assert.That(e.InnerException!.Message, Is.EqualTo($"{name} is not yet implemented on the CUDA backend"));
        }
    }

    [Test]
    public void EveryPtxKernelIsRegisteredInTheEmulatorAndViceVersa()
    {
        string? lib = CudaTestDevices.EmulationLibrary(out string reason);
        if (lib is null) Assert.Ignore(reason);
        using var device = new EmulatedDevice(lib!);
        var emulated = device.KernelNames().ToHashSet();
        var ptx = new HashSet<string>();
        foreach (var (_, image) in PtxModules.Load())
        {
            string text = System.Text.Encoding.UTF8.GetString(image);
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"\.entry\s+(\w+)\("))
                ptx.Add(m.Groups[1].Value);
        }
        Assert.That(ptx, Is.Not.Empty, "no PTX is embedded in SeqCore.Cuda");
        Assert.That(ptx.Except(emulated), Is.Empty, "kernels in the PTX but not registered for emulation (SC_EMU_REGISTER)");
        Assert.That(emulated.Except(ptx), Is.Empty, "kernels registered for emulation but missing from the PTX (run ./build.sh kernels)");
    }

    [Test]
    public void AllocatorBucketsRoundUpAndStayClose()
    {
        Assert.That(DeviceAllocator.Bucket(1), Is.EqualTo(512));
        Assert.That(DeviceAllocator.Bucket(512), Is.EqualTo(512));
        Assert.That(DeviceAllocator.Bucket(513), Is.EqualTo(1024));
        foreach (long n in new long[] { (1 << 20) + 1, 3_000_000, 100_000_000 })
        {
            long b = DeviceAllocator.Bucket(n);
            Assert.That(b, Is.GreaterThanOrEqualTo(n));
            Assert.That(b, Is.LessThanOrEqualTo(n * 1.25 + 512));
            Assert.That(DeviceAllocator.Bucket(b), Is.EqualTo(b));
        }
    }
}
