using System.Numerics;

namespace SeqCore;

/// <summary>
/// Where element <c>(b, h, i, c)</c> of an attention operand lives: at <c>b·Batch + h·Head + i·Row + c</c> elements
/// from the tensor's first element (<c>c</c> runs over the contiguous feature columns). All zero means dense
/// <c>[B, heads, T, d]</c>. Strides let a kernel read heads straight out of a packed projection, e.g. the queries of
/// a batch-first <c>[B·T, 3E]</c> QKV buffer are <c>(T·3E, E/heads, 3E)</c>, of a time-major one <c>(3E, E/heads, B·3E)</c>.
/// Public because it is part of <see cref="IBackend{T}"/>'s attention contract (<see cref="AttentionSpec"/>): a backend
/// implementation reads it; a model built from the library's layers never needs it.
/// </summary>
public readonly record struct AttentionStrides(long Batch, long Head, long Row)
{
    /// <summary>True when every stride is 0 (the dense default).</summary>
    public bool IsDefault => Batch == 0 && Head == 0 && Row == 0;

    /// <summary>These strides, or the dense <c>[B, heads, T, width]</c> ones when all are 0.</summary>
    public AttentionStrides OrDense(int heads, int length, int width) =>
        IsDefault ? new AttentionStrides((long)heads * length * width, (long)length * width, width) : this;
}

/// <summary>
/// Sizes and options of one scaled dot-product attention call (<see cref="IBackend{T}.AttentionForward"/>).
/// A value type passed by <c>in</c>, so a layer builds it once and per-step calls allocate nothing.
/// Public because it is part of <see cref="IBackend{T}"/>'s contract: a backend implementation receives it and a
/// layer calling the backend builds it; a model built from the library's layers never needs it.
/// </summary>
public readonly record struct AttentionSpec
{
    /// <summary>Batch entries B.</summary>
    public int Batch { get; init; }
    /// <summary>Heads per batch entry (each an independent attention).</summary>
    public int Heads { get; init; }
    /// <summary>Query length Tq.</summary>
    public int QueryLength { get; init; }
    /// <summary>Key (and value) length Tk; differs from Tq in cross attention.</summary>
    public int KeyLength { get; init; }
    /// <summary>Width d of queries and keys.</summary>
    public int HeadSize { get; init; }
    /// <summary>Width dv of values and outputs; 0 means <see cref="HeadSize"/>.</summary>
    public int ValueSize { get; init; }
    /// <summary>Causal mask: key j is visible to query i only when <c>j ≤ i + CausalOffset</c>.</summary>
    public bool Causal { get; init; }
    /// <summary>
    /// Shift of the causal diagonal. 0 (PyTorch's <c>is_causal</c>, aligned top-left) lets query i see keys 0..i;
    /// <c>Tk − Tq</c> aligns bottom-right (new queries appended after a KV cache).
    /// </summary>
    public int CausalOffset { get; init; }
    /// <summary>Score scale; 0 means <c>1/√HeadSize</c>.</summary>
    public double Scale { get; init; }
    /// <summary>Query rows per tile (the unit of parallel work); 0 lets the backend choose (the CPU backend: 128 in the
    /// forward pass, where a larger tile spreads the packing of each key tile over more rows, and 64 in the backward
    /// pass). The CPU backend allows at most 1024.</summary>
    public int QueryTile { get; init; }
    /// <summary>Keys per tile (the online-softmax step); 0 means 64. The CPU backend allows at most 1024.</summary>
    public int KeyTile { get; init; }
    /// <summary>Layout of q and dq; default dense <c>[B, heads, Tq, d]</c>.</summary>
    public AttentionStrides QueryStrides { get; init; }
    /// <summary>Layout of k and dk; default dense <c>[B, heads, Tk, d]</c>.</summary>
    public AttentionStrides KeyStrides { get; init; }
    /// <summary>Layout of v and dv; default dense <c>[B, heads, Tk, dv]</c>.</summary>
    public AttentionStrides ValueStrides { get; init; }
    /// <summary>Layout of the output and its gradient; default dense <c>[B, heads, Tq, dv]</c>.</summary>
    public AttentionStrides OutputStrides { get; init; }

    /// <summary><see cref="ValueSize"/> with the default applied.</summary>
    public int EffectiveValueSize => ValueSize == 0 ? HeadSize : ValueSize;
    /// <summary><see cref="Scale"/> with the default applied.</summary>
    public double EffectiveScale => Scale == 0 ? 1.0 / Math.Sqrt(HeadSize) : Scale;
    /// <summary><see cref="QueryTile"/> with the backward pass's default (64) applied.</summary>
    public int EffectiveQueryTile => QueryTile == 0 ? 64 : QueryTile;

    /// <summary><see cref="QueryTile"/> with the forward pass's default (128) applied.</summary>
    public int EffectiveForwardQueryTile => QueryTile == 0 ? 128 : QueryTile;
    /// <summary><see cref="KeyTile"/> with the default applied.</summary>
    public int EffectiveKeyTile => KeyTile == 0 ? 64 : KeyTile;
}

/// <summary>Attention kernels: scaled dot-product attention in tiles, its backward, and the explicit weights for plots.</summary>
public partial interface IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Scaled dot-product attention, for every batch entry b and head h independently:
    /// <c>S = scale·Q·Kᵀ</c> (<c>[Tq, Tk]</c>), masked entries set to −∞, <c>P = softmax(S)</c> row-wise,
    /// <c>O = P·V</c> (<c>[Tq, dv]</c>), and per query row <c>lse_i = log Σ_j exp(S_ij)</c>.
    /// </summary>
    /// <remarks>
    /// <para>Computed in tiles with an online softmax and never materialising S or P: for each tile of
    /// <see cref="AttentionSpec.QueryTile"/> query rows, the key tiles of <see cref="AttentionSpec.KeyTile"/> keys are
    /// visited in order; each row keeps a running maximum m and sum l, and on a new tile with scores s
    /// <c>m' = max(m, max s)</c>, <c>l' = l·e^(m − m') + Σ e^(s − m')</c>, <c>O ← O·e^(m − m') + Σ_j e^(s_j − m')·v_j</c>;
    /// at the end <c>O /= l</c> and <c>lse = m + log l</c>. Besides the O(T·d) tensors of the arguments, working memory
    /// is a few tiles per thread (on the CPU: S, a packed Kᵀ and an output accumulator), independent of Tq and Tk.
    /// Key tiles that the causal mask hides completely, and those past the key length, are skipped, not masked;
    /// a tile that straddles the diagonal is masked element by element. Each tile product is a small GEMM.</para>
    /// <para>Masks: key j is visible to query i of batch entry b when <c>j &lt; keyLengths[b]</c> (when given) and,
    /// if <see cref="AttentionSpec.Causal"/>, <c>j ≤ i + CausalOffset</c>. This is PyTorch's right-padded
    /// <c>key_padding_mask</c> (True = ignore) and its upper-triangular −∞ <c>attn_mask</c>. A row that sees no key
    /// at all gets output 0 and <c>lse = −∞</c> (PyTorch gives NaN there), and no gradient.</para>
    /// <para>Shapes are given by the spec and strides (<see cref="AttentionStrides"/>): q <c>(B, heads, Tq, d)</c>,
    /// k <c>(B, heads, Tk, d)</c>, v <c>(B, heads, Tk, dv)</c>, output <c>(B, heads, Tq, dv)</c>; the output must not
    /// overlap the inputs.</para>
    /// </remarks>
    /// <param name="q">Queries.</param>
    /// <param name="k">Keys.</param>
    /// <param name="v">Values.</param>
    /// <param name="keyLengths"><c>[B]</c> valid keys per batch entry as values of T (the convention of the sequence ops), or null.</param>
    /// <param name="spec">Sizes, masks, scale, tiles and layouts.</param>
    /// <param name="output">Out: O (overwritten).</param>
    /// <param name="logSumExp">Out: <c>[B, heads, Tq]</c> dense, kept for the backward pass.</param>
    void AttentionForward(Tensor<T> q, Tensor<T> k, Tensor<T> v, Tensor<T>? keyLengths, in AttentionSpec spec,
        Tensor<T> output, Tensor<T> logSumExp);

    /// <summary>
    /// Backward of <see cref="AttentionForward"/>, recomputing the probabilities tile by tile from the saved
    /// log-sum-exp, <c>P_ij = exp(S_ij − lse_i)</c>. With <c>D_i = Σ_c dO_ic·O_ic</c>:
    /// <c>dV = Pᵀ·dO</c>, <c>dP = dO·Vᵀ</c>, <c>dS = P ⊙ (dP − D)</c>, <c>dQ = scale·dS·K</c>, <c>dK = scale·dSᵀ·Q</c>.
    /// Memory is again O(T·d): no <c>[Tq, Tk]</c> buffer is formed.
    /// </summary>
    /// <param name="q">Queries of the forward call.</param>
    /// <param name="k">Keys.</param>
    /// <param name="v">Values.</param>
    /// <param name="output">O written by the forward call.</param>
    /// <param name="logSumExp"><c>[B, heads, Tq]</c> written by the forward call.</param>
    /// <param name="dOutput">Gradient of the output (output layout).</param>
    /// <param name="keyLengths">As in forward.</param>
    /// <param name="spec">As in forward.</param>
    /// <param name="dq">Out (overwritten), query layout.</param>
    /// <param name="dk">Out (overwritten), key layout.</param>
    /// <param name="dv">Out (overwritten), value layout.</param>
    void AttentionBackward(Tensor<T> q, Tensor<T> k, Tensor<T> v, Tensor<T> output, Tensor<T> logSumExp, Tensor<T> dOutput,
        Tensor<T>? keyLengths, in AttentionSpec spec, Tensor<T> dq, Tensor<T> dk, Tensor<T> dv);

    /// <summary>
    /// The attention probabilities <c>P = softmax(scale·Q·Kᵀ + mask)</c> themselves, for plots and for callers that
    /// ask for them (PyTorch's <c>need_weights</c>); masked entries are 0, rows that see no key are all 0.
    /// This one does materialise <c>Tq×Tk</c> per head.
    /// </summary>
    /// <param name="q">Queries.</param>
    /// <param name="k">Keys.</param>
    /// <param name="keyLengths">As in <see cref="AttentionForward"/>.</param>
    /// <param name="spec">As in <see cref="AttentionForward"/> (value and output layouts unused).</param>
    /// <param name="weights">Out: <c>[B, heads, Tq, Tk]</c> dense.</param>
    void AttentionWeights(Tensor<T> q, Tensor<T> k, Tensor<T>? keyLengths, in AttentionSpec spec, Tensor<T> weights);

    /// <summary>
    /// Additive (Bahdanau) attention scores: <c>scores[b, i, j] = Σ_a v[a]·tanh(queryProj[b, i, a] + keyProj[b, j, a])</c>
    /// for <c>j &lt; keyLengths[b]</c>, −∞ beyond (so a row-wise <see cref="Softmax"/> gives 0 there). The
    /// <c>[B, Tq, Tk, A]</c> tanh values are never stored; the backward recomputes them.
    /// </summary>
    /// <param name="queryProj"><c>[B, Tq, A]</c> projected queries (<c>W_q·q</c>).</param>
    /// <param name="keyProj"><c>[B, Tk, A]</c> projected keys (<c>W_k·k + b</c>).</param>
    /// <param name="v"><c>[A]</c>.</param>
    /// <param name="keyLengths"><c>[B]</c> valid keys per batch entry (values of T), or null.</param>
    /// <param name="batch">B.</param>
    /// <param name="queryLength">Tq.</param>
    /// <param name="keyLength">Tk.</param>
    /// <param name="scores">Out: <c>[B, Tq, Tk]</c>.</param>
    void AdditiveScores(Tensor<T> queryProj, Tensor<T> keyProj, Tensor<T> v, Tensor<T>? keyLengths,
        int batch, int queryLength, int keyLength, Tensor<T> scores);

    /// <summary>
    /// Backward of <see cref="AdditiveScores"/>: with <c>t = tanh(queryProj_i + keyProj_j)</c> and
    /// <c>g_ij = dScores_ij·v⊙(1 − t²)</c>: <c>dQueryProj_i = Σ_j g_ij</c>, <c>dKeyProj_j = Σ_i g_ij</c>,
    /// <c>dv = Σ_ij dScores_ij·t</c>, over visible (i, j) only. All three outputs are overwritten.
    /// </summary>
    /// <param name="queryProj"><c>[B, Tq, A]</c>.</param>
    /// <param name="keyProj"><c>[B, Tk, A]</c>.</param>
    /// <param name="v"><c>[A]</c>.</param>
    /// <param name="dScores"><c>[B, Tq, Tk]</c> gradient of the scores (masked entries are ignored).</param>
    /// <param name="keyLengths">As in forward.</param>
    /// <param name="batch">B.</param>
    /// <param name="queryLength">Tq.</param>
    /// <param name="keyLength">Tk.</param>
    /// <param name="dQueryProj">Out: <c>[B, Tq, A]</c>.</param>
    /// <param name="dKeyProj">Out: <c>[B, Tk, A]</c>.</param>
    /// <param name="dv">Out: <c>[A]</c>.</param>
    void AdditiveScoresBackward(Tensor<T> queryProj, Tensor<T> keyProj, Tensor<T> v, Tensor<T> dScores, Tensor<T>? keyLengths,
        int batch, int queryLength, int keyLength, Tensor<T> dQueryProj, Tensor<T> dKeyProj, Tensor<T> dv);
}
