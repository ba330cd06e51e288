#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7' }
<#
    Help quality, in the spirit of PSScriptAnalyzer's ModuleHelp tests: Get-Help -Full of every cmdlet shows a
    synopsis, a description, help for every parameter and at least one example that parses and binds, from the MAML
    the build compiled (en-US/BackupOps.dll-Help.xml). Outputs and their properties are those the help documents.
#>
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../../BackupOps.psd1') -Force
    $commands = @(Get-Command -Module BackupOps | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BackupOps.psd1') -Force
    $script:common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
}

Describe '<Name> help' -ForEach $commands {
    BeforeAll {
        $command = Get-Command $Name
        $help = Get-Help $Name -Full
    }

    It 'comes from the compiled MAML beside the manifest' {
        $help.PSObject.TypeNames | Should -Contain 'MamlCommandHelpInfo'
        Join-Path (Get-Module BackupOps).ModuleBase 'en-US/BackupOps.dll-Help.xml' | Should -Exist
    }

    It 'has a synopsis and a description' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "*$Name *[<CommonParameters>]*" -Because 'an auto-generated synopsis is the syntax line'
        ($help.Description.Text -join ' ').Length | Should -BeGreaterThan 40
    }

    It 'documents every parameter, and only the real ones' {
        $real = $command.Parameters.Keys | Where-Object { $_ -notin $script:common } | Sort-Object
        $documented = @($help.parameters.parameter | ForEach-Object Name | Where-Object { $_ -notin $script:common }) | Sort-Object
        $documented | Should -Be $real
        foreach ($parameter in $help.parameters.parameter | Where-Object { $_.Name -notin $script:common }) {
            ($parameter.Description.Text -join ' ').Trim() | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs help"
            $parameter.type.name | Should -Not -Match '`' -Because 'a generic type name (Nullable`1) is no help'
            $mandatory = @($command.Parameters[$parameter.Name].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] } | ForEach-Object Mandatory | Sort-Object -Unique)
            if ($mandatory.Count -eq 1) {
                # The same in every set: the help must say so (per-set differences are in the syntax items).
                $parameter.required | Should -Be ([string]$mandatory[0]).ToLowerInvariant() -Because "-$($parameter.Name)"
            }
        }
    }

    It 'has one syntax per parameter set' {
        @($help.syntax.syntaxItem).Count | Should -Be @($command.ParameterSets).Count
    }

    It 'has at least one example, and every example parses and binds real parameters' {
        @($help.examples.example).Count | Should -BeGreaterThan 0
        foreach ($example in $help.examples.example) {
            # The commands of an example: its PS> lines and their continuations (after | ` or ,); the rest is sample output.
            $lines = [System.Collections.Generic.List[string]]::new()
            $continues = $false
            foreach ($line in $example.code -split "`n") {
                if ($line -match '^\s*PS>\s?(.*)$') { $lines.Add($Matches[1]) } elseif ($continues) { $lines.Add($line) } else { continue }
                $continues = $lines[-1].TrimEnd() -match '[|`,]$'
            }
            $code = $lines -join "`n"
            $code | Should -Not -BeNullOrEmpty -Because "$($example.title) must show a command after a PS> prompt"
            $tokens = $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($code, [ref] $tokens, [ref] $errors)
            $errors | Should -BeNullOrEmpty -Because "$($example.title) must parse"
            foreach ($call in $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true)) {
                $invoked = Get-Command -Module BackupOps -Name $call.GetCommandName() -ErrorAction Ignore
                if (-not $invoked) { continue }
                foreach ($parameter in $call.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] }) {
                    $known = $invoked.Parameters.Keys + ($invoked.Parameters.Values | ForEach-Object Aliases)
                    $matched = @($known | Where-Object { $_ -like "$($parameter.ParameterName)*" })
                    $matched.Count | Should -BeGreaterThan 0 -Because "$($example.title): $($invoked.Name) has no -$($parameter.ParameterName)"
                }
            }
        }
    }

    It 'documents the output types the cmdlet declares, with their properties' {
        $declared = $command.OutputType.Name | Sort-Object -Unique
        $documented = @($help.returnValues.returnValue | ForEach-Object { $_.type.name }) | Sort-Object -Unique
        $documented | Should -Be $declared
        foreach ($value in $help.returnValues.returnValue) {
            $text = ($value.description.Text -join ' ')
            $listed = if ($text -match 'Properties: ([^.]+)\.') { $Matches[1] -split ',\s*' } else { @() }
            $type = $command.OutputType | Where-Object Name -eq $value.type.name | Select-Object -First 1
            $listed | Should -Be @($type.Type.GetProperties().Name) -Because "the help of $($value.type.name) must list its properties"
        }
    }
}

Describe 'Real output carries exactly the documented properties' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestServers.psm1') -Force
        $script:database = New-TestDatabase -Purpose 'help'
    }

    AfterAll {
        Remove-TestDatabases
    }

    It '<Type> from <Command>' -ForEach @(
        @{ Command = 'Invoke-PgBackup'; Type = 'BackupOps.PgBackup'; Run = { Invoke-PgBackup -ConnectionString (Get-TestPgUrl $script:database) -Store (Join-Path $TestDrive 'help') } }
        @{ Command = 'Invoke-PgBackup -WhatIf'; Type = 'BackupOps.BackupCheck'; Run = { Invoke-PgBackup -ConnectionString (Get-TestPgUrl $script:database) -Store (Join-Path $TestDrive 'help') -WhatIf } }
        @{ Command = 'Get-PgBackup'; Type = 'BackupOps.PgBackup'; Run = { Get-PgBackup -Store (Join-Path $TestDrive 'help') } }
    ) {
        $objects = & $Run
        $objects | Should -Not -BeNullOrEmpty
        $help = Get-Help ($Command -split ' ')[0] -Full
        $value = $help.returnValues.returnValue | Where-Object { $_.type.name -eq $Type }
        $documented = (($value.description.Text -join ' ') -replace '(?s).*Properties: ([^.]+)\..*', '$1') -split ',\s*'
        foreach ($object in $objects) {
            $object.PSObject.TypeNames[0] | Should -Be $Type
            @($object.PSObject.Properties.Name) | Should -Be $documented
        }
    }
}
