namespace SeqCore.Cuda;

public sealed unsafe partial class CudaBackend<T>
{
    /// <inheritdoc />
    public void LayerNormForward(Tensor<T> x, Tensor<T>? weight, Tensor<T>? bias, T epsilon, Tensor<T> y, Tensor<T> mean, Tensor<T> rstd)
    {
        const string op = "LayerNormForward";
        ulong px = Ptr(x, op, "x"), py = Ptr(y, op, "y"), pm = Ptr(mean, op, "mean"), pr = Ptr(rstd, op, "rstd");
        ulong pw = OptionalPtr(weight, op, "weight"), pb = OptionalPtr(bias, op, "bias");
        var (rows, cols) = x.AsMatrix();
        Check.LayerNormForward(op, x, weight, bias, epsilon, y, mean, rstd);
        void** args = stackalloc void*[] { &px, &pw, &pb, &epsilon, &py, &pm, &pr, &rows, &cols };
        LaunchRows("layernorm_forward", rows, cols, args);
    }

    /// <inheritdoc />
    public void LayerNormBackward(Tensor<T> x, Tensor<T>? weight, Tensor<T> mean, Tensor<T> rstd, Tensor<T> dy,
        Tensor<T>? dx, Tensor<T>? dWeight, Tensor<T>? dBias)
    {
        const string op = "LayerNormBackward";
        ulong px = Ptr(x, op, "x"), pm = Ptr(mean, op, "mean"), pr = Ptr(rstd, op, "rstd"), pdy = Ptr(dy, op, "dy");
        ulong pw = OptionalPtr(weight, op, "weight"), pdx = OptionalPtr(dx, op, "dx");
        ulong pdw = OptionalPtr(dWeight, op, "dWeight"), pdb = OptionalPtr(dBias, op, "dBias");
        var (rows, cols) = x.AsMatrix();
        Check.LayerNormBackward(op, x, weight, mean, rstd, dy, dx, dWeight, dBias);
        if (rows == 0 || cols == 0) return;
        // Parameter gradients first: they read dy, which dx may overwrite when the caller aliases them (stream order).
        if (pdw != 0 || pdb != 0)
        {
            void** pargs = stackalloc void*[] { &px, &pdy, &pm, &pr, &pdw, &pdb, &rows, &cols };
            LaunchColumns("layernorm_backward_params", cols, 2, pargs);
        }
        if (pdx == 0) return;
        void** args = stackalloc void*[] { &px, &pw, &pm, &pr, &pdy, &pdx, &rows, &cols };
        LaunchRows("layernorm_backward_dx", rows, cols, args);
    }
}
