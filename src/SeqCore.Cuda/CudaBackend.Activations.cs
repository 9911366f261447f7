namespace SeqCore.Cuda;

public sealed unsafe partial class CudaBackend<T>
{
    private void Unary(string op, string kernel, Tensor<T> x, Tensor<T> y)
    {
        ulong px = Ptr(x, op, "x"), py = Ptr(y, op, "y");
        Check.SameLength(op, x, "x", y, "y");
        long n = x.Length;
        void** args = stackalloc void*[] { &px, &py, &n };
        LaunchElements(kernel, n, args);
    }

    /// <inheritdoc />
    public void Sigmoid(Tensor<T> x, Tensor<T> y) => Unary("Sigmoid", "sigmoid", x, y);

    /// <inheritdoc />
    public void SigmoidBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx) => Binary("SigmoidBackward", "sigmoid_backward", y, dy, dx, "y", "dy", "dx");

    /// <inheritdoc />
    public void Tanh(Tensor<T> x, Tensor<T> y) => Unary("Tanh", "tanh_forward", x, y);

    /// <inheritdoc />
    public void TanhBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx) => Binary("TanhBackward", "tanh_backward", y, dy, dx, "y", "dy", "dx");

    /// <inheritdoc />
    public void Relu(Tensor<T> x, Tensor<T> y) => Unary("Relu", "relu", x, y);

    /// <inheritdoc />
    public void ReluBackward(Tensor<T> x, Tensor<T> dy, Tensor<T> dx) => Binary("ReluBackward", "relu_backward", x, dy, dx, "x", "dy", "dx");

    /// <inheritdoc />
    public void Gelu(Tensor<T> x, GeluApproximation approximation, Tensor<T> y)
    {
        ulong px = Ptr(x, "Gelu", "x"), py = Ptr(y, "Gelu", "y");
        Check.SameLength("Gelu", x, "x", y, "y");
        long n = x.Length;
        int approx = approximation == GeluApproximation.Tanh ? 1 : 0;
        void** args = stackalloc void*[] { &px, &approx, &py, &n };
        LaunchElements("gelu", n, args);
    }

    /// <inheritdoc />
    public void GeluBackward(Tensor<T> x, Tensor<T> dy, GeluApproximation approximation, Tensor<T> dx)
    {
        const string op = "GeluBackward";
        ulong px = Ptr(x, op, "x"), pd = Ptr(dy, op, "dy"), pdx = Ptr(dx, op, "dx");
        Check.SameLength(op, x, "x", dy, "dy");
        Check.SameLength(op, x, "x", dx, "dx");
        long n = x.Length;
        int approx = approximation == GeluApproximation.Tanh ? 1 : 0;
        void** args = stackalloc void*[] { &px, &pd, &approx, &pdx, &n };
        LaunchElements("gelu_backward", n, args);
    }
}
