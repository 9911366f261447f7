using System.Numerics;

namespace SeqCore.Cuda;

// Fused pointwise passes of the GRU cell, both forms (kernels/recurrent.cu). Argument checks are the CPU backend's, with
// the shared Check helpers, so both backends reject the same calls with the same messages.
public sealed unsafe partial class CudaBackend<T>
{
    /// <inheritdoc />
    public void GruCellForward(Tensor<T> gates, Tensor<T> hGates, Tensor<T> hPrev, Tensor<T> h)
    {
        const string op = "GruCellForward";
        ulong pg = Ptr(gates, op, "gates"), php = Ptr(hPrev, op, "hPrev");
        ulong pp = Ptr(hGates, op, "hGates"), ph = Ptr(h, op, "h");
        var (batch, hidden) = Check.GruCellForward(op, gates, hGates, hPrev, h);
        long b = batch, hd = hidden;
        if (b * hd == 0) return;
        void** args = stackalloc void*[6];
        args[0] = &pg; args[1] = &pp; args[2] = &php; args[3] = &ph; args[4] = &b; args[5] = &hd;
        LaunchElements("gru_fwd", b * hd, args);
    }

    /// <inheritdoc />
    public void GruCellBackward(Tensor<T> gates, Tensor<T> hGates, Tensor<T> hPrev, Tensor<T> dh,
        Tensor<T> dGates, Tensor<T> dhGates, Tensor<T> dhPrev)
    {
        const string op = "GruCellBackward";
        ulong pg = Ptr(gates, op, "gates"), php = Ptr(hPrev, op, "hPrev");
        ulong pp = Ptr(hGates, op, "hGates"), pdh = Ptr(dh, op, "dh");
        ulong pdg = Ptr(dGates, op, "dGates"), pdp = Ptr(dhGates, op, "dhGates"), pdhp = Ptr(dhPrev, op, "dhPrev");
        var (batch, hidden) = Check.GruCellBackward(op, gates, hGates, hPrev, dh, dGates, dhGates, dhPrev);
        long b = batch, hd = hidden;
        if (b * hd == 0) return;
        void** args = stackalloc void*[9];
        args[0] = &pg; args[1] = &pp; args[2] = &php; args[3] = &pdh; args[4] = &pdg; args[5] = &pdp; args[6] = &pdhp;
        args[7] = &b; args[8] = &hd;
        LaunchElements("gru_bwd", b * hd, args);
    }

    /// <inheritdoc />
    public void GruOriginalGatesForward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> resetHidden)
    {
        const string op = "GruOriginalGatesForward";
        ulong pg = Ptr(gates, op, "gates"), php = Ptr(hPrev, op, "hPrev");
        ulong prh = Ptr(resetHidden, op, "resetHidden");
        var (batch, hidden) = Check.GruOriginalGatesForward(op, gates, hPrev, resetHidden);
        long b = batch, hd = hidden;
        if (b * hd == 0) return;
        void** args = stackalloc void*[5];
        args[0] = &pg; args[1] = &php; args[2] = &prh; args[3] = &b; args[4] = &hd;
        LaunchElements("gru_orig_gates_fwd", b * hd, args);
    }

    /// <inheritdoc />
    public void GruOriginalCellForward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> h)
    {
        const string op = "GruOriginalCellForward";
        ulong pg = Ptr(gates, op, "gates"), php = Ptr(hPrev, op, "hPrev");
        ulong ph = Ptr(h, op, "h");
        var (batch, hidden) = Check.GruOriginalCellForward(op, gates, hPrev, h);
        long b = batch, hd = hidden;
        if (b * hd == 0) return;
        void** args = stackalloc void*[5];
        args[0] = &pg; args[1] = &php; args[2] = &ph; args[3] = &b; args[4] = &hd;
        LaunchElements("gru_orig_cell_fwd", b * hd, args);
    }

    /// <inheritdoc />
    public void GruOriginalCellBackward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> dh, Tensor<T> dGates, Tensor<T> dhPrev)
    {
        const string op = "GruOriginalCellBackward";
        ulong pg = Ptr(gates, op, "gates"), php = Ptr(hPrev, op, "hPrev");
        ulong pdh = Ptr(dh, op, "dh"), pdg = Ptr(dGates, op, "dGates"), pdhp = Ptr(dhPrev, op, "dhPrev");
        var (batch, hidden) = Check.GruOriginalCellBackward(op, gates, hPrev, dh, dGates, dhPrev);
        long b = batch, hd = hidden;
        if (b * hd == 0) return;
        void** args = stackalloc void*[7];
        args[0] = &pg; args[1] = &php; args[2] = &pdh; args[3] = &pdg; args[4] = &pdhp; args[5] = &b; args[6] = &hd;
        LaunchElements("gru_orig_cell_bwd", b * hd, args);
    }

    /// <inheritdoc />
    public void GruOriginalGatesBackward(Tensor<T> gates, Tensor<T> hPrev, Tensor<T> dResetHidden, Tensor<T> dGates, Tensor<T> dhPrev)
    {
        const string op = "GruOriginalGatesBackward";
        ulong pg = Ptr(gates, op, "gates"), php = Ptr(hPrev, op, "hPrev");
        ulong pdrh = Ptr(dResetHidden, op, "dResetHidden"), pdg = Ptr(dGates, op, "dGates"), pdhp = Ptr(dhPrev, op, "dhPrev");
        var (batch, hidden) = Check.GruOriginalGatesBackward(op, gates, hPrev, dResetHidden, dGates, dhPrev);
        long b = batch, hd = hidden;
        if (b * hd == 0) return;
        void** args = stackalloc void*[7];
        args[0] = &pg; args[1] = &php; args[2] = &pdrh; args[3] = &pdg; args[4] = &pdhp; args[5] = &b; args[6] = &hd;
        LaunchElements("gru_orig_gates_bwd", b * hd, args);
    }
}
