#!/usr/bin/env bash
# Builds minifo for release (one static, stripped binary: the command line and the mount
# daemon) and installs it with its mount(8) helper and shell completions.
#
#   scripts/install.sh [--prefix DIR] [--sbindir DIR] [--destdir DIR]
#
#   --prefix DIR    where minifo lives when it runs (default /usr/local): DIR/bin/minifo,
#                   completions under DIR/share
#   --sbindir DIR   where mount(8) looks for mount.minifo (default /sbin; mount(8) searches
#                   only /sbin, /sbin/fs.d and /sbin/fs)
#   --destdir DIR   stage the files under DIR instead of / (for a device image); the links
#                   still name the run-time paths
set -euo pipefail

prefix=/usr/local
sbindir=/sbin
destdir=
die() { echo "install.sh: $*" >&2; exit 1; }
while (($#)); do
    case $1 in
        --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
        --sbindir) sbindir=${2:?--sbindir needs a directory}; shift 2 ;;
        --destdir) destdir=${2:?--destdir needs a directory}; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
[[ $prefix == /* && $sbindir == /* ]] || die "--prefix and --sbindir must be absolute paths"
command -v strip >/dev/null || die "strip is missing (install binutils)"

cd "$(dirname "$0")/.."
# Release builds link minifo with -static-executable (Package.swift): no Swift runtime to install.
swift build -c release --product minifo >&2
built=$(swift build -c release --show-bin-path)/minifo

bin=$destdir$prefix/bin
install -d "$bin" "$destdir$sbindir" "$destdir$prefix/share/bash-completion/completions" \
    "$destdir$prefix/share/zsh/site-functions" "$destdir$prefix/share/fish/vendor_completions.d"
install -m 0755 "$built" "$bin/minifo.new"
strip "$bin/minifo.new"
mv -f "$bin/minifo.new" "$bin/minifo"
# `mount -t minifo` and fstab type `minifo`; `-t fuse.minifo` goes through mount.fuse3, which
# finds minifo in the shell's default PATH.
ln -sfn "$prefix/bin/minifo" "$destdir$sbindir/mount.minifo"

"$bin/minifo" --generate-completion-script bash > "$destdir$prefix/share/bash-completion/completions/minifo"
"$bin/minifo" --generate-completion-script zsh > "$destdir$prefix/share/zsh/site-functions/_minifo"
"$bin/minifo" --generate-completion-script fish > "$destdir$prefix/share/fish/vendor_completions.d/minifo.fish"

size=$(stat -c %s "$bin/minifo")
echo "installed $prefix/bin/minifo ($((size / 1024)) KiB, static, stripped), $sbindir/mount.minifo," \
     "and bash, zsh and fish completions under $prefix/share${destdir:+ (staged in $destdir)}"
