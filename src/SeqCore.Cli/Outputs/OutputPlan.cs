using SeqCore.IO;

namespace SeqCore.Cli.Outputs;

/// <summary>A file a verb reads: the option that names it and its path.</summary>
internal sealed record InputFile(string Option, string Path);

/// <summary>A file a verb writes. <paramref name="Option"/> is the option the user changes to move it; for a file named
/// after another output, <paramref name="Role"/> says what it is (e.g. <c>the loss curve</c>). An existing file is replaced
/// only when it is a <paramref name="Replaces"/> (null: always, e.g. a plot named after the checkpoint) or with
/// <c>--force</c>. <paramref name="Updates"/> is an input this output may replace on purpose (<c>--resume</c> without
/// <c>--out</c> updates the checkpoint in place).</summary>
internal sealed record OutputFile(string Option, string Path, string? Role = null, Artefact? Replaces = null, string? Updates = null)
{
    /// <summary>The file in words, for messages.</summary>
    public string Described => Role is null ? $"{Option} {Path}" : $"{Role} {Path} (named after {Option})";
}

/// <summary>
/// The rules for what a verb may write, checked before any work: an output never replaces an input (the same path, or the
/// same file through a link); no two outputs are the same file; an output is not a folder, nor a read-only file (no write
/// permission, e.g. 0444); an existing file is replaced only by an artefact of its kind (a checkpoint replaces only a
/// SeqCore checkpoint), or with <c>--force</c>. Then it takes the run's lock, <c>NAME.lock</c> beside the first output, so
/// a second run writing the same outputs fails at its start. Disposing releases the lock and removes the folders the plan
/// created if nothing was written into them.
/// </summary>
internal sealed class OutputPlan : IDisposable
{
    private readonly IReadOnlyList<OutputFile> _outputs;
    private readonly OutputLock _lock;
    private readonly List<string> _createdFolders;

    private OutputPlan(IReadOnlyList<OutputFile> outputs, OutputLock outputLock, List<string> createdFolders)
    {
        _outputs = outputs;
        _lock = outputLock;
        _createdFolders = createdFolders;
    }

    /// <summary>The lock file of a run whose first output is <paramref name="primary"/>: <c>dir/NAME.lock</c>.</summary>
    public static string LockPath(string primary) => Path.ChangeExtension(primary, "lock");

    /// <summary>Checks <paramref name="outputs"/> against <paramref name="inputs"/> and each other, creates the folder of
    /// the first output and takes the lock <paramref name="lockPath"/> (default: <see cref="LockPath"/> of the first
    /// output); <see cref="UsageException"/> naming both paths for a broken rule.</summary>
    public static OutputPlan Open(IEnumerable<InputFile> inputs, IReadOnlyList<OutputFile> outputs, bool force, string? lockPath = null)
    {
        var primary = outputs[0];
        var lockFile = new OutputFile(primary.Option, lockPath ?? LockPath(primary.Path), "the lock");
        IReadOnlyList<OutputFile> all = [.. outputs, lockFile];
        CheckInputs(all, inputs);
        for (int i = 0; i < all.Count; i++)
            for (int j = 0; j < i; j++)
                if (FileIdentity.Same(all[i].Path, all[j].Path))
                    throw new UsageException($"{all[i].Option}: {all[i].Described} and {all[j].Described} are the same file; choose another {all[i].Option}.");
        foreach (var o in outputs) CheckExisting(o, force);

        var created = CreateFolder(Path.GetDirectoryName(Path.GetFullPath(primary.Path))!, primary.Option);
        try { return new OutputPlan(all, OutputLock.Take(lockFile.Path, primary.Option), created); }
        catch
        {
            RemoveEmpty(created);
            throw;
        }
    }

    /// <summary>Checks inputs known only once the data is read (e.g. the files a kind found) against the outputs.</summary>
    public void CheckInputs(IEnumerable<InputFile> inputs) => CheckInputs(_outputs, inputs);

    private static void CheckInputs(IReadOnlyList<OutputFile> outputs, IEnumerable<InputFile> inputs)
    {
        foreach (var input in inputs.Where(i => !string.IsNullOrEmpty(i.Path)))
            foreach (var o in outputs)
                if (!(o.Updates is not null && FileIdentity.Same(o.Updates, input.Path)) && FileIdentity.Same(o.Path, input.Path))
                    throw new UsageException($"{o.Option}: {o.Described} would overwrite the input {input.Path} ({input.Option}); choose another {o.Option}.");
    }

    private static void CheckExisting(OutputFile o, bool force)
    {
        if (Directory.Exists(o.Path)) throw new UsageException($"{o.Option}: {o.Described} is a folder; name a file.");
        if (!File.Exists(o.Path)) return;
        if (AtomicFile.IsReadOnly(o.Path))
            throw new UsageException($"{o.Option}: {o.Described} is read-only; it is not replaced (make it writable or choose another {o.Option}).");
        if (o.Replaces is { } kind && !force && !(o.Updates is not null && FileIdentity.Same(o.Updates, o.Path)) && !kind.Recognises(o.Path))
            throw new UsageException($"{o.Option}: {o.Described} exists and is not a {kind.Name}; it is not replaced (give --force to replace it, or choose another {o.Option}).");
    }

    /// <summary>Creates <paramref name="folder"/> and its missing parents; returns those it created, deepest first.</summary>
    private static List<string> CreateFolder(string folder, string option)
    {
        var missing = new List<string>();
        for (string? f = folder; f is not null && !Directory.Exists(f); f = Path.GetDirectoryName(f)) missing.Add(f);
        try { Directory.CreateDirectory(folder); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option}: cannot create the folder {folder}: {e.Message}");
        }
        return missing;
    }

    private static void RemoveEmpty(List<string> folders)
    {
        foreach (string f in folders)
        {
            try
            {
                if (Directory.Exists(f) && !Directory.EnumerateFileSystemEntries(f).Any()) Directory.Delete(f);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        }
    }

    /// <summary>Releases the lock (its file is deleted) and removes the folders the plan created that stayed empty.</summary>
    public void Dispose()
    {
        _lock.Dispose();
        RemoveEmpty(_createdFolders);
    }
}
