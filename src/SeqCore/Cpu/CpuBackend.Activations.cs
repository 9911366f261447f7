using System.Numerics;
using System.Runtime.Intrinsics;

namespace SeqCore.Cpu;

public sealed unsafe partial class CpuBackend<T>
{
    /// <inheritdoc />
    public void Sigmoid(Tensor<T> x, Tensor<T> y) => UnaryOp("Sigmoid", x, y, new SigmoidOp());

    /// <inheritdoc />
    public void SigmoidBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx) => BinaryOp("SigmoidBackward", y, dy, dx, new SigmoidBackwardOp(), "y", "dy", "dx");

    /// <inheritdoc />
    public void Tanh(Tensor<T> x, Tensor<T> y) => UnaryOp("Tanh", x, y, new TanhOp());

    /// <inheritdoc />
    public void TanhBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx) => BinaryOp("TanhBackward", y, dy, dx, new TanhBackwardOp(), "y", "dy", "dx");

    /// <inheritdoc />
    public void Relu(Tensor<T> x, Tensor<T> y) => UnaryOp("Relu", x, y, new ReluOp());

    /// <inheritdoc />
    public void ReluBackward(Tensor<T> x, Tensor<T> dy, Tensor<T> dx) => BinaryOp("ReluBackward", x, dy, dx, new ReluBackwardOp(), "x", "dy", "dx");

    /// <inheritdoc />
    public void Gelu(Tensor<T> x, GeluApproximation approximation, Tensor<T> y)
    {
        if (approximation == GeluApproximation.Tanh) UnaryOp("Gelu", x, y, new GeluTanhOp());
        else UnaryOp("Gelu", x, y, new GeluExactOp());
    }

    /// <inheritdoc />
    public void GeluBackward(Tensor<T> x, Tensor<T> dy, GeluApproximation approximation, Tensor<T> dx)
    {
        if (approximation == GeluApproximation.Tanh) BinaryOp("GeluBackward", x, dy, dx, new GeluTanhBackwardOp(), "x", "dy", "dx");
        else BinaryOp("GeluBackward", x, dy, dx, new GeluExactBackwardOp(), "x", "dy", "dx");
    }

    private static readonly T Half = T.CreateTruncating(0.5);
    private static readonly T SqrtTwoOverPi = T.CreateTruncating(0.79788456080286535588); // √(2/π)
    private static readonly T GeluCubic = T.CreateTruncating(0.044715);

    private readonly struct SigmoidOp : IUnaryOp<T>
    {
        public T Invoke(T x) => T.One / (T.One + T.Exp(-x));
        public Vector256<T> Invoke(Vector256<T> x) => VectorMath.Sigmoid(x);
    }

    private readonly struct SigmoidBackwardOp : IBinaryOp<T>
    {
        public T Invoke(T y, T dy) => dy * y * (T.One - y);
        public Vector256<T> Invoke(Vector256<T> y, Vector256<T> dy) => dy * y * (Vector256<T>.One - y);
    }

    private readonly struct TanhOp : IUnaryOp<T>
    {
        public T Invoke(T x) => T.Tanh(x);
        public Vector256<T> Invoke(Vector256<T> x) => VectorMath.Tanh(x);
    }

    private readonly struct TanhBackwardOp : IBinaryOp<T>
    {
        public T Invoke(T y, T dy) => dy * (T.One - y * y);
        public Vector256<T> Invoke(Vector256<T> y, Vector256<T> dy) => dy * (Vector256<T>.One - y * y);
    }

    private readonly struct ReluOp : IUnaryOp<T>
    {
        public T Invoke(T x) => x > T.Zero ? x : T.Zero;
        public Vector256<T> Invoke(Vector256<T> x) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), x, Vector256<T>.Zero);
    }

    private readonly struct ReluBackwardOp : IBinaryOp<T>
    {
        public T Invoke(T x, T dy) => x > T.Zero ? dy : T.Zero;
        public Vector256<T> Invoke(Vector256<T> x, Vector256<T> dy) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), dy, Vector256<T>.Zero);
    }

    /// <summary>x·Φ(x). Float uses <see cref="NormalCdfFloat"/> (SIMD, same polynomials in both paths); double uses the
    /// scalar double erf of <see cref="SpecialFunctions"/> lane by lane (accurate to double rounding).</summary>
    private readonly struct GeluExactOp : IUnaryOp<T>
    {
        public T Invoke(T x)
        {
            if (typeof(T) == typeof(float)) { float xf = (float)(object)x; return (T)(object)(xf * NormalCdfFloat.Cdf(xf, out _)); }
            return T.CreateTruncating(SpecialFunctions.GeluExact(double.CreateTruncating(x)));
        }

        public Vector256<T> Invoke(Vector256<T> x)
        {
            if (typeof(T) == typeof(float)) { var xf = x.AsSingle(); return (xf * NormalCdfFloat.Cdf(xf, out _)).As<float, T>(); }
            Span<T> lanes = stackalloc T[Vector256<T>.Count];
            for (int i = 0; i < lanes.Length; i++) lanes[i] = Invoke(x.GetElement(i));
            return Vector256.Create<T>(lanes);
        }
    }

    /// <summary>GELU'(x) = Φ(x) + x·φ(x).</summary>
    private readonly struct GeluExactBackwardOp : IBinaryOp<T>
    {
        public T Invoke(T x, T dy)
        {
            if (typeof(T) == typeof(float))
            {
                float xf = (float)(object)x, cdf = NormalCdfFloat.Cdf(xf, out float pdf);
                return (T)(object)((float)(object)dy * (cdf + xf * pdf));
            }
            return dy * T.CreateTruncating(SpecialFunctions.GeluExactDerivative(double.CreateTruncating(x)));
        }

        public Vector256<T> Invoke(Vector256<T> x, Vector256<T> dy)
        {
            if (typeof(T) == typeof(float))
            {
                var xf = x.AsSingle();
                var cdf = NormalCdfFloat.Cdf(xf, out var pdf);
                return (dy.AsSingle() * VectorMath.MultiplyAdd(xf, pdf, cdf)).As<float, T>();
            }
            Span<T> lanes = stackalloc T[Vector256<T>.Count];
            for (int i = 0; i < lanes.Length; i++) lanes[i] = Invoke(x.GetElement(i), dy.GetElement(i));
            return Vector256.Create<T>(lanes);
        }
    }

    /// <summary>x/2·(1 + tanh(u)), u = √(2/π)(x + 0.044715x³).</summary>
    private readonly struct GeluTanhOp : IUnaryOp<T>
    {
        public T Invoke(T x) => Half * x * (T.One + T.Tanh(SqrtTwoOverPi * (x + GeluCubic * x * x * x)));
        public Vector256<T> Invoke(Vector256<T> x)
        {
            Vector256<T> u = Vector256.Create(SqrtTwoOverPi) * (x + Vector256.Create(GeluCubic) * x * x * x);
            return Vector256.Create(Half) * x * (Vector256<T>.One + VectorMath.Tanh(u));
        }
    }

    /// <summary>d/dx = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²).</summary>
    private readonly struct GeluTanhBackwardOp : IBinaryOp<T>
    {
        public T Invoke(T x, T dy)
        {
            T t = T.Tanh(SqrtTwoOverPi * (x + GeluCubic * x * x * x));
            T du = SqrtTwoOverPi * (T.One + T.CreateTruncating(3) * GeluCubic * x * x);
            return dy * (Half * (T.One + t) + Half * x * (T.One - t * t) * du);
        }

        public Vector256<T> Invoke(Vector256<T> x, Vector256<T> dy)
        {
            Vector256<T> c = Vector256.Create(GeluCubic), s = Vector256.Create(SqrtTwoOverPi), h = Vector256.Create(Half);
            Vector256<T> t = VectorMath.Tanh(s * (x + c * x * x * x));
            Vector256<T> du = s * (Vector256<T>.One + Vector256.Create(T.CreateTruncating(3)) * c * x * x);
            return dy * (h * (Vector256<T>.One + t) + h * x * (Vector256<T>.One - t * t) * du);
        }
    }
}
