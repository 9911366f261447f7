// Shared by every kernels/*.cu: portability macros (real CUDA or the CPU emulation), per-type math, and the warp/block
// reductions. Everything here is device code; entry points are `extern "C" __global__ sc_<op>_f32 / _f64`.
#pragma once

#ifdef __CUDACC__
#define SC_DYNAMIC_SHARED(T, name) extern __shared__ __align__(16) unsigned char sc_dynamic_smem_[]; T* name = reinterpret_cast<T*>(sc_dynamic_smem_)
#define SC_EMU_REGISTER(...)
#else
#include "emu/cuda_emu.h"
#define SC_DYNAMIC_SHARED(T, name) T* name = static_cast<T*>(::emu::dynamic_shared())
// Registers kernels by name for the emulator's cuLaunchKernel-style entry (emu_launch in kernels/emu/emu_api.cpp).
#define SC_EMU_REG_ONE(k) static const bool sc_emu_registered_##k = ::emu::add(#k, &::emu::thunk<&k>);
#define SC_EMU_REGISTER(...) SC_EMU_FOR_EACH(SC_EMU_REG_ONE, __VA_ARGS__)
#define SC_EMU_EXPAND(x) x
#define SC_EMU_FE_1(m, a) m(a)
#define SC_EMU_FE_2(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_1(m, __VA_ARGS__))
#define SC_EMU_FE_3(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_2(m, __VA_ARGS__))
#define SC_EMU_FE_4(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_3(m, __VA_ARGS__))
#define SC_EMU_FE_5(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_4(m, __VA_ARGS__))
#define SC_EMU_FE_6(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_5(m, __VA_ARGS__))
#define SC_EMU_FE_7(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_6(m, __VA_ARGS__))
#define SC_EMU_FE_8(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_7(m, __VA_ARGS__))
#define SC_EMU_FE_9(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_8(m, __VA_ARGS__))
#define SC_EMU_FE_10(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_9(m, __VA_ARGS__))
#define SC_EMU_FE_11(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_10(m, __VA_ARGS__))
#define SC_EMU_FE_12(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_11(m, __VA_ARGS__))
#define SC_EMU_FE_13(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_12(m, __VA_ARGS__))
#define SC_EMU_FE_14(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_13(m, __VA_ARGS__))
#define SC_EMU_FE_15(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_14(m, __VA_ARGS__))
#define SC_EMU_FE_16(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_15(m, __VA_ARGS__))
#define SC_EMU_FE_17(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_16(m, __VA_ARGS__))
#define SC_EMU_FE_18(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_17(m, __VA_ARGS__))
#define SC_EMU_FE_19(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_18(m, __VA_ARGS__))
#define SC_EMU_FE_20(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_19(m, __VA_ARGS__))
#define SC_EMU_FE_21(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_20(m, __VA_ARGS__))
#define SC_EMU_FE_22(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_21(m, __VA_ARGS__))
#define SC_EMU_FE_23(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_22(m, __VA_ARGS__))
#define SC_EMU_FE_24(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_23(m, __VA_ARGS__))
#define SC_EMU_FE_25(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_24(m, __VA_ARGS__))
#define SC_EMU_FE_26(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_25(m, __VA_ARGS__))
#define SC_EMU_FE_27(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_26(m, __VA_ARGS__))
#define SC_EMU_FE_28(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_27(m, __VA_ARGS__))
#define SC_EMU_FE_29(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_28(m, __VA_ARGS__))
#define SC_EMU_FE_30(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_29(m, __VA_ARGS__))
#define SC_EMU_FE_31(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_30(m, __VA_ARGS__))
#define SC_EMU_FE_32(m, a, ...) m(a) SC_EMU_EXPAND(SC_EMU_FE_31(m, __VA_ARGS__))
#define SC_EMU_PICK(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30, _31, _32, N, ...) N
#define SC_EMU_FOR_EACH(m, ...)                                                                                          \
    SC_EMU_EXPAND(SC_EMU_PICK(__VA_ARGS__, SC_EMU_FE_32, SC_EMU_FE_31, SC_EMU_FE_30, SC_EMU_FE_29, SC_EMU_FE_28, SC_EMU_FE_27, \
        SC_EMU_FE_26, SC_EMU_FE_25, SC_EMU_FE_24, SC_EMU_FE_23, SC_EMU_FE_22, SC_EMU_FE_21, SC_EMU_FE_20, SC_EMU_FE_19,         \
        SC_EMU_FE_18, SC_EMU_FE_17, SC_EMU_FE_16, SC_EMU_FE_15, SC_EMU_FE_14, SC_EMU_FE_13, SC_EMU_FE_12, SC_EMU_FE_11,         \
        SC_EMU_FE_10, SC_EMU_FE_9, SC_EMU_FE_8, SC_EMU_FE_7, SC_EMU_FE_6, SC_EMU_FE_5, SC_EMU_FE_4, SC_EMU_FE_3, SC_EMU_FE_2,    \
        SC_EMU_FE_1)(m, __VA_ARGS__))
#endif

// Both type instantiations of a kernel body as extern "C" entry points: SC_ENTRIES(add, (const T* a, ...), (a, ...))
// defines sc_add_f32 and sc_add_f64, each calling the template sc::add<T>. (T is bound by a namespace-level alias, so the
// parameter list can name it; extern "C" gives the entry points their plain names whatever the namespace.)
#define SC_ENTRY(op, suffix, type, params, args)                                                                         \
    namespace sc_entry_##op##_##suffix                                                                                \
    {                                                                                                                  \
    using T = type;                                                                                                    \
    using sc::i64;                                                                                                     \
    extern "C" __global__ void sc_##op##_##suffix params { sc::op<T> args; }                                          \
    }                                                                                                                  \
    using sc_entry_##op##_##suffix::sc_##op##_##suffix;
#define SC_ENTRIES(op, params, args) SC_ENTRY(op, f32, float, params, args) SC_ENTRY(op, f64, double, params, args)

namespace sc
{
typedef long long i64;

__device__ __forceinline__ float exp_(float x) { return expf(x); }
__device__ __forceinline__ double exp_(double x) { return exp(x); }
__device__ __forceinline__ float log_(float x) { return logf(x); }
__device__ __forceinline__ double log_(double x) { return log(x); }
__device__ __forceinline__ float tanh_(float x) { return tanhf(x); }
__device__ __forceinline__ double tanh_(double x) { return tanh(x); }
__device__ __forceinline__ float sqrt_(float x) { return sqrtf(x); }
__device__ __forceinline__ double sqrt_(double x) { return sqrt(x); }
__device__ __forceinline__ float abs_(float x) { return fabsf(x); }
__device__ __forceinline__ double abs_(double x) { return fabs(x); }
__device__ __forceinline__ float max_(float a, float b) { return fmaxf(a, b); }
__device__ __forceinline__ double max_(double a, double b) { return fmax(a, b); }
// Products and sums that must not be contracted into an FMA (bit-exact agreement with the CPU backend).
__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double add_rn(double a, double b) { return __dadd_rn(a, b); }

template <class T> __device__ __forceinline__ T negative_infinity() { return -INFINITY; }

/// Index of this thread in a 1-D grid-stride loop, and the stride.
__device__ __forceinline__ i64 global_index() { return (i64)blockIdx.x * blockDim.x + threadIdx.x; }
__device__ __forceinline__ i64 global_stride() { return (i64)gridDim.x * blockDim.x; }

template <class T>
__device__ __forceinline__ T warp_sum(T v)
{
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

template <class T>
__device__ __forceinline__ T warp_max(T v)
{
    for (int o = 16; o > 0; o >>= 1) v = max_(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

/// Sum over a 1-D block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
/// scratch: 32 elements of shared memory; the trailing barrier lets the caller reuse it at once.
template <class T>
__device__ T block_sum(T v, T* scratch)
{
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warp_sum(v);
    if (lane == 0) scratch[w] = v;
    __syncthreads();
    T r = lane < warps ? scratch[lane] : T(0);
    r = warp_sum(r);
    __syncthreads();
    return r;
}

/// Maximum over a 1-D block, as block_sum.
template <class T>
__device__ T block_max(T v, T* scratch)
{
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warp_max(v);
    if (lane == 0) scratch[w] = v;
    __syncthreads();
    T r = lane < warps ? scratch[lane] : negative_infinity<T>();
    r = warp_max(r);
    __syncthreads();
    return r;
}
} // namespace sc
