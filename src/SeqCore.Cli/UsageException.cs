namespace SeqCore.Cli;

/// <summary>A bad value or a missing input: one message for stderr, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
