using System.Numerics;

namespace SeqCore.Tests.Cuda;

/// <summary>The recurrent cell kernels in the emulation library against the CPU backend.</summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class EmulatedRecurrentTests<T> : RecurrentParityTests<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    protected override IBackend<T> CreateDevice() => CudaTestDevices.Emulated<T>();
}

/// <summary>The attention kernels in the emulation library against the CPU backend.</summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class EmulatedAttentionTests<T> : AttentionParityTests<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    protected override IBackend<T> CreateDevice() => CudaTestDevices.Emulated<T>();
}

/// <summary>The recurrent cell ops on a GPU against the CPU backend (skipped without a device).</summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class GpuRecurrentTests<T> : RecurrentParityTests<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    protected override IBackend<T> CreateDevice() => CudaTestDevices.Gpu<T>();
}

/// <summary>The attention ops on a GPU against the CPU backend (skipped without a device).</summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class GpuAttentionTests<T> : AttentionParityTests<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    protected override IBackend<T> CreateDevice() => CudaTestDevices.Gpu<T>();
}
