using System.Text;

namespace SeqCore.Distributed;

/// <summary>Checks at the start of a data-parallel run that every rank was started the same way.</summary>
public static class RankAgreement
{
    /// <summary>Compares a 64-bit hash of <paramref name="text"/> (e.g. the run's settings and the program's version)
    /// with rank 0's on every rank; throws <see cref="RankMismatchException"/> (step 0) on every rank when any differs,
    /// naming <paramref name="what"/>.</summary>
    public static void Require(ICommunicator communicator, string text, string what)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(text);
        ulong hash = 14695981039346656037UL; // FNV-1a
        foreach (byte b in Encoding.UTF8.GetBytes(text)) hash = (hash ^ b) * 1099511628211UL;
        Span<byte> root = stackalloc byte[sizeof(ulong)];
        BitConverter.TryWriteBytes(root, hash);
        communicator.Broadcast(root);
        Span<double> differing = [BitConverter.ToUInt64(root) == hash ? 0 : 1];
        communicator.AllReduceSum(differing);
        if (differing[0] > 0)
            throw new RankMismatchException(0, $"the ranks were started with different {what}: {differing[0]:F0} of {communicator.Size} ranks differ from rank 0; start every rank with the same command, files and version.");
    }
}
