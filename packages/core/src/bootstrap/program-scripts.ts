import { ERROR_PREFIX, PHASE_PREFIX, STATUS_PREFIX } from './phase-markers.js';
import { remotePathExpr, shellQuote } from './shell.js';

/**
 * Programs are cached on a host by content hash in `<programsDir>/<hash>/`, marked complete by a
 * `.iris-complete` file, so a host that already holds a version is never sent it again.
 */
export const PROGRAM_COMPLETE_MARKER = '.iris-complete';

/**
 * Makes `programsDir` and prints `IRIS_STATUS present` or `IRIS_STATUS missing <absolute dir>`.
 * With `keepTarball`, the program counts as present only when its tarball was kept too.
 */
export function programProbeScript(programsDir: string, hash: string, options: { keepTarball?: boolean } = {}): string {
  const tarball = options.keepTarball ? ` ] && [ -f "$DIR/"${shellQuote(hash)}".tar.gz"` : '';
  return `set -u
DIR=${remotePathExpr(programsDir)}
mkdir -p "$DIR" || { echo "${ERROR_PREFIX}cannot create $DIR"; exit 1; }
if [ -f "$DIR/"${shellQuote(hash)}"/${PROGRAM_COMPLETE_MARKER}"${tarball} ]; then echo "${STATUS_PREFIX}present"; else echo "${STATUS_PREFIX}missing $(cd "$DIR" && pwd)"; fi
`;
}

/**
 * Unpacks an uploaded tarball into `<programsDir>/<hash>/` atomically (unpack beside, then rename),
 * so two bootstraps racing on one host never see half a program. Removes the tarball, unless
 * `keepTarball`: then it is kept as `<programsDir>/<hash>.tar.gz`, where a controller started from
 * this program finds it and ships it on to its workers without packing it again.
 */
export function programUnpackScript(programsDir: string, hash: string, tarball: string, options: { keepTarball?: boolean } = {}): string {
  const dispose = options.keepTarball ? 'mv -f "$TARBALL" "$DIR/$HASH.tar.gz"' : 'rm -f "$TARBALL"';
  return `set -u
fail() { echo "${ERROR_PREFIX}$*"; rm -rf "\${TMP:-/nonexistent}" "$TARBALL"; exit 1; }
DIR=${remotePathExpr(programsDir)}
HASH=${shellQuote(hash)}
TARBALL=${remotePathExpr(tarball)}
FINAL="$DIR/$HASH"
echo "${PHASE_PREFIX}unpack"
if [ -f "$FINAL/${PROGRAM_COMPLETE_MARKER}" ]; then ${dispose}; echo "${STATUS_PREFIX}present"; exit 0; fi
command -v tar >/dev/null || fail "tar is missing on $(hostname)"
TMP="$FINAL.tmp.$$"
rm -rf "$TMP" && mkdir -p "$TMP" || fail "cannot create $TMP"
tar -xzf "$TARBALL" -C "$TMP" || fail "cannot unpack the Iris program into $TMP"
touch "$TMP/${PROGRAM_COMPLETE_MARKER}"
if ! mv -T "$TMP" "$FINAL" 2>/dev/null; then
  rm -rf "$TMP"
  [ -f "$FINAL/${PROGRAM_COMPLETE_MARKER}" ] || fail "cannot move the program into $FINAL"
fi
${dispose}
echo "${STATUS_PREFIX}unpacked"
`;
}
