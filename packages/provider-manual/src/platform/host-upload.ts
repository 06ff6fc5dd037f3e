import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { isProviderError } from '@iris/core';
import { ERROR_PREFIX, STATUS_PREFIX, parseBootstrapOutput, shellQuote } from '@iris/core/bootstrap';
import type { SshTarget } from '../ssh/ssh-connection.js';
import type { SshPool } from '../ssh/ssh-pool.js';
import { BootstrapStepError } from './bootstrap-step-error.js';

/** sha256 of a local file, streamed (a program tarball is megabytes: never read whole on the event loop). */
export function fileSha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * Writes stdin to `part` and prints its sha256 (`sha256sum`, else `shasum`, else node, which every
 * host has). Travels on the command line, since stdin carries the tarball: it holds paths only.
 */
export function streamUploadScript(part: string): string {
  return `set -u
PART=${shellQuote(part)}
mkdir -p "$(dirname "$PART")" || { echo "${ERROR_PREFIX}cannot create $(dirname "$PART")"; exit 1; }
cat > "$PART" || { rm -f "$PART"; echo "${ERROR_PREFIX}cannot write $PART"; exit 1; }
if command -v sha256sum >/dev/null 2>&1; then sum=$(sha256sum "$PART")
elif command -v shasum >/dev/null 2>&1; then sum=$(shasum -a 256 "$PART")
else sum=$(node -e 'const h=require("crypto").createHash("sha256");h.update(require("fs").readFileSync(process.argv[1]));console.log(h.digest("hex"))' "$PART")
fi || { echo "${ERROR_PREFIX}cannot checksum $PART"; exit 1; }
echo "${STATUS_PREFIX}sha256 \${sum%% *}"
`;
}

function who(target: SshTarget): string {
  return `${target.user}@${target.host}:${target.port}`;
}

/**
 * Copies a local file (the program tarball, a cluster file) to `part` on the host and checks its
 * sha256 there. First streamed over
 * an exec channel (`cat >`), which needs nothing but a shell: hardened hosts often run sshd
 * without an SFTP subsystem. Only when the host will not run that command is SFTP tried; a host
 * that refuses both fails with one message that names it and what to enable. A dropped connection
 * is not a refusal: it propagates for the caller to retry.
 */
export async function uploadFile(
  pool: SshPool,
  target: SshTarget,
  file: { path: string; sha256: string; what: string },
  part: string,
  timeoutMs: number,
): Promise<'exec' | 'sftp'> {
  const res = await pool.withConnection(target, (conn) =>
    conn.exec(`bash -c ${shellQuote(streamUploadScript(part))}`, { stdin: createReadStream(file.path), timeoutMs }),
  );
  const parsed = parseBootstrapOutput(res.stdout);
  const arrived = parsed.status?.startsWith('sha256 ') ? parsed.status.slice('sha256 '.length).trim() : undefined;
  if (res.code === 0 && arrived !== undefined) {
    if (arrived === file.sha256) return 'exec';
    await pool.runScript(target, `rm -f ${shellQuote(part)}`).catch(() => undefined);
    throw new BootstrapStepError('program', `${file.what} arrived corrupted on ${who(target)} (sha256 ${arrived}, sent ${file.sha256})`, []);
  }
  const execProblem = parsed.errors[0] ?? (res.stderr.trim().split('\n').pop() || `exit ${res.code ?? res.signal ?? '?'}`);
  try {
    await pool.withConnection(target, (conn) => conn.upload(file.path, part));
    return 'sftp';
  } catch (err) {
    if (isProviderError(err) && err.kind === 'transient' && !/subsystem/i.test(err.message)) throw err;
    throw new BootstrapStepError(
      'program',
      `cannot copy ${file.what} to ${who(target)}: streaming it to \`cat\` over SSH failed (${execProblem}) and SFTP is refused (${(err as Error).message}). ` +
        `Let ${target.user} run bash and cat over SSH (no ForceCommand or restricted shell), or enable SFTP ("Subsystem sftp internal-sftp" in sshd_config)`,
      [],
      { cause: err, permanent: true },
    );
  }
}
