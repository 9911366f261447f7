namespace SeqCore.Tests.Support;

/// <summary>
/// Every tolerance the CPU op tests use, in one place. An element passes when
/// <c>|actual − expected| ≤ Abs + Rel·|expected|</c>, the expected value being computed in double from
/// the very same (already rounded to T) inputs, so the tolerance only has to cover the op's own rounding.
/// </summary>
public static class Tolerance
{
    /// <summary>
    /// float: one rounding is 6e-8 relative, and the SIMD exp/tanh/sigmoid (and softmax's exp, sum and scale)
    /// are a few ulp, so 1e-5 relative (≈ 80 ulp) leaves room without hiding a wrong formula. The 1e-6
    /// absolute term covers results that are small only because of cancellation, where float can do no
    /// better than an ulp of the operands: <c>1 − y²</c> for y near 1, <c>1 + tanh(u)</c> for very negative u
    /// (tanh-GELU).
    /// </summary>
    public const double FloatAbs = 1e-6, FloatRel = 1e-5;

    /// <summary>
    /// float GeluBackward(Tanh) only: GELU'(x) = ½(1 + t) + ½x·(1 − t²)·√(2/π)(1 + 3·0.044715x²) with t = tanh(u)
    /// subtracts t from 1 and then multiplies by ½|x|·du ≈ 9 at |x| ≈ 5 (beyond |x| ≈ 5.5, t rounds to ±1 and the
    /// terms vanish exactly). So float's error there is about ten ulp of 1 times |dy| (≤ 3 here): up to ≈ 3e-6
    /// where the true value is ≈ 1e-6. PyTorch's float formula is the same. 1e-5 absolute covers it.
    /// </summary>
    public const double FloatGeluTanhBackwardAbs = 1e-5;

    /// <summary>double: the same reasoning with double's ulp (1.1e-16 relative): 1e-13 is ≈ 450 ulp.</summary>
    public const double DoubleAbs = 1e-13, DoubleRel = 1e-13;

    /// <summary>
    /// Sums (SumRows, SumCols) are compared with the relative term applied to <c>Σ|xᵢ|</c> instead of
    /// <c>|Σxᵢ|</c>: that is the standard forward-error bound of summation (the result may be small by
    /// cancellation while every partial sum carried the rounding of larger numbers). The softmax backward ops,
    /// which subtract a row sum from dy, use the same idea: the relative term applies to the magnitudes of the
    /// terms subtracted (<c>y·(|dy| + Σ|dy·y|)</c> and <c>|dy| + e^y·Σ|dy|</c>).
    /// </summary>
    public static (double Abs, double Rel) For<T>() =>
        typeof(T) == typeof(float) ? (FloatAbs, FloatRel) : (DoubleAbs, DoubleRel);

    /// <summary>
    /// SumOfSquares accumulates in double for both element types, so its only error is the double
    /// summation order: ≤ n·1.1e-16 relative in the worst case for positive terms, far less in practice.
    /// </summary>
    public const double SumOfSquaresRel = 1e-12;

    /// <summary>Finite-difference checks in double: <c>|a − n| / max(|a|, |n|, 1e-8) ≤ 1e-6</c> (GUIDE §7.2).</summary>
    public const double GradientCheck = 1e-6;

    /// <summary>Central-difference step for the gradient checks: truncation h²·f'''/6 ≈ 2e-11, rounding ε/h ≈ 1e-11.</summary>
    public const double FiniteDifferenceStep = 1e-5;

    /// <summary>SpecialFunctions.Erf against 20-digit reference values (mpmath): absolute and relative.</summary>
    public const double Erf = 1e-14;

    /// <summary>Statistical checks on random fills: the sample moment must be within this many standard errors.</summary>
    public const double StandardErrors = 5;
}
