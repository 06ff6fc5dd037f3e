#!/usr/bin/env bash
# `docker` on an emulated TPU VM. The worker startup script runs unchanged; this stands in for the
# container engine: `run` starts the container's command as a local process with the container's
# environment (the --env-file, nothing inherited), in its own process group so the VM player can
# kill it the way a preemption would. The VM's own work dir replaces --work-dir: on GCP each host
# has its own disk, here the hosts share one.
# Needs IRIS_VM_DIR (this VM's folder) and IRIS_VM_ENTRYPOINT (the program the image would run).
set -euo pipefail

command="${1:-}"
shift || true
case "$command" in
  pull | rm) exit 0 ;;
  run) ;;
  *)
    echo "emulated docker: unsupported command '${command}'" >&2
    exit 1
    ;;
esac

env_file=''
while [ $# -gt 0 ]; do
  case "$1" in
    -d) shift ;;
    --env-file)
      env_file="$2"
      shift 2
      ;;
    -*) shift 2 ;;
    *) break ;;
  esac
done
shift # the image
args=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--work-dir" ]; then
    args+=(--work-dir "${IRIS_VM_DIR}/work")
    shift 2
  else
    args+=("$1")
    shift
  fi
done

container_env=(PATH="$PATH" HOME="$IRIS_VM_DIR")
if [ -n "$env_file" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    [ -n "$line" ] && container_env+=("$line")
  done <"$env_file"
fi

setsid env -i "${container_env[@]}" "$IRIS_VM_ENTRYPOINT" "${args[@]}" >"${IRIS_VM_DIR}/container.log" 2>&1 </dev/null &
echo $! >"${IRIS_VM_DIR}/container.pid"
