namespace BackupOps.HelpTool;

/// <summary>A cmdlet as PowerShell sees it: what SYNTAX, the parameter metadata and OUTPUTS are generated from.</summary>
public sealed record CmdletModel(
    string Name,
    bool SupportsShouldProcess,
    string? DefaultParameterSet,
    IReadOnlyList<ParameterModel> Parameters,
    IReadOnlyList<OutputModel> Outputs)
{
    /// <summary>The parameter sets in PowerShell's order: the default first, then by name; "(All)" when there are none.</summary>
    public IReadOnlyList<string> ParameterSets
    {
        get
        {
            var named = Parameters.SelectMany(p => p.Sets.Keys).Where(s => s != ParameterModel.AllSets).Distinct().ToList();
            if (DefaultParameterSet is not null && !named.Contains(DefaultParameterSet))
            {
                named.Add(DefaultParameterSet);
            }

            return named.Count == 0 ? [ParameterModel.AllSets] : [.. named.OrderBy(s => s == DefaultParameterSet ? 0 : 1).ThenBy(s => s, StringComparer.Ordinal)];
        }
    }

    /// <summary>The parameters of one set with their attributes in it.</summary>
    public IEnumerable<(ParameterModel Parameter, ParameterSetModel InSet)> In(string set) =>
        Parameters.Where(p => p.Sets.ContainsKey(set) || p.Sets.ContainsKey(ParameterModel.AllSets))
            .Select(p => (p, p.Sets.TryGetValue(set, out var own) ? own : p.Sets[ParameterModel.AllSets]));
}

/// <summary>One parameter: its type name as help shows it and its attributes per parameter set.</summary>
public sealed record ParameterModel(string Name, string TypeName, bool IsSwitch, IReadOnlyList<string> Aliases, IReadOnlyDictionary<string, ParameterSetModel> Sets, int DeclarationOrder, string DeclaringType, IReadOnlyList<string> AcceptedValues)
{
    public const string AllSets = "__AllParameterSets";
}

/// <summary>A parameter's attributes within one set.</summary>
public sealed record ParameterSetModel(bool Mandatory, int? Position, bool FromPipeline, bool FromPipelineByPropertyName)
{
    public string PipelineInput => (FromPipeline, FromPipelineByPropertyName) switch
    {
        (true, true) => "True (ByPropertyName, ByValue)",
        (true, false) => "True (ByValue)",
        (false, true) => "True (ByPropertyName)",
        _ => "False",
    };
}

/// <summary>An output type and its public properties (what the help's OUTPUTS section lists).</summary>
public sealed record OutputModel(string TypeName, IReadOnlyList<string> Properties);
