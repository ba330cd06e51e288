using System.Reflection;

namespace BackupOps.HelpTool;

/// <summary>Reads the cmdlets of a built module assembly through a MetadataLoadContext (nothing is executed).</summary>
public static class CmdletReflector
{
    /// <summary>Every [Cmdlet] class of <paramref name="modulePath"/>; <paramref name="references"/> resolve the framework, System.Management.Automation and dependencies.</summary>
    public static IReadOnlyList<CmdletModel> Read(string modulePath, IEnumerable<string> references)
    {
        var paths = references.Append(modulePath).Where(File.Exists).GroupBy(Path.GetFileName).Select(g => g.Last());
        using var context = new MetadataLoadContext(new PathAssemblyResolver(paths), "System.Private.CoreLib");
        var module = context.LoadFromAssemblyPath(modulePath);
        var cmdlets = new List<CmdletModel>();
        foreach (var type in module.GetTypes().Where(t => t.IsPublic && !t.IsAbstract))
        {
            var cmdlet = type.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == "System.Management.Automation.CmdletAttribute");
            if (cmdlet is null)
            {
                continue;
            }

            var name = $"{cmdlet.ConstructorArguments[0].Value}-{cmdlet.ConstructorArguments[1].Value}";
            cmdlets.Add(new CmdletModel(
                name,
                Named<bool>(cmdlet, "SupportsShouldProcess"),
                Named<string>(cmdlet, "DefaultParameterSetName"),
                ReadParameters(type),
                ReadOutputs(type)));
        }

        return [.. cmdlets.OrderBy(c => c.Name, StringComparer.Ordinal)];
    }

    private static List<ParameterModel> ReadParameters(Type type)
    {
        // Declaration order as PowerShell binds it: the most derived class first, its own properties in source order.
        var hierarchy = new List<Type>();
        for (var current = type; current is not null && current.FullName != "System.Management.Automation.PSCmdlet"; current = current.BaseType)
        {
            hierarchy.Add(current);
        }

        var order = 0;
        var parameters = new List<ParameterModel>();
        foreach (var declaring in hierarchy)
        {
            foreach (var property in declaring.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).OrderBy(p => p.MetadataToken))
            {
                var attributes = property.GetCustomAttributesData();
                var sets = attributes.Where(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute")
                    .ToDictionary(
                        a => Named<string>(a, "ParameterSetName") ?? ParameterModel.AllSets,
                        a => new ParameterSetModel(Named<bool>(a, "Mandatory"), Named<int?>(a, "Position") is int p && p >= 0 ? p : null, Named<bool>(a, "ValueFromPipeline"), Named<bool>(a, "ValueFromPipelineByPropertyName")));
                if (sets.Count == 0)
                {
                    continue;
                }

                var aliases = attributes.Where(a => a.AttributeType.FullName == "System.Management.Automation.AliasAttribute")
                    .SelectMany(a => ((IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Select(v => (string)v.Value!)).ToList();
                var accepted = attributes.Where(a => a.AttributeType.FullName == "System.Management.Automation.ValidateSetAttribute" && a.ConstructorArguments.Count == 1)
                    .SelectMany(a => ((IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Select(v => (string)v.Value!)).ToList();
                var isSwitch = property.PropertyType.FullName == "System.Management.Automation.SwitchParameter";
                parameters.Add(new ParameterModel(property.Name, TypeName(property.PropertyType), isSwitch, aliases, sets, order++, declaring.FullName!, accepted));
            }
        }

        return parameters;
    }

    private static List<OutputModel> ReadOutputs(Type type) =>
        [.. type.GetCustomAttributesData().Where(a => a.AttributeType.FullName == "System.Management.Automation.OutputTypeAttribute")
            .SelectMany(a => ((IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Select(v => (Type)v.Value!))
            .Select(t => new OutputModel(t.FullName!, [.. t.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.MetadataToken).Select(p => p.Name)]))];

    /// <summary>The type name help shows: the value type of a Nullable, element type plus [] for arrays, no namespace for framework types.</summary>
    public static string TypeName(Type type)
    {
        if (type.IsArray)
        {
            return TypeName(type.GetElementType()!) + "[]";
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1")
        {
            return TypeName(type.GetGenericArguments()[0]);
        }

        return type.Namespace is "System" or "System.Management.Automation" ? type.Name : type.FullName!;
    }

    private static T? Named<T>(CustomAttributeData attribute, string name)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.MemberName == name)
            {
                return (T?)argument.TypedValue.Value;
            }
        }

        return default;
    }
}
