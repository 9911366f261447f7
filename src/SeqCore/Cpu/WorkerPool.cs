namespace SeqCore.Cpu;

/// <summary>A unit of parallel work: chunks <c>0 .. count-1</c>, each run exactly once on some thread.</summary>
/// <remarks>Implemented by long-lived job objects whose fields carry the arguments, so dispatch allocates nothing.</remarks>
internal interface IParallelJob
{
    void Execute(int chunk);
}

/// <summary>
/// A fixed set of warm worker threads for the CPU backend. The calling thread takes part, so
/// <c>threads = 1</c> runs everything inline. Idle workers spin briefly (a per-step GEMM in a recurrent
/// loop arrives microseconds after the last one), then park on a monitor.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private const int SpinIterations = 20_000;
    // The ticket packs one run's generation (bits 40..63), chunk count (20..39) and next unclaimed chunk (0..19).
    // A chunk is claimed by a CAS on the whole ticket, and the job is read only after a successful claim:
    // the run cannot finish (and the job cannot change) before that claimed chunk is counted done.
    private const int ChunkBits = 20;
    private const long ChunkMask = (1L << ChunkBits) - 1;
    internal const int MaxChunks = (int)ChunkMask;

    private readonly Thread[] _workers;
    private readonly object _parkLock = new();
    private IParallelJob? _job;
    private long _ticket;
    private int _doneChunks;
    private int _parked;
    private int _busy;
    private volatile bool _stopping;
    private Exception? _error;

    public WorkerPool(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), $"Thread count must be at least 1, got {threads}.");
        Threads = threads;
        _workers = new Thread[threads - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"SeqCore CPU worker {i + 1}" };
            _workers[i].Start();
        }
    }

    /// <summary>Total threads doing work, the caller included.</summary>
    public int Threads { get; }

    /// <summary>Runs chunks <c>0 .. chunkCount-1</c> of <paramref name="job"/> and returns when all are done.
    /// Re-entrant calls (a job that itself calls Run) and single-thread pools run inline.</summary>
    public void Run(IParallelJob job, int chunkCount)
    {
        if (chunkCount <= 0) return;
        if (chunkCount > MaxChunks) throw new ArgumentOutOfRangeException(nameof(chunkCount), $"At most {MaxChunks} chunks per run, got {chunkCount}.");
        if (_workers.Length == 0 || chunkCount == 1 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int c = 0; c < chunkCount; c++) job.Execute(c);
            return;
        }
        try
        {
            _job = job;
            _error = null;
            Volatile.Write(ref _doneChunks, 0);
            long generation = (Volatile.Read(ref _ticket) >> 40) + 1;
            Interlocked.Exchange(ref _ticket, (generation << 40) | ((long)chunkCount << ChunkBits));
            if (Volatile.Read(ref _parked) > 0)
                lock (_parkLock) Monitor.PulseAll(_parkLock);

            WorkOnChunks();
            var spin = new SpinWait();
            while (Volatile.Read(ref _doneChunks) < chunkCount) spin.SpinOnce(-1);
            _job = null;
            if (_error is { } e) throw new AggregateException("A CPU backend worker failed.", e);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private bool TryClaim(out int chunk)
    {
        while (true)
        {
            long t = Volatile.Read(ref _ticket);
            long next = t & ChunkMask, count = (t >> ChunkBits) & ChunkMask;
            if (next >= count) { chunk = -1; return false; }
            if (Interlocked.CompareExchange(ref _ticket, t + 1, t) == t) { chunk = (int)next; return true; }
        }
    }

    private void WorkOnChunks()
    {
        while (TryClaim(out int c))
        {
            try { _job!.Execute(c); }
            catch (Exception e) { _error ??= e; }
            Interlocked.Increment(ref _doneChunks);
        }
    }

    private void WorkerLoop()
    {
        long seen = Volatile.Read(ref _ticket) >> 40;
        while (!_stopping)
        {
            int spins = 0;
            while ((Volatile.Read(ref _ticket) >> 40) == seen && !_stopping)
            {
                if (++spins < SpinIterations) { Thread.SpinWait(8); continue; }
                lock (_parkLock)
                {
                    Interlocked.Increment(ref _parked);
                    while ((Volatile.Read(ref _ticket) >> 40) == seen && !_stopping) Monitor.Wait(_parkLock);
                    Interlocked.Decrement(ref _parked);
                }
            }
            if (_stopping) return;
            seen = Volatile.Read(ref _ticket) >> 40;
            WorkOnChunks();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        lock (_parkLock) Monitor.PulseAll(_parkLock);
    }
}
