using System.Reflection;
using SeqCore.Cuda;

namespace SeqCore.Tests.Lifetimes;

/// <summary>
/// Every public type that holds tensors (directly, in arrays or collections, or through a disposable SeqCore object such
/// as a layer) is <see cref="IDisposable"/>; the few that only borrow tensors someone else owns are listed with why.
/// </summary>
public class DisposableTypesTests
{
    /// <summary>Public types that reference tensors without owning them.</summary>
    private static readonly Dictionary<Type, string> Borrowers = new()
    {
        [typeof(SeqCore.Layers.Parameter<>)] = "a layer's value and gradient tensors; the layer frees them",
        [typeof(SeqCore.Training.BestWeights<>)] = "reads the model's parameters; its copies are host arrays",
        [typeof(SeqCore.Training.Trainer<>)] = "steps the caller's optimizer",
        [typeof(SeqCore.Training.BceWithLogitsLoss<>)] = "PosWeight is the caller's tensor",
        [typeof(SeqCore.Gradients.GradientCheckInput)] = "names the caller's value and gradient tensors",
    };

    private static readonly Assembly[] Library = [typeof(Tensor<>).Assembly, typeof(CudaBackend<>).Assembly, typeof(SeqCore.Testing.ParityCase<>).Assembly];

    [Test]
    public void EveryPublicTypeThatHoldsTensorsIsDisposable()
    {
        var offenders = PublicClasses()
            .Where(t => !typeof(IDisposable).IsAssignableFrom(t) && !Borrowers.ContainsKey(t))
            .Select(t => (Type: t, Field: InstanceFields(t).FirstOrDefault(f => HoldsTensors(f.FieldType))))
            .Where(x => x.Field is not null)
            .Select(x => $"{x.Type.Name} (field {x.Field!.Name}: {x.Field.FieldType.Name})")
            .ToList();
        Assert.That(offenders, Is.Empty);
    }

    [Test]
    public void EveryListedBorrowerStillReferencesTensors()
    {
        foreach (var type in Borrowers.Keys)
            Assert.That(InstanceFields(type).Any(f => HoldsTensors(f.FieldType)), Is.True, $"{type.Name} no longer holds tensors: drop it from the list");
    }

    private static IEnumerable<Type> PublicClasses() =>
        Library.SelectMany(a => a.GetExportedTypes()).Where(t => t.IsClass && !(t.IsAbstract && t.IsSealed) && !t.IsSubclassOf(typeof(Delegate)));

    private static IEnumerable<FieldInfo> InstanceFields(Type type)
    {
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
            foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                yield return f;
    }

    /// <summary>A tensor, an array or generic of tensors, or a disposable SeqCore object other than a backend.</summary>
    private static bool HoldsTensors(Type type)
    {
        if (type.IsArray) return HoldsTensors(type.GetElementType()!);
        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            if (definition == typeof(Tensor<>)) return true;
            if (definition == typeof(Nullable<>)) return HoldsTensors(type.GetGenericArguments()[0]);
            if (!Library.Contains(type.Assembly)) return type.GetGenericArguments().Any(HoldsTensors);
        }
        if (!Library.Contains(type.Assembly)) return false;
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IBackend<>)) return false;
        if (type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IBackend<>))) return false;
        return typeof(IDisposable).IsAssignableFrom(type) || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(SeqCore.Layers.Parameter<>));
    }
}
