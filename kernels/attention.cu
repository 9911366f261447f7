// Attention kernels: tiled scaled dot-product attention with an online softmax (forward), its backward recomputing
// the probabilities from the saved log-sum-exp, the explicit probabilities (AttentionWeights) and additive
// (Bahdanau) scores with their backward. Each kernel computes what the IBackend<T> operation of the same name
// documents (src/SeqCore/IBackend.Attention.cs) and what CpuBackend<T> computes (CpuBackend.Attention.cs).
//
// Scaled dot-product attention is one fused kernel per pass, no cuBLAS (kernels/README.md says why): a block owns a
// tile of BQ query rows (forward, dQ) or BK keys (dK/dV) of one (batch, head) and keeps its tiles of Q, K, V, the
// scores and the accumulators in shared memory, so memory traffic is O(T·d) per tile and nothing of size Tq×Tk is
// ever stored in global memory.
//
//   forward:   grid = B·heads·⌈Tq/BQ⌉ blocks. Per key tile: S = scale·Q·Kᵀ (masked entries −∞), per row
//              m' = max(m, max S), P = e^(S − m'), l' = l·e^(m − m') + ΣP, acc ← acc·e^(m − m') + P·V.
//              At the end O = acc / l and lse = m + log l (a row that saw no key: O = 0, lse = −∞).
//   backward:  two kernels, so every output element has exactly one writer (deterministic, no atomics, and no
//              zero-fill of strided gradients): sc_attn_bwd_kv (grid over key tiles: dV = Σ Pᵀ·dO, dK = Σ dSᵀ·Q
//              over the query tiles) and sc_attn_bwd_q (grid over query tiles: dQ = Σ dS·K over the key tiles), with
//              P = e^(scale·q·k − lse), D_i = dO_i·O_i recomputed per tile, dS = scale·P⊙(dO·Vᵀ − D).
//              The score tiles are computed twice (once per kernel) in exchange for no atomics.
//
// Causal masking: key j is visible to query i when j ≤ i + offset. Key tiles entirely above the diagonal (and past
// the key length) are never visited; a tile that straddles it is masked entry by entry.
//
// Tile sizes BQ, BK come from the host (CudaBackend.Attention.cs, AttentionTiles), which keeps the shared memory
// under 48 KiB; the kernels work for any positive tile sizes and any head widths. blockDim.x must be a multiple of 32
// (warp reductions); the register-tiled forms need exactly 128 threads and fall back to the plain forms otherwise.

#include "common.cuh"

// Layout of the attention operands and the sizes; the host passes it by value (C# mirror: CudaBackend.Attention.cs,
// AttnParams, same field order). Strides are in elements: element (b, h, i, c) is at b·sB + h·sH + i·sR + c.
struct sc_attn_params
{
    long long qB, qH, qR, kB, kH, kR, vB, vH, vR, oB, oH, oR;
    int batch, heads, tq, tk, d, dv, bq, bk, offset, causal;
    double scale;
};

// Own namespace (not sc): the emulation library links every kernels/*.cu together, and same-named templates with
// different bodies in two files would silently be merged.
namespace sc_attention {

template <typename T> __device__ __forceinline__ T sc_exp(T x) { return sc::exp_(x); }
template <typename T> __device__ __forceinline__ T sc_log(T x) { return sc::log_(x); }
template <typename T> __device__ __forceinline__ T sc_tanh(T x) { return sc::tanh_(x); }
template <typename T> __device__ __forceinline__ T max_of(T a, T b) { return sc::max_(a, b); }
template <typename T> __device__ __forceinline__ T neg_inf() { return sc::negative_infinity<T>(); }
template <typename T> __device__ __forceinline__ T warp_max(T x) { return sc::warp_max(x); }
template <typename T> __device__ __forceinline__ T warp_sum(T x) { return sc::warp_sum(x); }

// Row stride of a K or V tile in shared memory: odd, so the threads of a warp reading k_c[p] for consecutive c hit
// different banks.
__device__ __forceinline__ int odd_stride(int width) { return width | 1; }

// Number of keys of batch entry b (lengths as values of T, validated by the host).
template <typename T> __device__ __forceinline__ int key_limit(const T* lengths, int b, int tk)
{
    return lengths ? (int)lengths[b] : tk;
}

// Copies rows [0, rows) of width `width` from global (row stride ld) into shared (row stride lds); rows up to
// `fill` are zero-filled beyond `rows`.
template <typename T>
__device__ __forceinline__ void load_tile(const T* g, long long ld, int rows, int width, T* s, int lds)
{
    int n = rows * width;
    for (int e = threadIdx.x; e < n; e += blockDim.x)
    {
        int r = e / width, c = e - r * width;
        s[r * lds + c] = g[r * ld + c];
    }
}

template <typename T> __device__ __forceinline__ T dot(const T* a, const T* b, int n)
{
    T s = T(0);
    for (int p = 0; p < n; p++) s += a[p] * b[p];
    return s;
}

// ----- forward --------------------------------------------------------------------------------------------------

template <typename T>
__device__ void forward(const T* Q, const T* K, const T* V, const T* lengths, T* O, T* Lse, const sc_attn_params& a)
{
    int qTiles = (a.tq + a.bq - 1) / a.bq;
    int tile = blockIdx.x, qt = tile % qTiles, bh = tile / qTiles, b = bh / a.heads, h = bh % a.heads;
    int BQ = a.bq, BK = a.bk, d = a.d, dv = a.dv, ldk = odd_stride(d), ldv = odd_stride(dv);
    int i0 = qt * BQ, i1 = min(a.tq, i0 + BQ), rows = i1 - i0;
    const T* q = Q + b * a.qB + h * a.qH + (long long)i0 * a.qR;
    const T* k = K + b * a.kB + h * a.kH;
    const T* v = V + b * a.vB + h * a.vH;
    T* o = O + b * a.oB + h * a.oH + (long long)i0 * a.oR;
    T* lse = Lse + (long long)bh * a.tq + i0;
    T scale = (T)a.scale;

    SC_DYNAMIC_SHARED(T, qs);   // [BQ][d]
    T* ks = qs + BQ * d;                           // [BK][ldk]
    T* vs = ks + BK * ldk;                         // [BK][ldv]
    T* s = vs + BK * ldv;                          // [BQ][BK] scores, then probabilities
    T* acc = s + BQ * BK;                          // [BQ][dv]
    T* m = acc + BQ * dv;                          // [BQ] running maximum
    T* l = m + BQ;                                 // [BQ] running sum
    T* alpha = l + BQ;                             // [BQ] rescale factor of the current tile

    load_tile(q, a.qR, rows, d, qs, d);
    for (int e = threadIdx.x; e < rows * dv; e += blockDim.x) acc[e] = T(0);
    for (int r = threadIdx.x; r < rows; r += blockDim.x) { m[r] = neg_inf<T>(); l[r] = T(0); }

    // Keys past the length, and (causal) past the last row's diagonal, are never visited.
    int kEnd = key_limit(lengths, b, a.tk);
    if (a.causal) kEnd = min(kEnd, max(0, i1 + a.offset));
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, warps = blockDim.x >> 5;
    for (int j0 = 0; j0 < kEnd; j0 += BK)
    {
        int n = min(kEnd, j0 + BK) - j0;
        __syncthreads(); // the previous tile's readers are done (and, first time, qs is loaded)
        load_tile(k + (long long)j0 * a.kR, a.kR, n, d, ks, ldk);
        load_tile(v + (long long)j0 * a.vR, a.vR, n, dv, vs, ldv);
        __syncthreads();
        for (int e = threadIdx.x; e < rows * BK; e += blockDim.x)
        {
            int r = e / BK, c = e - r * BK;
            if (c >= n) continue;
            bool visible = !a.causal || j0 + c <= i0 + r + a.offset;
            s[e] = visible ? scale * dot(qs + r * d, ks + c * ldk, d) : neg_inf<T>();
        }
        __syncthreads();
        // Online softmax, one warp per row.
        for (int r = warp; r < rows; r += warps)
        {
            T* sr = s + r * BK;
            T mx = neg_inf<T>();
            for (int c = lane; c < n; c += 32) mx = max_of(mx, sr[c]);
            mx = warp_max(mx);
            T mOld = m[r], mNew = max_of(mOld, mx);
            T sum = T(0);
            for (int c = lane; c < n; c += 32)
            {
                T p = mNew == neg_inf<T>() ? T(0) : sc_exp(sr[c] - mNew);
                sr[c] = p;
                sum += p;
            }
            sum = warp_sum(sum);
            if (lane == 0)
            {
                // e^(m − m') is 0 on the row's first visible tile (m = −∞, acc and l still 0).
                T f = mOld == mNew ? T(1) : sc_exp(mOld - mNew);
                alpha[r] = f;
                l[r] = l[r] * f + sum;
                m[r] = mNew;
            }
        }
        __syncthreads();
        for (int e = threadIdx.x; e < rows * dv; e += blockDim.x)
        {
            int r = e / dv, c = e - r * dv;
            const T* pr = s + r * BK;
            T x = T(0);
            for (int j = 0; j < n; j++) x += pr[j] * vs[j * ldv + c];
            acc[e] = acc[e] * alpha[r] + x;
        }
    }
    __syncthreads();
    for (int e = threadIdx.x; e < rows * dv; e += blockDim.x)
    {
        int r = e / dv, c = e - r * dv;
        T lr = l[r];
        o[(long long)r * a.oR + c] = lr > T(0) ? acc[e] / lr : T(0);
    }
    for (int r = threadIdx.x; r < rows; r += blockDim.x)
        lse[r] = l[r] > T(0) ? m[r] + sc_log(l[r]) : neg_inf<T>();
}

// Register-tiled form of the forward pass for the common shapes (BQ ≤ 32, BK ≤ 64, dv ≤ 128, 128 threads): the
// threads form a 16 × 8 grid; thread (tx, ty) owns score rows ty + 8i (i < 4) and columns tx + 16j (j < 4) of a tile,
// and output rows ty + 8i, columns tx + 16j (j < 8). Per step of the inner products it loads 4 + 4 values from
// shared memory for 16 multiply-adds (4 + 8 for 32 in P·V), where the plain form loads two per multiply-add; the
// output accumulator lives in registers. Same arithmetic as `forward`, the same online softmax.
template <typename T>
__device__ void forward_registers(const T* Q, const T* K, const T* V, const T* lengths, T* O, T* Lse, const sc_attn_params& a)
{
    constexpr int TX = 16, TY = 8, RM = 4, RN = 4, CN = 8;
    int qTiles = (a.tq + a.bq - 1) / a.bq;
    int tile = blockIdx.x, qt = tile % qTiles, bh = tile / qTiles, b = bh / a.heads, h = bh % a.heads;
    int BQ = a.bq, BK = a.bk, d = a.d, dv = a.dv, ldq = odd_stride(d), ldk = odd_stride(d), ldv = odd_stride(dv);
    int i0 = qt * BQ, i1 = min(a.tq, i0 + BQ), rows = i1 - i0;
    const T* q = Q + b * a.qB + h * a.qH + (long long)i0 * a.qR;
    const T* k = K + b * a.kB + h * a.kH;
    const T* v = V + b * a.vB + h * a.vH;
    T* o = O + b * a.oB + h * a.oH + (long long)i0 * a.oR;
    T* lse = Lse + (long long)bh * a.tq + i0;
    T scale = (T)a.scale;

    SC_DYNAMIC_SHARED(T, qs);   // [BQ][ldq]
    T* ks = qs + BQ * ldq;                         // [BK][ldk]
    T* vs = ks + BK * ldk;                         // [BK][ldv]
    T* s = vs + BK * ldv;                          // [BQ][BK] scores, then probabilities
    T* m = s + BQ * BK;                            // [BQ] running maximum
    T* l = m + BQ;                                 // [BQ] running sum
    T* alpha = l + BQ;                             // [BQ] rescale factor of the current tile

    int tx = threadIdx.x % TX, ty = threadIdx.x / TX;
    T acc[RM][CN];
    for (int i = 0; i < RM; i++) for (int j = 0; j < CN; j++) acc[i][j] = T(0);
    load_tile(q, a.qR, rows, d, qs, ldq);
    for (int r = threadIdx.x; r < rows; r += blockDim.x) { m[r] = neg_inf<T>(); l[r] = T(0); }

    int kEnd = key_limit(lengths, b, a.tk);
    if (a.causal) kEnd = min(kEnd, max(0, i1 + a.offset));
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, warps = blockDim.x >> 5;
    for (int j0 = 0; j0 < kEnd; j0 += BK)
    {
        int n = min(kEnd, j0 + BK) - j0;
        __syncthreads();
        load_tile(k + (long long)j0 * a.kR, a.kR, n, d, ks, ldk);
        load_tile(v + (long long)j0 * a.vR, a.vR, n, dv, vs, ldv);
        __syncthreads();
        {
            T x[RM][RN];
            for (int i = 0; i < RM; i++) for (int j = 0; j < RN; j++) x[i][j] = T(0);
            // Rows ≥ rows and columns ≥ n read stale but finite shared memory: their results are discarded.
            int rr[RM], cc[RN];
            for (int i = 0; i < RM; i++) rr[i] = min(ty + TY * i, BQ - 1) * ldq;
            for (int j = 0; j < RN; j++) cc[j] = min(tx + TX * j, BK - 1) * ldk;
            for (int p = 0; p < d; p++)
            {
                T qv[RM], kv[RN];
                for (int i = 0; i < RM; i++) qv[i] = qs[rr[i] + p];
                for (int j = 0; j < RN; j++) kv[j] = ks[cc[j] + p];
                for (int i = 0; i < RM; i++) for (int j = 0; j < RN; j++) x[i][j] += qv[i] * kv[j];
            }
            for (int i = 0; i < RM; i++)
            {
                int r = ty + TY * i;
                if (r >= rows) break;
                for (int j = 0; j < RN; j++)
                {
                    int c = tx + TX * j;
                    if (c >= n) break;
                    bool visible = !a.causal || j0 + c <= i0 + r + a.offset;
                    s[r * BK + c] = visible ? scale * x[i][j] : neg_inf<T>();
                }
            }
        }
        __syncthreads();
        for (int r = warp; r < rows; r += warps)
        {
            T* sr = s + r * BK;
            T mx = neg_inf<T>();
            for (int c = lane; c < n; c += 32) mx = max_of(mx, sr[c]);
            mx = warp_max(mx);
            T mOld = m[r], mNew = max_of(mOld, mx);
            T sum = T(0);
            for (int c = lane; c < n; c += 32)
            {
                T pe = mNew == neg_inf<T>() ? T(0) : sc_exp(sr[c] - mNew);
                sr[c] = pe;
                sum += pe;
            }
            sum = warp_sum(sum);
            if (lane == 0)
            {
                T f = mOld == mNew ? T(1) : sc_exp(mOld - mNew);
                alpha[r] = f;
                l[r] = l[r] * f + sum;
                m[r] = mNew;
            }
        }
        __syncthreads();
        {
            int rr[RM];
            for (int i = 0; i < RM; i++)
            {
                int r = min(ty + TY * i, rows - 1);
                rr[i] = r * BK;
                T f = alpha[r];
                for (int j = 0; j < CN; j++) acc[i][j] *= f;
            }
            int cc[CN];
            for (int j = 0; j < CN; j++) cc[j] = min(tx + TX * j, dv - 1);
            for (int jj = 0; jj < n; jj++)
            {
                T pv[RM], vv[CN];
                for (int i = 0; i < RM; i++) pv[i] = s[rr[i] + jj];
                for (int j = 0; j < CN; j++) vv[j] = vs[jj * ldv + cc[j]];
                for (int i = 0; i < RM; i++) for (int j = 0; j < CN; j++) acc[i][j] += pv[i] * vv[j];
            }
        }
    }
    __syncthreads();
    for (int i = 0; i < RM; i++)
    {
        int r = ty + TY * i;
        if (r >= rows) break;
        T lr = l[r];
        for (int j = 0; j < CN; j++)
        {
            int c = tx + TX * j;
            if (c >= dv) break;
            o[(long long)r * a.oR + c] = lr > T(0) ? acc[i][j] / lr : T(0);
        }
    }
    for (int r = threadIdx.x; r < rows; r += blockDim.x)
        lse[r] = l[r] > T(0) ? m[r] + sc_log(l[r]) : neg_inf<T>();
}

// The register-tiled forward covers the shapes it was sized for; anything else takes the plain form.
__device__ __forceinline__ bool fits_registers(const sc_attn_params& a)
{
    return blockDim.x == 128 && a.bq <= 32 && a.bk <= 64 && a.dv <= 128;
}

// ----- backward ---------------------------------------------------------------------------------------------------

// Loads a query tile's Q (and dO when dos is not null), lse and D_i = dO_i·O_i (one warp per row).
template <typename T>
__device__ void load_query_tile(const T* q, const T* dout, const T* o, const T* lse, const sc_attn_params& a,
    int rows, T* qs, T* dos, T* ls, T* ds)
{
    load_tile(q, a.qR, rows, a.d, qs, a.d);
    load_tile(dout, a.oR, rows, a.dv, dos, a.dv);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, warps = blockDim.x >> 5;
    for (int r = warp; r < rows; r += warps)
    {
        T x = T(0);
        for (int c = lane; c < a.dv; c += 32) x += dout[(long long)r * a.oR + c] * o[(long long)r * a.oR + c];
        x = warp_sum(x);
        if (lane == 0) { ds[r] = x; ls[r] = lse[r]; }
    }
}

// As load_query_tile, with the shared rows of Q and dO at strides ldq and ldo.
template <typename T>
__device__ void load_query_rows(const T* q, const T* dout, const T* o, const T* lse, const sc_attn_params& a,
    int rows, T* qs, int ldq, T* dos, int ldo, T* ls, T* ds)
{
    load_tile(q, a.qR, rows, a.d, qs, ldq);
    load_tile(dout, a.oR, rows, a.dv, dos, ldo);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, warps = blockDim.x >> 5;
    for (int r = warp; r < rows; r += warps)
    {
        T x = T(0);
        for (int c = lane; c < a.dv; c += 32) x += dout[(long long)r * a.oR + c] * o[(long long)r * a.oR + c];
        x = warp_sum(x);
        if (lane == 0) { ds[r] = x; ls[r] = lse[r]; }
    }
}

// P and dS of one (query tile, key tile) pair: entry (r, c) for r < rows, c < n (entries beyond are left alone).
template <typename T>
__device__ __forceinline__ void probabilities(const T* qs, const T* dos, const T* ls, const T* dd, const T* ks,
    const T* vs, int ldk, int ldv, int rows, int n, int i0, int j0, const sc_attn_params& a, T* p, T* dsm, int ldp)
{
    T scale = (T)a.scale;
    for (int e = threadIdx.x; e < rows * ldp; e += blockDim.x)
    {
        int r = e / ldp, c = e - r * ldp;
        if (c >= n) continue;
        T li = ls[r];
        bool visible = li != neg_inf<T>() && (!a.causal || j0 + c <= i0 + r + a.offset);
        T pe = T(0), de = T(0);
        if (visible)
        {
            pe = sc_exp(scale * dot(qs + r * a.d, ks + c * ldk, a.d) - li);
            de = scale * pe * (dot(dos + r * a.dv, vs + c * ldv, a.dv) - dd[r]);
        }
        if (p) p[e] = pe;
        dsm[e] = de;
    }
}

// dK, dV of one tile of BK keys: the query tiles that see any of its keys stream past.
template <typename T>
__device__ void backward_kv(const T* Q, const T* K, const T* V, const T* O, const T* Lse, const T* dO,
    const T* lengths, T* dK, T* dV, const sc_attn_params& a)
{
    int kTiles = (a.tk + a.bk - 1) / a.bk;
    int tile = blockIdx.x, kt = tile % kTiles, bh = tile / kTiles, b = bh / a.heads, h = bh % a.heads;
    int BQ = a.bq, BK = a.bk, d = a.d, dv = a.dv, ldk = odd_stride(d), ldv = odd_stride(dv);
    int j0 = kt * BK, nAll = min(a.tk, j0 + BK) - j0;
    long long qOff = b * a.qB + h * a.qH, oOff = b * a.oB + h * a.oH;
    const T* k = K + b * a.kB + h * a.kH + (long long)j0 * a.kR;
    const T* v = V + b * a.vB + h * a.vH + (long long)j0 * a.vR;
    T* dk = dK + b * a.kB + h * a.kH + (long long)j0 * a.kR;
    T* dvp = dV + b * a.vB + h * a.vH + (long long)j0 * a.vR;

    int kEnd = key_limit(lengths, b, a.tk);
    if (a.causal) kEnd = min(kEnd, max(0, a.tq + a.offset));
    int n = max(0, min(kEnd, j0 + BK) - j0); // keys of this tile some query may see; the rest get 0

    SC_DYNAMIC_SHARED(T, ks); // [BK][ldk]
    T* vs = ks + BK * ldk;                      // [BK][ldv]
    T* dka = vs + BK * ldv;                     // [BK][d]
    T* dva = dka + BK * d;                      // [BK][dv]
    T* qs = dva + BK * dv;                      // [BQ][d]
    T* dos = qs + BQ * d;                       // [BQ][dv]
    T* p = dos + BQ * dv;                       // [BQ][BK]
    T* dsm = p + BQ * BK;                       // [BQ][BK]
    T* ls = dsm + BQ * BK;                      // [BQ]
    T* dd = ls + BQ;                            // [BQ]

    load_tile(k, a.kR, n, d, ks, ldk);
    load_tile(v, a.vR, n, dv, vs, ldv);
    for (int e = threadIdx.x; e < n * d; e += blockDim.x) dka[e] = T(0);
    for (int e = threadIdx.x; e < n * dv; e += blockDim.x) dva[e] = T(0);

    int iFirst = a.causal ? max(0, j0 - a.offset) : 0; // rows above it see none of the tile's keys
    for (int i0 = n > 0 ? iFirst : a.tq; i0 < a.tq; i0 += BQ)
    {
        int rows = min(a.tq, i0 + BQ) - i0;
        __syncthreads();
        load_query_tile(Q + qOff + (long long)i0 * a.qR, dO + oOff + (long long)i0 * a.oR, O + oOff + (long long)i0 * a.oR,
            Lse + (long long)bh * a.tq + i0, a, rows, qs, dos, ls, dd);
        __syncthreads();
        probabilities(qs, dos, ls, dd, ks, vs, ldk, ldv, rows, n, i0, j0, a, p, dsm, BK);
        __syncthreads();
        for (int e = threadIdx.x; e < n * dv; e += blockDim.x) // dV += Pᵀ·dO
        {
            int c = e / dv, col = e - c * dv;
            T x = T(0);
            for (int r = 0; r < rows; r++) x += p[r * BK + c] * dos[r * dv + col];
            dva[e] += x;
        }
        for (int e = threadIdx.x; e < n * d; e += blockDim.x) // dK += dSᵀ·Q
        {
            int c = e / d, col = e - c * d;
            T x = T(0);
            for (int r = 0; r < rows; r++) x += dsm[r * BK + c] * qs[r * d + col];
            dka[e] += x;
        }
    }
    __syncthreads();
    for (int e = threadIdx.x; e < nAll * d; e += blockDim.x)
    {
        int c = e / d, col = e - c * d;
        dk[(long long)c * a.kR + col] = c < n ? dka[e] : T(0);
    }
    for (int e = threadIdx.x; e < nAll * dv; e += blockDim.x)
    {
        int c = e / dv, col = e - c * dv;
        dvp[(long long)c * a.vR + col] = c < n ? dva[e] : T(0);
    }
}

// dQ of one tile of BQ query rows: the key tiles it sees stream past.
template <typename T>
__device__ void backward_q(const T* Q, const T* K, const T* V, const T* O, const T* Lse, const T* dO,
    const T* lengths, T* dQ, const sc_attn_params& a)
{
    int qTiles = (a.tq + a.bq - 1) / a.bq;
    int tile = blockIdx.x, qt = tile % qTiles, bh = tile / qTiles, b = bh / a.heads, h = bh % a.heads;
    int BQ = a.bq, BK = a.bk, d = a.d, dv = a.dv, ldk = odd_stride(d), ldv = odd_stride(dv);
    int i0 = qt * BQ, i1 = min(a.tq, i0 + BQ), rows = i1 - i0;
    long long qOff = b * a.qB + h * a.qH + (long long)i0 * a.qR, oOff = b * a.oB + h * a.oH + (long long)i0 * a.oR;
    const T* k = K + b * a.kB + h * a.kH;
    const T* v = V + b * a.vB + h * a.vH;

    SC_DYNAMIC_SHARED(T, qs); // [BQ][d]
    T* dos = qs + BQ * d;                       // [BQ][dv]
    T* dqa = dos + BQ * dv;                     // [BQ][d]
    T* ks = dqa + BQ * d;                       // [BK][ldk]
    T* vs = ks + BK * ldk;                      // [BK][ldv]
    T* dsm = vs + BK * ldv;                     // [BQ][BK]
    T* ls = dsm + BQ * BK;                      // [BQ]
    T* dd = ls + BQ;                            // [BQ]

    load_query_tile(Q + qOff, dO + oOff, O + oOff, Lse + (long long)bh * a.tq + i0, a, rows, qs, dos, ls, dd);
    for (int e = threadIdx.x; e < rows * d; e += blockDim.x) dqa[e] = T(0);

    int kEnd = key_limit(lengths, b, a.tk);
    if (a.causal) kEnd = min(kEnd, max(0, i1 + a.offset));
    for (int j0 = 0; j0 < kEnd; j0 += BK)
    {
        int n = min(kEnd, j0 + BK) - j0;
        __syncthreads();
        load_tile(k + (long long)j0 * a.kR, a.kR, n, d, ks, ldk);
        load_tile(v + (long long)j0 * a.vR, a.vR, n, dv, vs, ldv);
        __syncthreads();
        probabilities(qs, dos, ls, dd, ks, vs, ldk, ldv, rows, n, i0, j0, a, (T*)nullptr, dsm, BK);
        __syncthreads();
        for (int e = threadIdx.x; e < rows * d; e += blockDim.x) // dQ += dS·K
        {
            int r = e / d, col = e - r * d;
            const T* dr = dsm + r * BK;
            T x = T(0);
            for (int c = 0; c < n; c++) x += dr[c] * ks[c * ldk + col];
            dqa[e] += x;
        }
    }
    __syncthreads();
    T* dq = dQ + qOff;
    for (int e = threadIdx.x; e < rows * d; e += blockDim.x)
    {
        int r = e / d, col = e - r * d;
        dq[(long long)r * a.qR + col] = dqa[e];
    }
}

// Register-tiled forms of the two backward kernels for the common shapes, on the plan of forward_registers: a 16 × 8
// thread grid, 4 × 4 (dQ pass) or 4 × 2 (dK/dV pass) micro-tiles of the score pairs (q·k, dO·v), and the gradient
// accumulators in registers (dQ: rows ty + 8i, columns tx + 16j; dK, dV: keys ty + 8i, columns tx + 16j).
// Shared-memory rows of Q and dO get odd strides too, so the two rows a warp reads sit in different banks.

// x = Q·Kᵀ and y = dO·Vᵀ over one RM × RN micro-tile (rows ty + 8i, columns tx + 16j, clamped into the tile: the
// clamped duplicates are computed and discarded).
template <typename T, int RM, int RN>
__device__ __forceinline__ void score_pairs(const T* qs, int ldq, const T* dos, int ldo, const T* ks, int ldk,
    const T* vs, int ldv, int d, int dv, int rowLimit, int colLimit, T (&x)[RM][RN], T (&y)[RM][RN])
{
    int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
    int rr[RM], cc[RN];
    for (int i = 0; i < RM; i++) rr[i] = min(ty + 8 * i, rowLimit - 1);
    for (int j = 0; j < RN; j++) cc[j] = min(tx + 16 * j, colLimit - 1);
    for (int i = 0; i < RM; i++) for (int j = 0; j < RN; j++) { x[i][j] = T(0); y[i][j] = T(0); }
    for (int p = 0; p < d; p++)
    {
        T a[RM], b[RN];
        for (int i = 0; i < RM; i++) a[i] = qs[rr[i] * ldq + p];
        for (int j = 0; j < RN; j++) b[j] = ks[cc[j] * ldk + p];
        for (int i = 0; i < RM; i++) for (int j = 0; j < RN; j++) x[i][j] += a[i] * b[j];
    }
    for (int p = 0; p < dv; p++)
    {
        T a[RM], b[RN];
        for (int i = 0; i < RM; i++) a[i] = dos[rr[i] * ldo + p];
        for (int j = 0; j < RN; j++) b[j] = vs[cc[j] * ldv + p];
        for (int i = 0; i < RM; i++) for (int j = 0; j < RN; j++) y[i][j] += a[i] * b[j];
    }
}

// Writes P (when p is not null) and dS = scale·P⊙(dP − D) of the micro-tile's entries that lie in the tile.
template <typename T, int RM, int RN>
__device__ __forceinline__ void store_probabilities(const T (&x)[RM][RN], const T (&y)[RM][RN], const T* ls, const T* dd,
    int rows, int n, int i0, int j0, int ld, const sc_attn_params& a, T* p, T* dsm)
{
    int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
    T scale = (T)a.scale;
    for (int i = 0; i < RM; i++)
    {
        int r = ty + 8 * i;
        if (r >= rows) break;
        T li = ls[r], di = dd[r];
        for (int j = 0; j < RN; j++)
        {
            int c = tx + 16 * j;
            if (c >= n) break;
            bool visible = li != neg_inf<T>() && (!a.causal || j0 + c <= i0 + r + a.offset);
            T pe = visible ? sc_exp(scale * x[i][j] - li) : T(0);
            if (p) p[r * ld + c] = pe;
            dsm[r * ld + c] = visible ? scale * pe * (y[i][j] - di) : T(0);
        }
    }
}

__device__ __forceinline__ bool fits_registers_q(const sc_attn_params& a)
{
    return blockDim.x == 128 && a.bq <= 32 && a.bk <= 64 && a.d <= 128;
}

__device__ __forceinline__ bool fits_registers_kv(const sc_attn_params& a)
{
    return blockDim.x == 128 && a.bq <= 32 && a.bk <= 32 && a.d <= 128 && a.dv <= 128;
}

template <typename T>
__device__ void backward_q_registers(const T* Q, const T* K, const T* V, const T* O, const T* Lse, const T* dO,
    const T* lengths, T* dQ, const sc_attn_params& a)
{
    constexpr int RM = 4, RN = 4, CD = 8;
    int qTiles = (a.tq + a.bq - 1) / a.bq;
    int tile = blockIdx.x, qt = tile % qTiles, bh = tile / qTiles, b = bh / a.heads, h = bh % a.heads;
    int BQ = a.bq, BK = a.bk, d = a.d, dv = a.dv;
    int ldq = odd_stride(d), ldo = odd_stride(dv), ldk = odd_stride(d), ldv = odd_stride(dv);
    int i0 = qt * BQ, i1 = min(a.tq, i0 + BQ), rows = i1 - i0;
    long long qOff = b * a.qB + h * a.qH + (long long)i0 * a.qR, oOff = b * a.oB + h * a.oH + (long long)i0 * a.oR;
    const T* k = K + b * a.kB + h * a.kH;
    const T* v = V + b * a.vB + h * a.vH;

    SC_DYNAMIC_SHARED(T, qs);       // [BQ][ldq]
    T* dos = qs + BQ * ldq;         // [BQ][ldo]
    T* ks = dos + BQ * ldo;         // [BK][ldk]
    T* vs = ks + BK * ldk;          // [BK][ldv]
    T* dsm = vs + BK * ldv;         // [BQ][BK]
    T* ls = dsm + BQ * BK;          // [BQ]
    T* dd = ls + BQ;                // [BQ]

    int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
    T acc[RM][CD];
    for (int i = 0; i < RM; i++) for (int j = 0; j < CD; j++) acc[i][j] = T(0);
    load_query_rows(Q + qOff, dO + oOff, O + oOff, Lse + (long long)bh * a.tq + i0, a, rows, qs, ldq, dos, ldo, ls, dd);

    int kEnd = key_limit(lengths, b, a.tk);
    if (a.causal) kEnd = min(kEnd, max(0, i1 + a.offset));
    for (int j0 = 0; j0 < kEnd; j0 += BK)
    {
        int n = min(kEnd, j0 + BK) - j0;
        __syncthreads();
        load_tile(k + (long long)j0 * a.kR, a.kR, n, d, ks, ldk);
        load_tile(v + (long long)j0 * a.vR, a.vR, n, dv, vs, ldv);
        __syncthreads();
        {
            T x[RM][RN], y[RM][RN];
            score_pairs<T, RM, RN>(qs, ldq, dos, ldo, ks, ldk, vs, ldv, d, dv, rows, n, x, y);
            store_probabilities<T, RM, RN>(x, y, ls, dd, rows, n, i0, j0, BK, a, (T*)nullptr, dsm);
        }
        __syncthreads();
        int rr[RM], cc[CD];
        for (int i = 0; i < RM; i++) rr[i] = min(ty + 8 * i, rows - 1) * BK;
        for (int j = 0; j < CD; j++) cc[j] = min(tx + 16 * j, d - 1);
        for (int c = 0; c < n; c++) // dQ += dS·K
        {
            T sv[RM], kv[CD];
            for (int i = 0; i < RM; i++) sv[i] = dsm[rr[i] + c];
            for (int j = 0; j < CD; j++) kv[j] = ks[c * ldk + cc[j]];
            for (int i = 0; i < RM; i++) for (int j = 0; j < CD; j++) acc[i][j] += sv[i] * kv[j];
        }
    }
    T* dq = dQ + qOff;
    for (int i = 0; i < RM; i++)
    {
        int r = ty + 8 * i;
        if (r >= rows) break;
        for (int j = 0; j < CD; j++)
        {
            int col = tx + 16 * j;
            if (col >= d) break;
            dq[(long long)r * a.qR + col] = acc[i][j];
        }
    }
}

template <typename T>
__device__ void backward_kv_registers(const T* Q, const T* K, const T* V, const T* O, const T* Lse, const T* dO,
    const T* lengths, T* dK, T* dV, const sc_attn_params& a)
{
    constexpr int RM = 4, RN = 2, RK = 4, CD = 8;
    int kTiles = (a.tk + a.bk - 1) / a.bk;
    int tile = blockIdx.x, kt = tile % kTiles, bh = tile / kTiles, b = bh / a.heads, h = bh % a.heads;
    int BQ = a.bq, BK = a.bk, d = a.d, dv = a.dv;
    int ldq = odd_stride(d), ldo = odd_stride(dv), ldk = odd_stride(d), ldv = odd_stride(dv);
    int j0 = kt * BK, nAll = min(a.tk, j0 + BK) - j0;
    long long qOff = b * a.qB + h * a.qH, oOff = b * a.oB + h * a.oH;
    const T* k = K + b * a.kB + h * a.kH + (long long)j0 * a.kR;
    const T* v = V + b * a.vB + h * a.vH + (long long)j0 * a.vR;
    T* dk = dK + b * a.kB + h * a.kH + (long long)j0 * a.kR;
    T* dvp = dV + b * a.vB + h * a.vH + (long long)j0 * a.vR;

    int kEnd = key_limit(lengths, b, a.tk);
    if (a.causal) kEnd = min(kEnd, max(0, a.tq + a.offset));
    int n = max(0, min(kEnd, j0 + BK) - j0);

    SC_DYNAMIC_SHARED(T, ks);       // [BK][ldk]
    T* vs = ks + BK * ldk;          // [BK][ldv]
    T* qs = vs + BK * ldv;          // [BQ][ldq]
    T* dos = qs + BQ * ldq;         // [BQ][ldo]
    T* p = dos + BQ * ldo;          // [BQ][BK]
    T* dsm = p + BQ * BK;           // [BQ][BK]
    T* ls = dsm + BQ * BK;          // [BQ]
    T* dd = ls + BQ;                // [BQ]

    int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
    T gk[RK][CD], gv[RK][CD];
    for (int i = 0; i < RK; i++) for (int j = 0; j < CD; j++) { gk[i][j] = T(0); gv[i][j] = T(0); }
    load_tile(k, a.kR, n, d, ks, ldk);
    load_tile(v, a.vR, n, dv, vs, ldv);

    int iFirst = a.causal ? max(0, j0 - a.offset) : 0;
    for (int i0 = n > 0 ? iFirst : a.tq; i0 < a.tq; i0 += BQ)
    {
        int rows = min(a.tq, i0 + BQ) - i0;
        __syncthreads();
        load_query_rows(Q + qOff + (long long)i0 * a.qR, dO + oOff + (long long)i0 * a.oR, O + oOff + (long long)i0 * a.oR,
            Lse + (long long)bh * a.tq + i0, a, rows, qs, ldq, dos, ldo, ls, dd);
        __syncthreads();
        {
            T x[RM][RN], y[RM][RN];
            score_pairs<T, RM, RN>(qs, ldq, dos, ldo, ks, ldk, vs, ldv, d, dv, rows, n, x, y);
            store_probabilities<T, RM, RN>(x, y, ls, dd, rows, n, i0, j0, BK, a, p, dsm);
        }
        __syncthreads();
        int kc[RK], cq[CD], co[CD];
        for (int i = 0; i < RK; i++) kc[i] = min(ty + 8 * i, n - 1);
        for (int j = 0; j < CD; j++) { cq[j] = min(tx + 16 * j, d - 1); co[j] = min(tx + 16 * j, dv - 1); }
        for (int r = 0; r < rows; r++) // dV += Pᵀ·dO, dK += dSᵀ·Q
        {
            T pv[RK], sv[RK], ov[CD], qv[CD];
            for (int i = 0; i < RK; i++) { pv[i] = p[r * BK + kc[i]]; sv[i] = dsm[r * BK + kc[i]]; }
            for (int j = 0; j < CD; j++) { ov[j] = dos[r * ldo + co[j]]; qv[j] = qs[r * ldq + cq[j]]; }
            for (int i = 0; i < RK; i++)
                for (int j = 0; j < CD; j++) { gv[i][j] += pv[i] * ov[j]; gk[i][j] += sv[i] * qv[j]; }
        }
    }
    for (int i = 0; i < RK; i++)
    {
        int c = ty + 8 * i;
        if (c >= nAll) break;
        for (int j = 0; j < CD; j++)
        {
            int col = tx + 16 * j;
            if (col < d) dk[(long long)c * a.kR + col] = c < n ? gk[i][j] : T(0);
            if (col < dv) dvp[(long long)c * a.vR + col] = c < n ? gv[i][j] : T(0);
        }
    }
}

// ----- explicit weights -------------------------------------------------------------------------------------------

// One warp per query row (b, h, i): scores, max, exponentials, normalisation, all in the output row.
template <typename T>
__device__ void weights(const T* Q, const T* K, const T* lengths, T* W, const sc_attn_params& a)
{
    int warps = blockDim.x >> 5, lane = threadIdx.x & 31;
    long long row = (long long)blockIdx.x * warps + (threadIdx.x >> 5);
    long long total = (long long)a.batch * a.heads * a.tq;
    if (row >= total) return; // whole warps leave together
    int i = (int)(row % a.tq), bh = (int)(row / a.tq), b = bh / a.heads, h = bh % a.heads;
    const T* q = Q + b * a.qB + h * a.qH + (long long)i * a.qR;
    const T* k = K + b * a.kB + h * a.kH;
    T* w = W + row * a.tk;
    T scale = (T)a.scale;
    int n = key_limit(lengths, b, a.tk);
    if (a.causal) n = min(n, max(0, i + a.offset + 1));
    T mx = neg_inf<T>();
    for (int j = lane; j < n; j += 32)
    {
        T x = scale * dot(q, k + (long long)j * a.kR, a.d);
        w[j] = x;
        mx = max_of(mx, x);
    }
    mx = warp_max(mx);
    T sum = T(0);
    for (int j = lane; j < n; j += 32) { T e = sc_exp(w[j] - mx); w[j] = e; sum += e; }
    sum = warp_sum(sum);
    T inv = T(1) / sum;
    for (int j = lane; j < n; j += 32) w[j] *= inv;
    for (int j = max(n, 0) + lane; j < a.tk; j += 32) w[j] = T(0);
}

// ----- additive (Bahdanau) scores -----------------------------------------------------------------------------------

template <typename T>
__device__ void additive_scores(const T* qp, const T* kp, const T* v, const T* lengths, T* scores,
    int batch, int tq, int tk, int width)
{
    long long total = (long long)batch * tq * tk;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += (long long)gridDim.x * blockDim.x)
    {
        int j = (int)(e % tk);
        long long row = e / tk; // b·Tq + i
        int b = (int)(row / tq);
        if (j >= key_limit(lengths, b, tk)) { scores[e] = neg_inf<T>(); continue; }
        const T* q = qp + row * width;
        const T* k = kp + ((long long)b * tk + j) * width;
        T s = T(0);
        for (int c = 0; c < width; c++) s += v[c] * sc_tanh(q[c] + k[c]);
        scores[e] = s;
    }
}

// dQueryProj[b, i, c] = Σ_j dS_ij·v_c·(1 − t²) over visible j (one thread per element, j in order).
template <typename T>
__device__ void additive_backward_query(const T* qp, const T* kp, const T* v, const T* dScores, const T* lengths,
    T* dqp, int batch, int tq, int tk, int width)
{
    long long total = (long long)batch * tq * width;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += (long long)gridDim.x * blockDim.x)
    {
        int c = (int)(e % width);
        long long row = e / width;
        int b = (int)(row / tq), kLen = key_limit(lengths, b, tk);
        T qc = qp[e], vc = v[c], x = T(0);
        const T* ds = dScores + row * tk;
        for (int j = 0; j < kLen; j++)
        {
            T t = sc_tanh(qc + kp[((long long)b * tk + j) * width + c]);
            x += ds[j] * vc * (T(1) - t * t);
        }
        dqp[e] = x;
    }
}

// dKeyProj[b, j, c] = Σ_i dS_ij·v_c·(1 − t²); 0 for keys past the length.
template <typename T>
__device__ void additive_backward_key(const T* qp, const T* kp, const T* v, const T* dScores, const T* lengths,
    T* dkp, int batch, int tq, int tk, int width)
{
    long long total = (long long)batch * tk * width;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += (long long)gridDim.x * blockDim.x)
    {
        int c = (int)(e % width);
        long long row = e / width; // b·Tk + j
        int b = (int)(row / tk), j = (int)(row % tk);
        T x = T(0);
        if (j < key_limit(lengths, b, tk))
        {
            T kc = kp[e], vc = v[c];
            for (int i = 0; i < tq; i++)
            {
                T t = sc_tanh(qp[((long long)b * tq + i) * width + c] + kc);
                x += dScores[((long long)b * tq + i) * tk + j] * vc * (T(1) - t * t);
            }
        }
        dkp[e] = x;
    }
}

// dv[c] = Σ_{b, i, j visible} dS_ij·t: one block per c, a fixed-order tree reduction (deterministic).
template <typename T>
__device__ void additive_backward_v(const T* qp, const T* kp, const T* dScores, const T* lengths, T* dv,
    int batch, int tq, int tk, int width)
{
    SC_DYNAMIC_SHARED(T, red); // [blockDim.x]
    for (int c = blockIdx.x; c < width; c += gridDim.x)
    {
        long long total = (long long)batch * tq * tk;
        T x = T(0);
        for (long long e = threadIdx.x; e < total; e += blockDim.x)
        {
            int j = (int)(e % tk);
            long long row = e / tk;
            int b = (int)(row / tq);
            if (j >= key_limit(lengths, b, tk)) continue;
            T t = sc_tanh(qp[row * width + c] + kp[((long long)b * tk + j) * width + c]);
            x += dScores[e] * t;
        }
        red[threadIdx.x] = x;
        __syncthreads();
        for (int s = blockDim.x / 2; s > 0; s >>= 1)
        {
            if ((int)threadIdx.x < s) red[threadIdx.x] += red[threadIdx.x + s];
            __syncthreads();
        }
        if (threadIdx.x == 0) dv[c] = red[0];
        __syncthreads();
    }
}

} // namespace sc_attention

// ----- entry points ------------------------------------------------------------------------------------------------

#define SC_ATTENTION_ENTRIES(SUFFIX, T)                                                                              \
extern "C" __global__ void sc_attn_fwd_##SUFFIX(const T* q, const T* k, const T* v, const T* lengths, T* o, T* lse,  \
    sc_attn_params p)                                                                                                \
{ if (sc_attention::fits_registers(p)) sc_attention::forward_registers<T>(q, k, v, lengths, o, lse, p);               \
  else sc_attention::forward<T>(q, k, v, lengths, o, lse, p); }                                                           \
extern "C" __global__ void sc_attn_bwd_kv_##SUFFIX(const T* q, const T* k, const T* v, const T* o, const T* lse,     \
    const T* dout, const T* lengths, T* dk, T* dv, sc_attn_params p)                                                 \
{ if (sc_attention::fits_registers_kv(p)) sc_attention::backward_kv_registers<T>(q, k, v, o, lse, dout, lengths, dk, dv, p); \
  else sc_attention::backward_kv<T>(q, k, v, o, lse, dout, lengths, dk, dv, p); }                                         \
extern "C" __global__ void sc_attn_bwd_q_##SUFFIX(const T* q, const T* k, const T* v, const T* o, const T* lse,      \
    const T* dout, const T* lengths, T* dq, sc_attn_params p)                                                        \
{ if (sc_attention::fits_registers_q(p)) sc_attention::backward_q_registers<T>(q, k, v, o, lse, dout, lengths, dq, p); \
  else sc_attention::backward_q<T>(q, k, v, o, lse, dout, lengths, dq, p); }                                              \
extern "C" __global__ void sc_attn_weights_##SUFFIX(const T* q, const T* k, const T* lengths, T* w, sc_attn_params p)\
{ sc_attention::weights<T>(q, k, lengths, w, p); }                                                                   \
extern "C" __global__ void sc_additive_scores_##SUFFIX(const T* qp, const T* kp, const T* v, const T* lengths,       \
    T* scores, int batch, int tq, int tk, int width)                                                                 \
{ sc_attention::additive_scores<T>(qp, kp, v, lengths, scores, batch, tq, tk, width); }                              \
extern "C" __global__ void sc_additive_bwd_query_##SUFFIX(const T* qp, const T* kp, const T* v, const T* ds,         \
    const T* lengths, T* dqp, int batch, int tq, int tk, int width)                                                  \
{ sc_attention::additive_backward_query<T>(qp, kp, v, ds, lengths, dqp, batch, tq, tk, width); }                     \
extern "C" __global__ void sc_additive_bwd_key_##SUFFIX(const T* qp, const T* kp, const T* v, const T* ds,           \
    const T* lengths, T* dkp, int batch, int tq, int tk, int width)                                                  \
{ sc_attention::additive_backward_key<T>(qp, kp, v, ds, lengths, dkp, batch, tq, tk, width); }                       \
extern "C" __global__ void sc_additive_bwd_v_##SUFFIX(const T* qp, const T* kp, const T* ds, const T* lengths,       \
    T* dv, int batch, int tq, int tk, int width)                                                                     \
{ sc_attention::additive_backward_v<T>(qp, kp, ds, lengths, dv, batch, tq, tk, width); }

SC_ATTENTION_ENTRIES(f32, float)
SC_ATTENTION_ENTRIES(f64, double)

SC_EMU_REGISTER(sc_attn_fwd_f32, sc_attn_fwd_f64, sc_attn_bwd_kv_f32, sc_attn_bwd_kv_f64, sc_attn_bwd_q_f32,
    sc_attn_bwd_q_f64, sc_attn_weights_f32, sc_attn_weights_f64, sc_additive_scores_f32, sc_additive_scores_f64,
    sc_additive_bwd_query_f32, sc_additive_bwd_query_f64, sc_additive_bwd_key_f32, sc_additive_bwd_key_f64,
    sc_additive_bwd_v_f32, sc_additive_bwd_v_f64)
