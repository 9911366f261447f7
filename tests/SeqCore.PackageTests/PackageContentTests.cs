using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace SeqCore.PackageTests;

/// <summary>
/// What each package holds: metadata (version from git, license, readme, description, tags, repository and commit),
/// dependencies (the other packages on exactly this SeqCore), symbols that match the assemblies and carry SourceLink to
/// the commit, and for SeqCore.Cuda the PTX it loads at run time (embedded resources, no native files).
/// </summary>
public class PackageContentTests
{
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    private static IEnumerable<string> All => PackageFolder.All;
    private static IEnumerable<string> Libraries => PackageFolder.Libraries;

    private static XElement Child(XElement e, string name) =>
        e.Elements().SingleOrDefault(x => x.Name.LocalName == name) ?? throw new AssertionException($"<{name}> missing in {e.Name.LocalName}");

    [TestCaseSource(nameof(All))]
    public void Metadata_is_complete(string id)
    {
        var metadata = Child(PackageFolder.Nuspec(id), "metadata");
        Assert.That(Child(metadata, "version").Value, Is.EqualTo(PackageFolder.Version));
        var license = Child(metadata, "license");
        Assert.That((license.Attribute("type")?.Value, license.Value), Is.EqualTo(("expression", "MIT")));
        Assert.That(Child(metadata, "description").Value, Has.Length.GreaterThan(40));
        Assert.That(Child(metadata, "tags").Value.Split(' ', StringSplitOptions.RemoveEmptyEntries), Has.Length.GreaterThanOrEqualTo(3));
        Assert.That(Child(metadata, "projectUrl").Value, Does.StartWith("https://github.com/"));
        var repository = Child(metadata, "repository");
        Assert.That(repository.Attribute("type")?.Value, Is.EqualTo("git"));
        Assert.That(repository.Attribute("url")?.Value, Does.StartWith("https://github.com/"));
        Assert.That(repository.Attribute("commit")?.Value, Does.Match("^[0-9a-f]{40}$"));

        Assert.That(Child(metadata, "readme").Value, Is.EqualTo("README.md"));
        byte[]? readme = PackageFolder.Entry(PackageFolder.Nupkg(id), "README.md");
        Assert.That(readme, Is.Not.Null, "README.md in the package");
        string text = Encoding.UTF8.GetString(readme!);
        Assert.That(text, Does.StartWith("# "));
        foreach (Match link in Regex.Matches(text, @"\]\(([^)\s]+)\)"))
            Assert.That(link.Groups[1].Value, Does.StartWith("https://"), $"{id} README.md: links must be absolute on a package page");
    }

    [TestCase("SeqCore", new string[0])]
    [TestCase("SeqCore.Cuda", new[] { "SeqCore" })]
    [TestCase("SeqCore.Testing", new[] { "SeqCore" })]
    [TestCase("SeqCore.Cli", new string[0])]
    public void Dependencies_are_the_other_packages_at_exactly_this_version(string id, string[] expected)
    {
        var metadata = Child(PackageFolder.Nuspec(id), "metadata");
        var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => (e.Attribute("id")!.Value, e.Attribute("version")!.Value)).ToList();
        Assert.That(dependencies, Is.EquivalentTo(expected.Select(d => (d, $"[{PackageFolder.Version}]"))));
    }

    [Test]
    public void The_tool_package_is_a_dotnet_tool_named_seqcore()
    {
        var metadata = Child(PackageFolder.Nuspec(PackageFolder.Tool), "metadata");
        Assert.That(metadata.Descendants().Where(e => e.Name.LocalName == "packageType").Select(e => e.Attribute("name")?.Value),
            Is.EquivalentTo(new[] { "DotnetTool" }));
        byte[]? settings = PackageFolder.Entry(PackageFolder.Nupkg(PackageFolder.Tool), "tools/net10.0/any/DotnetToolSettings.xml");
        Assert.That(settings, Is.Not.Null, "DotnetToolSettings.xml");
        var command = XDocument.Load(new MemoryStream(settings!)).Descendants("Command").Single();
        Assert.That(command.Attribute("Name")?.Value, Is.EqualTo("seqcore"));
    }

    [TestCaseSource(nameof(Libraries))]
    public void Symbols_match_the_assembly_and_link_to_the_sources_of_the_commit(string id)
    {
        string commit = Child(PackageFolder.Nuspec(id), "metadata").Elements().Single(e => e.Name.LocalName == "repository").Attribute("commit")!.Value;
        byte[] dll = PackageFolder.Entry(PackageFolder.Nupkg(id), $"lib/net10.0/{id}.dll") ?? throw new AssertionException($"lib/net10.0/{id}.dll");
        byte[] pdb = PackageFolder.Entry(PackageFolder.Snupkg(id), $"lib/net10.0/{id}.pdb") ?? throw new AssertionException($"{id}.snupkg: lib/net10.0/{id}.pdb");

        using var pe = new PEReader(new MemoryStream(dll));
        var codeView = pe.ReadDebugDirectory().Single(d => d.Type == DebugDirectoryEntryType.CodeView);
        Guid pdbId = pe.ReadCodeViewDebugDirectoryData(codeView).Guid;
        Assert.That(pe.ReadDebugDirectory().Any(d => d.IsPortableCodeView || d.Type == DebugDirectoryEntryType.Reproducible), Is.True);

        using var provider = MetadataReaderProvider.FromPortablePdbImage(System.Collections.Immutable.ImmutableArray.Create(pdb));
        var reader = provider.GetMetadataReader();
        Assert.That(new Guid(reader.DebugMetadataHeader!.Id.AsSpan(0, 16)), Is.EqualTo(pdbId), "the .snupkg's PDB belongs to the .nupkg's assembly");

        // ContinuousIntegrationBuild: paths are mapped to /_/, so the PDB does not depend on where it was built.
        foreach (var handle in reader.Documents)
            Assert.That(reader.GetString(reader.GetDocument(handle).Name), Does.StartWith("/_/"));

        var sourceLink = reader.GetCustomDebugInformation(EntityHandle.ModuleDefinition)
            .Select(reader.GetCustomDebugInformation).Where(c => reader.GetGuid(c.Kind) == SourceLinkKind)
            .Select(c => Encoding.UTF8.GetString(reader.GetBlobBytes(c.Value))).SingleOrDefault();
        Assert.That(sourceLink, Is.Not.Null, $"{id}.pdb has no SourceLink");
        using var json = JsonDocument.Parse(sourceLink!);
        var urls = json.RootElement.GetProperty("documents").EnumerateObject().Select(p => p.Value.GetString()!).ToList();
        Assert.That(urls, Has.Some.Match($"^https://raw\\.githubusercontent\\.com/[^/]+/[^/]+/{commit}/\\*$"), sourceLink);
    }

    [TestCaseSource(nameof(Libraries))]
    public void The_assembly_carries_the_package_version(string id)
    {
        byte[] dll = PackageFolder.Entry(PackageFolder.Nupkg(id), $"lib/net10.0/{id}.dll")!;
        using var pe = new PEReader(new MemoryStream(dll));
        var reader = pe.GetMetadataReader();
        string? informational = null;
        foreach (var handle in reader.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = reader.GetCustomAttribute(handle);
            if (attribute.Constructor.Kind != HandleKind.MemberReference) continue;
            var type = reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent;
            if (type.Kind != HandleKind.TypeReference || reader.GetString(reader.GetTypeReference((TypeReferenceHandle)type).Name) != "AssemblyInformationalVersionAttribute") continue;
            var blob = reader.GetBlobReader(attribute.Value);
            blob.ReadUInt16(); // prolog 0x0001
            informational = blob.ReadSerializedString();
        }
        Assert.That(informational, Does.StartWith(PackageFolder.Version + "+"), "AssemblyInformationalVersion: version+commit");
    }

    /// <summary>SeqCore.Cuda loads its kernels from PTX embedded in the assembly (cuModuleLoadData), every file of
    /// native/ptx; the kernel emulation library is a test tool (SEQCORE_CUDA_EMULATOR) and is not shipped.</summary>
    [Test]
    public void The_cuda_package_embeds_every_ptx_module_and_ships_no_native_file()
    {
        string nupkg = PackageFolder.Nupkg("SeqCore.Cuda");
        byte[] dll = PackageFolder.Entry(nupkg, "lib/net10.0/SeqCore.Cuda.dll")!;
        using var pe = new PEReader(new MemoryStream(dll));
        var reader = pe.GetMetadataReader();
        var embedded = reader.ManifestResources.Select(h => reader.GetString(reader.GetManifestResource(h).Name))
            .Where(n => n.StartsWith("ptx/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var committed = Directory.GetFiles(Path.Combine(PackageFolder.RepositoryRoot(), "native", "ptx"), "*.ptx")
            .Select(f => "ptx/" + Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        Assert.That(committed, Is.Not.Empty);
        Assert.That(embedded, Is.EqualTo(committed));

        using var zip = System.IO.Compression.ZipFile.OpenRead(nupkg);
        Assert.That(zip.Entries.Select(e => e.FullName).Where(n => n.StartsWith("runtimes/", StringComparison.Ordinal) || n.EndsWith(".so", StringComparison.Ordinal)),
            Is.Empty);
    }
}
