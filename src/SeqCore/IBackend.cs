using System.Numerics;
using SeqCore.Random;

namespace SeqCore;

/// <summary>Whether a GEMM operand is used as stored or transposed.</summary>
public enum Transpose
{
    /// <summary>Use the matrix as stored (row-major).</summary>
    No,
    /// <summary>Use the transpose of the stored matrix.</summary>
    Yes,
}

/// <summary>Which GELU formula to use, as PyTorch's <c>approximate</c> argument.</summary>
public enum GeluApproximation
{
    /// <summary>Exact: <c>x·Φ(x) = x/2·(1 + erf(x/√2))</c>.</summary>
    None,
    /// <summary>Tanh form: <c>x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³)))</c> (GPT-2).</summary>
    Tanh,
}

/// <summary>
/// The only code that touches tensor memory and does arithmetic. Layers, models and training code
/// call these operations and nothing else, which is what lets the same model run on every backend
/// and lets tests compare backends op by op.
/// </summary>
/// <remarks>
/// <para>Conventions, shared by every operation:</para>
/// <list type="bullet">
/// <item>Argument order is inputs, then sizes and options, then outputs. The exception is
/// <see cref="Gemm"/>, which keeps the BLAS order every numerical programmer already reads.</item>
/// <item>Tensors are dense and row-major. Matrix-shaped operations read a tensor as
/// <c>[rows, cols]</c> with <c>cols</c> = the last dimension (<see cref="Tensor{T}.AsMatrix"/>).</item>
/// <item>Elementwise operations need equal element counts, not equal shapes, and accept an output that
/// is the same tensor as an input (in-place).</item>
/// <item>Backward operations overwrite the input gradient they produce. Accumulating parameter
/// gradients is the layer's job (it passes <c>accumulate: true</c> or <c>beta = 1</c>).</item>
/// <item>Every tensor argument must be alive and owned by this backend; otherwise the call throws
/// with a message naming the argument and its shape.</item>
/// </list>
/// </remarks>
public partial interface IBackend<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Short name, e.g. <c>cpu</c> or <c>cuda:0</c>.</summary>
    string Name { get; }

    // ----- memory -------------------------------------------------------------------------

    /// <summary>Allocates a zero-filled tensor of the given shape.</summary>
    Tensor<T> Allocate(params int[] shape);

    /// <summary>Frees a tensor's storage. Releasing twice is allowed; using a released tensor throws.</summary>
    void Release(Tensor<T> tensor);

    /// <summary>Copies <paramref name="source"/> (exactly <c>destination.Length</c> elements) into the tensor.</summary>
    void CopyFromHost(ReadOnlySpan<T> source, Tensor<T> destination);

    /// <summary>Copies the tensor into <paramref name="destination"/> (exactly <c>source.Length</c> elements).</summary>
    void CopyToHost(Tensor<T> source, Span<T> destination);

    /// <summary>Waits until all queued work is finished (a no-op on the CPU).</summary>
    void Synchronize();

    // ----- GEMM ---------------------------------------------------------------------------

    /// <summary>
    /// <c>C = alpha·op(A)·op(B) + beta·C</c> with row-major storage: <c>op(A)</c> is m×k, <c>op(B)</c> is k×n,
    /// C is m×n. <paramref name="lda"/>, <paramref name="ldb"/>, <paramref name="ldc"/> are the row strides of
    /// the matrices as stored (so <c>lda ≥ k</c> when A is not transposed, <c>lda ≥ m</c> when it is).
    /// With <c>beta = 0</c>, C is overwritten without being read (NaNs in C do not propagate).
    /// </summary>
    void Gemm(Transpose transA, Transpose transB, int m, int n, int k,
        T alpha, Tensor<T> a, int lda, Tensor<T> b, int ldb, T beta, Tensor<T> c, int ldc);

    /// <summary>
    /// <paramref name="batchCount"/> independent GEMMs; matrix <c>i</c> of A starts <c>i·strideA</c> elements
    /// after A's first element (likewise B and C). A stride of 0 reuses one matrix for every batch entry.
    /// </summary>
    void GemmStridedBatched(Transpose transA, Transpose transB, int m, int n, int k,
        T alpha, Tensor<T> a, int lda, long strideA, Tensor<T> b, int ldb, long strideB,
        T beta, Tensor<T> c, int ldc, long strideC, int batchCount);

    // ----- elementwise ----------------------------------------------------------------------

    /// <summary><c>y = a + b</c>.</summary>
    void Add(Tensor<T> a, Tensor<T> b, Tensor<T> y);

    /// <summary><c>y = a - b</c>.</summary>
    void Sub(Tensor<T> a, Tensor<T> b, Tensor<T> y);

    /// <summary><c>y = a ⊙ b</c> (elementwise product).</summary>
    void Mul(Tensor<T> a, Tensor<T> b, Tensor<T> y);

    /// <summary><c>y = alpha·x</c>.</summary>
    void Scale(Tensor<T> x, T alpha, Tensor<T> y);

    /// <summary><c>y += alpha·x</c>.</summary>
    void Axpy(Tensor<T> x, T alpha, Tensor<T> y);

    /// <summary>Sets every element of <paramref name="y"/> to <paramref name="value"/>.</summary>
    void Fill(T value, Tensor<T> y);

    /// <summary><c>y = x</c>.</summary>
    void Copy(Tensor<T> x, Tensor<T> y);

    // ----- activations --------------------------------------------------------------------

    /// <summary><c>y = 1 / (1 + e^-x)</c>.</summary>
    void Sigmoid(Tensor<T> x, Tensor<T> y);

    /// <summary><c>dx = dy·y·(1 - y)</c>, from the forward output <paramref name="y"/>.</summary>
    void SigmoidBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx);

    /// <summary><c>y = tanh(x)</c>.</summary>
    void Tanh(Tensor<T> x, Tensor<T> y);

    /// <summary><c>dx = dy·(1 - y²)</c>, from the forward output <paramref name="y"/>.</summary>
    void TanhBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx);

    /// <summary><c>y = max(x, 0)</c>.</summary>
    void Relu(Tensor<T> x, Tensor<T> y);

    /// <summary><c>dx = dy</c> where <c>x &gt; 0</c>, else 0 (the derivative at 0 is taken as 0, as PyTorch).</summary>
    void ReluBackward(Tensor<T> x, Tensor<T> dy, Tensor<T> dx);

    /// <summary>GELU, exact or tanh-approximated.</summary>
    void Gelu(Tensor<T> x, GeluApproximation approximation, Tensor<T> y);

    /// <summary><c>dx = dy·GELU'(x)</c> for the chosen formula.</summary>
    void GeluBackward(Tensor<T> x, Tensor<T> dy, GeluApproximation approximation, Tensor<T> dx);

    // ----- softmax (row-wise over the last dimension, numerically stable) ------------------

    /// <summary><c>y[r, :] = exp(x[r, :] - max) / Σ exp(x[r, :] - max)</c>.</summary>
    void Softmax(Tensor<T> x, Tensor<T> y);

    /// <summary><c>dx = y ⊙ (dy - Σ_j dy_j·y_j)</c> per row, from the forward output.</summary>
    void SoftmaxBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx);

    /// <summary><c>y[r, :] = x[r, :] - max - log Σ exp(x[r, :] - max)</c>.</summary>
    void LogSoftmax(Tensor<T> x, Tensor<T> y);

    /// <summary><c>dx = dy - exp(y)·Σ_j dy_j</c> per row, from the forward output.</summary>
    void LogSoftmaxBackward(Tensor<T> y, Tensor<T> dy, Tensor<T> dx);

    // ----- reductions -----------------------------------------------------------------------

    /// <summary>
    /// Sums a <c>[rows, cols]</c> tensor over its rows into <c>y[cols]</c> (a bias gradient);
    /// <c>y += sum</c> when <paramref name="accumulate"/>, else <c>y = sum</c>.
    /// </summary>
    void SumRows(Tensor<T> x, bool accumulate, Tensor<T> y);

    /// <summary>Sums a <c>[rows, cols]</c> tensor over its columns into <c>y[rows]</c>.</summary>
    void SumCols(Tensor<T> x, bool accumulate, Tensor<T> y);

    /// <summary><c>Σ x²</c> accumulated in double (for gradient norms). Waits for queued work.</summary>
    double SumOfSquares(Tensor<T> x);

    // ----- random fills (see docs/random.md for the exact stream) --------------------------

    /// <summary>Uniform in <c>[low, high)</c>; consumes <c>y.Length</c> counters of <paramref name="random"/>.</summary>
    void FillUniform(RandomStream random, T low, T high, Tensor<T> y);

    /// <summary>Normal with the given mean and standard deviation (Box–Muller); consumes <c>y.Length</c> counters.</summary>
    void FillNormal(RandomStream random, T mean, T std, Tensor<T> y);

    /// <summary>
    /// A dropout mask: <c>y = scale</c> with probability <paramref name="keepProbability"/>, else 0
    /// (inverted dropout uses <c>scale = 1/keep</c>); consumes <c>y.Length</c> counters.
    /// </summary>
    void FillBernoulliMask(RandomStream random, T keepProbability, T scale, Tensor<T> y);
}
