using SeqCore.Cpu;
using SeqCore.Layers.Recurrent;
using SeqCore.Models;
using SeqCore.Random;
using SeqCore.Training;

namespace SeqCore.Tests.Models;

/// <summary>The forecaster: it learns a sine, forecasts it autoregressively, round-trips through a checkpoint bit for
/// bit, fits its scaling on training rows only, and treats extra inputs' future as documented.</summary>
public class ForecasterTests
{
    private static double[] Sine(int n, double period, double offset = 0) =>
        Enumerable.Range(0, n).Select(t => Math.Sin(2 * Math.PI * t / period) + offset).ToArray();

    private static ForecasterConfig SmallConfig(int inputs = 0, CellKind cell = CellKind.Lstm) => new()
    {
        Target = "y", Inputs = Enumerable.Range(1, inputs).Select(i => $"x{i}").ToArray(), Window = 8, Cell = cell, HiddenSize = 12,
    };

    [Test]
    public void Learns_a_noiseless_sine_far_below_its_starting_loss_and_forecasts_it()
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var series = new ForecastSeries(Sine(160, 16));
        var config = ForecastTransform.FitScaling(SmallConfig(), series, series.Length - 16);
        using var model = new Forecaster<float>(be, config, new RandomStream(3));
        using var data = new ForecasterTrainable<float>(model, series, validationSteps: 16, batchSize: 16, new RandomStream(4));
        double before = data.TrainingLoss();
        using var adam = new Adam<float>(be, model.Parameters, 0.01);
        var result = new Trainer<float>(be, adam, new TrainerOptions { Steps = 250, EvalEvery = 50 }).Run(data);
        double after = data.TrainingLoss();
        Assert.That(after, Is.LessThan(before / 50), $"training MSE {before} → {after}");
        TestContext.Out.WriteLine($"training MSE {before} → {after}");
        Assert.That(result.BestEvalLoss, Is.LessThan(before / 50));

        // 16 steps ahead, feeding predictions back, from the first 144 steps: close to the true continuation.
        double[] forecast = model.Forecast(series.Take(144), 16);
        double rmse = ForecastMetrics.Rmse(series.Target.AsSpan(144), forecast);
        Assert.That(rmse, Is.LessThan(0.15), string.Join(", ", forecast));
    }

    [Test]
    public void Checkpoint_round_trip_is_bit_exact()
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var series = new ForecastSeries(Sine(60, 12, offset: 3), [Sine(60, 7, offset: 2)]);
        var config = ForecastTransform.FitScaling(SmallConfig(1, CellKind.Gru) with { Log = true, DifferenceLag = 12, Scaling = FeatureScaling.MinMax },
            series, 50);
        using var model = new Forecaster<float>(be, config, new RandomStream(9));
        string path = Path.Combine(Path.GetTempPath(), $"seqcore-fc-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path);
            using var loaded = Forecaster<float>.Load(path, be);
            Assert.That(loaded.Config.ToJson(), Is.EqualTo(config.ToJson()));
            Assert.That(loaded.Config.ScaleCenter, Is.EqualTo(config.ScaleCenter));
            Assert.That(loaded.Config.ScaleSpread, Is.EqualTo(config.ScaleSpread));
            Assert.That(loaded.Parameters.Select(p => p.Name), Is.EqualTo(model.Parameters.Select(p => p.Name)));
            for (int i = 0; i < model.Parameters.Count; i++)
                Assert.That(be.ToArray(loaded.Parameters[i].Value), Is.EqualTo(be.ToArray(model.Parameters[i].Value)), model.Parameters[i].Name);
            Assert.That(loaded.Forecast(series, 5), Is.EqualTo(model.Forecast(series, 5)));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void Parameters_carry_pytorch_state_dict_names()
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        using var model = new Forecaster<double>(be, SmallConfig(2) with { Layers = 2 }, new RandomStream(1));
        Assert.That(model.Parameters.Select(p => p.Name), Is.EqualTo(new[]
        {
            "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
            "rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1", "rnn.bias_hh_l1", "head.weight", "head.bias",
        }));
        Assert.That(model.Parameters[0].Value.ShapeText, Is.EqualTo("[48, 3]"));
    }

    [Test]
    public void Scaling_is_fitted_on_the_training_rows_only()
    {
        double[] y = Enumerable.Range(0, 40).Select(t => 1.0 + t).ToArray();
        var a = ForecastTransform.FitScaling(new ForecasterConfig { Window = 4 }, new ForecastSeries(y), 30);
        y[35] = 1e6; // after the fitted rows: no effect
        var b = ForecastTransform.FitScaling(new ForecasterConfig { Window = 4 }, new ForecastSeries(y), 30);
        Assert.That(b.ScaleCenter, Is.EqualTo(a.ScaleCenter));
        Assert.That(a.ScaleCenter[0], Is.EqualTo(15.5).Within(1e-12)); // mean of 1…30
        Assert.That(a.ScaleSpread[0], Is.EqualTo(Math.Sqrt((30.0 * 30 - 1) / 12)).Within(1e-12)); // population std of 1…30

        // Log and seasonal differences: d_t = log y_t − log y_{t−L}; min-max into [0, 1].
        double[] g = Enumerable.Range(0, 10).Select(t => Math.Exp(0.1 * t + (t % 2 == 0 ? 0.5 : 0))).ToArray();
        var c = ForecastTransform.FitScaling(new ForecasterConfig { Window = 2, Log = true, DifferenceLag = 2, Scaling = FeatureScaling.MinMax }, new ForecastSeries(g), 10);
        Assert.That(c.ScaleCenter[0], Is.EqualTo(0.2).Within(1e-12));
        Assert.That(c.ScaleSpread[0], Is.EqualTo(1.0)); // all differences equal: the spread falls back to 1
        double[] features = ForecastTransform.Features(c, new ForecastSeries(g));
        Assert.That(features, Has.Length.EqualTo(8).And.All.EqualTo(0).Within(1e-12));
    }

    [Test]
    public void Log_of_a_non_positive_value_is_refused_naming_the_series_and_step()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            ForecastTransform.FitScaling(new ForecasterConfig { Target = "sales", Log = true }, new ForecastSeries([1, 2, 0, 4]), 4))!;
        Assert.That(e.Message, Does.Contain("'sales'").And.Contain("step 2"));
    }

    [Test]
    public void Multi_step_forecasts_hold_extra_inputs_at_their_last_value_unless_their_future_is_given()
    {
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        var series = new ForecastSeries(Sine(40, 10), [Sine(40, 6)]);
        var config = ForecastTransform.FitScaling(SmallConfig(1), series, 40);
        using var model = new Forecaster<double>(be, config, new RandomStream(2));
        double last = series.Inputs[0][^1];
        double[] persistence = model.Forecast(series, 4);
        Assert.That(model.Forecast(series, 4, [[last, last, last, last]]), Is.EqualTo(persistence));
        double[] known = model.Forecast(series, 4, [[5, 5, 5, 5]]);
        Assert.That(known[0], Is.EqualTo(persistence[0]), "the first step reads only observed inputs");
        Assert.That(known[1], Is.Not.EqualTo(persistence[1]));
        // One-step forecasts never need the inputs' future: each equals a horizon-1 forecast from the actual history.
        double[] oneStep = model.OneStepForecasts(series, 30);
        Assert.That(oneStep[3], Is.EqualTo(model.Forecast(series.Take(33), 1)[0]));
    }

    [Test]
    public void Differencing_is_undone_in_forecasts()
    {
        // With lag L and an untrained network, the forecast is z_{t−L} + (network output on the difference scale):
        // check the inversion by comparing with the network's own scaled prediction.
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        double[] y = Enumerable.Range(0, 30).Select(t => 10 + t + 3 * Math.Sin(t)).ToArray();
        var series = new ForecastSeries(y);
        var config = ForecastTransform.FitScaling(new ForecasterConfig { Window = 5, HiddenSize = 4, Log = true, DifferenceLag = 3 }, series, 30);
        using var model = new Forecaster<double>(be, config, new RandomStream(8));
        double[] features = ForecastTransform.Features(config, series); // 27 rows, one feature
        double scaled = model.Predict(features.AsSpan(22, 5), 1)[0];
        double expected = Math.Exp(Math.Log(y[27]) + scaled * config.ScaleSpread[0] + config.ScaleCenter[0]);
        Assert.That(model.Forecast(series, 1)[0], Is.EqualTo(expected).Within(1e-12 * expected));
    }

    [Test]
    public void A_multi_step_forecast_is_one_step_forecasts_fed_their_own_predictions()
    {
        // Past the lag, the differencing is undone against earlier forecasts: the same as appending each forecast to the
        // history and forecasting one step again.
        using var be = new CpuBackend<double>(new CpuBackendOptions { Threads = 1 });
        double[] y = Enumerable.Range(0, 40).Select(t => 20 + 0.5 * t + 4 * Math.Sin(2 * Math.PI * t / 6)).ToArray();
        var series = new ForecastSeries(y);
        var config = ForecastTransform.FitScaling(new ForecasterConfig { Window = 6, HiddenSize = 5, Log = true, DifferenceLag = 3 }, series, 40);
        using var model = new Forecaster<double>(be, config, new RandomStream(12));
        double[] multi = model.Forecast(series, 8);
        for (int h = 0; h < multi.Length; h++)
        {
            double one = model.Forecast(new ForecastSeries([.. y, .. multi[..h]]), 1)[0];
            Assert.That(one, Is.EqualTo(multi[h]).Within(1e-9 * multi[h]), $"step {h}");
        }
    }

    [Test]
    public void Metrics_and_baselines()
    {
        Assert.That(ForecastMetrics.Rmse([1, 2, 3], [1, 2, 6]), Is.EqualTo(Math.Sqrt(3)).Within(1e-15));
        Assert.That(ForecastMetrics.Mape([100, 200], [110, 180]), Is.EqualTo(10).Within(1e-12));
        Assert.That(ForecastMetrics.SeasonalNaive([1, 2, 3, 4, 5, 6], 3, 7), Is.EqualTo(new double[] { 4, 5, 6, 4, 5, 6, 4 }));
        Assert.That(ForecastMetrics.SeasonalNaive([1, 2, 3], 1, 2), Is.EqualTo(new double[] { 3, 3 }));
        Assert.That(ForecastMetrics.SeasonalNaiveOneStep([1, 2, 3, 4, 5], 3, 2), Is.EqualTo(new double[] { 2, 3 }));
    }

    [Test]
    public void Config_json_errors_name_the_source()
    {
        var e = Assert.Throws<InvalidDataException>(() => ForecasterConfig.FromJson("{\"model\":\"language_model\"}", "m.safetensors"))!;
        Assert.That(e.Message, Does.Contain("m.safetensors").And.Contain("language_model"));
        e = Assert.Throws<InvalidDataException>(() => ForecasterConfig.FromJson("{\"model\":\"forecaster\",\"target\":\"y\"}", "m.safetensors"))!;
        Assert.That(e.Message, Does.Contain("m.safetensors").And.Contain("scaling constants"));
        e = Assert.Throws<InvalidDataException>(() => ForecasterConfig.FromJson("{\"model\":\"forecaster\",\"widow\":3}", "m.safetensors"))!;
        Assert.That(e.Message, Does.Contain("m.safetensors").And.Contain("\"widow\""));
        e = Assert.Throws<InvalidDataException>(() => ForecasterConfig.FromJson("{\"model\":\"forecaster\",\"cell\":\"transformer\"}", "m.safetensors"))!;
        Assert.That(e.Message, Does.Contain("\"cell\"").And.Contain("lstm, gru"));
    }

    [Test]
    public void Config_json_is_camel_case_and_the_snake_case_of_older_checkpoints_still_reads()
    {
        var config = SmallConfig(1, CellKind.Gru) with
        {
            Log = true, DifferenceLag = 12, Scaling = FeatureScaling.MinMax, ScaleCenter = [0.125, -3], ScaleSpread = [2.5, 0.1],
        };
        string json = config.ToJson();
        Assert.That(json, Does.Contain("\"model\":\"forecaster\"").And.Contain("\"differenceLag\":12").And.Contain("\"scaleCenter\":[0.125,-3]")
            .And.Contain("\"cell\":\"gru\"").And.Contain("\"scaling\":\"minmax\""));
        Assert.That(ForecasterConfig.FromJson(json, "new").ToJson(), Is.EqualTo(json));
        // As Forecaster.Save wrote it before the model catalogue.
        string old = "{\"model\":\"forecaster\",\"target\":\"y\",\"inputs\":[\"x1\"],\"window\":8,\"cell\":\"gru\",\"hidden\":12,\"layers\":1," +
            "\"log\":true,\"difference_lag\":12,\"scaling\":\"minmax\",\"scale_center\":[0.125,-3],\"scale_spread\":[2.5,0.1]}";
        var read = ForecasterConfig.FromJson(old, "old");
        Assert.That(read.ToJson(), Is.EqualTo(json));
        Assert.That((read.DifferenceLag, read.ScaleCenter, read.ScaleSpread), Is.EqualTo((12, config.ScaleCenter, config.ScaleSpread)));
    }

    [Test]
    public void Resuming_the_trainable_draws_the_same_windows()
    {
        using var be = new CpuBackend<float>(new CpuBackendOptions { Threads = 1 });
        var series = new ForecastSeries(Sine(60, 12));
        var config = ForecastTransform.FitScaling(SmallConfig(), series, 50);
        using var model = new Forecaster<float>(be, config, new RandomStream(3));
        using var a = new ForecasterTrainable<float>(model, series, 10, 5, new RandomStream(4));
        for (int step = 1; step <= 13; step++) a.TrainBatch(step);
        var saved = new TrainableState();
        a.SaveState(saved);
        var next = Enumerable.Range(14, 20).Select(a.TrainBatch).Select(l => l.Loss).ToArray();
        using var b = new ForecasterTrainable<float>(model, series, 10, 5, new RandomStream(4));
        b.RestoreState(saved);
        Assert.That(Enumerable.Range(14, 20).Select(b.TrainBatch).Select(l => l.Loss).ToArray(), Is.EqualTo(next));
    }
}
