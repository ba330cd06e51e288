#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# rgw.sh - BackupOps' own S3 test server: a single-node Ceph cluster (one monitor,
# one memstore OSD, no mgr) with a RADOS Gateway, bound to 127.0.0.1 only, from
# Debian 12's packages. The test fixtures call it; people can too.
#
#   rgw.sh install                 apt-get the Ceph packages if missing (root)
#   rgw.sh start                   create the cluster in $RGW_DIR and start it; prints env
#   rgw.sh stop                    stop the daemons recorded in $RGW_DIR/run and delete $RGW_DIR
#   rgw.sh gateway stop|cont|kill  fault injection: SIGSTOP / SIGCONT / SIGKILL the RADOS Gateway only
#   rgw.sh gateway start           start the gateway again (after kill) and wait until it answers
#
# Settings: RGW_DIR (state, required for start/stop), RGW_PORT (S3, default 7480),
# RGW_MON_PORT (default 40330), RGW_ACCESS_KEY / RGW_SECRET_KEY, RGW_LC_INTERVAL
# (seconds per lifecycle "day", default 10), RGW_BUCKETS (space separated), RGW_LOCKED_BUCKETS (created with
# Object Lock enabled, which also enables versioning; space separated), RGW_MEMSTORE_BYTES
# (the in-memory OSD's capacity, default 4 GiB; a full OSD makes RGW block writes, not fail them).
#
# What matters on these machines (learned the hard way, see docs/testing.md):
# - paxos propose interval 0.05 s: pool creation takes <1 s instead of ~8 s;
# - extra storage classes are added to the default placement so x-amz-storage-class
#   and lifecycle transitions to them really work (RGW alone knows only STANDARD);
# - rgw_crypt_require_ssl=false so SSE-C works over plain http on loopback;
# - rgw_lc_debug_interval compresses a lifecycle "day" to N seconds;
# - deleted objects are garbage-collected after 5 s, not 2 h: the OSD lives in memory,
#   and a full OSD makes RGW block writes (the benchmark deletes 4 GB objects between runs).
# Daemons are killed only through their recorded PIDs whose command line names our config.
# -----------------------------------------------------------------------------
set -Eeuo pipefail
cmd=${1:-}
HOST=127.0.0.1
PORT=${RGW_PORT:-7480}
MON_PORT=${RGW_MON_PORT:-40330}
AK=${RGW_ACCESS_KEY:-backupopstestkey}
SK=${RGW_SECRET_KEY:-backupopstestsecret}
LC=${RGW_LC_INTERVAL:-10}
MEMSTORE_BYTES=${RGW_MEMSTORE_BYTES:-4294967296}
CLASSES="STANDARD_IA ONEZONE_IA INTELLIGENT_TIERING GLACIER GLACIER_IR DEEP_ARCHIVE"

log() { printf '[rgw.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

install_packages() {
  local need=()
  for b in ceph-mon ceph-osd radosgw; do command -v "$b" >/dev/null || need+=("$b"); done
  command -v ceph >/dev/null || need+=(ceph-common)
  command -v curl >/dev/null || need+=(curl)
  ((${#need[@]} == 0)) && return 0
  [[ $(id -u) == 0 ]] || die "missing ${need[*]}; run as root: apt-get install --no-install-recommends ${need[*]}"
  log "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; } \
    || die "apt-get install ${need[*]} failed"
}

[[ $cmd == install ]] && { install_packages; exit 0; }
DIR=${RGW_DIR:?set RGW_DIR to an absolute state directory}
case $DIR in /*/*) ;; *) die "RGW_DIR must be an absolute path two levels deep (got $DIR)";; esac
CONF=$DIR/ceph.conf
export CEPH_CONF=$CONF

ours() { # prints the pid of our live daemon NAME
  local f=$DIR/run/$1.pid p
  [[ -s $f ]] || return 1
  p=$(<"$f")
  [[ -r /proc/$p/cmdline ]] && tr '\0' ' ' <"/proc/$p/cmdline" | grep -qF -- "$CONF" && echo "$p"
}

stop_all() {
  local n p
  for n in client.rgw.a osd.0 mon.a; do
    if p=$(ours "$n"); then
      kill -CONT "$p" 2>/dev/null || true # a SIGSTOPped daemon (fault tests) would hold SIGTERM pending
      kill -TERM "$p" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$p" 2>/dev/null || true
    fi
  done
  rm -rf "$DIR"
}

wait_until() { # wait_until SECONDS WHAT CMD...
  local end=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < end)) || die "timed out waiting for $what (logs in $DIR/log)"
    sleep 0.2
  done
}
answers() { [[ $(curl -s -o /dev/null -m 3 -w '%{http_code}' "http://$HOST:$PORT/") == 200 ]]; }

# Fault injection for the reliability tests: a stalled (SIGSTOP) or dead (SIGKILL) gateway while the
# monitor and OSD keep running, and a restart of the gateway alone.
gateway() {
  local p
  [[ -f $CONF ]] || die "no cluster in $DIR"
  PORT=$(sed -n 's/^rgw frontends = beast endpoint=.*:\([0-9]*\)$/\1/p' "$CONF")
  case ${1:-} in
    stop|cont|kill)
      p=$(ours client.rgw.a) || die "the gateway of $DIR is not running"
      kill -"${1^^}" "$p" ;;
    start)
      if ours client.rgw.a >/dev/null; then die "the gateway of $DIR is already running"; fi
      radosgw -c "$CONF" -n client.rgw.a 2>>"$DIR/log/rgw.stderr"
      wait_until 120 "the S3 endpoint" answers ;;
    *) die "usage: rgw.sh gateway stop|cont|kill|start" ;;
  esac
}

if [[ $cmd == stop ]]; then stop_all; exit 0; fi
if [[ $cmd == gateway ]]; then gateway "${2:-}"; exit 0; fi
[[ $cmd == start ]] || die "usage: rgw.sh install|start|stop|gateway"
[[ $(id -u) == 0 ]] || die "the Ceph daemons need root here; run the tests as root or point BACKUPOPS_TEST_S3_ENDPOINT at another S3 server"
install_packages

stop_all
mkdir -p "$DIR"/{run,log,mon.a,osd.0}
FSID=$(cat /proc/sys/kernel/random/uuid)
cat >"$CONF" <<CONF
[global]
fsid = $FSID
mon host = v2:$HOST:$MON_PORT
public addr = $HOST
cluster addr = $HOST
ms bind msgr1 = false
ms bind ipv6 = false
run dir = $DIR/run
log file = $DIR/log/\$name.log
admin socket = $DIR/run/\$name.asok
pid file = $DIR/run/\$name.pid
keyring = $DIR/keyring
log to stderr = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
osd crush chooseleaf type = 0
[mon]
mon data = $DIR/mon.\$id
mon cluster log file = $DIR/log/cluster.log
paxos propose interval = 0.05
paxos min wait = 0.01
[osd]
osd data = $DIR/osd.\$id
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES
[client.rgw.a]
rgw frontends = beast endpoint=$HOST:$PORT
rgw thread pool size = 64
rgw dns name = localhost
rgw lc debug interval = $LC
rgw enable usage log = false
rgw crypt require ssl = false
rgw gc obj min wait = 5
rgw gc processor period = 5
CONF

KR=$DIR/keyring
ceph-authtool --create-keyring "$KR" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$KR" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$KR" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap osd 'allow *' >/dev/null
ceph-authtool "$KR" --gen-key -n client.rgw.a --cap mon 'allow rw' --cap osd 'allow rwx' >/dev/null
monmaptool --create --fsid "$FSID" --addv a "[v2:$HOST:$MON_PORT]" "$DIR/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$KR" 2>>"$DIR/log/mkfs.log"
ceph-mon -c "$CONF" -i a 2>>"$DIR/log/mon.stderr"
wait_until 30 "the monitor" timeout 10 ceph --connect-timeout 5 mon stat
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
[[ $(timeout 30 ceph osd new "$OSD_UUID") == 0 ]] || die "expected osd id 0"
ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$OSD_UUID" >/dev/null 2>>"$DIR/log/mkfs.log"
ceph-osd -c "$CONF" -i 0 2>>"$DIR/log/osd.stderr"
osd_up() { timeout 10 ceph osd dump 2>/dev/null | grep -q '^osd\.0 up'; }
wait_until 60 "the OSD" osd_up
timeout 120 radosgw-admin user create --uid=tester --display-name=tester --access-key="$AK" --secret="$SK" >/dev/null
for sc in $CLASSES; do
  timeout 60 radosgw-admin zonegroup placement add --rgw-zonegroup default --placement-id default-placement --storage-class "$sc" >/dev/null
  timeout 60 radosgw-admin zone placement add --rgw-zone default --placement-id default-placement --storage-class "$sc" --data-pool "default.rgw.${sc,,}.data" >/dev/null
done
radosgw -c "$CONF" -n client.rgw.a 2>>"$DIR/log/rgw.stderr"
wait_until 120 "the S3 endpoint" answers
for b in ${RGW_BUCKETS:-}; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -m 30 --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AK:$SK" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -X PUT "http://$HOST:$PORT/$b")
  [[ $code == 200 || $code == 409 ]] || die "creating bucket $b: HTTP $code"
done
for b in ${RGW_LOCKED_BUCKETS:-}; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -m 30 --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AK:$SK" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -H "x-amz-bucket-object-lock-enabled: true" -X PUT "http://$HOST:$PORT/$b")
  [[ $code == 200 || $code == 409 ]] || die "creating locked bucket $b: HTTP $code"
done
cat <<ENV
AWS_ENDPOINT_URL=http://$HOST:$PORT
AWS_ACCESS_KEY_ID=$AK
AWS_SECRET_ACCESS_KEY=$SK
AWS_REGION=us-east-1
ENV
