// 1-D convolution helpers and global pooling over time (IBackend.Conv.cs). Layout [B, C, L]; columns [C·K, B·L_out].
#include "common.cuh"

namespace sc
{
/// columns[c·K + k, b·L_out + t] = x[b, c, t·s + k·d − pad], 0 outside [0, L).
template <class T> __device__ void im2col(const T* x, int batch, int channels, int length, int kernel, int stride, int dilation, int pad,
    int outLength, T* cols)
{
    i64 width = (i64)batch * outLength, total = (i64)channels * kernel * width;
    for (i64 i = global_index(); i < total; i += global_stride())
    {
        i64 row = i / width, col = i % width;
        i64 c = row / kernel, k = row % kernel, b = col / outLength, t = col % outLength;
        i64 src = t * stride + k * dilation - pad;
        cols[i] = src >= 0 && src < length ? x[(b * channels + c) * length + src] : T(0);
    }
}

/// dx[b, c, i] = Σ_k columns[c·K + k, b·L_out + t] over the taps with t·s + k·d − pad = i (k ascending, as the CPU).
template <class T> __device__ void col2im(const T* cols, int batch, int channels, int length, int kernel, int stride, int dilation, int pad,
    int outLength, T* dx)
{
    i64 total = (i64)batch * channels * length, width = (i64)batch * outLength;
    for (i64 j = global_index(); j < total; j += global_stride())
    {
        i64 i = j % length, bc = j / length, c = bc % channels, b = bc / channels;
        T s = T(0);
        for (int k = 0; k < kernel; k++)
        {
            i64 num = i + pad - (i64)k * dilation;
            if (num < 0 || num % stride != 0) continue;
            i64 t = num / stride;
            if (t < outLength) s += cols[(c * kernel + k) * width + b * outLength + t];
        }
        dx[j] = s;
    }
}

template <class T> __device__ __forceinline__ int valid_steps(const T* lengths, int b, int length) { return lengths ? (int)lengths[b] : length; }

template <class T> __device__ void avgpool_forward(const T* x, const T* lengths, T* y, int batch, int channels, int length)
{
    i64 total = (i64)batch * channels;
    for (i64 r = global_index(); r < total; r += global_stride())
    {
        int n = valid_steps(lengths, (int)(r / channels), length);
        T s = T(0);
        for (int t = 0; t < n; t++) s += x[r * length + t];
        y[r] = n == 0 ? T(0) : s * (T(1) / T(n));
    }
}

template <class T> __device__ void avgpool_backward(const T* lengths, const T* dy, T* dx, int batch, int channels, int length)
{
    i64 total = (i64)batch * channels * length;
    for (i64 j = global_index(); j < total; j += global_stride())
    {
        i64 r = j / length;
        int t = (int)(j % length), n = valid_steps(lengths, (int)(r / channels), length);
        dx[j] = t < n ? dy[r] * (T(1) / T(n)) : T(0);
    }
}

/// The first maximum over the valid steps (NaNs skipped); no valid step gives 0 and position −1.
template <class T> __device__ void maxpool_forward(const T* x, const T* lengths, T* y, T* argmax, int batch, int channels, int length)
{
    i64 total = (i64)batch * channels;
    for (i64 r = global_index(); r < total; r += global_stride())
    {
        int n = valid_steps(lengths, (int)(r / channels), length), best = -1;
        T m = T(0);
        for (int t = 0; t < n; t++)
        {
            T v = x[r * length + t];
            if (v == v && (best < 0 || v > m))
            {
                m = v;
                best = t;
            }
        }
        y[r] = m;
        argmax[r] = T(best);
    }
}

template <class T> __device__ void maxpool_backward(const T* argmax, const T* dy, T* dx, int batch, int channels, int length)
{
    i64 total = (i64)batch * channels * length;
    for (i64 j = global_index(); j < total; j += global_stride())
    {
        i64 r = j / length;
        dx[j] = (T)(j % length) == argmax[r] ? dy[r] : T(0);
    }
}
} // namespace sc

SC_ENTRIES(im2col, (const T* x, int batch, int channels, int length, int kernel, int stride, int dilation, int pad, int outLength, T* cols),
    (x, batch, channels, length, kernel, stride, dilation, pad, outLength, cols))
SC_ENTRIES(col2im, (const T* cols, int batch, int channels, int length, int kernel, int stride, int dilation, int pad, int outLength, T* dx),
    (cols, batch, channels, length, kernel, stride, dilation, pad, outLength, dx))
SC_ENTRIES(avgpool_forward, (const T* x, const T* lengths, T* y, int batch, int channels, int length), (x, lengths, y, batch, channels, length))
SC_ENTRIES(avgpool_backward, (const T* lengths, const T* dy, T* dx, int batch, int channels, int length), (lengths, dy, dx, batch, channels, length))
SC_ENTRIES(maxpool_forward, (const T* x, const T* lengths, T* y, T* argmax, int batch, int channels, int length),
    (x, lengths, y, argmax, batch, channels, length))
SC_ENTRIES(maxpool_backward, (const T* argmax, const T* dy, T* dx, int batch, int channels, int length), (argmax, dy, dx, batch, channels, length))

SC_EMU_REGISTER(sc_im2col_f32, sc_im2col_f64, sc_col2im_f32, sc_col2im_f64, sc_avgpool_forward_f32, sc_avgpool_forward_f64,
    sc_avgpool_backward_f32, sc_avgpool_backward_f64, sc_maxpool_forward_f32, sc_maxpool_forward_f64, sc_maxpool_backward_f32,
    sc_maxpool_backward_f64)
