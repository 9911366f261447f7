using SeqCore.Cpu;

namespace SeqCore.Tests;

public class SmokeTests
{
    [Test]
    public void MatMulOfTwoByTwo()
    {
        using var cpu = new CpuBackend<float>();
        using var a = cpu.FromHost([1f, 2f, 3f, 4f], 2, 2);
        using var b = cpu.FromHost([5f, 6f, 7f, 8f], 2, 2);
        using var c = cpu.Allocate(2, 2);
        cpu.MatMul(a, b, c);
        Assert.That(cpu.ToArray(c), Is.EqualTo(new[] { 19f, 22f, 43f, 50f }));
    }
}
