using System.Numerics;
using System.Runtime.Intrinsics;
using static SeqCore.Cpu.VectorMath;

namespace SeqCore.Cpu;

public sealed unsafe partial class CpuBackend<T>
{
    /// <inheritdoc />
    public void LstmCellForward(Tensor<T> gates, Tensor<T> cPrev, Tensor<T>? peepholes, Tensor<T> c, Tensor<T> h)
    {
        const string op = "LstmCellForward";
        var job = JobCache<LstmJob>.Get();
        job.Gates = Ptr(gates, op, "gates"); job.CPrev = Ptr(cPrev, op, "cPrev"); job.C = Ptr(c, op, "c"); job.H = Ptr(h, op, "h");
        job.Peep = peepholes is null ? null : Ptr(peepholes, op, "peepholes");
        var (batch, hidden) = Check.LstmCellForward(op, gates, cPrev, peepholes, c, h);
        job.Backward = false; job.Batch = batch; job.Hidden = hidden;
        RunLstm(job, batch, hidden, parallel: true);
    }

    /// <inheritdoc />
    public void LstmCellBackward(Tensor<T> gates, Tensor<T> cPrev, Tensor<T> c, Tensor<T>? peepholes,
        Tensor<T> dh, Tensor<T> dc, Tensor<T> dGates, Tensor<T> dcPrev, Tensor<T>? dPeepholes)
    {
        const string op = "LstmCellBackward";
        var job = JobCache<LstmJob>.Get();
        job.Gates = Ptr(gates, op, "gates"); job.CPrev = Ptr(cPrev, op, "cPrev"); job.C = Ptr(c, op, "c");
        job.Peep = peepholes is null ? null : Ptr(peepholes, op, "peepholes");
        job.DH = Ptr(dh, op, "dh"); job.DC = Ptr(dc, op, "dc"); job.DGates = Ptr(dGates, op, "dGates"); job.DCPrev = Ptr(dcPrev, op, "dcPrev");
        job.DPeep = dPeepholes is null ? null : Ptr(dPeepholes, op, "dPeepholes");
        var (batch, hidden) = Check.LstmCellBackward(op, gates, cPrev, c, peepholes, dh, dc, dGates, dcPrev, dPeepholes);
        job.Backward = true; job.Batch = batch; job.Hidden = hidden;
        // Peephole gradients sum over the batch: rows run in order on one thread so the sum has no races.
        RunLstm(job, batch, hidden, parallel: dPeepholes is null);
    }

    private void RunLstm(LstmJob job, int batch, int hidden, bool parallel)
    {
        // Chunks of about 2048 elements: a step of B = 32, H = 256 (8192 elements, a few dozen µs of exp/tanh)
        // splits over both cores, measured faster than one thread (docs/benchmarks.md, LSTM step).
        job.RowsPerChunk = Math.Max(1, 2048 / Math.Max(1, hidden));
        int chunks = (batch + job.RowsPerChunk - 1) / job.RowsPerChunk;
        if (!parallel || (long)batch * hidden < 4096) for (int i = 0; i < chunks; i++) job.Execute(i);
        else _pool.Run(job, chunks);
    }

    private sealed class LstmJob : IParallelJob
    {
        public bool Backward;
        public T* Gates, CPrev, C, H, Peep, DH, DC, DGates, DCPrev, DPeep;
        public int Batch, Hidden, RowsPerChunk;

        public void Execute(int chunk)
        {
            int end = Math.Min(Batch, (chunk + 1) * RowsPerChunk);
            for (int b = chunk * RowsPerChunk; b < end; b++)
                for (int j = 0; j < Hidden; j += Vector256<T>.Count)
                {
                    int n = Math.Min(Vector256<T>.Count, Hidden - j);
                    if (Backward) BackwardLanes(b, j, n); else ForwardLanes(b, j, n);
                }
        }

        private void ForwardLanes(int b, int j, int n)
        {
            int hd = Hidden;
            T* g = Gates + (long)b * 4 * hd + j;
            long s = (long)b * hd + j;
            var cp = Lanes.Load(CPrev + s, n);
            Vector256<T> ai = Lanes.Load(g, n), af = Lanes.Load(g + hd, n), ag = Lanes.Load(g + 2 * hd, n), ao = Lanes.Load(g + 3 * hd, n);
            if (Peep != null)
            {
                ai = MultiplyAdd(Lanes.Load(Peep + j, n), cp, ai);
                af = MultiplyAdd(Lanes.Load(Peep + hd + j, n), cp, af);
            }
            var i = VectorMath.Sigmoid(ai);
            var f = VectorMath.Sigmoid(af);
            var gg = VectorMath.Tanh(ag);
            var c = MultiplyAdd(f, cp, i * gg);
            if (Peep != null) ao = MultiplyAdd(Lanes.Load(Peep + 2 * hd + j, n), c, ao);
            var o = VectorMath.Sigmoid(ao);
            Lanes.Store(i, g, n); Lanes.Store(f, g + hd, n); Lanes.Store(gg, g + 2 * hd, n); Lanes.Store(o, g + 3 * hd, n);
            Lanes.Store(c, C + s, n);
            Lanes.Store(o * VectorMath.Tanh(c), H + s, n);
        }

        private void BackwardLanes(int b, int j, int n)
        {
            int hd = Hidden;
            T* g = Gates + (long)b * 4 * hd + j;
            T* dg = DGates + (long)b * 4 * hd + j;
            long s = (long)b * hd + j;
            var one = Vector256<T>.One;
            var cp = Lanes.Load(CPrev + s, n);
            var c = Lanes.Load(C + s, n);
            var dh = Lanes.Load(DH + s, n);
            Vector256<T> i = Lanes.Load(g, n), f = Lanes.Load(g + hd, n), gg = Lanes.Load(g + 2 * hd, n), o = Lanes.Load(g + 3 * hd, n);
            var tc = VectorMath.Tanh(c);
            var dao = dh * tc * o * (one - o);
            // Total gradient reaching c: from the next step, through h = o·tanh(c), and through the o-gate peephole.
            var dct = MultiplyAdd(dh * o, one - tc * tc, Lanes.Load(DC + s, n));
            if (Peep != null) dct = MultiplyAdd(dao, Lanes.Load(Peep + 2 * hd + j, n), dct);
            var dai = dct * gg * i * (one - i);
            var daf = dct * cp * f * (one - f);
            var dag = dct * i * (one - gg * gg);
            var dcp = dct * f;
            if (Peep != null)
            {
                dcp = MultiplyAdd(dai, Lanes.Load(Peep + j, n), dcp);
                dcp = MultiplyAdd(daf, Lanes.Load(Peep + hd + j, n), dcp);
                Lanes.Store(MultiplyAdd(dai, cp, Lanes.Load(DPeep + j, n)), DPeep + j, n);
                Lanes.Store(MultiplyAdd(daf, cp, Lanes.Load(DPeep + hd + j, n)), DPeep + hd + j, n);
                Lanes.Store(MultiplyAdd(dao, c, Lanes.Load(DPeep + 2 * hd + j, n)), DPeep + 2 * hd + j, n);
            }
            Lanes.Store(dai, dg, n); Lanes.Store(daf, dg + hd, n); Lanes.Store(dag, dg + 2 * hd, n); Lanes.Store(dao, dg + 3 * hd, n);
            Lanes.Store(dcp, DCPrev + s, n);
        }
    }
}
