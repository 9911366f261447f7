namespace SeqCore.Cuda;

public sealed unsafe partial class CudaBackend<T>
{
    /// <inheritdoc />
    public void SgdUpdate(Tensor<T> parameter, Tensor<T> gradient, Tensor<T>? momentumBuffer, double learningRate, double momentum,
        double dampening, double weightDecay, bool nesterov, bool firstStep)
    {
        const string op = "SgdUpdate";
        ulong pp = Ptr(parameter, op, "parameter"), pg = Ptr(gradient, op, "gradient");
        Check.SameLength(op, parameter, "parameter", gradient, "gradient");
        ulong pb = 0;
        if (momentum != 0.0)
        {
            if (momentumBuffer is null) throw new ArgumentNullException(nameof(momentumBuffer), $"{op}: momentum {momentum} needs a momentum buffer.");
            pb = Ptr(momentumBuffer, op, "momentumBuffer");
            Check.SameLength(op, parameter, "parameter", momentumBuffer, "momentumBuffer");
        }
        long n = parameter.Length;
        T lr = T.CreateTruncating(learningRate), mu = T.CreateTruncating(momentum), damp = T.CreateTruncating(1.0 - dampening),
            wd = T.CreateTruncating(weightDecay);
        int nest = nesterov ? 1 : 0, first = firstStep ? 1 : 0;
        void** args = stackalloc void*[] { &pp, &pg, &pb, &n, &lr, &mu, &damp, &wd, &nest, &first };
        LaunchElements("sgd_update", n, args);
    }

    /// <inheritdoc />
    public void AdamUpdate(Tensor<T> parameter, Tensor<T> gradient, Tensor<T> expAvg, Tensor<T> expAvgSq, double learningRate,
        double beta1, double beta2, double epsilon, double weightDecay, bool decoupledWeightDecay, int step)
    {
        const string op = "AdamUpdate";
        ulong pp = Ptr(parameter, op, "parameter"), pg = Ptr(gradient, op, "gradient"), pm = Ptr(expAvg, op, "expAvg"), pv = Ptr(expAvgSq, op, "expAvgSq");
        Check.SameLength(op, parameter, "parameter", gradient, "gradient");
        Check.SameLength(op, parameter, "parameter", expAvg, "expAvg");
        Check.SameLength(op, parameter, "parameter", expAvgSq, "expAvgSq");
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), $"{op}: the step count is 1-based, got {step}.");
        long n = parameter.Length;
        T stepSize = T.CreateTruncating(learningRate / (1.0 - Math.Pow(beta1, step)));          // lr / c1
        T b1 = T.CreateTruncating(beta1), b2 = T.CreateTruncating(beta2), eps = T.CreateTruncating(epsilon);
        T sqrtC2 = T.CreateTruncating(Math.Sqrt(1.0 - Math.Pow(beta2, step)));                  // √c2
        T wd = T.CreateTruncating(decoupledWeightDecay ? 0.0 : weightDecay);
        T decay = T.CreateTruncating(decoupledWeightDecay ? 1.0 - learningRate * weightDecay : 1.0);
        void** args = stackalloc void*[] { &pp, &pg, &pm, &pv, &n, &stepSize, &b1, &b2, &eps, &sqrtC2, &wd, &decay };
        LaunchElements("adam_update", n, args);
    }
}
