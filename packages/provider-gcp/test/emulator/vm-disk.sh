#!/usr/bin/env bash
# Disk commands on an emulated GCE VM, installed as mount, mountpoint, blkid and mkfs.ext4. A
# "device" is the folder that holds an emulated persistent disk's files: formatting marks it,
# mounting links the mount point to it, so what the controller writes lands on the disk and a VM
# attached to the same disk later finds it there.
set -euo pipefail
case "$(basename "$0")" in
  blkid)
    [ -e "${1:?device}/.iris-formatted" ]
    ;;
  mkfs.ext4)
    device="${*: -1}"
    touch "${device}/.iris-formatted"
    ;;
  mountpoint)
    [ "${1:-}" = "-q" ] && shift
    [ -L "$1" ]
    ;;
  mount)
    while [ $# -gt 2 ]; do shift; done
    device="$1"
    target="$2"
    rmdir "$target" 2>/dev/null || true
    ln -sfn "$device" "$target"
    ;;
  *)
    echo "emulated disk command: unsupported $(basename "$0")" >&2
    exit 1
    ;;
esac
