using System.Numerics;
using SeqCore.Cpu;
using SeqCore.Tests.Support;

namespace SeqCore.Tests;

/// <summary>Tensor handles on the CPU backend: shapes, views and their bounds, release rules, host copies, memory accounting.</summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class TensorTests<T> : CpuFixture<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static T[] Iota(int n) => Enumerable.Range(0, n).Select(i => T.CreateTruncating(i)).ToArray();

    [Test]
    public void AllocateGivesTheShape()
    {
        var b = Cpu(1);
        using var t = b.Allocate(2, 3, 4);
        Assert.That(t.Rank, Is.EqualTo(3));
        Assert.That(t.Length, Is.EqualTo(24));
        Assert.That(t.Shape.ToArray(), Is.EqualTo(new[] { 2, 3, 4 }));
        Assert.That(t.Dim(0), Is.EqualTo(2));
        Assert.That(t.Dim(-1), Is.EqualTo(4));
        Assert.That(t.Dim(-3), Is.EqualTo(2));
        Assert.That(t.ShapeText, Is.EqualTo("[2, 3, 4]"));
        Assert.That(t.AsMatrix(), Is.EqualTo((6, 4)));
        Assert.That(t.IsView, Is.False);
        Assert.That(t.Offset, Is.EqualTo(0));
        Assert.That(t.Backend, Is.SameAs(b));
        Assert.That(t.ToString(), Does.Contain("[2, 3, 4]").And.Contain("cpu").And.Contain(typeof(T).Name));
    }

    [Test]
    public void AllocateCopiesTheShapeArray()
    {
        var b = Cpu(1);
        int[] shape = [2, 5];
        using var t = b.Allocate(shape);
        shape[0] = 7;
        Assert.That(t.ShapeText, Is.EqualTo("[2, 5]"));
    }

    [Test]
    public void RankZeroAndEmptyTensors()
    {
        var b = Cpu(1);
        using var scalar = b.Allocate();
        Assert.That(scalar.Length, Is.EqualTo(1));
        Assert.That(scalar.ShapeText, Is.EqualTo("[]"));
        Assert.That(scalar.AsMatrix(), Is.EqualTo((1, 1)));
        Assert.Throws<InvalidOperationException>(() => scalar.Row(0));
        using var empty = b.Allocate(0, 5);
        Assert.That(empty.Length, Is.EqualTo(0));
        Assert.That(empty.AsMatrix(), Is.EqualTo((0, 5)));
        Assert.That(b.ToArray(empty), Is.Empty);
        using var vector = b.Allocate(7);
        Assert.That(vector.AsMatrix(), Is.EqualTo((1, 7)));
    }

    [Test]
    public void FromHostAndToArrayRoundTripBitForBit()
    {
        var b = Cpu(1);
        T[] data = [T.One, -T.Zero, T.NaN, T.PositiveInfinity, T.NegativeInfinity, T.Epsilon, T.CreateTruncating(3e38), T.CreateTruncating(-0.1)];
        using var t = b.FromHost(data, 2, 4);
        var back = b.ToArray(t);
        Assert.That(back, Has.Length.EqualTo(8));
        for (int i = 0; i < data.Length; i++)
            Assert.That(BitConverter.DoubleToInt64Bits(double.CreateTruncating(back[i])), Is.EqualTo(BitConverter.DoubleToInt64Bits(double.CreateTruncating(data[i]))), $"element {i}");
    }

    [Test]
    public void HostSpanIsTheTensorsMemory()
    {
        var b = Cpu(1);
        using var t = b.FromHost(Iota(10), 10);
        var view = t.Slice(3, 4);
        b.HostSpan(view)[0] = T.CreateTruncating(-7);
        Assert.That(b.ToArray(t)[3], Is.EqualTo(T.CreateTruncating(-7)));
        Assert.That(b.HostSpan(view).Length, Is.EqualTo(4));
    }

    [Test]
    public void SliceSharesStorageAtItsOffset()
    {
        var b = Cpu(1);
        using var t = b.FromHost(Iota(24), 4, 6);
        var s = t.Slice(5, 3, 4);
        Assert.That(s.IsView, Is.True);
        Assert.That(s.Offset, Is.EqualTo(5));
        Assert.That(s.ShapeText, Is.EqualTo("[3, 4]"));
        Assert.That(b.ToArray(s), Is.EqualTo(Iota(24)[5..17]));
        var ss = s.Slice(2, 6); // a slice of a slice: offsets add up
        Assert.That(ss.Offset, Is.EqualTo(7));
        Assert.That(b.ToArray(ss), Is.EqualTo(Iota(24)[7..13]));
        b.CopyFromHost(Enumerable.Repeat(T.CreateTruncating(-1), 6).ToArray(), ss);
        var all = b.ToArray(t);
        Assert.That(all[7..13], Is.All.EqualTo(T.CreateTruncating(-1)), "writes through a view reach the root");
        Assert.That(all[..7].Concat(all[13..]), Is.EqualTo(Iota(24)[..7].Concat(Iota(24)[13..])), "and nothing else");
        Assert.That(t.Slice(24, 0).Length, Is.EqualTo(0), "an empty slice at the end fits");
        Assert.That(b.ToArray(t.Slice(20, 4)), Is.EqualTo(Iota(24)[20..]), "a slice ending at the end fits");
    }

    [TestCase(-1, 4)]
    [TestCase(21, 4)]
    [TestCase(0, 25)]
    public void SliceOutOfBoundsThrowsNamingBothShapes(long offset, int length)
    {
        var b = Cpu(1);
        using var t = b.Allocate(4, 6);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => t.Slice(offset, length))!;
        Assert.That(ex.Message, Does.Contain("[4, 6]").And.Contain($"[{length}]").And.Contain(offset.ToString()));
        var view = t.Slice(6, 12); // bounds are the view's, not the root's
        Assert.Throws<ArgumentOutOfRangeException>(() => view.Slice(10, 3));
    }

    [Test]
    public void RowIsTheOuterIndex()
    {
        var b = Cpu(1);
        using var t = b.FromHost(Iota(24), 2, 3, 4);
        var r = t.Row(1);
        Assert.That(r.ShapeText, Is.EqualTo("[3, 4]"));
        Assert.That(r.Offset, Is.EqualTo(12));
        Assert.That(b.ToArray(r), Is.EqualTo(Iota(24)[12..]));
        var rr = r.Row(2);
        Assert.That(rr.ShapeText, Is.EqualTo("[4]"));
        Assert.That(b.ToArray(rr), Is.EqualTo(Iota(24)[20..]));
        Assert.That(b.ToArray(t.Row(0).Row(0)), Is.EqualTo(Iota(24)[..4]));
    }

    [TestCase(-1)]
    [TestCase(2)]
    [TestCase(int.MaxValue)]
    public void RowOutOfRangeThrowsNamingTheShape(int index)
    {
        var b = Cpu(1);
        using var t = b.Allocate(2, 3);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => t.Row(index))!;
        Assert.That(ex.Message, Does.Contain("[2, 3]").And.Contain(index.ToString()));
    }

    [Test]
    public void ReshapeKeepsElementsAndOffset()
    {
        var b = Cpu(1);
        using var t = b.FromHost(Iota(24), 4, 6);
        var r = t.Reshape(2, 12);
        Assert.That(r.ShapeText, Is.EqualTo("[2, 12]"));
        Assert.That(r.IsView, Is.True);
        Assert.That(b.ToArray(r), Is.EqualTo(Iota(24)));
        var sr = t.Slice(6, 12).Reshape(3, 2, 2);
        Assert.That(sr.Offset, Is.EqualTo(6));
        Assert.That(sr.ShapeText, Is.EqualTo("[3, 2, 2]"));
        Assert.That(b.ToArray(sr), Is.EqualTo(Iota(24)[6..18]));
        var ex = Assert.Throws<ArgumentException>(() => t.Reshape(5, 5))!;
        Assert.That(ex.Message, Does.Contain("[4, 6]").And.Contain("[5, 5]"));
        Assert.Throws<ArgumentException>(() => t.Reshape(-4, -6), "negative dimensions");
    }

    [Test]
    public void DisposingTheRootMakesEveryViewUnusable()
    {
        var b = Cpu(1);
        var t = b.FromHost(Iota(24), 4, 6);
        var row = t.Row(1);
        var slice = t.Slice(2, 10);
        var viewOfView = slice.Reshape(2, 5);
        t.Dispose();
        foreach (var v in new[] { t, row, slice, viewOfView })
        {
            Assert.That(v.IsReleased, Is.True, v.ShapeText);
            var ex = Assert.Throws<ObjectDisposedException>(() => b.ToArray(v))!;
            Assert.That(ex.Message, Does.Contain(v.ShapeText));
            Assert.Throws<ObjectDisposedException>(() => v.Slice(0, 1));
            Assert.Throws<ObjectDisposedException>(() => v.Reshape((int)v.Length));
            Assert.Throws<ObjectDisposedException>(() => b.Fill(T.One, v));
        }
        Assert.That(Assert.Throws<ObjectDisposedException>(() => viewOfView.ThrowIfReleased("h"))!.Message,
            Does.Contain("'h'").And.Contain("[2, 5]"));
    }

    [Test]
    public void DisposingAViewLeavesTheRootUsable()
    {
        var b = Cpu(1);
        using var t = b.FromHost(Iota(12), 3, 4);
        long live = b.LiveBytes;
        var v = t.Row(2);
        Assert.That(b.LiveBytes, Is.EqualTo(live), "a view allocates no storage");
        v.Dispose();
        Assert.That(v.IsReleased, Is.True);
        Assert.Throws<ObjectDisposedException>(() => b.ToArray(v));
        Assert.That(t.IsReleased, Is.False);
        Assert.That(b.ToArray(t), Is.EqualTo(Iota(12)));
        Assert.That(b.LiveBytes, Is.EqualTo(live), "disposing a view frees nothing");
        var sibling = t.Row(1);
        Assert.That(b.ToArray(sibling), Is.EqualTo(Iota(12)[4..8]), "other views of the root still work");
        b.Release(sibling);
        Assert.That(sibling.IsReleased, Is.True);
        Assert.That(b.LiveBytes, Is.EqualTo(live), "releasing a view through the backend frees nothing");
    }

    [Test]
    public void ReleasingTwiceIsAllowed()
    {
        var b = Cpu(1);
        long before = b.LiveBytes;
        var t = b.Allocate(100);
        var v = t.Slice(0, 10);
        v.Dispose();
        v.Dispose();
        t.Dispose();
        t.Dispose();
        b.Release(t);
        b.Release(v);
        Assert.That(b.LiveBytes, Is.EqualTo(before), "freed exactly once");
    }

    [Test]
    public void LiveBytesGoesBackDownAfterDispose()
    {
        using var b = new CpuBackend<T>(new CpuBackendOptions { Threads = 1 }); // its own backend: nothing else alive
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        Assert.That(b.LiveBytes, Is.EqualTo(0));
        var a = b.Allocate(1000);
        Assert.That(b.LiveBytes, Is.GreaterThanOrEqualTo(1000L * size));
        long afterA = b.LiveBytes;
        var c = b.Allocate(3, 7);
        Assert.That(b.LiveBytes, Is.GreaterThanOrEqualTo(afterA + 21L * size));
        var tiny = b.Allocate(0);
        Assert.That(b.LiveBytes, Is.GreaterThanOrEqualTo(afterA + 21L * size));
        a.Dispose();
        c.Dispose();
        tiny.Dispose();
        Assert.That(b.LiveBytes, Is.EqualTo(0));
    }

    [Test]
    public void ShapeHelpers()
    {
        Assert.That(Tensor<T>.ShapeLength([2, 3, 4]), Is.EqualTo(24));
        Assert.That(Tensor<T>.ShapeLength([]), Is.EqualTo(1));
        Assert.That(Tensor<T>.ShapeLength([5, 0]), Is.EqualTo(0));
        Assert.That(Assert.Throws<ArgumentException>(() => Tensor<T>.ShapeLength([3, -2]))!.Message, Does.Contain("[3, -2]"));
        Assert.Throws<OverflowException>(() => Tensor<T>.ShapeLength([int.MaxValue, int.MaxValue, int.MaxValue]));
        Assert.That(Tensor<T>.FormatShape([32, 256]), Is.EqualTo("[32, 256]"));
        Assert.That(Tensor<T>.FormatShape([]), Is.EqualTo("[]"));
    }

    [Test]
    public void BackendOptions()
    {
        using (var all = new CpuBackend<T>(new CpuBackendOptions { Threads = 0 }))
            Assert.That(all.Threads, Is.EqualTo(Environment.ProcessorCount));
        using (var two = new CpuBackend<T>(new CpuBackendOptions { Threads = 2 }))
        {
            Assert.That(two.Threads, Is.EqualTo(2));
            Assert.That(two.Name, Is.EqualTo("cpu"));
            Assert.DoesNotThrow(two.Synchronize);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new CpuBackend<T>(new CpuBackendOptions { Threads = -1 }));
        Assert.Throws<NotSupportedException>(() => new CpuBackend<Half>());
    }
}
