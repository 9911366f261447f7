// Fused optimizer updates on one parameter tensor (IBackend.Loss.cs), the CPU backend's formulas in T.
#include "common.cuh"

namespace sc
{
/// g = grad + λ·p; with a buffer: b = first ? g : μ·b + (1 − dampening)·g, g = nesterov ? g + μ·b : b; p −= lr·g.
template <class T> __device__ void sgd_update(T* p, const T* grad, T* buf, i64 n, T lr, T mu, T damp, T wd, int nesterov, int first)
{
    for (i64 i = global_index(); i < n; i += global_stride())
    {
        T pv = p[i], g = grad[i] + wd * pv;
        if (buf)
        {
            T b = first ? g : mu * buf[i] + damp * g;
            buf[i] = b;
            g = nesterov ? g + mu * b : b;
        }
        p[i] = pv - lr * g;
    }
}

/// Adam/AdamW: p·decay, g = grad + λ·p, m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g², p −= step·m/(√v/√c2 + ε)
/// with step = lr/c1 (bias corrections c1 = 1 − β1^t, c2 = 1 − β2^t computed on the host in double).
template <class T> __device__ void adam_update(T* p, const T* grad, T* m, T* v, i64 n, T step, T b1, T b2, T eps, T sc2, T wd, T decay)
{
    const T c1b = T(1) - b1, c2b = T(1) - b2;
    for (i64 i = global_index(); i < n; i += global_stride())
    {
        T pv = p[i] * decay;
        T g = grad[i] + wd * pv;
        T mv = b1 * m[i] + c1b * g;
        T vv = b2 * v[i] + c2b * (g * g);
        m[i] = mv;
        v[i] = vv;
        p[i] = pv - step * mv / (sqrt_(vv) / sc2 + eps);
    }
}
} // namespace sc

SC_ENTRIES(sgd_update, (T* p, const T* grad, T* buf, i64 n, T lr, T mu, T damp, T wd, int nesterov, int first),
    (p, grad, buf, n, lr, mu, damp, wd, nesterov, first))
SC_ENTRIES(adam_update, (T* p, const T* grad, T* m, T* v, i64 n, T step, T b1, T b2, T eps, T sc2, T wd, T decay),
    (p, grad, m, v, n, step, b1, b2, eps, sc2, wd, decay))

SC_EMU_REGISTER(sc_sgd_update_f32, sc_sgd_update_f64, sc_adam_update_f32, sc_adam_update_f64)
