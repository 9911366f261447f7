// cuda_emu.h: just enough of CUDA for kernels/*.cu to compile as plain C++20 and run on the CPU.
//
// Model: a launch runs its blocks one after another; the threads of a block are real std::threads that share the
// block's __shared__ memory, meet at __syncthreads() on a std::barrier, and exchange warp-shuffle values through a
// per-warp buffer guarded by a per-warp barrier. A thread that returns early drops out of both barriers (as an exited
// thread no longer counts on the GPU). Atomics are std::atomic_ref. kernels/README.md lists what this proves and what
// it cannot.
//
// Requirements this places on kernels (all of ours meet them):
//   * shuffles and __syncwarp are called by every live lane of the warp (full-mask, non-divergent);
//   * dynamic shared memory is declared with SC_DYNAMIC_SHARED(type, name) (kernels/common.cuh), not `extern __shared__`;
//   * `__shared__` variables are declared inside kernels (they become function-local statics: one instance that the
//     block's threads share, reused by the next block, which is what shared memory's lifetime allows).
#pragma once
#ifdef __CUDACC__
#error "cuda_emu.h is for host C++ builds only"
#endif

#include <atomic>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__
#define __restrict__ __restrict
#define __launch_bounds__(...)
#define __shared__ static

struct dim3
{
    unsigned x = 1, y = 1, z = 1;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
using uint3 = dim3;

inline thread_local dim3 threadIdx{0, 0, 0}, blockIdx{0, 0, 0}, blockDim{1, 1, 1}, gridDim{1, 1, 1};
constexpr int warpSize = 32;

namespace emu
{
/// One warp: its barrier (live lanes only) and a slot per lane for shuffles.
struct Warp
{
    explicit Warp(std::ptrdiff_t lanes) : barrier(lanes), size((int)lanes) {}
    std::barrier<> barrier;
    int size;
    alignas(8) unsigned char slots[32][8] = {};
};

/// The state one block's threads share.
struct Block
{
    Block(std::ptrdiff_t threads, std::size_t dynamicBytes) : barrier(threads), dynamic(dynamicBytes + 16)
    {
        for (std::ptrdiff_t w = 0; w < threads; w += 32)
            warps.emplace_back(std::make_unique<Warp>(std::min<std::ptrdiff_t>(32, threads - w)));
    }
    std::barrier<> barrier;
    std::vector<std::unique_ptr<Warp>> warps;
    std::vector<unsigned char> dynamic;
};

inline thread_local Block* current_block = nullptr;
inline thread_local int current_thread = 0; // linear thread index within the block

inline int lane() { return current_thread & 31; }
inline Warp& warp() { return *current_block->warps[current_thread >> 5]; }
inline void* dynamic_shared() { return current_block->dynamic.data(); }

/// Writes v into this lane's slot, waits for the warp, reads lane src's slot (own value when src does not exist).
template <class T>
T exchange(T v, int src)
{
    static_assert(sizeof(T) <= 8, "shuffle of a type wider than 8 bytes");
    Warp& w = warp();
    std::memcpy(w.slots[lane()], &v, sizeof(T));
    w.barrier.arrive_and_wait();
    T r = v;
    if (src >= 0 && src < w.size) std::memcpy(&r, w.slots[src], sizeof(T));
    w.barrier.arrive_and_wait(); // nobody overwrites a slot before every lane has read
    return r;
}

inline std::mutex& launch_mutex()
{
    static std::mutex m;
    return m;
}

/// Runs kernel k over the grid: blocks in order, blockDim threads per block, each a std::thread.
template <class... P, class... A>
void launch(void (*k)(P...), dim3 grid, dim3 block, std::size_t dynamicBytes, A... args)
{
    std::lock_guard<std::mutex> lock(launch_mutex());
    const std::ptrdiff_t threads = (std::ptrdiff_t)block.x * block.y * block.z;
    const std::size_t blocks = (std::size_t)grid.x * grid.y * grid.z;
    if (threads <= 0 || blocks == 0) return;
    std::unique_ptr<Block> ctx;
    std::barrier<> gate(threads + 1); // start and end of every block: the launcher and all threads
    auto body = [&](int t) {
        for (std::size_t b = 0; b < blocks; b++)
        {
            gate.arrive_and_wait(); // the launcher has prepared block b
            current_block = ctx.get();
            current_thread = t;
            threadIdx = dim3(t % block.x, (t / block.x) % block.y, t / (block.x * block.y));
            blockIdx = dim3(b % grid.x, (b / grid.x) % grid.y, b / ((std::size_t)grid.x * grid.y));
            blockDim = block;
            gridDim = grid;
            k(static_cast<P>(args)...);
            // Exited: stop counting at the block's barriers, so the remaining threads are not held up.
            ctx->warps[t >> 5]->barrier.arrive_and_drop();
            ctx->barrier.arrive_and_drop();
            gate.arrive_and_wait(); // block b finished
        }
    };
    std::vector<std::thread> pool;
    pool.reserve(threads);
    ctx = std::make_unique<Block>(threads, dynamicBytes);
    for (int t = 0; t < threads; t++) pool.emplace_back(body, t);
    for (std::size_t b = 0; b < blocks; b++)
    {
        if (b > 0) ctx = std::make_unique<Block>(threads, dynamicBytes);
        gate.arrive_and_wait();
        gate.arrive_and_wait();
    }
    for (auto& th : pool) th.join();
}

// ----- registry: kernels by name, launched with a cuLaunchKernel-style argument array -----------------------------

using Thunk = void (*)(dim3, dim3, unsigned, void**);

inline std::map<std::string, Thunk>& registry()
{
    static std::map<std::string, Thunk> r;
    return r;
}

template <class... P, std::size_t... I>
void launch_packed(void (*k)(P...), dim3 g, dim3 b, unsigned smem, void** args, std::index_sequence<I...>)
{
    launch(k, g, b, smem, *static_cast<std::remove_cv_t<std::remove_reference_t<P>>*>(args[I])...);
}

template <class... P>
void launch_array(void (*k)(P...), dim3 g, dim3 b, unsigned smem, void** args)
{
    launch_packed(k, g, b, smem, args, std::index_sequence_for<P...>{});
}

template <auto K>
void thunk(dim3 g, dim3 b, unsigned smem, void** args)
{
    launch_array(K, g, b, smem, args);
}

inline bool add(const char* name, Thunk t)
{
    registry()[name] = t;
    return true;
}
} // namespace emu

// ----- barriers, warp primitives, atomics ---------------------------------------------------------------------------

inline void __syncthreads() { emu::current_block->barrier.arrive_and_wait(); }
inline void __syncwarp(unsigned = 0xffffffffu) { emu::warp().barrier.arrive_and_wait(); }
inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }

template <class T>
T __shfl_sync(unsigned, T v, int src, int width = 32)
{
    int l = emu::lane();
    return emu::exchange(v, (l & ~(width - 1)) + (src & (width - 1)));
}

template <class T>
T __shfl_xor_sync(unsigned, T v, int mask, int width = 32)
{
    int l = emu::lane(), s = l ^ mask;
    return emu::exchange(v, (s & ~(width - 1)) == (l & ~(width - 1)) ? s : l);
}

template <class T>
T __shfl_down_sync(unsigned, T v, unsigned delta, int width = 32)
{
    int l = emu::lane();
    return emu::exchange(v, (l & (width - 1)) + (int)delta < width ? l + (int)delta : l);
}

template <class T>
T __shfl_up_sync(unsigned, T v, unsigned delta, int width = 32)
{
    int l = emu::lane();
    return emu::exchange(v, (l & (width - 1)) >= (int)delta ? l - (int)delta : l);
}

inline float atomicAdd(float* p, float v) { return std::atomic_ref<float>(*p).fetch_add(v); }
inline double atomicAdd(double* p, double v) { return std::atomic_ref<double>(*p).fetch_add(v); }
inline int atomicAdd(int* p, int v) { return std::atomic_ref<int>(*p).fetch_add(v); }
inline unsigned atomicAdd(unsigned* p, unsigned v) { return std::atomic_ref<unsigned>(*p).fetch_add(v); }
inline unsigned long long atomicAdd(unsigned long long* p, unsigned long long v) { return std::atomic_ref<unsigned long long>(*p).fetch_add(v); }
inline int atomicCAS(int* p, int expected, int desired)
{
    std::atomic_ref<int>(*p).compare_exchange_strong(expected, desired);
    return expected;
}
inline unsigned long long atomicCAS(unsigned long long* p, unsigned long long expected, unsigned long long desired)
{
    std::atomic_ref<unsigned long long>(*p).compare_exchange_strong(expected, desired);
    return expected;
}
inline int atomicMax(int* p, int v)
{
    std::atomic_ref<int> a(*p);
    int old = a.load();
    while (old < v && !a.compare_exchange_weak(old, v)) {}
    return old;
}
inline int atomicExch(int* p, int v) { return std::atomic_ref<int>(*p).exchange(v); }

// ----- math intrinsics ------------------------------------------------------------------------------------------------

inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
inline float __saturatef(float x) { return x < 0.f ? 0.f : x > 1.f ? 1.f : x; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((unsigned long long)a * b) >> 32); }
inline long long __double_as_longlong(double d) { long long r; std::memcpy(&r, &d, 8); return r; }
inline double __longlong_as_double(long long v) { double r; std::memcpy(&r, &v, 8); return r; }
template <class T> inline T __ldg(const T* p) { return *p; }
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }
inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
using std::erf;
using std::exp;
using std::fabs;
using std::log;
using std::log1p;
using std::nextafter;
using std::sqrt;
using std::tanh;
