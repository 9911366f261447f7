using System.Numerics;
using System.Runtime.Intrinsics;

namespace SeqCore.Cpu;

public sealed unsafe partial class CpuBackend<T>
{
    private const long UpdateChunk = 1 << 14;

    /// <inheritdoc />
    public void SgdUpdate(Tensor<T> parameter, Tensor<T> gradient, Tensor<T>? momentumBuffer, double learningRate, double momentum,
        double dampening, double weightDecay, bool nesterov, bool firstStep)
    {
        const string op = "SgdUpdate";
        T* pp = Ptr(parameter, op, "parameter"), pg = Ptr(gradient, op, "gradient");
        Check.SameLength(op, parameter, "parameter", gradient, "gradient");
        T* pb = null;
        if (momentum != 0.0)
        {
            if (momentumBuffer is null) throw new ArgumentNullException(nameof(momentumBuffer), $"{op}: momentum {momentum} needs a momentum buffer.");
            pb = Ptr(momentumBuffer, op, "momentumBuffer");
            Check.SameLength(op, parameter, "parameter", momentumBuffer, "momentumBuffer");
        }
        var job = JobCache<UpdateJob>.Get();
        job.Adam = false; job.P = pp; job.G = pg; job.B = pb; job.V = null; job.N = parameter.Length;
        job.Lr = T.CreateTruncating(learningRate); job.Mu = T.CreateTruncating(momentum); job.Damp = T.CreateTruncating(1.0 - dampening);
        job.Wd = T.CreateTruncating(weightDecay); job.Nesterov = nesterov; job.First = firstStep;
        RunUpdate(job);
    }

    /// <inheritdoc />
    public void AdamUpdate(Tensor<T> parameter, Tensor<T> gradient, Tensor<T> expAvg, Tensor<T> expAvgSq, double learningRate,
        double beta1, double beta2, double epsilon, double weightDecay, bool decoupledWeightDecay, int step)
    {
        const string op = "AdamUpdate";
        T* pp = Ptr(parameter, op, "parameter"), pg = Ptr(gradient, op, "gradient"), pm = Ptr(expAvg, op, "expAvg"), pv = Ptr(expAvgSq, op, "expAvgSq");
        Check.SameLength(op, parameter, "parameter", gradient, "gradient");
        Check.SameLength(op, parameter, "parameter", expAvg, "expAvg");
        Check.SameLength(op, parameter, "parameter", expAvgSq, "expAvgSq");
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), $"{op}: the step count is 1-based, got {step}.");
        var job = JobCache<UpdateJob>.Get();
        job.Adam = true; job.P = pp; job.G = pg; job.B = pm; job.V = pv; job.N = parameter.Length;
        job.Lr = T.CreateTruncating(learningRate / (1.0 - Math.Pow(beta1, step)));          // lr / c1
        job.Mu = T.CreateTruncating(beta1); job.Damp = T.CreateTruncating(beta2);
        job.Eps = T.CreateTruncating(epsilon);
        job.SqrtC2 = T.CreateTruncating(Math.Sqrt(1.0 - Math.Pow(beta2, step)));           // √c2 (divided by, as PyTorch)
        job.Wd = T.CreateTruncating(decoupledWeightDecay ? 0.0 : weightDecay);
        job.Decay = T.CreateTruncating(decoupledWeightDecay ? 1.0 - learningRate * weightDecay : 1.0);
        RunUpdate(job);
    }

    private void RunUpdate(UpdateJob job)
    {
        if (job.N < Pointwise.ParallelThreshold || _pool.Threads == 1) { job.Run(0, job.N); return; }
        _pool.Run(job, (int)((job.N + UpdateChunk - 1) / UpdateChunk));
    }

    /// <summary>The SGD or Adam update over a range of elements; fields carry the arguments (reused, so dispatch allocates nothing).</summary>
    private sealed class UpdateJob : IParallelJob
    {
        public bool Adam, Nesterov, First;
        public T* P, G, B, V;
        public long N;
        public T Lr, Mu, Damp, Wd, Eps, SqrtC2, Decay;

        public void Execute(int chunk)
        {
            long start = chunk * UpdateChunk;
            Run(start, Math.Min(N, start + UpdateChunk));
        }

        public void Run(long start, long end)
        {
            if (Adam) AdamRange(start, end); else SgdRange(start, end);
        }

        private void SgdRange(long i, long end)
        {
            T lr = Lr, mu = Mu, damp = Damp, wd = Wd;
            bool hasBuffer = B != null;
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<T> vlr = Vector256.Create(lr), vmu = Vector256.Create(mu), vdamp = Vector256.Create(damp), vwd = Vector256.Create(wd);
                for (; i <= end - Vector256<T>.Count; i += Vector256<T>.Count)
                {
                    var p = Vector256.Load(P + i);
                    var g = Vector256.Load(G + i) + vwd * p;
                    if (hasBuffer)
                    {
                        var b = First ? g : vmu * Vector256.Load(B + i) + vdamp * g;
                        Vector256.Store(b, B + i);
                        g = Nesterov ? g + vmu * b : b;
                    }
                    Vector256.Store(p - vlr * g, P + i);
                }
            }
            for (; i < end; i++)
            {
                T p = P[i], g = G[i] + wd * p;
                if (hasBuffer)
                {
                    T b = First ? g : mu * B[i] + damp * g;
                    B[i] = b;
                    g = Nesterov ? g + mu * b : b;
                }
                P[i] = p - lr * g;
            }
        }

        private void AdamRange(long i, long end)
        {
            // Mu = β1, Damp = β2, Lr = lr/c1, SqrtC2 = √c2, Wd = L2 coefficient (Adam), Decay = 1 − lr·λ (AdamW).
            T b1 = Mu, b2 = Damp, c1b = T.One - Mu, c2b = T.One - Damp, step = Lr, eps = Eps, sc2 = SqrtC2, wd = Wd, decay = Decay;
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<T> vb1 = Vector256.Create(b1), vb2 = Vector256.Create(b2), v1b = Vector256.Create(c1b), v2b = Vector256.Create(c2b),
                    vstep = Vector256.Create(step), veps = Vector256.Create(eps), vsc2 = Vector256.Create(sc2), vwd = Vector256.Create(wd), vdecay = Vector256.Create(decay);
                for (; i <= end - Vector256<T>.Count; i += Vector256<T>.Count)
                {
                    var p = Vector256.Load(P + i) * vdecay;
                    var g = Vector256.Load(G + i) + vwd * p;
                    var m = vb1 * Vector256.Load(B + i) + v1b * g;
                    var v = vb2 * Vector256.Load(V + i) + v2b * (g * g);
                    Vector256.Store(m, B + i);
                    Vector256.Store(v, V + i);
                    Vector256.Store(p - vstep * m / (Vector256.Sqrt(v) / vsc2 + veps), P + i);
                }
            }
            for (; i < end; i++)
            {
                T p = P[i] * decay;
                T g = G[i] + wd * p;
                T m = b1 * B[i] + c1b * g;
                T v = b2 * V[i] + c2b * (g * g);
                B[i] = m; V[i] = v;
                P[i] = p - step * m / (T.Sqrt(v) / sc2 + eps);
            }
        }
    }
}
