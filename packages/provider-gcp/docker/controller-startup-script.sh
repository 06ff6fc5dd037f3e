#!/usr/bin/env bash
# Iris controller bootstrap for a GCE VM, run by the VM's startup-script metadata. The provider
# prepends the IRIS_* settings; the controller keeps its state on the boot disk.
set -euo pipefail

: "${IRIS_CONTROLLER_IMAGE:?IRIS_CONTROLLER_IMAGE (controller.image) must be set}"
: "${IRIS_CONTROLLER_PORT:?IRIS_CONTROLLER_PORT must be set}"
IRIS_STATE_DIR="${IRIS_STATE_DIR:-/var/lib/iris}"

echo "[iris-init] Phase: prerequisites"
if ! command -v docker >/dev/null 2>&1; then
  curl -fsSL https://get.docker.com | sh
fi
mkdir -p "$IRIS_STATE_DIR"

echo "[iris-init] Phase: docker_pull"
docker pull "$IRIS_CONTROLLER_IMAGE"

echo "[iris-init] Phase: controller_start"
docker rm -f iris-controller >/dev/null 2>&1 || true
docker run -d --name iris-controller \
  --restart unless-stopped \
  --network host \
  -v "${IRIS_STATE_DIR}:${IRIS_STATE_DIR}" \
  "$IRIS_CONTROLLER_IMAGE" \
  controller serve --state-dir "$IRIS_STATE_DIR" --host 0.0.0.0 --port "$IRIS_CONTROLLER_PORT"
