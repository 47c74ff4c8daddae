#!/usr/bin/env bash
# A throwaway one-node Ceph (one monitor, one RAM-backed memstore OSD, auth off) with radosgw in front: a real
# S3-compatible store on loopback for the object-storage test pass. Usage: start-ceph-rgw.sh DIR RGW_PORT MON_PORT
# Takes about 12 s. Creates the S3 user TESTACCESSKEY / TESTSECRETKEY0123456789.
# Prints the three PIDs (radosgw, osd, mon): stop them in that order with kill.
set -euo pipefail
dir=$(realpath -m "$1"); rgw_port=$2; mon_port=$3
rm -rf "$dir"; mkdir -p "$dir"/{run,log,mon,osd,rgw}
fsid=$(cat /proc/sys/kernel/random/uuid)
cat > "$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$mon_port
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
osd objectstore = memstore
memstore device bytes = 3221225472
run dir = $dir/run
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
log file = $dir/log/\$name.log
mon data = $dir/mon/\$name
osd data = $dir/osd/\$name
keyring = $dir/keyring
ms bind ipv6 = false
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $dir/rgw
rgw dns name = 127.0.0.1
CONF
c=(-c "$dir/ceph.conf")
ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --addv a "[v1:127.0.0.1:$mon_port]" --fsid "$fsid" "$dir/monmap" >/dev/null
ceph-mon "${c[@]}" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring"
ceph-mon "${c[@]}" -i a
osd_uuid=$(cat /proc/sys/kernel/random/uuid)
osd_id=$(ceph "${c[@]}" --connect-timeout 60 osd new "$osd_uuid")
mkdir -p "$dir/osd/osd.$osd_id"
ceph-osd "${c[@]}" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" 2>/dev/null
ceph-osd "${c[@]}" -i "$osd_id"
radosgw "${c[@]}" -n client.rgw
for _ in $(seq 1 300); do curl -s -o /dev/null "http://127.0.0.1:$rgw_port/" && break; sleep 0.2; done
curl -s -o /dev/null "http://127.0.0.1:$rgw_port/" || { echo "radosgw is not answering on port $rgw_port (logs: $dir/log)" >&2; exit 1; }
radosgw-admin "${c[@]}" user create --uid=test --display-name=test --access-key=TESTACCESSKEY --secret=TESTSECRETKEY0123456789 >/dev/null
echo "$(cat "$dir/run/client.rgw.pid") $(cat "$dir/run/osd.$osd_id.pid") $(cat "$dir/run/mon.a.pid")"
