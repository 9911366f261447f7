namespace SeqCore.Cuda;

public sealed unsafe partial class CudaBackend<T>
{
    /// <inheritdoc />
    public void Softmax(Tensor<T> x, Tensor<T> y) => SoftmaxForward("Softmax", x, y, 0);

    /// <inheritdoc />
    public void LogSoftmax(Tensor<T> x, Tensor<T> y) => SoftmaxForward("LogSoftmax", x, y, 1);

    /// <inheritdoc />
    public void SoftmaxBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx) => SoftmaxBackward("SoftmaxBackward", y, dy, dx, 0);

    /// <inheritdoc />
    public void LogSoftmaxBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx) => SoftmaxBackward("LogSoftmaxBackward", y, dy, dx, 1);

    private void SoftmaxForward(string op, Tensor<T> x, Tensor<T> y, int log)
    {
        ulong px = Ptr(x, op, "x"), py = Ptr(y, op, "y");
        Check.SameLength(op, x, "x", y, "y");
        var (rows, cols) = x.AsMatrix();
        void** args = stackalloc void*[] { &px, &py, &rows, &cols, &log };
        LaunchRows("softmax", rows, cols, args);
    }

    private void SoftmaxBackward(string op, Tensor<T> y, Tensor<T> dy, Tensor<T> dx, int log)
    {
        ulong py = Ptr(y, op, "y"), pd = Ptr(dy, op, "dy"), pdx = Ptr(dx, op, "dx");
        Check.SameLength(op, y, "y", dy, "dy");
        Check.SameLength(op, y, "y", dx, "dx");
        var (rows, cols) = y.AsMatrix();
        void** args = stackalloc void*[] { &py, &pd, &pdx, &rows, &cols, &log };
        LaunchRows("softmax_backward", rows, cols, args);
    }
}
