#!/usr/bin/env bash
# Runs every BackupOps test from a clean clone: installs what is missing (Debian packages for the
# real servers the tests start), builds with warnings as errors, runs the engine, CLI and surface tests.
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
command -v curl >/dev/null || need+=(curl)
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

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build BackupOps.sln -c Release -nologo -v q
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test BackupOps.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log" || status=$?
# One closing line for schedulers and CI: the sum over the test assemblies.
awk '/(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { gsub(",", "", p); printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
