#!/usr/bin/env bash
# Iris worker bootstrap for a TPU VM, run by the VM's startup-script metadata (no SSH involved).
# The provider prepends the IRIS_* settings below; every other value comes from the GCE metadata
# server. Progress lines "[iris-init] Phase: X" are what operators grep the serial console for.
set -euo pipefail

: "${IRIS_WORKER_IMAGE:?IRIS_WORKER_IMAGE (bootstrap.docker_image) must be set}"
: "${IRIS_CONTROLLER_ADDRESS:?IRIS_CONTROLLER_ADDRESS (bootstrap.controller_address) must be set}"
IRIS_CACHE_DIR="${IRIS_CACHE_DIR:-/var/cache/iris}"
IRIS_CONFIG_DIR="${IRIS_CONFIG_DIR:-/etc/iris}"
IRIS_DEV_DIR="${IRIS_DEV_DIR:-/dev}"
IRIS_METADATA_URL="${IRIS_METADATA_URL:-http://metadata.google.internal/computeMetadata/v1}"

# One metadata value, or empty when the server does not have it.
metadata() {
  curl -sf --max-time 5 -H 'Metadata-Flavor: Google' "${IRIS_METADATA_URL}/$1" || true
}

# The phase goes to the serial console and to the guest attribute iris/phase, which the
# controller reads through the TPU API to say in `iris autoscaler explain` where a boot is.
phase() {
  echo "[iris-init] Phase: $1"
  curl -sf --max-time 5 -X PUT --data "$1" -H 'Metadata-Flavor: Google' \
    "${IRIS_METADATA_URL}/instance/guest-attributes/iris/phase" >/dev/null 2>&1 || true
}

# A key of the tpu-env attribute, whose lines read KEY: 'value'.
tpu_env_value() {
  printf '%s\n' "$TPU_ENV" | sed -n "s/^$1: *'\{0,1\}\([^']*\)'\{0,1\} *\$/\1/p" | head -n 1
}

phase prerequisites
TPU_ENV="$(metadata instance/attributes/tpu-env)"
TPU_ACCELERATOR_TYPE="$(metadata instance/attributes/accelerator-type)"
TPU_WORKER_ID="$(metadata instance/attributes/agent-worker-number)"
TPU_TOPOLOGY="$(tpu_env_value TOPOLOGY)"
TPU_NAME="$(tpu_env_value NODE_ID)"
if [ -z "$TPU_NAME" ]; then
  # Host names of TPU VMs end in -w-N; the node's name is what precedes it.
  TPU_NAME="$(metadata instance/name | sed 's/-w-[0-9]*$//')"
fi
TPU_WORKER_HOSTNAMES="$(metadata instance/attributes/worker-network-endpoints | tr ',' '\n' | awk -F: 'NF { print $NF }' | paste -sd, -)"
PREEMPTIBLE="$(metadata instance/scheduling/preemptible | tr '[:upper:]' '[:lower:]')"
[ "$PREEMPTIBLE" = "true" ] || PREEMPTIBLE=false
VM_ADDRESS="$(metadata instance/network-interfaces/0/ip)"
WORKER_ID="${TPU_NAME}-w-${TPU_WORKER_ID:-0}"

if ! command -v docker >/dev/null 2>&1; then
  curl -fsSL https://get.docker.com | sh
fi
mkdir -p "$IRIS_CACHE_DIR" "$IRIS_CONFIG_DIR"

# The token travels in a root-only env file, never on a command line where `ps` would show it.
ENV_FILE="${IRIS_CONFIG_DIR}/worker.env"
umask 077
{
  echo "IRIS_CONTROLLER=${IRIS_CONTROLLER_ADDRESS}"
  echo "IRIS_VM_ADDRESS=${VM_ADDRESS}"
  echo "IRIS_PREEMPTIBLE=${PREEMPTIBLE}"
  echo "TPU_NAME=${TPU_NAME}"
  echo "TPU_WORKER_ID=${TPU_WORKER_ID}"
  echo "TPU_ACCELERATOR_TYPE=${TPU_ACCELERATOR_TYPE}"
  echo "TPU_TOPOLOGY=${TPU_TOPOLOGY}"
  echo "TPU_WORKER_HOSTNAMES=${TPU_WORKER_HOSTNAMES}"
  echo "IRIS_WORKER_ATTRIBUTES=tpu-name=${TPU_NAME},tpu-worker-id=${TPU_WORKER_ID},tpu-topology=${TPU_TOPOLOGY},preemptible=${PREEMPTIBLE}${IRIS_EXTRA_ATTRIBUTES:+,${IRIS_EXTRA_ATTRIBUTES}}"
  if [ -n "${IRIS_JOIN_TOKEN:-}" ]; then echo "IRIS_JOIN_TOKEN=${IRIS_JOIN_TOKEN}"; fi
  if [ -n "${IRIS_WORKER_ENV:-}" ]; then printf '%s\n' "$IRIS_WORKER_ENV"; fi
} >"$ENV_FILE"
umask 022

# The group's startup_script_extra, when it has one, runs before the worker starts.
if declare -F iris_extra_setup >/dev/null; then
  iris_extra_setup
fi

phase docker_pull
docker pull "$IRIS_WORKER_IMAGE"

phase worker_start
docker rm -f iris-worker >/dev/null 2>&1 || true
device_flags=()
for accel in "$IRIS_DEV_DIR"/accel*; do
  [ -e "$accel" ] && device_flags+=(--device "${accel}:/dev${accel#"$IRIS_DEV_DIR"}")
done
if [ -d "$IRIS_DEV_DIR/vfio" ]; then
  device_flags+=(--device "$IRIS_DEV_DIR/vfio:/dev/vfio")
fi
docker run -d --name iris-worker \
  --restart unless-stopped \
  --network host \
  --cap-add SYS_RESOURCE \
  --ulimit memlock=68719476736:68719476736 \
  --shm-size 100g \
  "${device_flags[@]}" \
  --env-file "$ENV_FILE" \
  -v "${IRIS_CACHE_DIR}:${IRIS_CACHE_DIR}" \
  -v /var/run/docker.sock:/var/run/docker.sock \
  "$IRIS_WORKER_IMAGE" \
  worker --controller "$IRIS_CONTROLLER_ADDRESS" --worker-id "$WORKER_ID" --work-dir "$IRIS_CACHE_DIR"

phase registration
echo "[iris-init] worker ${WORKER_ID} started; it registers with ${IRIS_CONTROLLER_ADDRESS}"
