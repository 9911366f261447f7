using System.Numerics;
using System.Runtime.Intrinsics;
using static SeqCore.Cpu.VectorMath;

namespace SeqCore.Cpu;

public sealed unsafe partial class CpuBackend<T>
{
    /// <inheritdoc />
    public void GruCellForward(Tensor<T> gates, Tensor<T> hGates, Tensor<T> hPrev, Tensor<T> h)
    {
        const string op = "GruCellForward";
        var job = GruArgs(op, GruMode.Forward, gates, hPrev);
        job.HGates = Ptr(hGates, op, "hGates"); job.H = Ptr(h, op, "h");
        (job.Batch, job.Hidden) = Check.GruCellForward(op, gates, hGates, hPrev, h);
        RunGru(job);
    }

    /// <inheritdoc />
    public void GruCellBackward(Tensor<T> gates, Tensor<T> hGates, Tensor<T> hPrev, Tensor<T> dh,
        Tensor<T> dGates, Tensor<T> dhGates, Tensor<T> dhPrev)
    {
        const string op = "GruCellBackward";
        var job = GruArgs(op, GruMode.Backward, gates, hPrev);
        job.HGates = Ptr(hGates, op, "hGates"); job.DH = Ptr(dh, op, "dh");
        job.DGates = Ptr(dGates, op, "dGates"); job.DHGates = Ptr(dhGates, op, "dhGates"); job.DHPrev = Ptr(dhPrev, op, "dhPrev");
        (job.Batch, job.Hidden) = Check.GruCellBackward(op, gates, hGates, hPrev, dh, dGates, dhGates, dhPrev);
        RunGru(job);
    }

    /// <inheritdoc />
    public void GruOriginalGatesForward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> resetHidden)
    {
        const string op = "GruOriginalGatesForward";
        var job = GruArgs(op, GruMode.OriginalGates, gates, hPrev);
        job.RH = Ptr(resetHidden, op, "resetHidden");
        (job.Batch, job.Hidden) = Check.GruOriginalGatesForward(op, gates, hPrev, resetHidden);
        RunGru(job);
    }

    /// <inheritdoc />
    public void GruOriginalCellForward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> h)
    {
        const string op = "GruOriginalCellForward";
        var job = GruArgs(op, GruMode.OriginalCell, gates, hPrev);
        job.H = Ptr(h, op, "h");
        (job.Batch, job.Hidden) = Check.GruOriginalCellForward(op, gates, hPrev, h);
        RunGru(job);
    }

    /// <inheritdoc />
    public void GruOriginalCellBackward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> dh, Tensor<T> dGates, Tensor<T> dhPrev)
    {
        const string op = "GruOriginalCellBackward";
        var job = GruArgs(op, GruMode.OriginalCellBackward, gates, hPrev);
        job.DH = Ptr(dh, op, "dh"); job.DGates = Ptr(dGates, op, "dGates"); job.DHPrev = Ptr(dhPrev, op, "dhPrev");
        (job.Batch, job.Hidden) = Check.GruOriginalCellBackward(op, gates, hPrev, dh, dGates, dhPrev);
        RunGru(job);
    }

    /// <inheritdoc />
    public void GruOriginalGatesBackward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> dResetHidden, Tensor<T> dGates, Tensor<T> dhPrev)
    {
        const string op = "GruOriginalGatesBackward";
        var job = GruArgs(op, GruMode.OriginalGatesBackward, gates, hPrev);
        job.RH = Ptr(dResetHidden, op, "dResetHidden"); job.DGates = Ptr(dGates, op, "dGates"); job.DHPrev = Ptr(dhPrev, op, "dhPrev");
        (job.Batch, job.Hidden) = Check.GruOriginalGatesBackward(op, gates, hPrev, dResetHidden, dGates, dhPrev);
        RunGru(job);
    }

    /// <summary>The job with the fields every GRU op shares; each op then checks the shapes (<c>Check.Gru*</c>) and sets B and H.</summary>
    private GruJob GruArgs(string op, GruMode mode, Tensor<T> gates, Tensor<T> hPrev)
    {
        var job = JobCache<GruJob>.Get();
        job.Mode = mode;
        job.Gates = Ptr(gates, op, "gates"); job.HPrev = Ptr(hPrev, op, "hPrev");
        return job;
    }

    /// <summary>Every GRU op is independent per row, so rows are split over the workers when the step is big enough.</summary>
    private void RunGru(GruJob job)
    {
        int batch = job.Batch, hidden = job.Hidden;
        // Chunks of about 2048 elements: a step of B = 32, H = 256 (8192 elements, a few dozen µs of exp/tanh)
        // splits over both cores, measured faster than one thread (docs/benchmarks.md, LSTM step).
        job.RowsPerChunk = Math.Max(1, 2048 / Math.Max(1, hidden));
        int chunks = (batch + job.RowsPerChunk - 1) / job.RowsPerChunk;
        if ((long)batch * hidden < 4096) for (int i = 0; i < chunks; i++) job.Execute(i);
        else _pool.Run(job, chunks);
    }

    private enum GruMode { Forward, Backward, OriginalGates, OriginalCell, OriginalCellBackward, OriginalGatesBackward }

    private sealed class GruJob : IParallelJob
    {
        public GruMode Mode;
        // RH is r⊙h_prev (OriginalGates) or its gradient (OriginalGatesBackward).
        public T* Gates, HGates, HPrev, H, RH, DH, DGates, DHGates, DHPrev;
        public int Batch, Hidden, RowsPerChunk;

        public void Execute(int chunk)
        {
            int end = Math.Min(Batch, (chunk + 1) * RowsPerChunk);
            for (int b = chunk * RowsPerChunk; b < end; b++)
                for (int j = 0; j < Hidden; j += Vector256<T>.Count)
                {
                    int n = Math.Min(Vector256<T>.Count, Hidden - j);
                    long g = (long)b * 3 * Hidden + j, s = (long)b * Hidden + j;
                    switch (Mode)
                    {
                        case GruMode.Forward: ForwardLanes(g, s, n); break;
                        case GruMode.Backward: BackwardLanes(g, s, n); break;
                        case GruMode.OriginalGates: OriginalGatesLanes(g, s, n); break;
                        case GruMode.OriginalCell: OriginalCellLanes(g, s, n); break;
                        case GruMode.OriginalCellBackward: OriginalCellBackwardLanes(g, s, n); break;
                        default: OriginalGatesBackwardLanes(g, s, n); break;
                    }
                }
        }

        // g: offset of the row's r lane group in a [B, 3H] buffer (z at +H, n at +2H); s: offset in a [B, H] buffer.

        private void ForwardLanes(long g, long s, int n)
        {
            int hd = Hidden;
            T* a = Gates + g, p = HGates + g;
            var hp = Lanes.Load(HPrev + s, n);
            var r = VectorMath.Sigmoid(Lanes.Load(a, n) + Lanes.Load(p, n));
            var z = VectorMath.Sigmoid(Lanes.Load(a + hd, n) + Lanes.Load(p + hd, n));
            var nn = VectorMath.Tanh(MultiplyAdd(r, Lanes.Load(p + 2 * hd, n), Lanes.Load(a + 2 * hd, n)));
            Lanes.Store(r, a, n); Lanes.Store(z, a + hd, n); Lanes.Store(nn, a + 2 * hd, n);
            Lanes.Store(MultiplyAdd(z, hp - nn, nn), H + s, n);
        }

        private void BackwardLanes(long g, long s, int n)
        {
            int hd = Hidden;
            T* a = Gates + g, da = DGates + g, dp = DHGates + g;
            var one = Vector256<T>.One;
            Vector256<T> r = Lanes.Load(a, n), z = Lanes.Load(a + hd, n), nn = Lanes.Load(a + 2 * hd, n);
            var pn = Lanes.Load(HGates + g + 2 * hd, n);
            var hp = Lanes.Load(HPrev + s, n);
            var dh = Lanes.Load(DH + s, n);
            var gn = dh * (one - z) * (one - nn * nn);
            var gz = dh * (hp - nn) * z * (one - z);
            var gr = gn * pn * r * (one - r);
            Lanes.Store(gr, da, n); Lanes.Store(gz, da + hd, n); Lanes.Store(gn, da + 2 * hd, n);
            Lanes.Store(gr, dp, n); Lanes.Store(gz, dp + hd, n); Lanes.Store(gn * r, dp + 2 * hd, n);
            Lanes.Store(dh * z, DHPrev + s, n);
        }

        private void OriginalGatesLanes(long g, long s, int n)
        {
            int hd = Hidden;
            T* a = Gates + g;
            var r = VectorMath.Sigmoid(Lanes.Load(a, n));
            var z = VectorMath.Sigmoid(Lanes.Load(a + hd, n));
            Lanes.Store(r, a, n); Lanes.Store(z, a + hd, n);
            Lanes.Store(r * Lanes.Load(HPrev + s, n), RH + s, n);
        }

        private void OriginalCellLanes(long g, long s, int n)
        {
            int hd = Hidden;
            T* a = Gates + g;
            var z = Lanes.Load(a + hd, n);
            var nn = VectorMath.Tanh(Lanes.Load(a + 2 * hd, n));
            Lanes.Store(nn, a + 2 * hd, n);
            Lanes.Store(MultiplyAdd(z, Lanes.Load(HPrev + s, n) - nn, nn), H + s, n);
        }

        private void OriginalCellBackwardLanes(long g, long s, int n)
        {
            int hd = Hidden;
            T* a = Gates + g, da = DGates + g;
            var one = Vector256<T>.One;
            Vector256<T> z = Lanes.Load(a + hd, n), nn = Lanes.Load(a + 2 * hd, n);
            var hp = Lanes.Load(HPrev + s, n);
            var dh = Lanes.Load(DH + s, n);
            Lanes.Store(dh * (hp - nn) * z * (one - z), da + hd, n);
            Lanes.Store(dh * (one - z) * (one - nn * nn), da + 2 * hd, n);
            Lanes.Store(dh * z, DHPrev + s, n);
        }

        private void OriginalGatesBackwardLanes(long g, long s, int n)
        {
            var r = Lanes.Load(Gates + g, n);
            var drh = Lanes.Load(RH + s, n);
            Lanes.Store(drh * Lanes.Load(HPrev + s, n) * r * (Vector256<T>.One - r), DGates + g, n);
            Lanes.Store(MultiplyAdd(drh, r, Lanes.Load(DHPrev + s, n)), DHPrev + s, n);
        }
    }
}
