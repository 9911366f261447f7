using System.Numerics;
using SeqCore.Cpu;
using SeqCore.Tests.Support;

namespace SeqCore.Tests;

/// <summary>
/// The contract's argument rule: every tensor argument must be alive and owned by this backend, otherwise the call
/// throws with a message naming the operation, the argument and its shape; related lengths must agree.
/// </summary>
[TestFixture(typeof(float))]
[TestFixture(typeof(double))]
public class ErrorTests<T> : CpuFixture<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private CpuBackend<T> _other = null!;

    [OneTimeSetUp]
    public void CreateOtherBackend() => _other = new CpuBackend<T>(new CpuBackendOptions { Threads = 1 });

    [OneTimeTearDown]
    public void DisposeOtherBackend() => _other.Dispose();

    private Tensor<T>[] Arguments(BackendCall<T> call, IBackend<T> b, int replace = -1, Func<int[], Tensor<T>>? replacement = null) =>
        call.Shapes.Select((s, i) => i == replace ? replacement!(s) : b.Allocate(s)).ToArray();

    /// <summary>The catalogue's roles are the interface's parameter names, so the messages are checked for the names users see.</summary>
    [TestCaseSource(typeof(OpCases), nameof(OpCases.Names))]
    public void CatalogueRolesAreTheInterfaceParameterNames(string op)
    {
        var call = OpCatalog<T>.All[op];
        var method = typeof(IBackend<T>).GetMethod(call.Method)!;
        var names = method.GetParameters().Where(p => p.ParameterType == typeof(Tensor<T>)).Select(p => p.Name).ToArray();
        Assert.That(names, Is.EqualTo(call.Roles));
    }

    [TestCaseSource(typeof(OpCases), nameof(OpCases.Names))]
    public void CatalogueCallsSucceedWithValidArguments(string op)
    {
        var call = OpCatalog<T>.All[op];
        var b = Cpu(1);
        var t = Arguments(call, b);
        Assert.DoesNotThrow(() => call.Invoke(b, t));
        foreach (var x in t) x.Dispose();
    }

    [TestCaseSource(typeof(OpCases), nameof(OpCases.Arguments))]
    public void ReleasedTensorThrowsObjectDisposedNamingTheShape(string op, int arg)
    {
        var call = OpCatalog<T>.All[op];
        var b = Cpu(1);
        var t = Arguments(call, b, arg, s => { var r = b.Allocate(s); r.Dispose(); return r; });
        var ex = Assert.Throws<ObjectDisposedException>(() => call.Invoke(b, t))!;
        Assert.That(ex.Message, Does.Contain(Tensor<T>.FormatShape(call.Shapes[arg])).And.Contain(call.Method).And.Contain($"'{call.Roles[arg]}'"));
        foreach (var x in t) x.Dispose();
    }

    [TestCaseSource(typeof(OpCases), nameof(OpCases.Arguments))]
    public void ViewOfAReleasedTensorThrowsObjectDisposedNamingTheViewShape(string op, int arg)
    {
        var call = OpCatalog<T>.All[op];
        var b = Cpu(1);
        Tensor<T>? root = null;
        var t = Arguments(call, b, arg, s =>
        {
            root = b.Allocate((int)Tensor<T>.ShapeLength(s) + 5);
            var view = root.Slice(5, s);
            root.Dispose();
            return view;
        });
        Assert.That(t[arg].IsReleased, Is.True);
        var ex = Assert.Throws<ObjectDisposedException>(() => call.Invoke(b, t))!;
        Assert.That(ex.Message, Does.Contain(Tensor<T>.FormatShape(call.Shapes[arg])).And.Contain($"'{call.Roles[arg]}'"));
        foreach (var x in t) x.Dispose();
    }

    [TestCaseSource(typeof(OpCases), nameof(OpCases.Arguments))]
    public void TensorOfAnotherBackendThrowsArgumentException(string op, int arg)
    {
        var call = OpCatalog<T>.All[op];
        var b = Cpu(1);
        var t = Arguments(call, b, arg, s => _other.Allocate(s));
        var ex = Assert.Throws<ArgumentException>(() => call.Invoke(b, t))!;
        Assert.That(ex.Message, Does.Contain("belongs to backend").And.Contain(Tensor<T>.FormatShape(call.Shapes[arg])).And.Contain($"'{call.Roles[arg]}'"));
        Assert.That(ex.ParamName, Is.EqualTo(call.Roles[arg]));
        foreach (var x in t) x.Dispose();
    }

    [TestCaseSource(typeof(OpCases), nameof(OpCases.LengthChecked))]
    public void LengthMismatchThrowsArgumentExceptionNamingBothShapes(string op, int arg)
    {
        var call = OpCatalog<T>.All[op];
        var b = Cpu(1);
        int[] wrong = call.Method == "SumRows" && arg == 0 ? [3, 5] : [5]; // SumRows: x with 5 columns against y of 4
        var t = Arguments(call, b, arg, _ => b.Allocate(wrong));
        var ex = Assert.Throws<ArgumentException>(() => call.Invoke(b, t))!;
        Assert.That(ex, Is.Not.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(ex.Message, Does.Contain(Tensor<T>.FormatShape(wrong)).And.Contain(call.Method));
        var others = call.Shapes.Where((_, i) => i != arg).Select(s => Tensor<T>.FormatShape(s)).ToArray();
        Assert.That(others.Any(ex.Message.Contains), Is.True, $"the message names another argument's shape ({string.Join(" or ", others)}): {ex.Message}");
        foreach (var x in t) x.Dispose();
    }

    [Test]
    public void SumRowsAndSumColsNameBothShapes()
    {
        var b = Cpu(1);
        using var x = b.Allocate(3, 4);
        using var y = b.Allocate(3);
        using var z = b.Allocate(4);
        Assert.That(Assert.Throws<ArgumentException>(() => b.SumRows(x, false, y))!.Message, Does.Contain("[3, 4]").And.Contain("[3]"));
        Assert.That(Assert.Throws<ArgumentException>(() => b.SumCols(x, false, z))!.Message, Does.Contain("[3, 4]").And.Contain("[4]"));
    }

    [Test]
    public void CopyFromHostAndCopyToHostCheckTheHostLength()
    {
        var b = Cpu(1);
        var data = Enumerable.Range(1, 12).Select(i => T.CreateTruncating(i)).ToArray();
        using var t = b.FromHost(data, 3, 4);
        var ex = Assert.Throws<ArgumentException>(() => b.CopyFromHost(new T[11], t))!;
        Assert.That(ex.Message, Does.Contain("[3, 4]").And.Contain("11").And.Contain("CopyFromHost"));
        Assert.Throws<ArgumentException>(() => b.CopyFromHost(new T[13], t));
        Assert.That(b.ToArray(t), Is.EqualTo(data), "a rejected copy leaves the tensor unchanged");
        var host = new T[13];
        ex = Assert.Throws<ArgumentException>(() => b.CopyToHost(t, host))!;
        Assert.That(ex.Message, Does.Contain("[3, 4]").And.Contain("13").And.Contain("CopyToHost"));
        Assert.That(host, Is.All.EqualTo(T.Zero), "a rejected copy leaves the host buffer unchanged");
        Assert.Throws<ArgumentException>(() => b.CopyToHost(t, new T[11]));
    }

    [Test]
    public void FromHostWithTheWrongLengthThrowsAndLeaksNothing()
    {
        var b = Cpu(1);
        long before = b.LiveBytes;
        var ex = Assert.Throws<ArgumentException>(() => b.FromHost(new T[5], 2, 3))!;
        Assert.That(ex.Message, Does.Contain("[2, 3]"));
        Assert.That(b.LiveBytes, Is.EqualTo(before));
    }

    [Test]
    public void ReleasingATensorOfAnotherBackendThrows()
    {
        var b = Cpu(1);
        using var t = _other.Allocate(2, 2);
        var ex = Assert.Throws<ArgumentException>(() => b.Release(t))!;
        Assert.That(ex.Message, Does.Contain("belongs to backend").And.Contain("[2, 2]"));
        Assert.That(t.IsReleased, Is.False);
    }

    [Test]
    public void AllocateRejectsNegativeDimensionsAndUseAfterDispose()
    {
        var b = Cpu(1);
        var ex = Assert.Throws<ArgumentException>(() => b.Allocate(2, -1))!;
        Assert.That(ex.Message, Does.Contain("[2, -1]"));
        var gone = new CpuBackend<T>(new CpuBackendOptions { Threads = 1 });
        gone.Dispose();
        gone.Dispose(); // twice is fine
        Assert.Throws<ObjectDisposedException>(() => gone.Allocate(3));
    }

    [Test]
    public void NullTensorArgumentsThrowArgumentNull()
    {
        var b = Cpu(1);
        using var x = b.Allocate(4);
        Assert.That(Assert.Throws<ArgumentNullException>(() => b.Add(x, null!, x))!.ParamName, Is.EqualTo("b"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => b.Sigmoid(null!, x))!.ParamName, Is.EqualTo("x"));
    }

    /// <summary>MatMul (from BackendExtensions) names all three shapes when they do not chain.</summary>
    [Test]
    public void MatMulShapeErrorNamesAllThreeShapes()
    {
        var b = Cpu(1);
        using var a = b.Allocate(2, 3);
        using var m = b.Allocate(4, 5);
        using var c = b.Allocate(2, 5);
        var ex = Assert.Throws<ArgumentException>(() => b.MatMul(a, m, c))!;
        Assert.That(ex.Message, Does.Contain("[2, 3]").And.Contain("[4, 5]").And.Contain("[2, 5]"));
        using var k = b.Allocate(3, 5);
        using var wrongC = b.Allocate(5, 2);
        ex = Assert.Throws<ArgumentException>(() => b.MatMul(a, k, wrongC))!; // a·k is 2×5, c is 5×2
        Assert.That(ex.Message, Does.Contain("[2, 3]").And.Contain("[3, 5]").And.Contain("[5, 2]"));
        ex = Assert.Throws<ArgumentException>(() => b.MatMul(a, k, c, transA: Transpose.Yes))!; // aᵀ is 3×2, k is 3×5
        Assert.That(ex.Message, Does.Contain("[2, 3]").And.Contain("[3, 5]"));
    }
}
