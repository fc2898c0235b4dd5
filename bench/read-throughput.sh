#!/usr/bin/env bash
# Read throughput of a large base file through minifo against reading it directly, cold
# (page cache dropped before every read) and warm, and the daemon's RSS idle and after
# `find` over /usr. Needs root (drop_caches, mount). See bench/README.md.
#
#   bench/read-throughput.sh            # 3 repetitions
#   REPS=5 bench/read-throughput.sh
#   BENCH_DIR=/var/tmp/minifo-bench SIZE_MIB=4096 bench/read-throughput.sh
set -euo pipefail
export LC_ALL=C

REPS=${REPS:-3}
SIZE_MIB=${SIZE_MIB:-1024}
BENCH_DIR=${BENCH_DIR:-/tmp/minifo-bench}
RSS_BASE=${RSS_BASE:-/usr}

cd "$(dirname "$0")/.."
ROOT=$(pwd)

die() { echo "bench: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "run as root (drop_caches and mount need it)"
[[ -e /dev/fuse ]] || die "/dev/fuse is missing"

echo "building release..." >&2
swift build -c release >&2
BIN=$(swift build -c release --show-bin-path)
MINIFO=$BIN/minifo
[[ -x $MINIFO ]] || die "release binary missing in $BIN"

# --- mounts, always undone -------------------------------------------------------------
MOUNTS=()
SCRATCH=()
cleanup() {
    local status=$?
    for mnt in "${MOUNTS[@]}"; do
        if grep -qF " $mnt " /proc/mounts; then
            "$MINIFO" umount "$mnt" 2>/dev/null || umount -l "$mnt" || true
        fi
    done
    for dir in "${SCRATCH[@]}"; do
        if ! grep -qF " $dir" /proc/mounts; then rm -rf --one-file-system "$dir"; fi
    done
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# mount_minifo BASE: mounts BASE with a fresh storage on a fresh mount point, and sets
# MOUNTED (the mount point) and DAEMON (the minifo-mountd serving it). Not to be called in
# $(...): the cleanup lists must grow in this shell.
mount_minifo() {
    local base=$1 work
    work=$(mktemp -d "$BENCH_DIR/run.XXXXXX")
    SCRATCH+=("$work")
    mkdir "$work/storage" "$work/mnt"
    MOUNTS+=("$work/mnt")
    "$MINIFO" mount "$base" "$work/storage" "$work/mnt" >&2
    grep -qF " $work/mnt " /proc/mounts || die "minifo mount returned but $work/mnt is not mounted"
    MOUNTED=$work/mnt
    DAEMON=$(pgrep -n -f "minifo-mountd.* $MOUNTED\$" || pgrep -n -f "minifo-mountd.*$MOUNTED" || true)
    [[ -n $DAEMON ]] || die "no minifo-mountd process found for $MOUNTED"
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# A FUSE RELEASE is asynchronous: the short pause lets the previous read's close reach the
# daemon, so each read opens the file afresh (with its own readahead state) on both sides.
drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1; }

# read_mbs FILE → MB/s (10^6 bytes) of one sequential dd read in 1 MiB blocks.
read_mbs() {
    local out bytes secs
    out=$(dd if="$1" of=/dev/null bs=1M 2>&1 | tail -1)
    bytes=$(awk '{ print $1 }' <<<"$out")
    secs=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "s," || $i == "s") print $(i - 1) }' <<<"$out" | tr -d ',')
    [[ -n $bytes && -n $secs ]] || die "cannot parse dd output: $out"
    [[ $bytes -eq $((SIZE_MIB * 1024 * 1024)) ]] || die "dd read $bytes bytes of $1, expected $((SIZE_MIB * 1024 * 1024))"
    awk -v b="$bytes" -v s="$secs" 'BEGIN { if (s <= 0) s = 1e-9; printf "%.1f\n", b / s / 1e6 }'
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", (a > 0) ? b / a : 0 }'; }

# --- the base file, reused across runs ---------------------------------------------------
mkdir -p "$BENCH_DIR/base"
FILE=$BENCH_DIR/base/random-${SIZE_MIB}M.bin
if [[ ! -f $FILE || $(stat -c %s "$FILE") -ne $((SIZE_MIB * 1024 * 1024)) ]]; then
    echo "creating $FILE ($SIZE_MIB MiB of random data)..." >&2
    head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom >"$FILE.tmp"
    mv "$FILE.tmp" "$FILE"
fi

# --- throughput --------------------------------------------------------------------------
mount_minifo "$BENCH_DIR/base"
MNT=$MOUNTED PID=$DAEMON
THROUGH=$MNT/$(basename "$FILE")
RSS_IDLE=$(rss_kib "$PID")
cmp -n 1048576 "$FILE" "$THROUGH" || die "the first MiB read through the mount differs from the base"

# On a virtual machine the host may cache the disk too, and whichever read comes first
# pays for it: prime once (not counted), then alternate which side goes first.
drop_caches; read_mbs "$FILE" >/dev/null
drop_caches; read_mbs "$THROUGH" >/dev/null
cold_native=() cold_minifo=() warm_native=() warm_minifo=()
for ((i = 1; i <= REPS; i++)); do
    if ((i % 2)); then
        drop_caches; cold_native+=("$(read_mbs "$FILE")")
        drop_caches; cold_minifo+=("$(read_mbs "$THROUGH")")
    else
        drop_caches; cold_minifo+=("$(read_mbs "$THROUGH")")
        drop_caches; cold_native+=("$(read_mbs "$FILE")")
    fi
    echo "cold $i/$REPS: native ${cold_native[-1]} MB/s, minifo ${cold_minifo[-1]} MB/s" >&2
done
read_mbs "$FILE" >/dev/null
read_mbs "$THROUGH" >/dev/null
for ((i = 1; i <= REPS; i++)); do
    if ((i % 2)); then
        warm_native+=("$(read_mbs "$FILE")")
        warm_minifo+=("$(read_mbs "$THROUGH")")
    else
        warm_minifo+=("$(read_mbs "$THROUGH")")
        warm_native+=("$(read_mbs "$FILE")")
    fi
    echo "warm $i/$REPS: native ${warm_native[-1]} MB/s, minifo ${warm_minifo[-1]} MB/s" >&2
done
RSS_AFTER_READS=$(rss_kib "$PID")

COLD_N=$(median "${cold_native[@]}") COLD_M=$(median "${cold_minifo[@]}")
WARM_N=$(median "${warm_native[@]}") WARM_M=$(median "${warm_minifo[@]}")
COLD_R=$(ratio "$COLD_N" "$COLD_M") WARM_R=$(ratio "$WARM_N" "$WARM_M")

# --- RSS over a big tree -----------------------------------------------------------------
mount_minifo "$RSS_BASE"
UMNT=$MOUNTED UPID=$DAEMON
RSS_USR_IDLE=$(rss_kib "$UPID")
ENTRIES=$(find "$UMNT" 2>/dev/null | wc -l)
RSS_USR_FIND=$(rss_kib "$UPID")
BASE_ENTRIES=$(find "$RSS_BASE" 2>/dev/null | wc -l)

echo "cold read: native $COLD_N MB/s, minifo $COLD_M MB/s, ratio $COLD_R"
echo "warm read: native $WARM_N MB/s, minifo $WARM_M MB/s, ratio $WARM_R"
echo "daemon RSS: idle $RSS_IDLE KiB, after reads $RSS_AFTER_READS KiB; $RSS_BASE as base: idle $RSS_USR_IDLE KiB, after find ($ENTRIES entries, base has $BASE_ENTRIES) $RSS_USR_FIND KiB"
echo
echo "| measure ($SIZE_MIB MiB file, median of $REPS alternating runs, dd bs=1M) | native | minifo | minifo/native |"
echo "|---|---:|---:|---:|"
echo "| cold read (MB/s) | $COLD_N | $COLD_M | $COLD_R |"
echo "| warm read (MB/s) | $WARM_N | $WARM_M | $WARM_R |"
echo
echo "| daemon RSS | KiB |"
echo "|---|---:|"
echo "| idle after mount | $RSS_IDLE |"
echo "| after the reads above | $RSS_AFTER_READS |"
echo "| $RSS_BASE as base, idle | $RSS_USR_IDLE |"
echo "| $RSS_BASE as base, after \`find\` ($ENTRIES entries) | $RSS_USR_FIND |"
echo
echo "kernel $(uname -r), $("$MINIFO" --version 2>/dev/null || echo 'minifo ?')"
