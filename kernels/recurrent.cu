// Fused pointwise passes of the recurrent cells: LSTM (with optional peepholes) and GRU (PyTorch/cuDNN form and the
// original form), forward and backward. Each kernel computes exactly what the IBackend<T> operation of the same name
// documents (src/SeqCore/IBackend.Sequence.cs) and what CpuBackend<T> computes (CpuBackend.Lstm.cs, .Gru.cs).
//
// Layout: gates are [B, G·H] row-major (gate g of element (b, j) at b·G·H + g·H + j), states [B, H].
// One thread per element (b, j) in a grid-stride loop. A thread reads everything it needs before it writes, so the
// in-place uses the CPU backend allows (gates overwritten by their activations, c aliasing cPrev, dGates aliasing
// gates, dcPrev aliasing dc) give the same result here.
//
// LSTM backward with peepholes accumulates dPeepholes over the batch: there one thread owns one column j and walks
// the rows b = 0 … B−1 in order, the CPU's order, so the sum is deterministic and has no atomics.
//
// Entry points (extern "C", one per element type): sc_lstm_fwd_{f32,f64}, sc_lstm_bwd_*, sc_gru_fwd_*, sc_gru_bwd_*,
// sc_gru_orig_gates_fwd_*, sc_gru_orig_cell_fwd_*, sc_gru_orig_cell_bwd_*, sc_gru_orig_gates_bwd_*.
// Launch: any 1-D grid and block; sizes are passed as 64-bit element counts.

#include "common.cuh"

// Own namespace (not sc): the emulation library links every kernels/*.cu together, and same-named templates with
// different bodies in two files would silently be merged.
namespace sc_recurrent {

using sc::i64;

__device__ __forceinline__ float sc_tanh(float x) { return sc::tanh_(x); }
__device__ __forceinline__ double sc_tanh(double x) { return sc::tanh_(x); }

// σ(x) = 1 / (1 + e^−x); for very negative x, e^−x overflows to +∞ and σ is 0, as it should be.
template <typename T> __device__ __forceinline__ T sigmoid(T x) { return T(1) / (T(1) + sc::exp_(-x)); }

__device__ __forceinline__ i64 first_index() { return sc::global_index(); }
__device__ __forceinline__ i64 grid_stride() { return sc::global_stride(); }

// ----- LSTM (gate order i, f, g, o) ------------------------------------------------------------------------------

template <typename T>
__device__ void lstm_forward(T* gates, const T* cPrev, const T* peep, T* c, T* h, sc::i64 batch, sc::i64 hidden)
{
    i64 n = batch * hidden;
    for (i64 e = first_index(); e < n; e += grid_stride())
    {
        i64 b = e / hidden, j = e - b * hidden;
        T* g = gates + b * 4 * hidden + j;
        T cp = cPrev[e];
        T ai = g[0], af = g[hidden], ag = g[2 * hidden], ao = g[3 * hidden];
        if (peep) { ai += peep[j] * cp; af += peep[hidden + j] * cp; }
        T i = sigmoid(ai), f = sigmoid(af), gg = sc_tanh(ag);
        T cn = f * cp + i * gg;
        if (peep) ao += peep[2 * hidden + j] * cn;
        T o = sigmoid(ao);
        g[0] = i; g[hidden] = f; g[2 * hidden] = gg; g[3 * hidden] = o;
        c[e] = cn;
        h[e] = o * sc_tanh(cn);
    }
}

// One element's backward; dPeep (when not null) is accumulated by the caller's single owner of column j.
template <typename T>
__device__ __forceinline__ void lstm_backward_element(const T* gates, const T* cPrev, const T* c, const T* peep,
    const T* dh, const T* dc, T* dGates, T* dcPrev, T* dPeep, i64 b, i64 j, i64 hidden)
{
    i64 e = b * hidden + j;
    const T* g = gates + b * 4 * hidden + j;
    T* dg = dGates + b * 4 * hidden + j;
    T i = g[0], f = g[hidden], gg = g[2 * hidden], o = g[3 * hidden];
    T cp = cPrev[e], cn = c[e], dhe = dh[e];
    T tc = sc_tanh(cn);
    T dao = dhe * tc * o * (T(1) - o);
    // Total gradient reaching c: from the next step, through h = o·tanh(c), and through the o-gate peephole.
    T dct = dhe * o * (T(1) - tc * tc) + dc[e];
    if (peep) dct += dao * peep[2 * hidden + j];
    T dai = dct * gg * i * (T(1) - i);
    T daf = dct * cp * f * (T(1) - f);
    T dag = dct * i * (T(1) - gg * gg);
    T dcp = dct * f;
    if (peep)
    {
        dcp += dai * peep[j];
        dcp += daf * peep[hidden + j];
        dPeep[j] += dai * cp;
        dPeep[hidden + j] += daf * cp;
        dPeep[2 * hidden + j] += dao * cn;
    }
    dg[0] = dai; dg[hidden] = daf; dg[2 * hidden] = dag; dg[3 * hidden] = dao;
    dcPrev[e] = dcp;
}

template <typename T>
__device__ void lstm_backward(const T* gates, const T* cPrev, const T* c, const T* peep, const T* dh, const T* dc,
    T* dGates, T* dcPrev, T* dPeep, sc::i64 batch, sc::i64 hidden)
{
    if (dPeep)
    {
        // One thread per column walks the batch in order (deterministic sum into dPeep).
        for (i64 j = first_index(); j < hidden; j += grid_stride())
            for (i64 b = 0; b < batch; b++)
                lstm_backward_element(gates, cPrev, c, peep, dh, dc, dGates, dcPrev, dPeep, b, j, hidden);
        return;
    }
    i64 n = batch * hidden;
    for (i64 e = first_index(); e < n; e += grid_stride())
    {
        i64 b = e / hidden;
        lstm_backward_element(gates, cPrev, c, peep, dh, dc, dGates, dcPrev, (T*)nullptr, b, e - b * hidden, hidden);
    }
}

// ----- GRU (gate order r, z, n; h = (1 − z)⊙n + z⊙h_prev) ----------------------------------------------------------

template <typename T>
__device__ void gru_forward(T* gates, const T* hGates, const T* hPrev, T* h, sc::i64 batch, sc::i64 hidden)
{
    i64 n = batch * hidden;
    for (i64 e = first_index(); e < n; e += grid_stride())
    {
        i64 b = e / hidden, j = e - b * hidden;
        T* a = gates + b * 3 * hidden + j;
        const T* p = hGates + b * 3 * hidden + j;
        T hp = hPrev[e];
        T r = sigmoid(a[0] + p[0]);
        T z = sigmoid(a[hidden] + p[hidden]);
        T nn = sc_tanh(r * p[2 * hidden] + a[2 * hidden]);
        a[0] = r; a[hidden] = z; a[2 * hidden] = nn;
        h[e] = z * (hp - nn) + nn;
    }
}

template <typename T>
__device__ void gru_backward(const T* gates, const T* hGates, const T* hPrev, const T* dh, T* dGates, T* dhGates,
    T* dhPrev, sc::i64 batch, sc::i64 hidden)
{
    i64 n = batch * hidden;
    for (i64 e = first_index(); e < n; e += grid_stride())
    {
        i64 b = e / hidden, j = e - b * hidden, g = b * 3 * hidden + j;
        T r = gates[g], z = gates[g + hidden], nn = gates[g + 2 * hidden];
        T pn = hGates[g + 2 * hidden];
        T hp = hPrev[e], dhe = dh[e];
        T gn = dhe * (T(1) - z) * (T(1) - nn * nn);
        T gz = dhe * (hp - nn) * z * (T(1) - z);
        T gr = gn * pn * r * (T(1) - r);
        dGates[g] = gr; dGates[g + hidden] = gz; dGates[g + 2 * hidden] = gn;
        dhGates[g] = gr; dhGates[g + hidden] = gz; dhGates[g + 2 * hidden] = gn * r;
        dhPrev[e] = dhe * z;
    }
}

template <typename T>
__device__ void gru_orig_gates_forward(T* gates, const T* hPrev, T* resetHidden, sc::i64 batch, sc::i64 hidden)
{
    i64 n = batch * hidden;
    for (i64 e = first_index(); e < n; e += grid_stride())
    {
        i64 b = e / hidden, g = b * 3 * hidden + (e - b * hidden);
        T r = sigmoid(gates[g]);
        T z = sigmoid(gates[g + hidden]);
        T hp = hPrev[e];
        gates[g] = r; gates[g + hidden] = z;
        resetHidden[e] = r * hp;
    }
}

template <typename T>
__device__ void gru_orig_cell_forward(T* gates, const T* hPrev, T* h, sc::i64 batch, sc::i64 hidden)
{
    i64 n = batch * hidden;
    for (i64 e = first_index(); e < n; e += grid_stride())
    {
        i64 b = e / hidden, g = b * 3 * hidden + (e - b * hidden);
        T z = gates[g + hidden];
        T nn = sc_tanh(gates[g + 2 * hidden]);
        T hp = hPrev[e];
        gates[g + 2 * hidden] = nn;
        h[e] = z * (hp - nn) + nn;
    }
}

template <typename T>
__device__ void gru_orig_cell_backward(const T* gates, const T* hPrev, const T* dh, T* dGates, T* dhPrev,
    sc::i64 batch, sc::i64 hidden)
{
    i64 n = batch * hidden;
    for (i64 e = first_index(); e < n; e += grid_stride())
    {
        i64 b = e / hidden, g = b * 3 * hidden + (e - b * hidden);
        T z = gates[g + hidden], nn = gates[g + 2 * hidden];
        T hp = hPrev[e], dhe = dh[e];
        dGates[g + hidden] = dhe * (hp - nn) * z * (T(1) - z);
        dGates[g + 2 * hidden] = dhe * (T(1) - z) * (T(1) - nn * nn);
        dhPrev[e] = dhe * z;
    }
}

template <typename T>
__device__ void gru_orig_gates_backward(const T* gates, const T* hPrev, const T* dResetHidden, T* dGates, T* dhPrev,
    sc::i64 batch, sc::i64 hidden)
{
    i64 n = batch * hidden;
    for (i64 e = first_index(); e < n; e += grid_stride())
    {
        i64 b = e / hidden, g = b * 3 * hidden + (e - b * hidden);
        T r = gates[g], drh = dResetHidden[e], hp = hPrev[e];
        dGates[g] = drh * hp * r * (T(1) - r);
        dhPrev[e] = drh * r + dhPrev[e];
    }
}

} // namespace sc_recurrent

// ----- entry points ------------------------------------------------------------------------------------------------

#define SC_RECURRENT_ENTRIES(SUFFIX, T)                                                                              \
extern "C" __global__ void sc_lstm_fwd_##SUFFIX(T* gates, const T* cPrev, const T* peep, T* c, T* h,                 \
    sc::i64 batch, sc::i64 hidden)                                                                               \
{ sc_recurrent::lstm_forward<T>(gates, cPrev, peep, c, h, batch, hidden); }                                          \
extern "C" __global__ void sc_lstm_bwd_##SUFFIX(const T* gates, const T* cPrev, const T* c, const T* peep,           \
    const T* dh, const T* dc, T* dGates, T* dcPrev, T* dPeep, sc::i64 batch, sc::i64 hidden)                      \
{ sc_recurrent::lstm_backward<T>(gates, cPrev, c, peep, dh, dc, dGates, dcPrev, dPeep, batch, hidden); }             \
extern "C" __global__ void sc_gru_fwd_##SUFFIX(T* gates, const T* hGates, const T* hPrev, T* h,                      \
    sc::i64 batch, sc::i64 hidden)                                                                               \
{ sc_recurrent::gru_forward<T>(gates, hGates, hPrev, h, batch, hidden); }                                            \
extern "C" __global__ void sc_gru_bwd_##SUFFIX(const T* gates, const T* hGates, const T* hPrev, const T* dh,         \
    T* dGates, T* dhGates, T* dhPrev, sc::i64 batch, sc::i64 hidden)                                              \
{ sc_recurrent::gru_backward<T>(gates, hGates, hPrev, dh, dGates, dhGates, dhPrev, batch, hidden); }                 \
extern "C" __global__ void sc_gru_orig_gates_fwd_##SUFFIX(T* gates, const T* hPrev, T* resetHidden,                  \
    sc::i64 batch, sc::i64 hidden)                                                                               \
{ sc_recurrent::gru_orig_gates_forward<T>(gates, hPrev, resetHidden, batch, hidden); }                               \
extern "C" __global__ void sc_gru_orig_cell_fwd_##SUFFIX(T* gates, const T* hPrev, T* h,                             \
    sc::i64 batch, sc::i64 hidden)                                                                               \
{ sc_recurrent::gru_orig_cell_forward<T>(gates, hPrev, h, batch, hidden); }                                          \
extern "C" __global__ void sc_gru_orig_cell_bwd_##SUFFIX(const T* gates, const T* hPrev, const T* dh, T* dGates,     \
    T* dhPrev, sc::i64 batch, sc::i64 hidden)                                                                    \
{ sc_recurrent::gru_orig_cell_backward<T>(gates, hPrev, dh, dGates, dhPrev, batch, hidden); }                        \
extern "C" __global__ void sc_gru_orig_gates_bwd_##SUFFIX(const T* gates, const T* hPrev, const T* dResetHidden,     \
    T* dGates, T* dhPrev, sc::i64 batch, sc::i64 hidden)                                                         \
{ sc_recurrent::gru_orig_gates_backward<T>(gates, hPrev, dResetHidden, dGates, dhPrev, batch, hidden); }

SC_RECURRENT_ENTRIES(f32, float)
SC_RECURRENT_ENTRIES(f64, double)

SC_EMU_REGISTER(sc_lstm_fwd_f32, sc_lstm_fwd_f64, sc_lstm_bwd_f32, sc_lstm_bwd_f64, sc_gru_fwd_f32, sc_gru_fwd_f64,
    sc_gru_bwd_f32, sc_gru_bwd_f64, sc_gru_orig_gates_fwd_f32, sc_gru_orig_gates_fwd_f64, sc_gru_orig_cell_fwd_f32,
    sc_gru_orig_cell_fwd_f64, sc_gru_orig_cell_bwd_f32, sc_gru_orig_cell_bwd_f64, sc_gru_orig_gates_bwd_f32,
    sc_gru_orig_gates_bwd_f64)
