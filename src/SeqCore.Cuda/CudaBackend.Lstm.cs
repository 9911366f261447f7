using System.Numerics;

namespace SeqCore.Cuda;

// Fused pointwise passes of the LSTM cell (kernels/recurrent.cu). Argument checks are the CPU backend's, with the shared
// Check helpers, so both backends reject the same calls with the same messages.
public sealed unsafe partial class CudaBackend<T>
{
    /// <inheritdoc />
    public void LstmCellForward(Tensor<T> gates, Tensor<T> cPrev, Tensor<T>? peepholes, Tensor<T> c, Tensor<T> h)
    {
        const string op = "LstmCellForward";
        ulong pg = Ptr(gates, op, "gates"), pcp = Ptr(cPrev, op, "cPrev"), pc = Ptr(c, op, "c"), ph = Ptr(h, op, "h");
        ulong pp = OptionalPtr(peepholes, op, "peepholes");
        var (batch, hidden) = Check.LstmCellForward(op, gates, cPrev, peepholes, c, h);
        long b = batch, hd = hidden;
        if (b * hd == 0) return;
        void** args = stackalloc void*[7];
        args[0] = &pg; args[1] = &pcp; args[2] = &pp; args[3] = &pc; args[4] = &ph; args[5] = &b; args[6] = &hd;
        LaunchElements("lstm_fwd", b * hd, args);
    }

    /// <inheritdoc />
    public void LstmCellBackward(Tensor<T> gates, Tensor<T> cPrev, Tensor<T> c, Tensor<T>? peepholes,
        Tensor<T> dh, Tensor<T> dc, Tensor<T> dGates, Tensor<T> dcPrev, Tensor<T>? dPeepholes)
    {
        const string op = "LstmCellBackward";
        ulong pg = Ptr(gates, op, "gates"), pcp = Ptr(cPrev, op, "cPrev"), pc = Ptr(c, op, "c");
        ulong pp = OptionalPtr(peepholes, op, "peepholes");
        ulong pdh = Ptr(dh, op, "dh"), pdc = Ptr(dc, op, "dc"), pdg = Ptr(dGates, op, "dGates"), pdcp = Ptr(dcPrev, op, "dcPrev");
        ulong pdp = OptionalPtr(dPeepholes, op, "dPeepholes");
        var (batch, hidden) = Check.LstmCellBackward(op, gates, cPrev, c, peepholes, dh, dc, dGates, dcPrev, dPeepholes);
        long b = batch, hd = hidden;
        if (b * hd == 0) return;
        void** args = stackalloc void*[11];
        args[0] = &pg; args[1] = &pcp; args[2] = &pc; args[3] = &pp; args[4] = &pdh; args[5] = &pdc;
        args[6] = &pdg; args[7] = &pdcp; args[8] = &pdp; args[9] = &b; args[10] = &hd;
        // With peepholes one thread per column walks the batch (a deterministic sum into dPeepholes).
        LaunchElements("lstm_bwd", dPeepholes is null ? b * hd : hd, args);
    }
}
