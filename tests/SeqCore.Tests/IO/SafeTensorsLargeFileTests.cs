using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using SeqCore.IO;

namespace SeqCore.Tests.IO;

/// <summary>
/// Files over 2 GB: a sparse safetensors file whose last tensor lies past byte 2^31 (the rest is one filler tensor that
/// occupies no disk) is checked whole and that tensor is read by its 64-bit offset. Skipped, with the reason, where the
/// file system has no sparse files or too little space. A checkpoint of that size is not loaded here: the format
/// requires the model to hold all of its tensors, which would need gigabytes of memory.
/// </summary>
public class SafeTensorsLargeFileTests
{
    private const long TwoGigabytes = 1L << 31;

    private string _dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "seqcore-large-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void A_tensor_past_two_gigabytes_is_read_by_its_offset()
    {
        SkipUnlessSparseFilesWork();
        long fillerElements = TwoGigabytes / sizeof(long) + 8; // I64 filler: the tail starts 64 bytes past 2^31
        long tailBegin = fillerElements * sizeof(long);
        float[] tail = [1.5f, -2.25f, 3e-3f, 4e4f];
        string header = string.Create(CultureInfo.InvariantCulture,
            $"{{\"filler\":{{\"dtype\":\"I64\",\"shape\":[{fillerElements}],\"data_offsets\":[0,{tailBegin}]}}," +
            $"\"tail\":{{\"dtype\":\"F32\",\"shape\":[{tail.Length}],\"data_offsets\":[{tailBegin},{tailBegin + 4 * tail.Length}]}}}}");
        string path = Path.Combine(_dir, "big.safetensors");
        using (var f = File.Create(path))
        {
            byte[] json = Encoding.UTF8.GetBytes(header);
            var prefix = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(prefix, json.Length);
            f.Write(prefix);
            f.Write(json);
            long dataStart = f.Position;
            f.SetLength(dataStart + tailBegin); // the hole: the filler's zeros, never written
            f.Position = dataStart + tailBegin;
            var bytes = new byte[4 * tail.Length];
            for (int i = 0; i < tail.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), tail[i]);
            f.Write(bytes);
        }
        Assert.That(new FileInfo(path).Length, Is.GreaterThan(TwoGigabytes));

        var clock = Stopwatch.StartNew();
        var read = SafeTensors.ReadTensor(path, "tail");
        Assert.That(read.Shape, Is.EqualTo(new[] { tail.Length }));
        Assert.That(read.Data, Is.EqualTo(tail.Select(v => (double)v).ToArray()));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "one tensor read, not the file");
        Assert.That(SafeTensorsHeader.TensorShapes(path)["filler"], Is.EqualTo(new[] { (int)fillerElements }));
        var missing = Assert.Throws<InvalidDataException>(() => SafeTensors.ReadTensor(path, "absent"))!;
        Assert.That(missing.Message, Does.StartWith(path).And.Contain("absent"));
    }

    /// <summary>Ignores the test unless a 64 MB hole takes (almost) no disk here and 64 MB are free.</summary>
    private void SkipUnlessSparseFilesWork()
    {
        if (OperatingSystem.IsWindows()) Assert.Ignore("sparse files need FSCTL_SET_SPARSE on Windows; this test makes them on Unix only");
        if (new DriveInfo(_dir).AvailableFreeSpace < 64L << 20) Assert.Ignore($"less than 64 MB free under {_dir}");
        string probe = Path.Combine(_dir, "probe");
        using (var f = File.Create(probe)) f.SetLength(64L << 20);
        long? kilobytes = AllocatedKilobytes(probe);
        File.Delete(probe);
        if (kilobytes is null) Assert.Ignore("cannot ask 'du' how much disk a file takes");
        if (kilobytes > 1024) Assert.Ignore($"the file system under {_dir} has no sparse files (a 64 MB hole took {kilobytes} KB)");
    }

    private static long? AllocatedKilobytes(string path)
    {
        try
        {
            using var du = Process.Start(new ProcessStartInfo("du", ["-k", path]) { RedirectStandardOutput = true, UseShellExecute = false })!;
            string output = du.StandardOutput.ReadToEnd();
            du.WaitForExit();
            return du.ExitCode == 0 && long.TryParse(output.Split('\t')[0], CultureInfo.InvariantCulture, out long kb) ? kb : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}
