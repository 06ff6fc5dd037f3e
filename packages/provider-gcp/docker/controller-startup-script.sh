#!/usr/bin/env bash
# Iris controller bootstrap for a GCE VM, run by the VM's startup-script metadata (and again at every
# boot). The provider prepends the IRIS_* settings. The state lives on its own persistent disk,
# which outlives the VM: a replacement VM mounts it again and the controller finds every job. The
# cluster file comes from the instance metadata, so the controller runs the cluster's autoscaler.
# Progress lines "[iris-init] Phase: X" go to the serial console and to the guest attribute
# iris/phase, where `iris status` reads them.
set -euo pipefail

: "${IRIS_CONTROLLER_IMAGE:?IRIS_CONTROLLER_IMAGE (controller.image) must be set}"
: "${IRIS_CONTROLLER_PORT:?IRIS_CONTROLLER_PORT must be set}"
: "${IRIS_STATE_MOUNT:?IRIS_STATE_MOUNT (controller.provider.state_mount) must be set}"
IRIS_STATE_DEVICE="${IRIS_STATE_DEVICE:-/dev/disk/by-id/google-iris-state}"
IRIS_CONFIG_DIR="${IRIS_CONFIG_DIR:-/etc/iris}"
IRIS_METADATA_URL="${IRIS_METADATA_URL:-http://metadata.google.internal/computeMetadata/v1}"

phase() {
  echo "[iris-init] Phase: $1"
  curl -sf --max-time 5 -X PUT --data "$1" -H 'Metadata-Flavor: Google' \
    "${IRIS_METADATA_URL}/instance/guest-attributes/iris/phase" >/dev/null 2>&1 || true
}

# One metadata value, or empty when the server does not have it.
metadata() {
  curl -sf --max-time 5 -H 'Metadata-Flavor: Google' "${IRIS_METADATA_URL}/$1" || true
}

phase state_disk
for _ in $(seq 1 120); do
  [ -e "$IRIS_STATE_DEVICE" ] && break
  sleep 1
done
if [ ! -e "$IRIS_STATE_DEVICE" ]; then
  echo "[iris-init] the state disk ${IRIS_STATE_DEVICE} is not attached" >&2
  exit 1
fi
# A new disk has no filesystem yet: format it once. A disk attached again keeps its data.
if ! blkid "$IRIS_STATE_DEVICE" >/dev/null 2>&1; then
  mkfs.ext4 -q -m 0 -E lazy_itable_init=0,lazy_journal_init=0,discard "$IRIS_STATE_DEVICE"
fi
mkdir -p "$IRIS_STATE_MOUNT"
if ! mountpoint -q "$IRIS_STATE_MOUNT"; then
  mount -o discard,defaults "$IRIS_STATE_DEVICE" "$IRIS_STATE_MOUNT"
fi
chmod 700 "$IRIS_STATE_MOUNT"

phase cluster_file
mkdir -p "$IRIS_CONFIG_DIR"
CLUSTER_FILE="${IRIS_CONFIG_DIR}/cluster.yaml"
metadata instance/attributes/iris-cluster-yaml >"$CLUSTER_FILE"
if [ ! -s "$CLUSTER_FILE" ]; then
  echo "[iris-init] the instance metadata has no iris-cluster-yaml" >&2
  exit 1
fi
INTERNAL_IP="$(metadata instance/network-interfaces/0/ip)"
if [ -z "$INTERNAL_IP" ]; then
  echo "[iris-init] the metadata server gave no internal IP" >&2
  exit 1
fi

phase docker_pull
if ! command -v docker >/dev/null 2>&1; then
  curl -fsSL https://get.docker.com | sh
fi
docker pull "$IRIS_CONTROLLER_IMAGE"

phase controller_start
docker rm -f iris-controller >/dev/null 2>&1 || true
# The TPU VMs dial the internal IP: the controller tells them so (--advertise-url).
docker run -d --name iris-controller \
  --restart unless-stopped \
  --network host \
  -v "${IRIS_STATE_MOUNT}:${IRIS_STATE_MOUNT}" \
  -v "${IRIS_CONFIG_DIR}:${IRIS_CONFIG_DIR}" \
  "$IRIS_CONTROLLER_IMAGE" \
  controller serve -c "$CLUSTER_FILE" --state-dir "$IRIS_STATE_MOUNT" \
  --host 0.0.0.0 --port "$IRIS_CONTROLLER_PORT" \
  --advertise-url "http://${INTERNAL_IP}:${IRIS_CONTROLLER_PORT}"

phase running
