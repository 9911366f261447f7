using SeqCore.Random;

namespace SeqCore.Tests;

/// <summary>Philox4x32-10 against the Random123 known-answer vectors, and the documented conversions to uniforms and normals.</summary>
public class PhiloxTests
{
    /// <summary>Known-answer vectors from Random123's <c>kat_vectors</c> (philox4x32 10 rounds).</summary>
    [TestCase(0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [TestCase(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [TestCase(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void Philox4x32MatchesRandom123KnownAnswers(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint r0, uint r1, uint r2, uint r3)
    {
        var got = Philox.Philox4x32((c0, c1, c2, c3), (k0, k1));
        Assert.That(got, Is.EqualTo((r0, r1, r2, r3)), $"got ({got.W0:x8}, {got.W1:x8}, {got.W2:x8}, {got.W3:x8})");
    }

    [Test]
    public void GenerateUsesTheDocumentedCounterAndKeyLayout()
    {
        const ulong seed = 0x0123456789abcdefUL, counter = 0xfedcba9876543210UL;
        Assert.That(Philox.Generate(seed, counter),
            Is.EqualTo(Philox.Philox4x32((0x76543210u, 0xfedcba98u, 0u, 0u), (0x89abcdefu, 0x01234567u))));
        Assert.That(Philox.Generate(0, 0), Is.EqualTo((0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)));
    }

    /// <summary>The vectorised block (eight counters at a time) gives <see cref="Philox.Generate"/>'s words for every
    /// counter: lengths that leave a scalar tail, a run across the 2³² carry into the counter's high word, and one that
    /// wraps past 2⁶⁴.</summary>
    [TestCase(0x0123456789abcdefUL, 0UL, 37)]
    [TestCase(7UL, 0xfffffffcUL, 24)]
    [TestCase(0xffffffffffffffffUL, 0xfffffffffffffffaUL, 19)]
    [TestCase(42UL, 1000UL, 5)]
    public void GenerateBlockEqualsGenerateForEveryCounter(ulong seed, ulong first, int n)
    {
        uint[] w0 = new uint[n], w1 = new uint[n], w2 = new uint[n], w3 = new uint[n];
        Philox.GenerateBlock(seed, first, w0, w1, w2, w3);
        for (int i = 0; i < n; i++)
            Assert.That((w0[i], w1[i], w2[i], w3[i]), Is.EqualTo(Philox.Generate(seed, unchecked(first + (ulong)i))), $"counter {i}");
    }

    [Test]
    public void UniformSingleUsesTheTop24BitsOfWord0()
    {
        Assert.That(Philox.UniformSingle(0), Is.EqualTo(0f));
        Assert.That(Philox.UniformSingle(0xff), Is.EqualTo(0f), "the low 8 bits are ignored");
        Assert.That(Philox.UniformSingle(0x80000000), Is.EqualTo(0.5f));
        Assert.That(Philox.UniformSingle(0x00000100), Is.EqualTo(MathF.Pow(2, -24)));
        Assert.That(Philox.UniformSingle(0xffffffff), Is.EqualTo(1f - MathF.Pow(2, -24)).And.LessThan(1f));
    }

    [Test]
    public void UniformDoubleUsesTheTop26BitsOfWord0AndTop27OfWord1()
    {
        Assert.That(Philox.UniformDouble(0, 0), Is.EqualTo(0.0));
        Assert.That(Philox.UniformDouble(0x3f, 0x1f), Is.EqualTo(0.0), "the low 6 bits of word 0 and 5 of word 1 are ignored");
        Assert.That(Philox.UniformDouble(0x80000000, 0), Is.EqualTo(0.5));
        Assert.That(Philox.UniformDouble(0, 0x80000000), Is.EqualTo(Math.Pow(2, -27)));
        Assert.That(Philox.UniformDouble(0, 0x20), Is.EqualTo(Math.Pow(2, -53)));
        Assert.That(Philox.UniformDouble(0xffffffff, 0xffffffff), Is.EqualTo(1.0 - Math.Pow(2, -53)).And.LessThan(1.0));
    }

    [Test]
    public void StandardNormalIsBoxMullerWithU1InZeroOneAndU2InZeroOne()
    {
        Assert.That(Philox.StandardNormal(0, 0, 0x12345678, 0x9abcdef0), Is.EqualTo(0.0), "u1 = 1 − 0 = 1 gives radius 0");
        double r = Math.Sqrt(2 * Math.Log(2));
        Assert.That(Philox.StandardNormal(0x80000000, 0, 0, 0), Is.EqualTo(r).Within(1e-15), "u1 = ½, u2 = 0");
        Assert.That(Philox.StandardNormal(0x80000000, 0, 0x80000000, 0), Is.EqualTo(-r).Within(1e-15), "u1 = ½, u2 = ½");
        Assert.That(Philox.StandardNormal(0x80000000, 0, 0x40000000, 0), Is.EqualTo(0.0).Within(1e-15), "u2 = ¼ gives cos = 0");
        double extreme = Philox.StandardNormal(0xffffffff, 0xffffffff, 0, 0); // u1 = 2^-53: the largest radius
        Assert.That(extreme, Is.EqualTo(Math.Sqrt(106 * Math.Log(2))).Within(1e-13).And.Matches<double>(double.IsFinite));
    }
}

/// <summary>The host-side stream: counters, positions and the host draws.</summary>
public class RandomStreamTests
{
    [Test]
    public void TakeReturnsTheStartAndAdvances()
    {
        var s = new RandomStream(42);
        Assert.That(s.Seed, Is.EqualTo(42UL));
        Assert.That(s.Position, Is.EqualTo(0UL));
        Assert.That(s.Take(5), Is.EqualTo(0UL));
        Assert.That(s.Take(0), Is.EqualTo(5UL));
        Assert.That(s.Take(3), Is.EqualTo(5UL));
        Assert.That(s.Position, Is.EqualTo(8UL));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Take(-1));
        Assert.That(s.Position, Is.EqualTo(8UL));
    }

    [Test]
    public void NextDoubleIsTheUniformOfTheNextCounter()
    {
        var s = new RandomStream(7) { Position = 100 };
        for (ulong c = 100; c < 110; c++)
        {
            var (w0, w1, _, _) = Philox.Generate(7, c);
            Assert.That(s.NextDouble(), Is.EqualTo(Philox.UniformDouble(w0, w1)));
            Assert.That(s.Position, Is.EqualTo(c + 1));
        }
    }

    [Test]
    public void NextIntStaysInRangeAndCoversIt()
    {
        var s = new RandomStream(3);
        var seen = new bool[7];
        for (int i = 0; i < 2000; i++)
        {
            int v = s.NextInt(7);
            Assert.That(v, Is.InRange(0, 6));
            seen[v] = true;
        }
        Assert.That(seen, Is.All.True);
        Assert.That(new RandomStream(9).NextInt(1), Is.EqualTo(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.NextInt(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.NextInt(-3));
    }
}
