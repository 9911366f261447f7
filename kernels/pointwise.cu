// Elementwise arithmetic and activations with their backward passes (IBackend.cs). One thread per element in a
// grid-stride loop; every op allows y to alias an input (each element is read before it is written, by one thread).
#include "common.cuh"

namespace sc
{
template <class T> __device__ void add(const T* a, const T* b, T* y, i64 n)
{
    for (i64 i = global_index(); i < n; i += global_stride()) y[i] = a[i] + b[i];
}
template <class T> __device__ void sub(const T* a, const T* b, T* y, i64 n)
{
    for (i64 i = global_index(); i < n; i += global_stride()) y[i] = a[i] - b[i];
}
template <class T> __device__ void mul(const T* a, const T* b, T* y, i64 n)
{
    for (i64 i = global_index(); i < n; i += global_stride()) y[i] = a[i] * b[i];
}
template <class T> __device__ void scale(const T* x, T alpha, T* y, i64 n)
{
    for (i64 i = global_index(); i < n; i += global_stride()) y[i] = alpha * x[i];
}
/// y += alpha·x, fused as the CPU backend's T.FusedMultiplyAdd.
template <class T> __device__ void axpy(const T* x, T alpha, T* y, i64 n)
{
    for (i64 i = global_index(); i < n; i += global_stride()) y[i] = fma(alpha, x[i], y[i]);
}
template <class T> __device__ void fill(T value, T* y, i64 n)
{
    for (i64 i = global_index(); i < n; i += global_stride()) y[i] = value;
}
/// C = beta·C over an m×n block with row stride ldc (GEMM with k = 0 or alpha = 0); beta = 0 writes zeros (NaN-safe).
template <class T> __device__ void scale_matrix(T* c, int rows, int cols, int ldc, T beta)
{
    i64 n = (i64)rows * cols;
    for (i64 i = global_index(); i < n; i += global_stride())
    {
        T* p = c + (i / cols) * ldc + i % cols;
        *p = beta == T(0) ? T(0) : beta * *p;
    }
}

template <class T> __device__ void sigmoid(const T* x, T* y, i64 n)
{
    for (i64 i = global_index(); i < n; i += global_stride()) y[i] = T(1) / (T(1) + exp_(-x[i]));
}
template <class T> __device__ void sigmoid_backward(const T* y, const T* dy, T* dx, i64 n)
{
    for (i64 i = global_index(); i < n; i += global_stride()) dx[i] = dy[i] * y[i] * (T(1) - y[i]);
}
template <class T> __device__ void tanh_forward(const T* x, T* y, i64 n)
{
    for (i64 i = global_index(); i < n; i += global_stride()) y[i] = tanh_(x[i]);
}
template <class T> __device__ void tanh_backward(const T* y, const T* dy, T* dx, i64 n)
{
    for (i64 i = global_index(); i < n; i += global_stride()) dx[i] = dy[i] * (T(1) - y[i] * y[i]);
}
template <class T> __device__ void relu(const T* x, T* y, i64 n)
{
    for (i64 i = global_index(); i < n; i += global_stride()) y[i] = x[i] > T(0) ? x[i] : T(0);
}
template <class T> __device__ void relu_backward(const T* x, const T* dy, T* dx, i64 n)
{
    for (i64 i = global_index(); i < n; i += global_stride()) dx[i] = x[i] > T(0) ? dy[i] : T(0);
}

// Exact GELU in double for both types, as the CPU backend: x·Φ(x), Φ(x) = ½(1 + erf(x/√2)); GELU' = Φ(x) + x·φ(x).
__device__ __forceinline__ double normal_cdf(double x) { return 0.5 * (1.0 + erf(x * 0.70710678118654752440)); }

template <class T> __device__ void gelu(const T* x, int approximate, T* y, i64 n)
{
    const T half = T(0.5), s = T(0.79788456080286535588), c = T(0.044715); // √(2/π)
    for (i64 i = global_index(); i < n; i += global_stride())
    {
        T v = x[i];
        if (approximate) y[i] = half * v * (T(1) + tanh_(s * (v + c * v * v * v)));
        else y[i] = T((double)v * normal_cdf((double)v));
    }
}

template <class T> __device__ void gelu_backward(const T* x, const T* dy, int approximate, T* dx, i64 n)
{
    const T half = T(0.5), s = T(0.79788456080286535588), c = T(0.044715);
    for (i64 i = global_index(); i < n; i += global_stride())
    {
        T v = x[i];
        if (approximate)
        {
            // d/dx = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²)
            T t = tanh_(s * (v + c * v * v * v));
            T du = s * (T(1) + T(3) * c * v * v);
            dx[i] = dy[i] * (half * (T(1) + t) + half * v * (T(1) - t * t) * du);
        }
        else
        {
            double d = (double)v;
            dx[i] = dy[i] * T(normal_cdf(d) + d * 0.39894228040143267794 * exp(-0.5 * d * d));
        }
    }
}
} // namespace sc


SC_ENTRIES(add, (const T* a, const T* b, T* y, i64 n), (a, b, y, n))
SC_ENTRIES(sub, (const T* a, const T* b, T* y, i64 n), (a, b, y, n))
SC_ENTRIES(mul, (const T* a, const T* b, T* y, i64 n), (a, b, y, n))
SC_ENTRIES(axpy, (const T* x, T alpha, T* y, i64 n), (x, alpha, y, n))
SC_ENTRIES(sigmoid_backward, (const T* y, const T* dy, T* dx, i64 n), (y, dy, dx, n))
SC_ENTRIES(tanh_backward, (const T* y, const T* dy, T* dx, i64 n), (y, dy, dx, n))
SC_ENTRIES(relu_backward, (const T* x, const T* dy, T* dx, i64 n), (x, dy, dx, n))
SC_ENTRIES(sigmoid, (const T* x, T* y, i64 n), (x, y, n))
SC_ENTRIES(tanh_forward, (const T* x, T* y, i64 n), (x, y, n))
SC_ENTRIES(relu, (const T* x, T* y, i64 n), (x, y, n))
SC_ENTRIES(gelu, (const T* x, int approximate, T* y, i64 n), (x, approximate, y, n))
SC_ENTRIES(gelu_backward, (const T* x, const T* dy, int approximate, T* dx, i64 n), (x, dy, approximate, dx, n))
SC_ENTRIES(fill, (T value, T* y, i64 n), (value, y, n))
SC_ENTRIES(scale_matrix, (T* c, int rows, int cols, int ldc, T beta), (c, rows, cols, ldc, beta))
SC_ENTRIES(scale, (const T* x, T alpha, T* y, i64 n), (x, alpha, y, n))

SC_EMU_REGISTER(sc_add_f32, sc_add_f64, sc_sub_f32, sc_sub_f64, sc_mul_f32, sc_mul_f64, sc_scale_f32, sc_scale_f64,
    sc_axpy_f32, sc_axpy_f64, sc_fill_f32, sc_fill_f64, sc_scale_matrix_f32, sc_scale_matrix_f64, sc_sigmoid_f32,
    sc_sigmoid_f64, sc_sigmoid_backward_f32, sc_sigmoid_backward_f64, sc_tanh_forward_f32, sc_tanh_forward_f64,
    sc_tanh_backward_f32, sc_tanh_backward_f64, sc_relu_f32, sc_relu_f64, sc_relu_backward_f32, sc_relu_backward_f64,
    sc_gelu_f32, sc_gelu_f64, sc_gelu_backward_f32, sc_gelu_backward_f64)
