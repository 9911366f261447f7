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
}
