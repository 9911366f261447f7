namespace SeqCore.Cli.Seq2SeqCli;

/// <summary>Reads a TSV of <c>source&lt;TAB&gt;target</c> pairs, one per line (blank lines are skipped).</summary>
internal static class PairsFile
{
    /// <summary>The pairs of <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">Missing file, a line without exactly one tab, an empty side, or no pairs at
    /// all; the message names the file and the line.</exception>
    public static List<(string Source, string Target)> Read(string path)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"file not found: {path}");
        var pairs = new List<(string, string)>();
        int number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            string line = raw.EndsWith('\r') ? raw[..^1] : raw;
            if (line.Length == 0) continue;
            int tab = line.IndexOf('\t');
            if (tab < 0)
                throw new InvalidDataException($"{path}:{number}: expected 'source<TAB>target', found no tab in \"{Clip(line)}\".");
            if (line.IndexOf('\t', tab + 1) >= 0)
                throw new InvalidDataException($"{path}:{number}: expected one tab between source and target, found more in \"{Clip(line)}\".");
            string source = line[..tab], target = line[(tab + 1)..];
            if (source.Length == 0 || target.Length == 0)
                throw new InvalidDataException($"{path}:{number}: the {(source.Length == 0 ? "source" : "target")} is empty.");
            pairs.Add((source, target));
        }
        if (pairs.Count == 0) throw new InvalidDataException($"{path}: no 'source<TAB>target' pairs (the file is empty or blank).");
        return pairs;
    }

    private static string Clip(string line) => line.Length <= 40 ? line : line[..40] + "…";
}
