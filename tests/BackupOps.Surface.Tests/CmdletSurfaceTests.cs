using System.Reflection;
using System.Xml.Linq;
using Xunit;

namespace BackupOps.Surface.Tests;

/// <summary>What PowerShell users rely on, checked on the built assembly without running PowerShell.</summary>
public sealed class CmdletSurfaceTests
{
    private static readonly string[] StateChangingVerbs = ["Invoke", "Restore", "Remove", "Set", "New", "Clear", "Add", "Register", "Unregister", "Start", "Stop"];
    private static ModuleSurface Surface => ModuleSurface.Shared;

    public static TheoryData<string> CmdletNames()
    {
        var data = new TheoryData<string>();
        foreach (var cmdlet in Surface.Cmdlets)
        {
            data.Add(ModuleSurface.FullName(cmdlet));
        }

        return data;
    }

    private static Type Cmdlet(string name) => Surface.Cmdlets.Single(c => ModuleSurface.FullName(c) == name);

    [Fact]
    public void The_spine_cmdlets_exist_and_the_manifest_exports_exactly_the_cmdlets_in_the_assembly()
    {
        var found = Surface.Cmdlets.Select(ModuleSurface.FullName).Order(StringComparer.Ordinal).ToArray();
        Assert.Subset(found.ToHashSet(), new HashSet<string> { "Invoke-PgBackup", "Get-PgBackup", "Restore-PgBackup", "Remove-PgBackup", "Set-R2Lifecycle", "Get-R2Lifecycle", "Test-R2Lifecycle", "Test-R2Object", "Invoke-RedisSnapshot", "Get-RedisSnapshot", "Restore-RedisSnapshot", "Remove-RedisSnapshot" });
        Assert.Equal(found, Surface.ManifestCmdlets().Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Module_version_comes_from_the_one_version_source()
    {
        var props = XDocument.Load(Path.Combine(Surface.RepositoryRoot, "Directory.Build.props"));
        var version = props.Descendants("VersionPrefix").Single().Value;
        Assert.Equal(version, Surface.ManifestValue("ModuleVersion"));
        Assert.Equal("7.4", Surface.ManifestValue("PowerShellVersion"));
        Assert.Equal("module/BackupOps.dll", Surface.ManifestValue("RootModule"));
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void Verb_is_approved_and_the_class_is_a_sealed_VerbNounCommand(string name)
    {
        var cmdlet = Cmdlet(name);
        var (verb, noun) = ModuleSurface.NameOf(cmdlet);
        var approved = Surface.Automation.GetTypes()
            .Where(t => t.Namespace == "System.Management.Automation" && t.Name.StartsWith("Verbs", StringComparison.Ordinal))
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains(verb, approved);
        Assert.True(cmdlet.IsSealed, $"{cmdlet.Name} must be sealed");
        Assert.Equal($"{verb}{noun}Command", cmdlet.Name);
        Assert.Equal("BackupOps.Commands", cmdlet.Namespace);
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void Output_types_are_declared_and_defined_in_the_cmdlet_assembly(string name)
    {
        var outputTypes = Cmdlet(name).GetCustomAttributesData().Where(a => a.AttributeType.Name == "OutputTypeAttribute")
            .SelectMany(a => ((IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Select(v => (Type)v.Value!))
            .ToList();
        Assert.NotEmpty(outputTypes);
        Assert.All(outputTypes, t => Assert.Equal(Surface.Module, t.Assembly));
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void State_changing_cmdlets_support_ShouldProcess_and_readers_do_not(string name)
    {
        var attribute = Cmdlet(name).GetCustomAttributesData().Single(a => a.AttributeType == Surface.CmdletAttribute);
        var supports = ModuleSurface.Named<bool>(attribute, "SupportsShouldProcess");
        var (verb, _) = ModuleSurface.NameOf(Cmdlet(name));
        Assert.Equal(StateChangingVerbs.Contains(verb), supports);
    }

    [Fact]
    public void Remove_runs_at_high_confirm_impact_and_restore_at_medium()
    {
        // Restoring into a new database destroys nothing; replacing one asks through ConfirmHighImpact (Pester proves it).
        foreach (var name in new[] { "Restore-PgBackup", "Restore-RedisSnapshot" })
        {
            var attribute = Cmdlet(name).GetCustomAttributesData().Single(a => a.AttributeType == Surface.CmdletAttribute);
            Assert.Equal(2, ModuleSurface.Named<int>(attribute, "ConfirmImpact")); // ConfirmImpact.Medium
        }

        foreach (var name in new[] { "Remove-PgBackup", "Remove-RedisSnapshot" })
        {
            var attribute = Cmdlet(name).GetCustomAttributesData().Single(a => a.AttributeType == Surface.CmdletAttribute);
            Assert.Equal(3, ModuleSurface.Named<int>(attribute, "ConfirmImpact")); // ConfirmImpact.High
        }
    }

    [Theory]
    [InlineData("Restore-PgBackup", "BackupOps.PgBackup", "Store", "BackupId")]
    [InlineData("Remove-PgBackup", "BackupOps.PgBackup", "Store", "BackupId")]
    [InlineData("Restore-RedisSnapshot", "BackupOps.RedisSnapshot", "Store", "SnapshotId")]
    [InlineData("Remove-RedisSnapshot", "BackupOps.RedisSnapshot", "Store", "SnapshotId")]
    public void Get_output_binds_to_restore_and_remove_by_property_name(string name, string outputType, string storeProperty, string idProperty)
    {
        var backupProperties = Surface.Module.GetType(outputType, throwOnError: true)!.GetProperties().Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var cmdlet = Cmdlet(name);
        var parameters = Surface.ParametersOf(cmdlet).ToList();

        // A parameter set exists whose mandatory parameters all bind from a PgBackup, and Store/BackupId bind.
        var sets = parameters.SelectMany(p => p.Parameters.Select(a => ModuleSurface.Named<string>(a, "ParameterSetName") ?? "__AllParameterSets")).Distinct().Where(s => s != "__AllParameterSets");
        var bindable = sets.Where(set => parameters
            .Where(p => p.Parameters.Any(a => (ModuleSurface.Named<string>(a, "ParameterSetName") ?? "__AllParameterSets") is var s && (s == set || s == "__AllParameterSets") && ModuleSurface.Named<bool>(a, "Mandatory")))
            .All(p => p.Parameters.Any(a => ModuleSurface.Named<bool>(a, "ValueFromPipelineByPropertyName")) && ModuleSurface.AliasesOf(p.Property).Append(p.Property.Name).Any(backupProperties.Contains)));
        Assert.NotEmpty(bindable);
        foreach (var required in new[] { storeProperty, idProperty })
        {
            var parameter = parameters.Single(p => p.Property.Name == required);
            Assert.Contains(parameter.Parameters, a => ModuleSurface.Named<bool>(a, "ValueFromPipelineByPropertyName"));
            Assert.Contains(required, backupProperties);
        }
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void No_engine_or_third_party_type_appears_in_parameters_or_outputs(string name)
    {
        var cmdlet = Cmdlet(name);
        foreach (var (property, _) in Surface.ParametersOf(cmdlet))
        {
            AssertPublicType(property.PropertyType, $"{name} -{property.Name}");
        }

        foreach (var output in cmdlet.GetCustomAttributesData().Where(a => a.AttributeType.Name == "OutputTypeAttribute")
            .SelectMany(a => ((IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Select(v => (Type)v.Value!)))
        {
            foreach (var member in output.GetProperties())
            {
                AssertPublicType(member.PropertyType, $"{output.Name}.{member.Name}");
            }
        }
    }

    [Fact]
    public void No_member_of_any_visibility_of_an_exported_type_names_an_engine_type()
    {
        // PowerShell loads every exported type (and so its base types, generic constraints and field layout)
        // before IModuleAssemblyInitializer.OnImport can teach the runtime where BackupOps.Engine is. So no member
        // of an exported type or of its bases, whatever its visibility, may name an engine or third-party type.
        // Compiler-generated methods (lambda bodies, local functions) are exempt: they are resolved only when
        // JIT-compiled, which is after the import; the runtime guard in BackupOps.PowerShell.Tests proves it.
        const BindingFlags declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var checkedTypes = new HashSet<Type>();
        foreach (var exported in Surface.Module.GetExportedTypes())
        {
            for (var type = exported; type is not null && type.Assembly == Surface.Module && checkedTypes.Add(type); type = type.BaseType)
            {
                AssertPublicType(type.BaseType!, $"{type.Name} : base");
                foreach (var implemented in type.GetInterfaces())
                {
                    AssertPublicType(implemented, $"{type.Name} : interface");
                }

                foreach (var argument in type.GetGenericArguments())
                {
                    AssertConstraints(argument, type.Name);
                }

                foreach (var field in type.GetFields(declared))
                {
                    AssertPublicType(field.FieldType, $"{type.Name}.{field.Name} (field)");
                }

                foreach (var property in type.GetProperties(declared))
                {
                    AssertPublicType(property.PropertyType, $"{type.Name}.{property.Name}");
                }

                foreach (var evented in type.GetEvents(declared))
                {
                    AssertPublicType(evented.EventHandlerType!, $"{type.Name}.{evented.Name} (event)");
                }

                foreach (var method in type.GetMethods(declared).Cast<MethodBase>().Concat(type.GetConstructors(declared)).Where(m => !IsCompilerGenerated(m)))
                {
                    var where = $"{type.Name}.{method.Name}";
                    if (method is MethodInfo info)
                    {
                        AssertPublicType(info.ReturnType, where);
                        if (info.IsGenericMethodDefinition)
                        {
                            foreach (var argument in info.GetGenericArguments())
                            {
                                AssertConstraints(argument, where);
                            }
                        }
                    }

                    foreach (var parameter in method.GetParameters())
                    {
                        AssertPublicType(parameter.ParameterType, $"{where}({parameter.Name})");
                    }
                }
            }
        }

        Assert.Contains(checkedTypes, t => t.Name == "RemoveBackupsCmdlet");
    }

    [Fact]
    public void The_surface_check_fails_on_a_generic_constraint_naming_an_engine_type()
    {
        // The check above must be able to fail: BackupCatalog.ListAsync<TManifest> where TManifest : IBackupManifest
        // is the shape that broke Import-Module (issue 11).
        var engine = Surface.Context.LoadFromAssemblyPath(Path.Combine(Surface.RepositoryRoot, "module", "Dependencies", "BackupOps.Engine.dll"));
        var listAsync = engine.GetType("BackupOps.Engine.Catalog.BackupCatalog", throwOnError: true)!.GetMethods().First(m => m.Name == "ListAsync" && m.IsGenericMethodDefinition);
        Assert.ThrowsAny<Exception>(() => AssertConstraints(listAsync.GetGenericArguments()[0], "BackupCatalog.ListAsync"));
    }

    [Fact]
    public void Only_the_cmdlet_assembly_sits_at_the_module_root()
    {
        var rootAssemblies = Directory.GetFiles(Path.Combine(Surface.RepositoryRoot, "module"), "*.dll").Select(f => Path.GetFileName(f)!).ToArray();
        Assert.Equal(["BackupOps.dll"], rootAssemblies);
        var dependencies = Directory.GetFiles(Path.Combine(Surface.RepositoryRoot, "module", "Dependencies"), "*.dll").Select(Path.GetFileName).ToHashSet();
        Assert.Subset(dependencies, new HashSet<string?> { "BackupOps.Engine.dll", "Npgsql.dll", "AWSSDK.S3.dll", "AWSSDK.Core.dll" });
        Assert.DoesNotContain("System.Management.Automation.dll", dependencies);
        Assert.Contains(Surface.Module.GetTypes(), t => t.GetInterfaces().Any(i => i.Name == "IModuleAssemblyInitializer"));
    }

    private static bool IsCompilerGenerated(MemberInfo member) =>
        member.Name.Contains('<', StringComparison.Ordinal) || member.GetCustomAttributesData().Any(a => a.AttributeType.Name == "CompilerGeneratedAttribute");

    private static void AssertConstraints(Type genericParameter, string where)
    {
        foreach (var constraint in genericParameter.GetGenericParameterConstraints())
        {
            AssertPublicType(constraint, $"{where}<{genericParameter.Name}> constraint");
        }
    }

    private static void AssertPublicType(Type type, string where)
    {
        if (type.HasElementType)
        {
            AssertPublicType(type.GetElementType()!, where);
            return;
        }

        if (type.IsGenericType)
        {
            foreach (var argument in type.GetGenericArguments())
            {
                AssertPublicType(argument, where);
            }
        }

        var assembly = type.Assembly.GetName().Name;
        var allowed = type.Assembly == Surface.Module || assembly is "System.Private.CoreLib" or "System.Runtime" or "System.Management.Automation" or "netstandard" || type.IsGenericParameter;
        Assert.True(allowed, $"{where} exposes {type.FullName} from {assembly}; PowerShell must only see BackupOps or framework types.");
    }
}
