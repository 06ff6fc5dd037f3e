import { createHash } from 'node:crypto';
import { ERROR_PREFIX, PHASE_PREFIX, STATUS_PREFIX } from './phase-markers.js';
import { remotePathExpr, shellJoin, shellQuote } from './shell.js';

/** The oldest Node a bootstrapped host may run the Iris program with. */
export const MIN_NODE_MAJOR = 20;

/**
 * A long-running Iris process (a worker or the controller) on a host that has only sshd, bash and
 * Node. The scripts made from it are sent on the SSH channel's stdin, never on a command line, so
 * the environment (which carries the cluster token) is not visible in `ps` or in logs.
 */
export interface DaemonSpec {
  /** `worker` or `controller`: names the log file and appears in messages. */
  role: 'worker' | 'controller';
  /** The daemon's own directory on the host (`~/` allowed): pid file, env file, log. */
  dir: string;
  /**
   * A string that appears on the daemon's command line (its worker id or state dir), so a pid
   * file pointing at a recycled pid is not mistaken for our process.
   */
  marker: string;
  /** Where the program bundle is unpacked on the host (`~/` allowed). */
  programDir: string;
  /** Script to run with node, relative to `programDir`. */
  entry: string;
  args: readonly string[];
  /** Environment for the daemon; written to a 0600 file in `dir`, never echoed. */
  env: Readonly<Record<string, string>>;
  /** Seconds the process must stay alive after start before it counts as running. */
  settleSeconds: number;
  /** Seconds `stop` waits after SIGTERM before SIGKILL. */
  stopGraceSeconds: number;
}

function preamble(spec: DaemonSpec): string {
  return `set -u
umask 077
fail() { echo "${ERROR_PREFIX}$*"; exit 1; }
DIR=${remotePathExpr(spec.dir)}
PROGRAM=${remotePathExpr(spec.programDir)}
MARKER=${shellQuote(spec.marker)}
PIDFILE="$DIR/pid"
LOG="$DIR/${spec.role}.log"
# Alive and still ours: a recycled pid running something else does not count.
alive() {
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [ -n "$pid" ] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    tr '\\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$MARKER" || return 1
  fi
  return 0
}
`;
}

/**
 * Starts the daemon detached (its own session, stdio on files) so it outlives the SSH session.
 * Idempotent: when the pid file names a live daemon, it reports `running` and starts nothing.
 */
export function daemonStartScript(spec: DaemonSpec): string {
  const envLines = Object.entries(spec.env)
    .map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`invalid environment variable name "${k}"`);
      return `export ${k}=${shellQuote(v)}`;
    })
    .join('\n');
  // A delimiter no value can contain (values are quoted, but a value may hold newlines).
  const eof = `IRIS_ENV_${createHash('sha256').update(envLines).digest('hex').slice(0, 16)}`;
  const settleTenths = Math.max(1, Math.round(spec.settleSeconds * 10));
  return `${preamble(spec)}
echo "${PHASE_PREFIX}prerequisites"
NODE=$(command -v node) || fail "node is not on the PATH of user $(id -un) on $(hostname); install Node >= ${MIN_NODE_MAJOR}"
major=$("$NODE" -p 'process.versions.node.split(".")[0]' 2>/dev/null) || fail "$NODE does not run"
[ "$major" -ge ${MIN_NODE_MAJOR} ] 2>/dev/null || fail "node $("$NODE" --version) at $NODE is too old; Iris needs Node >= ${MIN_NODE_MAJOR}"
command -v setsid >/dev/null || fail "setsid is missing (package util-linux)"
[ -f "$PROGRAM/.iris-complete" ] || fail "the Iris program is missing at $PROGRAM"
mkdir -p "$DIR" || fail "cannot create $DIR"
if alive; then
  echo "${PHASE_PREFIX}running"
  echo "${STATUS_PREFIX}already-running $(cat "$PIDFILE")"
  exit 0
fi
echo "${PHASE_PREFIX}configure"
rm -f "$DIR/env"
cat > "$DIR/env" <<'${eof}' || fail "cannot write $DIR/env"
${envLines}
${eof}
chmod 600 "$DIR/env"
echo "${PHASE_PREFIX}start"
rm -f "$PIDFILE"
cd "$DIR" || fail "cannot enter $DIR"
# bash writes its own pid, then execs node in place: the pid file names the daemon itself, which
# leads its own session and process group (so stop reaches its task processes too).
setsid nohup bash -c 'echo $$ > "$1"; . "$2"; shift 2; exec "$@"' iris-${spec.role} "$PIDFILE" "$DIR/env" \\
  "$NODE" "$PROGRAM/"${shellQuote(spec.entry)} ${shellJoin(spec.args)} >> "$LOG" 2>&1 < /dev/null &
i=0
while [ ! -s "$PIDFILE" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$PIDFILE" ] || fail "the ${spec.role} did not start; last lines of $LOG: $(tail -n 5 "$LOG" 2>/dev/null | tr '\\n' '|')"
i=0
while [ $i -lt ${settleTenths} ]; do
  alive || fail "the ${spec.role} exited during start; last lines of $LOG: $(tail -n 5 "$LOG" 2>/dev/null | tr '\\n' '|')"
  sleep 0.1; i=$((i + 1))
done
alive || fail "the ${spec.role} exited during start; last lines of $LOG: $(tail -n 5 "$LOG" 2>/dev/null | tr '\\n' '|')"
echo "${PHASE_PREFIX}running"
echo "${STATUS_PREFIX}started $(cat "$PIDFILE")"
`;
}

/** SIGTERM the daemon's process group, SIGKILL after the grace, remove pid and env files. Idempotent. */
export function daemonStopScript(spec: DaemonSpec): string {
  const graceTenths = Math.max(1, Math.round(spec.stopGraceSeconds * 10));
  return `${preamble(spec)}
echo "${PHASE_PREFIX}stopping"
if alive; then
  pid=$(cat "$PIDFILE")
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  i=0
  while alive && [ $i -lt ${graceTenths} ]; do sleep 0.1; i=$((i + 1)); done
  if alive; then
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    i=0
    while alive && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  fi
  alive && fail "the ${spec.role} (pid $pid) survived SIGKILL"
fi
rm -f "$PIDFILE" "$DIR/env"
echo "${PHASE_PREFIX}stopped"
echo "${STATUS_PREFIX}stopped"
`;
}

/** Prints `IRIS_STATUS running <pid>` or `IRIS_STATUS stopped`. Changes nothing. */
export function daemonStatusScript(spec: Pick<DaemonSpec, 'role' | 'dir' | 'marker' | 'programDir'>): string {
  return `${preamble({ ...spec, entry: '', args: [], env: {}, settleSeconds: 0, stopGraceSeconds: 0 })}
if alive; then echo "${STATUS_PREFIX}running $(cat "$PIDFILE")"; else echo "${STATUS_PREFIX}stopped"; fi
`;
}
