namespace SeqCore.Cli.Training;

/// <summary>The model kinds <c>train --model</c> knows, in the order of the library's catalogue.</summary>
internal static class TrainKinds
{
    public static IReadOnlyList<ITrainKind> All { get; } =
    [
        new LanguageModelTrainKind(),
        new ForecasterTrainKind(),
        new ClassifierTrainKind(),
        new TaggerTrainKind(),
        new Seq2SeqTrainKind(),
        new Word2VecTrainKind(),
    ];

    public static ITrainKind? Find(string name) => All.FirstOrDefault(k => k.Kind.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}
