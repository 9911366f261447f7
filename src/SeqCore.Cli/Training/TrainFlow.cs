using SeqCore.Plots;
using System.Globalization;
using System.Text.Json.Nodes;
using SeqCore.Cli.LanguageModels;
using SeqCore.Cli.Options;
using SeqCore.Cli.Outputs;
using SeqCore.Distributed;
using SeqCore.Training;

namespace SeqCore.Cli.Training;

/// <summary>
/// The one training pipeline of the CLI, for every model kind: bind the shared options, open the backend, let the kind
/// prepare its model and data, run the library's <see cref="TrainingRun{T}"/> (resuming when asked) with the progress
/// view, write the loss curve, and let the kind report. Used by <c>train --model KIND</c> and by the verbs that train
/// one kind (<c>forecast</c>, <c>classify</c>, <c>seq2seq train</c>, <c>word2vec train</c>). Under <c>mpirun</c> it trains
/// data-parallel (<see cref="DataParallelCli"/>): every rank trains on its shard of each batch, and only rank 0 prints
/// and writes files.
/// </summary>
internal static class TrainFlow
{
    /// <summary>The shared options every training verb takes, in help order.</summary>
    public static IReadOnlyList<OptionSpec> SharedOptions { get; } =
        [CommonOptions.Config, .. CommonOptions.Training, CommonOptions.Resume, CommonOptions.Seed, CommonOptions.Backend, CommonOptions.Threads, BudgetOptions.MaxMemory, CommonOptions.Out, CommonOptions.Force, CommonOptions.Json];

    /// <summary>Trains <paramref name="kind"/> from <paramref name="values"/>; returns the exit code.</summary>
    public static int Run(CliIO io, ITrainKind kind, OptionValues values, string verb)
    {
        var ranks = DataParallelCli.Open();
        int code;
        try { code = Run(ranks, ranks.Rank == 0 ? io : new CliIO(TextWriter.Null, TextWriter.Null), kind, values, verb); }
        catch (Exception) when (ranks.Size > 1)
        {
            // Bad input (or a missing device …) seen by one rank or all. Leave without MPI_Finalize (the other ranks may wait in a collective
            // call; mpirun ends them). Rank 0 says it at once; another rank waits first, so that when rank 0 meets the
            // same input (the usual case) mpirun ends this rank before it repeats the message.
            if (ranks.Rank != 0) Thread.Sleep(DataParallelCli.QuietRankDelay);
            throw;
        }
        ranks.Dispose();
        return code;
    }

    private static int Run(ICommunicator ranks, CliIO io, ITrainKind kind, OptionValues values, string verb)
    {
        bool root = ranks.Rank == 0;
        string? resume = values.FindText(CommonOptions.Resume);
        if (resume is not null)
        {
            if (!File.Exists(resume)) throw new UsageException($"--resume: file not found: {resume}");
            JsonObject? saved;
            try { saved = TrainingRun<float>.ReadInvocation(resume); }
            catch (InvalidDataException e) { throw new UsageException($"--resume: {e.Message}"); }
            if (saved is null) throw new UsageException($"--resume: {resume} holds no training state; only checkpoints written by a training run can be resumed.");
            string savedKind = saved["model"]?.GetValue<string>() ?? kind.Kind.Name;
            if (savedKind != kind.Kind.Name) throw new UsageException($"--resume: {resume} holds a '{savedKind}' run, not a '{kind.Kind.Name}'.");
            saved.Remove("model");
            values.With(saved, $"{resume} (saved settings)");
        }
        values.CheckValues([.. SharedOptions, .. kind.Options]);
        bool json = values.Get(CommonOptions.Json);
        ulong seed = values.Get(CommonOptions.Seed);
        var outputs = new TrainOutputs(values.FindText(CommonOptions.Out) ?? resume ?? kind.DefaultOut);

        using var plan = root ? TrainOutputPlan.Open(kind, values, outputs, resume) : null;

        using var backend = DataParallelCli.OpenBackend(ranks, values);
        using var job = kind.Prepare(values, backend, seed, DataParallelCli.Shard(ranks));
        var settings = CommonOptions.BindTraining(values, job.CompleteDefaults(kind.Defaults));
        plan?.CheckInputs(job.Inputs.Select(i => new InputFile("data", i)));

        var invocation = values.Snapshot([.. SharedOptions, .. kind.Options]);
        invocation.Remove(CommonOptions.Resume.Key);
        invocation.Remove(CommonOptions.Out.Key);
        invocation.Remove(CommonOptions.Config.Key);
        // How a run is executed and shown, not what it trains: left out, so that the checkpoint is byte-identical across
        // thread counts (the weights are) and a resume on another machine picks its own.
        foreach (var o in new OptionSpec[] { CommonOptions.Threads, CommonOptions.Json, CommonOptions.Force, BudgetOptions.MaxMemory })
            invocation.Remove(o.Key);
        invocation["model"] = kind.Kind.Name;
        using var signals = new StopSignals();
        if (ranks.Size > 1)
        {
            try { RankAgreement.Require(ranks, DataParallelCli.Fingerprint(invocation, job.Inputs), "settings, data files or versions"); }
            catch (RankMismatchException e) { throw new UsageException(e.Message); }
        }
        string? gradientPath = null;
        using var nccl = ranks.Size > 1 ? DataParallelCli.OpenDeviceAllReduce(ranks, backend, out gradientPath) : null;
        using var parallel = ranks.Size > 1
            ? new DataParallelTrainable<float>(job.Trainable, backend, ranks, DataParallelCli.ChecksumEvery, stopRequest: signals.Token, deviceAllReduce: nccl)
            : null;
        ITrainable<float> trainable = parallel is null ? job.Trainable : parallel;
        // Over several ranks a signal stops the run only when every rank has seen it (at the same step).
        var stop = parallel?.Stop ?? signals.Token;

        var view = new TrainingProgressView(io, json, settings.MaxSteps, settings.MaxSteps == int.MaxValue ? Math.Max(1, settings.EvalEvery > 0 ? settings.EvalEvery : 100) : 0);
        using var run = new TrainingRun<float>(job.Model, trainable, settings)
        {
            Clock = parallel is null ? null : () => parallel.AgreedTime, // over several ranks, rank 0's clock decides --time
            CheckpointPath = root ? outputs.Checkpoint : null,
            Invocation = invocation,
            Progress = p =>
            {
                view.Report(view.Live ? WithTimeBudget(p, settings.Time) : p);
                signals.AfterStep(p);
            },
        };
        if (resume is not null)
        {
            try { run.Resume(resume); }
            catch (InvalidDataException e) { throw new UsageException($"--resume: {e.Message}"); }
            if (run.State.Step >= settings.MaxSteps)
                throw new UsageException($"--resume: {resume} is at step {run.State.Step} already; give a larger --steps (or --time) to train on.");
            // Every rank reads the checkpoint itself (same path on every host, like the data files); one that read
            // another file is refused here, before any step.
            try { parallel?.CompareWeights(run.State.Step); }
            catch (RankMismatchException) { throw new UsageException($"--resume: the ranks read different checkpoints at {resume}; every rank must see the same file."); }
        }
        job.WriteStart(io, json, backend);
        if (root && !json && gradientPath is not null) io.Out.WriteLine(gradientPath);

        TrainingResult result;
        try { result = view.Run(job.Title, _ => run.Run(stop)); }
        catch (Exception e) when (e is NonFiniteTrainingException or DivergedTrainingException or RankMismatchException)
        {
            int step = e switch { NonFiniteTrainingException n => n.Step, DivergedTrainingException d => d.Step, _ => ((RankMismatchException)e).Step };
            if (root && run.History.Count > 0) LossCurve.Save(outputs.LossCurve, run.History, $"{job.Title} (stopped at step {step})");
            io.Error.WriteLine($"seqcore: {verb}: {e.Message}");
            io.Error.WriteLine(run.LastCheckpoint is { } written
                ? $"seqcore: {verb}: the last good checkpoint is {outputs.Checkpoint} ({Describe(written)})."
                : $"seqcore: {verb}: no checkpoint was written (no finite evaluation before step {step}).");
            return ExitCodes.Failed;
        }
        if (!root) return ExitCodes.Ok;
        if (signals.Received is not null || stop.IsCancellationRequested)
        {
            var signal = signals.Received ?? System.Runtime.InteropServices.PosixSignal.SIGTERM; // another rank's
            LossCurve.Save(outputs.LossCurve, result.History, $"{job.Title} (stopped by {signal} at step {result.Steps})");
            io.Error.WriteLine($"seqcore: {verb}: stopped by {signal} after step {result.Steps}; the checkpoint is {outputs.Checkpoint} ({Describe(run.LastCheckpoint!.Value)}); continue with --resume {outputs.Checkpoint}.");
            return signals.ExitCode;
        }
        LossCurve.Save(outputs.LossCurve, result.History, job.Title);
        job.WriteResult(io, json, result, outputs);
        return ExitCodes.Ok;
    }

    /// <summary>How a run ended, in words.</summary>
    public static string Describe(StopReason reason) => reason switch
    {
        StopReason.TimeBudget => "time budget",
        StopReason.EarlyStopping => "no held-out improvement (patience)",
        StopReason.Cancelled => "cancelled",
        _ => "all steps done",
    };

    /// <summary>Which steps a checkpoint holds, in words.</summary>
    private static string Describe(WrittenCheckpoint c) =>
        c.WeightsStep == c.Step ? $"written at step {c.Step}" : $"written at step {c.Step}, with the weights of step {c.WeightsStep}, the best evaluation";

    /// <summary>The first line of a result: how and when training stopped.</summary>
    public static string StopLine(TrainingResult result, string unit) =>
        string.Create(CultureInfo.InvariantCulture,
            $"stopped: {Describe(result.Reason)} after {result.Steps:N0} steps in {result.Elapsed.TotalSeconds:F1} s ({(result.History.Count > 0 ? result.History[^1].ItemsPerSecond : 0):N0} {unit}/s); training loss {result.FinalLoss:F4}");

    /// <summary>For the live bar of a run bounded by time, not steps: the steps the budget will allow at the current
    /// pace, so the bar fills with the time.</summary>
    private static TrainingProgress WithTimeBudget(TrainingProgress p, TimeSpan? budget)
    {
        if (budget is not { } b || p.TotalSteps != int.MaxValue || p.Elapsed <= TimeSpan.Zero) return p;
        double expected = p.Step * b.TotalSeconds / p.Elapsed.TotalSeconds;
        return p with { TotalSteps = (int)Math.Clamp(Math.Round(expected), p.Step + 1, int.MaxValue - 1) };
    }
}
