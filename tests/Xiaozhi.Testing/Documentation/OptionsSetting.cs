namespace Xiaozhi.Testing.Documentation;

/// <summary>
/// One bindable setting of an options class: its configuration key and its default as the documentation writes it
/// (no tokens = no default: the documentation says "—").
/// </summary>
public sealed record OptionsSetting(string Key, Type OptionsType, IReadOnlyList<string> Default)
{
    public bool HasDefault => Default.Count > 0;

    public override string ToString() => HasDefault ? $"{Key} = {string.Join(", ", Default)}" : $"{Key} (no default)";
}
