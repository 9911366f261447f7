using System.Text.Json;
using System.Text.Json.Serialization;

namespace SeqCore.Layers.Recurrent;

/// <summary>
/// Writes a <see cref="CellKind"/> as its <see cref="CellCatalogue"/> name (<c>"lstm"</c>) and reads any case of it, so
/// configs written with the enum's own names (<c>"Lstm"</c>) still load. An unknown name is a
/// <see cref="JsonException"/> whose message lists the cells.
/// </summary>
internal sealed class CellKindJsonConverter : JsonConverter<CellKind>
{
    /// <inheritdoc />
    public override CellKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        try { return CellCatalogue.Parse(name, "cell").Kind; }
        catch (ArgumentException e) { throw new JsonException(e.Message, e); }
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, CellKind value, JsonSerializerOptions options) =>
        writer.WriteStringValue(CellCatalogue.NameOf(value));
}
