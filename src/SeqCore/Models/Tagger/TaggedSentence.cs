namespace SeqCore.Models;

/// <summary>One tagged sentence: its tokens, one tag per token, and where it was read (<c>file:line</c>).</summary>
public sealed record TaggedSentence(IReadOnlyList<string> Tokens, IReadOnlyList<string> Tags, string Source);
