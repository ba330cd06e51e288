#!/usr/bin/env bash
# Runs every BackupOps test from a clean clone: installs what is missing (Debian packages for the
# real servers the tests start, pwsh 7.6.9 as a dotnet tool, Pester 5.7.1 through the NuGet restore), builds with
# warnings as errors, runs the engine, CLI, surface and PowerShell tests; the PowerShell tests run the Pester
# suites in a child pwsh against real servers, and their counts join the closing line.
#   ./test.sh                 everything
#   ./test.sh --filter X      pass a dotnet test filter through
set -euo pipefail
cd "$(dirname "$0")"

need=()
[[ -x /usr/lib/postgresql/15/bin/initdb ]] || need+=(postgresql-15)
command -v pg_dump >/dev/null || need+=(postgresql-client-15)
command -v age >/dev/null || need+=(age)
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-check-rdb >/dev/null || need+=(redis-tools)
command -v gzip >/dev/null || need+=(gzip)
command -v zstd >/dev/null || need+=(zstd)
command -v curl >/dev/null || need+=(curl)
command -v openssl >/dev/null || need+=(openssl) # signed backups are checked by hand with stock openssl (SignedBackupTests)
# The CLI's Native AOT publish links its native binary with gcc (NativeAOT's CppCompilerAndLinker; no clang here),
# against glibc's development files (crt objects, libc, libm, libdl ...).
command -v gcc >/dev/null || need+=(gcc)
[[ -f /usr/include/stdio.h ]] || need+=(libc6-dev)
for tool in ceph-mon ceph-osd radosgw; do command -v "$tool" >/dev/null || need+=("$tool"); done
command -v ceph >/dev/null || need+=(ceph-common)
if ((${#need[@]})); then
  if [[ $(id -u) != 0 ]]; then
    echo "test.sh: missing ${need[*]}; install them as root: apt-get install --no-install-recommends ${need[*]}" >&2
    exit 1
  fi
  echo "test.sh: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v dotnet >/dev/null || { echo "test.sh: the .NET SDK (10.x) is required: https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 POWERSHELL_TELEMETRY_OPTOUT=1 POWERSHELL_UPDATECHECK=Off

# PowerShell 7.6.9, the version the module is tested on (its floor is 7.4), as a dotnet global tool.
pwsh_version=7.6.9
pwsh_tool="$HOME/.dotnet/tools/pwsh"
if [[ ! -x $pwsh_tool ]]; then
  echo "test.sh: installing PowerShell $pwsh_version (dotnet tool install --global PowerShell)" >&2
  dotnet tool install --global PowerShell --version "$pwsh_version" >/dev/null ||
    { echo "test.sh: could not install PowerShell $pwsh_version: run 'dotnet tool install --global PowerShell --version $pwsh_version' and check the NuGet feed" >&2; exit 1; }
fi
installed=$("$pwsh_tool" -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()')
if [[ $installed != "$pwsh_version" ]]; then
  echo "test.sh: $pwsh_tool is PowerShell $installed; the tests want $pwsh_version: dotnet tool update --global PowerShell --version $pwsh_version" >&2
  exit 1
fi
export BACKUPOPS_PWSH=$pwsh_tool

# The build, through build.ps1 under pwsh -File as a scheduled task would run it: dotnet build (which also restores
# Pester 5.7.1, a PackageDownload of tests/BackupOps.PowerShell.Tests, and compiles the help), then the versioned
# package in artifacts/BackupOps that the Pester suites import by name.
"$pwsh_tool" -NoProfile -NonInteractive -File ./build.ps1 -Task Build,Package
packages=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
pester="${packages%/}/pester/5.7.1/tools/Pester.psd1"
[[ -f $pester ]] || { echo "test.sh: Pester 5.7.1 is missing at $pester after the restore: check that the NuGet feed serves the package 'Pester' 5.7.1" >&2; exit 1; }

# The CLI as a database host gets it (README): one Native AOT binary for linux-x64, the ILCompiler packages restored
# from the NuGet feed like every package, linked with gcc; it must publish and run. The CLI tests run this binary
# (BackupOpsCli), and the benchmark measures it. A clean output folder: no ReadyToRun leftovers beside it.
rm -rf artifacts/cli
dotnet publish src/BackupOps.Cli -c Release -r linux-x64 -o artifacts/cli -nologo -v q
[[ $(artifacts/cli/backupops --version) == "$(dotnet src/BackupOps.Cli/bin/Release/net10.0/backupops.dll --version)" ]] ||
  { echo "test.sh: the published CLI in artifacts/cli does not run or reports another version than the build" >&2; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
rm -rf artifacts/pester
status=0
dotnet test BackupOps.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log" || status=$?
# One closing line for schedulers and CI: the sum over the test assemblies and the Pester results (NUnit XML).
pester_counts() {
  local passed=0 failed=0 skipped=0 file
  for file in artifacts/pester/*.xml; do
    [[ -f $file ]] || continue
    read -r p f s < <(grep -o '<test-case [^>]*' "$file" | awk '/result="Success"/ { p++ } /result="(Failure|Error)"/ { f++ } /result="(Ignored|Skipped|Inconclusive|NotRunnable)"/ { s++ } END { printf "%d %d %d\n", p, f, s }')
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  done
  echo "$passed $failed $skipped"
}
read -r pester_passed pester_failed pester_skipped < <(pester_counts)
echo "Pester: $pester_passed passed, $pester_failed failed, $pester_skipped skipped (artifacts/pester/*.xml)"
awk -v pp="$pester_passed" -v pf="$pester_failed" -v ps="$pester_skipped" '
     /(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { v = $(i+1); gsub(",", "", v); if ($i == "Failed:") f += v; if ($i == "Passed:") p += v; if ($i == "Skipped:") s += v } }
     END { printf "%d passed, %d failed, %d skipped\n", p + pp, f + pf, s + ps }' "$log"
if ((pester_failed > 0 && status == 0)); then status=1; fi
exit "$status"
