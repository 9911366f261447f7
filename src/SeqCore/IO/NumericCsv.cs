using System.Globalization;

namespace SeqCore.IO;

/// <summary>
/// A comma-separated file with a header row, read for its numeric columns: the header names every column and the
/// cells of the columns asked for must be numbers (invariant culture). Quoted cells (<c>"…"</c>, with <c>""</c> for a
/// quote) are understood. Errors are <see cref="InvalidDataException"/>s naming the file, and for a bad cell its line,
/// its column and the value found. Column names must be distinct, and numbers at most <see cref="MaxMagnitude"/> in
/// absolute value.
/// </summary>
public sealed class NumericCsv
{
    /// <summary>The largest magnitude a numeric cell may have (1e15): far beyond any real measurement, yet small enough
    /// that squares and sums of a series stay finite in the scaling and the metrics.</summary>
    public const double MaxMagnitude = 1e15;

    private readonly List<string[]> _rows;

    private NumericCsv(string path, string[] header, List<string[]> rows, int[] lineNumbers)
    {
        Path = path;
        Header = header;
        _rows = rows;
        LineNumbers = lineNumbers;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Column names, from the header row.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>Data rows (the header and blank lines excluded).</summary>
    public int RowCount => _rows.Count;

    /// <summary>The 1-based line of the file each data row came from.</summary>
    public IReadOnlyList<int> LineNumbers { get; }

    /// <summary>Reads <paramref name="path"/>. Blank lines are skipped; every other line must have as many cells as the header.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is empty, two columns have the same name, or a row has the wrong
    /// number of cells.</exception>
    public static NumericCsv Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        string[]? header = null;
        var rows = new List<string[]>();
        var lines = new List<int>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string[] cells = Split(line);
            if (header is null)
            {
                header = cells.Select(c => c.Trim()).ToArray();
                RefuseDuplicateNames(path, lineNumber, header);
                continue;
            }
            if (cells.Length != header.Length)
                throw new InvalidDataException($"{path}:{lineNumber}: {cells.Length} cells, but the header has {header.Length} ({string.Join(", ", header)}).");
            rows.Add(cells);
            lines.Add(lineNumber);
        }
        if (header is null) throw new InvalidDataException($"{path}: the file is empty (expected a header row and data rows).");
        return new NumericCsv(path, header, rows, [.. lines]);
    }

    /// <summary>Refuses a header that names a column twice (a lookup by name would silently use the first).</summary>
    private static void RefuseDuplicateNames(string path, int line, string[] header)
    {
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < header.Length; i++)
            if (!first.TryAdd(header[i], i))
                throw new InvalidDataException($"{path}:{line}: the header names column '{header[i]}' twice (columns {first[header[i]] + 1} and {i + 1}); column names must be distinct.");
    }

    /// <summary>The index of column <paramref name="name"/> (case-sensitive, then case-insensitive).</summary>
    /// <exception cref="InvalidDataException">No such column; the message lists the columns there are.</exception>
    public int ColumnIndex(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        for (int i = 0; i < Header.Count; i++) if (Header[i] == name) return i;
        for (int i = 0; i < Header.Count; i++) if (string.Equals(Header[i], name, StringComparison.OrdinalIgnoreCase)) return i;
        throw new InvalidDataException($"{Path}: no column '{name}'; the columns are {string.Join(", ", Header.Select(h => $"'{h}'"))}.");
    }

    /// <summary>The cells of column <paramref name="name"/> as numbers.</summary>
    /// <exception cref="InvalidDataException">No such column, or a cell that is not a finite number or exceeds
    /// <see cref="MaxMagnitude"/> (named by file:line:column).</exception>
    public double[] Column(string name)
    {
        int c = ColumnIndex(name);
        var values = new double[_rows.Count];
        for (int r = 0; r < _rows.Count; r++)
        {
            string cell = _rows[r][c].Trim();
            if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                throw new InvalidDataException($"{Path}:{LineNumbers[r]}:{c + 1}: column '{Header[c]}' needs a number, found '{cell}'.");
            if (Math.Abs(v) > MaxMagnitude)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"{Path}:{LineNumbers[r]}:{c + 1}: column '{Header[c]}' holds {cell}, beyond the limit of {MaxMagnitude:0e0} in magnitude; rescale the column."));
            values[r] = v;
        }
        return values;
    }

    /// <summary>The raw text of column <paramref name="index"/> (0-based), one entry per data row.</summary>
    public string[] Text(int index)
    {
        if ((uint)index >= (uint)Header.Count) throw new ArgumentOutOfRangeException(nameof(index), $"{Path}: column {index} does not exist ({Header.Count} columns).");
        return _rows.Select(r => r[index].Trim()).ToArray();
    }

    /// <summary>Splits one line into cells, honouring double quotes.</summary>
    private static string[] Split(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else cell.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(ch);
        }
        cells.Add(cell.ToString());
        return [.. cells];
    }
}
