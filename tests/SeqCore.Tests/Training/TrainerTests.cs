using SeqCore.Cpu;
using SeqCore.Layers;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Tests.Training;

/// <summary>The shared training loop on a least-squares problem y = x·w + b: it converges, evaluates, stops early when the
/// held-out loss stalls, and stops with the step and the tensor named when a gradient or the loss turns NaN.</summary>
public class TrainerTests
{
    private sealed class Regression : ITrainable<double>, IDisposable
    {
        private readonly CpuBackend<double> _be;
        private readonly Linear<double> _linear;
        private readonly Tensor<double> _x, _y, _pred, _dPred, _xEval, _yEval, _predEval;
        private readonly MseLoss<double> _loss;
        public Func<int, bool> PoisonGradient { get; init; } = _ => false;
        public double EvalNoise { get; set; }
        public Func<int, double> TrainNoise { get; init; } = _ => 0;

        public Regression(CpuBackend<double> be)
        {
            _be = be;
            _linear = new Linear<double>(be, 3, 1, new RandomStream(1));
            var rng = new System.Random(7);
            double[] xs = Enumerable.Range(0, 64 * 3).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            double[] ys = Enumerable.Range(0, 64).Select(i => 2 * xs[3 * i] - xs[3 * i + 1] + 0.5 * xs[3 * i + 2] + 0.25).ToArray();
            _x = be.FromHost(xs.AsSpan(0, 48 * 3), 48, 3);
            _y = be.FromHost(ys.AsSpan(0, 48), 48, 1);
            _xEval = be.FromHost(xs.AsSpan(48 * 3), 16, 3);
            _yEval = be.FromHost(ys.AsSpan(48), 16, 1);
            _pred = be.Allocate(48, 1);
            _dPred = be.Allocate(48, 1);
            _predEval = be.Allocate(16, 1);
            _loss = new MseLoss<double>(be);
        }

        public IReadOnlyList<Parameter<double>> Parameters => _linear.Parameters;
        public string ItemUnit => "samples";

        public BatchLoss TrainBatch(int step)
        {
            _linear.Forward(_x, _pred);
            double loss = _loss.Forward(_pred, _y);
            _loss.Backward(_pred, _y, _dPred);
            _linear.Backward(_x, _dPred, null);
            if (PoisonGradient(step)) _be.CopyFromHost([double.NaN], _linear.Weight.Gradient.Slice(1, 1));
            return new BatchLoss(loss + TrainNoise(step), 48);
        }

        public BatchLoss? Evaluate()
        {
            _linear.Forward(_xEval, _predEval);
            return new BatchLoss(_loss.Forward(_predEval, _yEval) + EvalNoise, 16);
        }

        public void Dispose() => _linear.Dispose();
    }

    [Test]
    public void Converges_and_reports_every_step()
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new Regression(be);
        using var sgd = new Sgd<double>(be, model.Parameters, 0.3);
        var seen = new List<TrainingProgress>();
        var improved = new List<int>();
        var trainer = new Trainer<double>(be, sgd, new TrainerOptions { Steps = 300, EvalEvery = 50, ClipNorm = 10 })
        { Progress = seen.Add, Improved = (s, _) => improved.Add(s) };
        var result = trainer.Run(model);
        Assert.That(result.Reason, Is.EqualTo(StopReason.StepsDone));
        Assert.That(result.Steps, Is.EqualTo(300));
        Assert.That(seen, Has.Count.EqualTo(300));
        Assert.That(seen[0].Loss, Is.GreaterThan(0.1));
        Assert.That(result.BestEvalLoss, Is.LessThan(1e-6));
        Assert.That(seen.Count(p => p.EvalLoss is not null), Is.EqualTo(6));
        Assert.That(improved, Is.Not.Empty.And.Ordered.And.All.Matches<int>(s => s % 50 == 0));
        Assert.That(improved[0], Is.EqualTo(50));
        Assert.That(seen[^1].ItemUnit, Is.EqualTo("samples"));
        Assert.That(seen[^1].Remaining, Is.EqualTo(TimeSpan.Zero));
    }

    [Test]
    public void Follows_the_schedule()
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new Regression(be);
        using var sgd = new Sgd<double>(be, model.Parameters, 1.0);
        var lrs = new List<double>();
        new Trainer<double>(be, sgd, new TrainerOptions { Steps = 5, Schedule = new StepSchedule(0.1, 2, 0.5) }) { Progress = p => lrs.Add(p.LearningRate) }
            .Run(model);
        Assert.That(lrs, Is.EqualTo(new[] { 0.1, 0.1, 0.05, 0.05, 0.025 }));
    }

    [Test]
    public void Stops_early_when_the_held_out_loss_stalls()
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new Regression(be);
        using var sgd = new Sgd<double>(be, model.Parameters, 0.3);
        // After step 20 the held-out loss is made to look worse and worse, so the best stays at step 20.
        var trainer = new Trainer<double>(be, sgd, new TrainerOptions { Steps = 1000, EvalEvery = 10, Patience = 3 })
        { Progress = p => { if (p.Step >= 20) model.EvalNoise += 1; } };
        var result = trainer.Run(model);
        Assert.That(result.Reason, Is.EqualTo(StopReason.EarlyStopping));
        Assert.That(result.BestStep, Is.EqualTo(20));
        Assert.That(result.Steps, Is.EqualTo(50));
    }

    [Test]
    public void A_NaN_gradient_stops_training_naming_the_step_and_the_tensor_and_leaves_the_weights_alone()
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new Regression(be) { PoisonGradient = s => s == 7 };
        using var sgd = new Sgd<double>(be, model.Parameters, 0.1);
        double[]? before = null;
        var trainer = new Trainer<double>(be, sgd, new TrainerOptions { Steps = 100, ClipNorm = 1 })
        { Progress = p => { if (p.Step == 6) before = be.ToArray(model.Parameters[0].Value); } };
        var e = Assert.Throws<NonFiniteTrainingException>(() => trainer.Run(model))!;
        Assert.That(e.Step, Is.EqualTo(7));
        Assert.That(e.Tensor, Is.EqualTo("weight"));
        Assert.That(e.Message, Does.Contain("step 7").And.Contain("'weight'"));
        Assert.That(be.ToArray(model.Parameters[0].Value), Is.EqualTo(before));
    }

    [Test]
    public void A_NaN_held_out_loss_stops_training_before_the_evaluation_is_reported()
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new Regression(be);
        using var sgd = new Sgd<double>(be, model.Parameters, 0.1);
        var evaluated = new List<int>();
        var trainer = new Trainer<double>(be, sgd, new TrainerOptions { Steps = 100, EvalEvery = 10 })
        { Progress = p => { if (p.Step == 25) model.EvalNoise = double.NaN; }, Evaluated = (s, _, _) => evaluated.Add(s) };
        var e = Assert.Throws<NonFiniteTrainingException>(() => trainer.Run(model))!;
        Assert.That(e.Step, Is.EqualTo(30));
        Assert.That(e.Tensor, Is.EqualTo("held-out loss"));
        Assert.That(e.Message, Does.Contain("step 30").And.Contain("held-out loss is NaN"));
        Assert.That(evaluated, Is.EqualTo(new[] { 10, 20 }), "the NaN evaluation is not reported (no checkpoint of it)");
    }

    [Test]
    public void A_finite_loss_that_runs_away_stops_training_naming_the_step_and_both_losses()
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new Regression(be) { TrainNoise = s => s >= 10 ? 1000 : 0 };
        using var sgd = new Sgd<double>(be, model.Parameters, 0.1);
        double first = 0;
        var trainer = new Trainer<double>(be, sgd, new TrainerOptions { Steps = 100, DivergenceFactor = 4, DivergenceSteps = 5 })
        { Progress = p => { if (p.Step == 1) first = p.Loss; } };
        var e = Assert.Throws<DivergedTrainingException>(() => trainer.Run(model))!;
        // The smoothed loss is above 4 × the first loss from step 10 on; the fifth such step stops the run.
        Assert.That(e.Step, Is.EqualTo(14));
        Assert.That(e.FirstLoss, Is.EqualTo(first));
        Assert.That(e.Loss, Is.GreaterThan(4 * first));
        Assert.That(e.Message, Does.StartWith("diverged at step 14: loss ").And.Contain("try a smaller --lr"));
    }

    [Test]
    public void The_divergence_check_is_off_with_a_factor_of_zero()
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new Regression(be) { TrainNoise = s => s >= 10 ? 1000 : 0 };
        using var sgd = new Sgd<double>(be, model.Parameters, 0.1);
        var result = new Trainer<double>(be, sgd, new TrainerOptions { Steps = 100, DivergenceFactor = 0, DivergenceSteps = 5 }).Run(model);
        Assert.That(result.Reason, Is.EqualTo(StopReason.StepsDone));
    }

    [Test]
    public void Respects_the_time_budget()
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new Regression(be);
        using var sgd = new Sgd<double>(be, model.Parameters, 0.1);
        var result = new Trainer<double>(be, sgd, new TrainerOptions { Steps = int.MaxValue, TimeBudget = TimeSpan.FromMilliseconds(200) }).Run(model);
        Assert.That(result.Reason, Is.EqualTo(StopReason.TimeBudget));
        Assert.That(result.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(200)));
    }

    [Test]
    public void A_time_budget_alone_is_not_capped_at_a_step_count()
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new Regression(be);
        using var sgd = new Sgd<double>(be, model.Parameters, 0.01);
        var options = new TrainerOptions { TimeBudget = TimeSpan.FromMilliseconds(400), DivergenceFactor = 0 };
        Assert.That(options.MaxSteps, Is.EqualTo(int.MaxValue));
        Assert.That(new TrainerOptions().MaxSteps, Is.EqualTo(1000), "no budget and no steps: 1000, as documented");
        var result = new Trainer<double>(be, sgd, options).Run(model);
        Assert.That(result.Reason, Is.EqualTo(StopReason.TimeBudget));
        Assert.That(result.Steps, Is.GreaterThan(1000), "a tiny regression runs far more than 1000 steps in 400 ms");
    }

    /// <summary>A resumed run's throughput counts the items of this run over this run's time, not the items of every
    /// earlier run over this run's time (which printed a resumed run 2×, 3×, 4× too fast).</summary>
    [Test]
    public void A_resumed_runs_throughput_counts_only_its_own_items()
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new Regression(be);
        using var sgd = new Sgd<double>(be, model.Parameters, 0.01);
        int calls = 0;
        var options = new TrainerOptions { Steps = 10, Clock = () => TimeSpan.FromSeconds(++calls) };
        var first = new Trainer<double>(be, sgd, options).Run(model);
        Assert.That(first.Steps, Is.EqualTo(10));
        var state = new TrainerState { Step = 10, Items = 1000 }; // as a resumed run starts: the steps and items of the first
        calls = 0;
        var resumed = new Trainer<double>(be, sgd, options with { Steps = 20 }).Run(model, state);
        long itemsNow = state.Items - 1000;
        var last = resumed.History[^1];
        Assert.That(itemsNow, Is.GreaterThan(0));
        Assert.That(last.ItemsPerSecond, Is.EqualTo(itemsNow / last.Elapsed.TotalSeconds).Within(1e-9).Percent);
    }
}
