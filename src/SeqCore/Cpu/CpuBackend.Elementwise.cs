using System.Numerics;
using System.Runtime.Intrinsics;

namespace SeqCore.Cpu;

public sealed unsafe partial class CpuBackend<T>
{
    private void BinaryOp<TOp>(string op, Tensor<T> a, Tensor<T> b, Tensor<T> y, TOp f, string aRole = "a", string bRole = "b", string yRole = "y")
        where TOp : struct, IBinaryOp<T>
    {
        T* pa = Ptr(a, op, aRole), pb = Ptr(b, op, bRole), py = Ptr(y, op, yRole);
        Check.SameLength(op, a, aRole, b, bRole);
        Check.SameLength(op, a, aRole, y, yRole);
        Pointwise.RunBinary(_pool, f, pa, pb, py, a.Length);
    }

    private void UnaryOp<TOp>(string op, Tensor<T> x, Tensor<T> y, TOp f) where TOp : struct, IUnaryOp<T>
    {
        T* px = Ptr(x, op, "x"), py = Ptr(y, op, "y");
        Check.SameLength(op, x, "x", y, "y");
        Pointwise.RunUnary(_pool, f, px, py, x.Length);
    }

    /// <inheritdoc />
    public void Add(Tensor<T> a, Tensor<T> b, Tensor<T> y) => BinaryOp("Add", a, b, y, new AddOp());

    /// <inheritdoc />
    public void Sub(Tensor<T> a, Tensor<T> b, Tensor<T> y) => BinaryOp("Sub", a, b, y, new SubOp());

    /// <inheritdoc />
    public void Mul(Tensor<T> a, Tensor<T> b, Tensor<T> y) => BinaryOp("Mul", a, b, y, new MulOp());

    /// <inheritdoc />
    public void Scale(Tensor<T> x, T alpha, Tensor<T> y) => UnaryOp("Scale", x, y, new ScaleOp(alpha));

    /// <inheritdoc />
    public void Axpy(Tensor<T> x, T alpha, Tensor<T> y) => BinaryOp("Axpy", x, y, y, new AxpyOp(alpha), "x", "y");

    /// <inheritdoc />
    public void Fill(T value, Tensor<T> y)
    {
        T* py = Ptr(y, "Fill", "y");
        Pointwise.RunUnary(_pool, new ConstantOp(value), py, py, y.Length);
    }

    /// <inheritdoc />
    public void Copy(Tensor<T> x, Tensor<T> y)
    {
        T* px = Ptr(x, "Copy", "x"), py = Ptr(y, "Copy", "y");
        Check.SameLength("Copy", x, "x", y, "y");
        Buffer.MemoryCopy(px, py, y.Length * sizeof(T), x.Length * sizeof(T));
    }

    private readonly struct AddOp : IBinaryOp<T>
    {
        public T Invoke(T a, T b) => a + b;
        public Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => a + b;
    }

    private readonly struct SubOp : IBinaryOp<T>
    {
        public T Invoke(T a, T b) => a - b;
        public Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => a - b;
    }

    private readonly struct MulOp : IBinaryOp<T>
    {
        public T Invoke(T a, T b) => a * b;
        public Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => a * b;
    }

    private readonly struct ScaleOp(T alpha) : IUnaryOp<T>
    {
        public T Invoke(T x) => alpha * x;
        public Vector256<T> Invoke(Vector256<T> x) => Vector256.Create(alpha) * x;
    }

    /// <summary>(x, y) ↦ y + alpha·x.</summary>
    private readonly struct AxpyOp(T alpha) : IBinaryOp<T>
    {
        public T Invoke(T x, T y) => T.FusedMultiplyAdd(alpha, x, y);
        public Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => VectorMath.MultiplyAdd(Vector256.Create(alpha), x, y);
    }

    private readonly struct ConstantOp(T value) : IUnaryOp<T>
    {
        public T Invoke(T x) => value;
        public Vector256<T> Invoke(Vector256<T> x) => Vector256.Create(value);
    }
}
