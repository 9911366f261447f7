namespace SeqCore.Tests.Support;

/// <summary>
/// Plain scalar references in double, written from the mathematical definitions (not from the backend's code).
/// They only use <see cref="Math"/>; Φ is Marsaglia's series, so the GELU reference does not depend on
/// <see cref="SpecialFunctions"/>.
/// </summary>
public static class Reference
{
    /// <summary>√(2/π), computed rather than copied.</summary>
    public static readonly double SqrtTwoOverPi = Math.Sqrt(2.0 / Math.PI);

    /// <summary>The tanh-GELU cubic coefficient (Hendrycks &amp; Gimpel; PyTorch's <c>approximate='tanh'</c>).</summary>
    public const double GeluCubic = 0.044715;

    /// <summary>1/(1+e^-x), written so that neither branch overflows.</summary>
    public static double Sigmoid(double x) => x >= 0 ? 1.0 / (1.0 + Math.Exp(-x)) : Math.Exp(x) / (1.0 + Math.Exp(x));

    /// <summary>max(x, 0) (−0 and NaN map to 0, as <c>x &gt; 0 ? x : 0</c>).</summary>
    public static double Relu(double x) => x > 0 ? x : 0.0;

    /// <summary>1 for x &gt; 0, else 0 (the derivative at 0 is taken as 0, as PyTorch).</summary>
    public static double ReluDerivative(double x) => x > 0 ? 1.0 : 0.0;

    /// <summary>
    /// Standard normal CDF by G. Marsaglia, "Evaluating the Normal Distribution", J. Stat. Softw. 11(4), 2004:
    /// Φ(x) = ½ + φ(x)·(x + x³/3 + x⁵/(3·5) + …). Absolute error about 1e-16 (enough for x·Φ(x) to 1e-14).
    /// </summary>
    public static double NormalCdf(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        if (x < -37) return 0.0; // Φ(−37) ≈ 6e-300, and the series' terms would overflow beyond
        if (x > 37) return 1.0;
        double s = x, t = 0, b = x, q = x * x, i = 1;
        while (s != t)
        {
            t = s;
            i += 2;
            b *= q / i;
            s = t + b;
        }
        return 0.5 + s * Math.Exp(-0.5 * q - 0.91893853320467274178); // 0.9189… = ln √(2π)
    }

    /// <summary>φ(x) = e^(−x²/2)/√(2π).</summary>
    public static double NormalPdf(double x) => Math.Exp(-0.5 * x * x) / Math.Sqrt(2.0 * Math.PI);

    /// <summary>Exact GELU x·Φ(x).</summary>
    public static double GeluExact(double x) => x * NormalCdf(x);

    /// <summary>d/dx x·Φ(x) = Φ(x) + x·φ(x).</summary>
    public static double GeluExactDerivative(double x) => NormalCdf(x) + x * NormalPdf(x);

    /// <summary>x/2·(1 + tanh(√(2/π)(x + 0.044715x³))).</summary>
    public static double GeluTanh(double x) => 0.5 * x * (1.0 + Math.Tanh(SqrtTwoOverPi * (x + GeluCubic * x * x * x)));

    /// <summary>The derivative of <see cref="GeluTanh"/>, by the product and chain rules.</summary>
    public static double GeluTanhDerivative(double x)
    {
        double t = Math.Tanh(SqrtTwoOverPi * (x + GeluCubic * x * x * x));
        double du = SqrtTwoOverPi * (1.0 + 3.0 * GeluCubic * x * x);
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du;
    }

    /// <summary>Row-wise softmax (or log-softmax) of a row-major [rows, cols] matrix, stable (max subtracted).</summary>
    public static double[] Softmax(double[] x, int rows, int cols, bool log)
    {
        var y = new double[x.Length];
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            double max = double.NegativeInfinity;
            for (int j = 0; j < cols; j++) max = Math.Max(max, x[o + j]);
            double sum = 0;
            for (int j = 0; j < cols; j++) sum += Math.Exp(x[o + j] - max);
            for (int j = 0; j < cols; j++)
                y[o + j] = log ? x[o + j] - max - Math.Log(sum) : Math.Exp(x[o + j] - max) / sum;
        }
        return y;
    }

    /// <summary>dx = y ⊙ (dy − Σⱼ dyⱼ·yⱼ) per row.</summary>
    public static double[] SoftmaxBackward(double[] y, double[] dy, int rows, int cols)
    {
        var dx = new double[y.Length];
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            double dot = 0;
            for (int j = 0; j < cols; j++) dot += dy[o + j] * y[o + j];
            for (int j = 0; j < cols; j++) dx[o + j] = y[o + j] * (dy[o + j] - dot);
        }
        return dx;
    }

    /// <summary>Per element, y·(|dy| + Σⱼ|dyⱼ·yⱼ|): the size of the terms the softmax backward subtracts (its error scale).</summary>
    public static double[] SoftmaxBackwardScale(double[] y, double[] dy, int rows, int cols)
    {
        var s = new double[y.Length];
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            double dot = 0;
            for (int j = 0; j < cols; j++) dot += Math.Abs(dy[o + j] * y[o + j]);
            for (int j = 0; j < cols; j++) s[o + j] = Math.Abs(y[o + j]) * (Math.Abs(dy[o + j]) + dot);
        }
        return s;
    }

    /// <summary>Per element, |dy| + exp(y)·Σⱼ|dyⱼ|: the size of the terms the log-softmax backward subtracts.</summary>
    public static double[] LogSoftmaxBackwardScale(double[] y, double[] dy, int rows, int cols)
    {
        var s = new double[y.Length];
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            double total = 0;
            for (int j = 0; j < cols; j++) total += Math.Abs(dy[o + j]);
            for (int j = 0; j < cols; j++) s[o + j] = Math.Abs(dy[o + j]) + Math.Exp(y[o + j]) * total;
        }
        return s;
    }

    /// <summary>dx = dy − exp(y)·Σⱼ dyⱼ per row.</summary>
    public static double[] LogSoftmaxBackward(double[] y, double[] dy, int rows, int cols)
    {
        var dx = new double[y.Length];
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            double total = 0;
            for (int j = 0; j < cols; j++) total += dy[o + j];
            for (int j = 0; j < cols; j++) dx[o + j] = dy[o + j] - Math.Exp(y[o + j]) * total;
        }
        return dx;
    }
}
