using System.Numerics;
using SeqCore.IO;

namespace SeqCore.Tests.Support;

/// <summary>
/// Golden files written by the PyTorch scripts in tests/golden (float64 reference values, stored F64): listing,
/// reading, and the one comparison every golden test uses, max|a − b| ≤ tolerance·max|b| per tensor.
/// </summary>
internal static class Golden
{
    public static string Folder(string family) => Path.Combine(AppContext.BaseDirectory, "Golden", family);

    /// <summary>The case names (file names without extension) of a family, sorted.</summary>
    public static IEnumerable<string> Names(string family) =>
        Directory.GetFiles(Folder(family), "*.safetensors").Select(Path.GetFileNameWithoutExtension).Order()!;

    public static (IReadOnlyDictionary<string, SafeTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string family, string name) =>
        SafeTensors.Read(Path.Combine(Folder(family), name + ".safetensors"));

    public static T[] ToT<T>(double[] values) where T : unmanaged, IFloatingPointIeee754<T> => values.Select(T.CreateTruncating).ToArray();

    /// <summary>Asserts, for every (key, tensor) pair, that the tensor matches the file's tensor of that key.</summary>
    public static void AssertMatches<T>(IBackend<T> backend, string caseName, IEnumerable<(string Key, Tensor<T> Actual)> actual,
        IReadOnlyDictionary<string, SafeTensor> expected, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Multiple(() =>
        {
            foreach (var (key, tensor) in actual)
            {
                double[] a = backend.ToArray(tensor).Select(double.CreateTruncating).ToArray();
                double[] b = expected[key].Data;
                Assert.That(a, Has.Length.EqualTo(b.Length), $"{caseName} {key}: element count");
                double scale = b.Max(Math.Abs), worst = a.Zip(b, (u, v) => Math.Abs(u - v)).Max();
                TestContext.Out.WriteLine($"{caseName} {typeof(T).Name} {key}: max|a−b|/max|b| = {worst / scale:E2}");
                Assert.That(worst, Is.LessThanOrEqualTo(tolerance * scale), $"{caseName} {key}: max|a−b| = {worst:E3}, max|b| = {scale:E3}");
            }
        });
    }
}
