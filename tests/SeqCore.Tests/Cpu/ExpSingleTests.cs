using System.Runtime.Intrinsics;
using SeqCore.Cpu;

namespace SeqCore.Tests.Cpu;

/// <summary>The float exponential of the CPU kernels (<see cref="VectorMath.ExpSingle"/>): within 1 ulp of the
/// correctly rounded e^x wherever e^x is a normal or subnormal float, and the IEEE special cases.</summary>
public class ExpSingleTests
{
    private static float Exp(float x) => VectorMath.ExpSingle(Vector256.Create(x)).GetElement(0);

    private static long Ulps(float a, float b) => Math.Abs((long)BitConverter.SingleToInt32Bits(a) - BitConverter.SingleToInt32Bits(b));

    [Test]
    public void Within_one_ulp_of_the_correctly_rounded_value_from_minus_104_to_88_7()
    {
        long worst = 0;
        float worstX = 0;
        for (float x = -103.9f; x < 88.72f; x += 0.000937f)
        {
            long u = Ulps(Exp(x), (float)Math.Exp(x));
            if (u > worst) (worst, worstX) = (u, x);
        }
        Assert.That(worst, Is.LessThanOrEqualTo(1), $"worst at x = {worstX}");
    }

    [Test]
    public void Every_lane_is_computed_on_its_own()
    {
        var x = Vector256.Create(-2f, -1f, 0f, 0.5f, 1f, 3f, 10f, -50f);
        var y = VectorMath.ExpSingle(x);
        for (int i = 0; i < 8; i++) Assert.That(Ulps(y.GetElement(i), (float)Math.Exp(x.GetElement(i))), Is.LessThanOrEqualTo(1), $"lane {i}");
    }

    [TestCase(0f, 1f)]
    [TestCase(float.PositiveInfinity, float.PositiveInfinity)]
    [TestCase(float.NegativeInfinity, 0f)]
    [TestCase(88.73f, float.PositiveInfinity)]
    [TestCase(-110f, 0f)]
    [TestCase(1000f, float.PositiveInfinity)]
    public void Special_values(float x, float expected) => Assert.That(Exp(x), Is.EqualTo(expected));

    [Test]
    public void Nan_stays_nan() => Assert.That(float.IsNaN(Exp(float.NaN)), Is.True);

    [Test]
    public void Subnormal_results_keep_their_magnitude()
    {
        float y = Exp(-100f);
        Assert.That(float.IsSubnormal(y), Is.True);
        Assert.That(y, Is.EqualTo((float)Math.Exp(-100)).Within(2).Ulps);
    }
}
