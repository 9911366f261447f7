namespace SeqCore.Cuda;

public sealed unsafe partial class CudaBackend<T>
{
    private void Binary(string op, string kernel, Tensor<T> a, Tensor<T> b, Tensor<T> y, string aRole = "a", string bRole = "b", string yRole = "y")
    {
        ulong pa = Ptr(a, op, aRole), pb = Ptr(b, op, bRole), py = Ptr(y, op, yRole);
        Check.SameLength(op, a, aRole, b, bRole);
        Check.SameLength(op, a, aRole, y, yRole);
        long n = a.Length;
        void** args = stackalloc void*[] { &pa, &pb, &py, &n };
        LaunchElements(kernel, n, args);
    }

    private void Unary(string op, string kernel, Tensor<T> x, Tensor<T> y)
    {
        ulong px = Ptr(x, op, "x"), py = Ptr(y, op, "y");
        Check.SameLength(op, x, "x", y, "y");
        long n = x.Length;
        void** args = stackalloc void*[] { &px, &py, &n };
        LaunchElements(kernel, n, args);
    }

    /// <inheritdoc />
    public void Add(Tensor<T> a, Tensor<T> b, Tensor<T> y) => Binary("Add", "add", a, b, y);

    /// <inheritdoc />
    public void Sub(Tensor<T> a, Tensor<T> b, Tensor<T> y) => Binary("Sub", "sub", a, b, y);

    /// <inheritdoc />
    public void Mul(Tensor<T> a, Tensor<T> b, Tensor<T> y) => Binary("Mul", "mul", a, b, y);

    /// <inheritdoc />
    public void Scale(Tensor<T> x, T alpha, Tensor<T> y)
    {
        ulong px = Ptr(x, "Scale", "x"), py = Ptr(y, "Scale", "y");
        Check.SameLength("Scale", x, "x", y, "y");
        long n = x.Length;
        void** args = stackalloc void*[] { &px, &alpha, &py, &n };
        LaunchElements("scale", n, args);
    }

    /// <inheritdoc />
    public void Axpy(Tensor<T> x, T alpha, Tensor<T> y)
    {
        ulong px = Ptr(x, "Axpy", "x"), py = Ptr(y, "Axpy", "y");
        Check.SameLength("Axpy", x, "x", y, "y");
        long n = x.Length;
        void** args = stackalloc void*[] { &px, &alpha, &py, &n };
        LaunchElements("axpy", n, args);
    }

    /// <inheritdoc />
    public void Fill(T value, Tensor<T> y)
    {
        ulong py = Ptr(y, "Fill", "y");
        long n = y.Length;
        void** args = stackalloc void*[] { &value, &py, &n };
        LaunchElements("fill", n, args);
    }

    /// <inheritdoc />
    public void Copy(Tensor<T> x, Tensor<T> y)
    {
        ulong px = Ptr(x, "Copy", "x"), py = Ptr(y, "Copy", "y");
        Check.SameLength("Copy", x, "x", y, "y");
        long bytes = x.Length * sizeof(T);
        if (bytes == 0 || px == py) return;
        if (px < py + (ulong)bytes && py < px + (ulong)bytes)
        {
            // Overlapping views: memmove semantics (as the CPU backend) through a temporary.
            ulong tmp = _allocator.Rent(bytes);
            _device.CopyAsync(tmp, px, bytes);
            _device.CopyAsync(py, tmp, bytes);
            _allocator.Return(tmp, bytes);
            return;
        }
        _device.CopyAsync(py, px, bytes);
    }

    // ----- activations --------------------------------------------------------------------

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
