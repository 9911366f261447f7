using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SeqCore.Text;

/// <summary>
/// Byte-level byte-pair encoding, as in GPT-2. Text is cut into pieces by <see cref="Gpt2PreTokenizer"/>; each piece's
/// UTF-8 bytes start as one token each, and the adjacent pair with the lowest merge rank is merged (every
/// non-overlapping occurrence, left to right) until no adjacent pair has a rank. Tokens are stored the GPT-2 way, as
/// strings over the 256 printable characters of <see cref="ByteToUnicode"/>, so any byte sequence is encodable and
/// decoding is lossless for any text (an unpaired surrogate becomes U+FFFD, as in UTF-8).
/// Load GPT-2's own vocabulary with <see cref="LoadGpt2"/>, or learn one with <see cref="Train"/>.
/// Pieces are cached (up to 200,000 pieces of at most 256 characters); pieces over 48 bytes are merged with a
/// priority queue in O(n log n), so a long unbroken run (a base64 blob) costs no more than ordinary text.
/// Training keeps the pair counts up to date, recounting only the pieces a merge touches.
/// Instances are thread-safe.
/// </summary>
public sealed class ByteLevelBpeTokenizer : ITokenizer
{
    internal const string TypeName = "byte-bpe";

    readonly string[] _tokens;
    readonly Dictionary<string, int> _ids;
    readonly (int Left, int Right)[] _merges;
    readonly Dictionary<long, (int Rank, int Id)> _ranks;
    readonly int[] _byteIds = new int[256];
    readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    const int CacheLimit = 200_000;

    static readonly char[] s_byteToChar = BuildByteToChar();
    static readonly Dictionary<char, byte> s_charToByte = BuildCharToByte();

    /// <summary>The token strings by id (in the byte-to-unicode alphabet).</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>Number of merges; merge <c>r</c> has rank <c>r</c> (lower merges first).</summary>
    public int MergeCount => _merges.Length;

    /// <summary>The merges by rank, as pairs of token strings.</summary>
    public IEnumerable<(string Left, string Right)> Merges => _merges.Select(m => (_tokens[m.Left], _tokens[m.Right]));

    /// <inheritdoc/>
    public int VocabularySize => _tokens.Length;

    /// <summary>
    /// GPT-2's reversible map from the 256 byte values to printable characters: the printable Latin-1 bytes
    /// (<c>!</c>..<c>~</c>, <c>¡</c>..<c>¬</c>, <c>®</c>..<c>ÿ</c>) map to themselves, the other 68 to U+0100, U+0101, ...
    /// in byte order (so space, 0x20, is <c>Ġ</c>).
    /// </summary>
    public static char ByteToUnicode(byte b) => s_byteToChar[b];

    static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    static Dictionary<char, byte> BuildCharToByte()
    {
        var d = new Dictionary<char, byte>(256);
        for (int b = 0; b < 256; b++) d[s_byteToChar[b]] = (byte)b;
        return d;
    }

    static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    ByteLevelBpeTokenizer(string[] tokens, string[][] merges, string source)
    {
        _tokens = tokens;
        _ids = TokenizerFile.IndexOf(source, "vocabulary", tokens);
        for (int i = 0; i < tokens.Length; i++)
            foreach (char c in tokens[i])
                if (!s_charToByte.ContainsKey(c))
                    throw new InvalidDataException($"{source}: token {i} ({TokenizerFile.Quote(tokens[i])}) contains U+{(int)c:X4}, which is not in the byte-to-unicode alphabet.");
        for (int b = 0; b < 256; b++)
            if (!_ids.TryGetValue(s_byteToChar[b].ToString(), out _byteIds[b]))
                throw new InvalidDataException($"{source}: the vocabulary lacks the single-byte token for byte 0x{b:X2} ({TokenizerFile.Quote(s_byteToChar[b].ToString())}); every byte needs one.");
        _merges = new (int, int)[merges.Length];
        _ranks = new Dictionary<long, (int, int)>(merges.Length);
        for (int r = 0; r < merges.Length; r++)
        {
            var m = merges[r];
            if (m.Length != 2)
                throw new InvalidDataException($"{source}: merge {r} has {m.Length} parts ({TokenizerFile.Quote(string.Join(" ", m))}); expected two tokens separated by one space.");
            if (!_ids.TryGetValue(m[0], out int a) || !_ids.TryGetValue(m[1], out int b))
                throw new InvalidDataException($"{source}: merge {r} ({TokenizerFile.Quote(m[0] + " " + m[1])}) names a token that is not in the vocabulary.");
            if (!_ids.TryGetValue(m[0] + m[1], out int id))
                throw new InvalidDataException($"{source}: merge {r} produces {TokenizerFile.Quote(m[0] + m[1])}, which is not in the vocabulary.");
            _merges[r] = (a, b);
            _ranks.TryAdd(Key(a, b), (r, id)); // a repeated merge keeps its first (lowest) rank
        }
        // The fast path for long pieces merges one pair at a time; it equals the reference's "all occurrences of the
        // best pair, then look again" when every merge ranks after every merge that creates one of its parts (true of
        // GPT-2's list and of every trained list).
        var lastCreated = new int[tokens.Length];
        Array.Fill(lastCreated, -1);
        for (int r = 0; r < _merges.Length; r++)
        {
            int id = _ranks[Key(_merges[r].Left, _merges[r].Right)].Id;
            lastCreated[id] = r;
        }
        _heapSafe = true;
        for (int r = 0; r < _merges.Length && _heapSafe; r++)
            if (lastCreated[_merges[r].Left] >= r || lastCreated[_merges[r].Right] >= r) _heapSafe = false;
    }

    readonly bool _heapSafe;
    const int HeapThreshold = 48;

    /// <summary>
    /// Loads GPT-2's vocabulary: <paramref name="encoderJsonPath"/> (<c>encoder.json</c>, an object from token to id)
    /// and <paramref name="vocabBpePath"/> (<c>vocab.bpe</c>, a <c>#version</c> line then one merge per line).
    /// Encoding then gives the ids of GPT-2's encoder. Merge ranks are keyed by the pair of tokens, as in OpenAI's
    /// Python encoder; the JavaScript port (npm <c>gpt-3-encoder</c>) keys them by the string <c>left + "," + right</c>,
    /// which could in principle confuse pairs such as (<c>",</c>, <c>"</c>) and (<c>"</c>, <c>,"</c>), but an exhaustive
    /// check of all punctuation strings up to six characters found no text where the two differ.
    /// </summary>
    public static ByteLevelBpeTokenizer LoadGpt2(string encoderJsonPath, string vocabBpePath)
    {
        JsonNode? node = TokenizerFile.ParseJson(File.ReadAllText(encoderJsonPath, Encoding.UTF8), encoderJsonPath, "truncated or corrupt encoder.json");
        if (node is not JsonObject enc)
            throw new InvalidDataException($"{encoderJsonPath}: expected a JSON object mapping tokens to ids, found {TokenizerFile.Kind(node)}.");
        var tokens = new string?[enc.Count];
        foreach (var (token, value) in enc)
        {
            if (value is null || value.GetValueKind() != JsonValueKind.Number || !value.AsValue().TryGetValue(out int id))
                throw new InvalidDataException($"{encoderJsonPath}: token {TokenizerFile.Quote(token)} has id {value?.ToJsonString() ?? "null"}; expected an integer.");
            if ((uint)id >= (uint)tokens.Length)
                throw new InvalidDataException($"{encoderJsonPath}: token {TokenizerFile.Quote(token)} has id {id}, outside [0, {tokens.Length}) for {tokens.Length} tokens; ids must be 0..n-1.");
            if (tokens[id] is not null)
                throw new InvalidDataException($"{encoderJsonPath}: id {id} is given to both {TokenizerFile.Quote(tokens[id]!)} and {TokenizerFile.Quote(token)}.");
            tokens[id] = token;
        }
        var lines = File.ReadAllLines(vocabBpePath, Encoding.UTF8);
        var merges = new List<string[]>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Length == 0 || (i == 0 && line.StartsWith("#version", StringComparison.Ordinal))) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
                throw new InvalidDataException($"{vocabBpePath}: line {i + 1} ({TokenizerFile.Quote(line)}) should hold two tokens separated by a space.");
            merges.Add(parts);
        }
        return new ByteLevelBpeTokenizer(tokens!, merges.ToArray(), $"{encoderJsonPath} + {vocabBpePath}");
    }

    /// <summary>
    /// Learns a vocabulary from <paramref name="corpus"/>: the 256 byte tokens (ids 0..255, in byte order) and then
    /// up to <paramref name="mergeCount"/> merges. Each step merges the adjacent pair that occurs most often across the
    /// corpus's pre-tokenised pieces; ties go to the pair with the smaller (left id, right id), so the result depends
    /// only on the corpus. Stops early when no pair occurs <paramref name="minFrequency"/> times.
    /// </summary>
    public static ByteLevelBpeTokenizer Train(string corpus, int mergeCount, int minFrequency = 2)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentOutOfRangeException.ThrowIfNegative(mergeCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(minFrequency, 1);
        // Distinct pieces with their counts, as byte-token id sequences.
        var pieceCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        Gpt2PreTokenizer.Split(corpus, (s, l) =>
        {
            string p = corpus.Substring(s, l);
            pieceCounts[p] = pieceCounts.TryGetValue(p, out int c) ? c + 1 : 1;
        });
        var words = new List<List<int>>(pieceCounts.Count);
        var counts = new List<int>(pieceCounts.Count);
        foreach (var (p, c) in pieceCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var w = new List<int>();
            foreach (byte b in Encoding.UTF8.GetBytes(p)) w.Add(b);
            words.Add(w);
            counts.Add(c);
        }
        var tokens = new List<string>(256 + mergeCount);
        for (int b = 0; b < 256; b++) tokens.Add(s_byteToChar[b].ToString());
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < tokens.Count; b++) ids[tokens[b]] = b;
        var merges = new List<string[]>(mergeCount);
        // Pair counts are kept up to date: a merge recounts only the pieces that held the merged pair (each pair keeps the
        // pieces it ever occurred in; a piece that no longer holds it is recounted to the same counts).
        var pairCounts = new Dictionary<long, long>();
        var pieces = new Dictionary<long, HashSet<int>>();
        void Count(int w, int sign)
        {
            var word = words[w];
            for (int i = 0; i + 1 < word.Count; i++)
            {
                long k = Key(word[i], word[i + 1]);
                long c = pairCounts.GetValueOrDefault(k) + sign * counts[w];
                if (c == 0) pairCounts.Remove(k);
                else pairCounts[k] = c;
                if (sign > 0)
                {
                    if (!pieces.TryGetValue(k, out var set)) pieces[k] = set = [];
                    set.Add(w);
                }
            }
        }
        for (int w = 0; w < words.Count; w++) Count(w, +1);
        for (int step = 0; step < mergeCount; step++)
        {
            long best = -1, bestCount = 0;
            foreach (var (k, c) in pairCounts)
                if (c > bestCount || (c == bestCount && k < best)) { best = k; bestCount = c; }
            if (best < 0 || bestCount < minFrequency) break;
            int left = (int)(best >> 32), right = (int)(best & 0xFFFFFFFF);
            string merged = tokens[left] + tokens[right];
            if (!ids.TryGetValue(merged, out int newId)) { newId = tokens.Count; tokens.Add(merged); ids[merged] = newId; }
            merges.Add([tokens[left], tokens[right]]);
            foreach (int w in pieces[best].ToArray())
            {
                Count(w, -1);
                MergeInPlace(words[w], left, right, newId);
                Count(w, +1);
            }
            pieces.Remove(best);
        }
        return new ByteLevelBpeTokenizer(tokens.ToArray(), merges.ToArray(), "ByteLevelBpeTokenizer.Train");
    }

    static void MergeInPlace(List<int> word, int left, int right, int newId)
    {
        int w = 0;
        for (int r = 0; r < word.Count; r++)
        {
            if (r + 1 < word.Count && word[r] == left && word[r + 1] == right) { word[w++] = newId; r++; }
            else word[w++] = word[r];
        }
        word.RemoveRange(w, word.Count - w);
    }

    /// <summary>Id of a token string (in the byte-to-unicode alphabet), or -1.</summary>
    public int TokenToId(string token) => _ids.TryGetValue(token, out int id) ? id : -1;

    /// <inheritdoc/>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        Span<byte> buffer = stackalloc byte[256];
        var span = text.AsSpan();
        foreach (var r in Gpt2PreTokenizer.Split(span))
        {
            var (start, length) = r.GetOffsetAndLength(span.Length);
            var piece = span.Slice(start, length);
            string key = piece.ToString();
            if (_cache.TryGetValue(key, out var cached)) { ids.AddRange(cached); continue; }
            int byteCount = Encoding.UTF8.GetByteCount(piece);
            Span<byte> bytes = byteCount <= buffer.Length ? buffer[..byteCount] : new byte[byteCount];
            Encoding.UTF8.GetBytes(piece, bytes);
            var result = Bpe(bytes);
            if (key.Length <= 256)
            {
                if (_cache.Count >= CacheLimit) _cache.Clear();
                _cache.TryAdd(key, result);
            }
            ids.AddRange(result);
        }
        return ids.ToArray();
    }

    int[] Bpe(ReadOnlySpan<byte> bytes) => _heapSafe && bytes.Length > HeapThreshold ? BpeLong(bytes) : BpeShort(bytes);

    /// <summary>
    /// BPE for long pieces in O(n log n): a linked list of symbols and a queue of adjacent pairs ordered by (rank,
    /// position); stale entries are skipped when popped.
    /// </summary>
    internal int[] BpeLong(ReadOnlySpan<byte> bytes)
    {
        int n = bytes.Length;
        var sym = new int[n];
        var prev = new int[n];
        var next = new int[n];
        for (int i = 0; i < n; i++) { sym[i] = _byteIds[bytes[i]]; prev[i] = i - 1; next[i] = i + 1 < n ? i + 1 : -1; }
        var queue = new PriorityQueue<(int Pos, int Left, int Right, int Id), long>(n);
        void Push(int pos)
        {
            if (pos < 0) return;
            int q = next[pos];
            if (q < 0) return;
            if (_ranks.TryGetValue(Key(sym[pos], sym[q]), out var m))
                queue.Enqueue((pos, sym[pos], sym[q], m.Id), ((long)m.Rank << 32) | (uint)pos);
        }
        for (int i = 0; i + 1 < n; i++) Push(i);
        int count = n;
        while (queue.TryDequeue(out var e, out _))
        {
            int q = next[e.Pos];
            if (sym[e.Pos] != e.Left || q < 0 || sym[q] != e.Right) continue; // stale
            sym[e.Pos] = e.Id;
            sym[q] = -1;
            next[e.Pos] = next[q];
            if (next[q] >= 0) prev[next[q]] = e.Pos;
            count--;
            Push(prev[e.Pos]);
            Push(e.Pos);
        }
        var result = new int[count];
        for (int i = 0, k = 0; i >= 0; i = next[i]) result[k++] = sym[i];
        return result;
    }

    internal int[] BpeShort(ReadOnlySpan<byte> bytes)
    {
        var word = new List<int>(bytes.Length);
        foreach (byte b in bytes) word.Add(_byteIds[b]);
        while (word.Count > 1)
        {
            int bestRank = int.MaxValue, bestLeft = 0, bestRight = 0, bestId = 0;
            for (int i = 0; i + 1 < word.Count; i++)
                if (_ranks.TryGetValue(Key(word[i], word[i + 1]), out var m) && m.Rank < bestRank)
                    (bestRank, bestLeft, bestRight, bestId) = (m.Rank, word[i], word[i + 1], m.Id);
            if (bestRank == int.MaxValue) break;
            MergeInPlace(word, bestLeft, bestRight, bestId);
        }
        return word.ToArray();
    }

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>(ids.Length * 4);
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id >= (uint)_tokens.Length)
                throw new ArgumentOutOfRangeException(nameof(ids), $"ByteLevelBpeTokenizer.Decode: ids[{i}] = {id} is outside the vocabulary [0, {_tokens.Length}).");
            foreach (char c in _tokens[id]) bytes.Add(s_charToByte[c]);
        }
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    /// <inheritdoc/>
    public void Save(string path) => TokenizerFile.Write(path, TypeName, root =>
    {
        var vocab = new JsonArray();
        foreach (var t in _tokens) vocab.Add(t);
        var merges = new JsonArray();
        foreach (var (a, b) in _merges) merges.Add(_tokens[a] + " " + _tokens[b]);
        root["vocabulary"] = vocab;
        root["merges"] = merges;
    });

    /// <summary>Reads a file written by <see cref="Save"/>; throws <see cref="InvalidDataException"/> naming the file and the fault.</summary>
    public static ByteLevelBpeTokenizer Load(string path) => FromJson(path, TokenizerFile.Read(path, TypeName));

    internal static ByteLevelBpeTokenizer FromJson(string path, JsonObject root)
    {
        var tokens = TokenizerFile.GetStringArray(path, root, "vocabulary");
        var lines = TokenizerFile.GetStringArray(path, root, "merges");
        var merges = new string[lines.Length][];
        for (int i = 0; i < lines.Length; i++) merges[i] = lines[i].Split(' ');
        return new ByteLevelBpeTokenizer(tokens, merges, path);
    }
}
