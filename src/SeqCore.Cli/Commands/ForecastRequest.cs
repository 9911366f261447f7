using SeqCore.Cli.Options;
using SeqCore.Cli.Training;
using SeqCore.Models;

namespace SeqCore.Cli.Commands;

/// <summary>What to forecast, as the options of <c>seqcore forecast</c> (and <c>train --model forecaster</c>) give it:
/// the CSV, the target and input columns, the holdout, the horizon, the baselines' season and the AR baseline's order
/// (0: chosen by <see cref="ClassicalBaselines.Order"/>).</summary>
internal sealed record ForecastRequest(string Csv, ForecasterConfig Config, bool KnownInputs, int Holdout, int Horizon, int Season, int ArOrder)
{
    /// <summary>Binds the forecast options for <paramref name="config"/>'s columns.</summary>
    public static ForecastRequest Bind(OptionValues v, string csv, ForecasterConfig config) =>
        new(csv, config, v.Get(ForecasterTrainKind.KnownInputs), v.Get(ForecasterTrainKind.Holdout), v.Get(ForecasterTrainKind.Horizon), v.Get(ForecasterTrainKind.Season),
            v.Get(ForecasterTrainKind.ArOrder));

    /// <summary>The CSV's target and input columns; <see cref="UsageException"/> for a missing or malformed file or column.</summary>
    public ForecastData Read() => Guard(() => ForecastData.Load(Csv, Config.Target, Config.Inputs));

    /// <summary>Runs <paramref name="step"/>, turning the library's complaints about the data or a setting into one usage
    /// message naming the option (<c>--horizon: …</c>) or the file.</summary>
    public TResult Guard<TResult>(Func<TResult> step)
    {
        try { return step(); }
        catch (InvalidDataException e) { throw new UsageException(e.Message); }
        catch (ArgumentException e) when (e.ParamName is { } key)
        {
            throw new UsageException($"--{key}: {e.Message.Replace($" (Parameter '{key}')", "", StringComparison.Ordinal)}");
        }
        catch (ArgumentException e) { throw new UsageException(e.Message.StartsWith(Path.GetFileName(Csv), StringComparison.Ordinal) ? e.Message : $"{Path.GetFileName(Csv)}: {e.Message}"); }
    }

    /// <summary><c>a, b</c> → <c>["a", "b"]</c>; null or blank → none.</summary>
    public static string[] SplitList(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] : text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
