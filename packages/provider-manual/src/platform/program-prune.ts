import { PROGRAM_COMPLETE_MARKER, remotePathExpr, shellQuote } from '@iris/core/bootstrap';

/** Program versions a host keeps: the one just installed and the one before it. */
export const PROGRAM_VERSIONS_KEPT = 2;

/**
 * Removes program versions beyond the newest PROGRAM_VERSIONS_KEPT (by install time) from a host,
 * except one a running process still uses (its command line names the folder), and upload leftovers
 * older than an hour. Without /proc it cannot tell what is in use, so it removes nothing.
 */
export function programPruneScript(programsDir: string, currentHash: string): string {
  return `set -u
DIR=${remotePathExpr(programsDir)}
CURRENT=${shellQuote(currentHash)}
cd "$DIR" 2>/dev/null || exit 0
[ -r /proc/self/cmdline ] || exit 0
touch "$CURRENT/${PROGRAM_COMPLETE_MARKER}" 2>/dev/null
n=0
for marker in $(ls -1t -- [0-9a-f]*/${PROGRAM_COMPLETE_MARKER} 2>/dev/null); do
  n=$((n + 1))
  [ $n -le ${PROGRAM_VERSIONS_KEPT} ] && continue
  version="\${marker%/${PROGRAM_COMPLETE_MARKER}}"
  [ "$version" = "$CURRENT" ] && continue
  if grep -qsF -- "$(pwd)/$version/" /proc/[0-9]*/cmdline; then continue; fi
  rm -rf -- "$version" && echo "removed program $version"
done
find . -maxdepth 1 \\( -name '*.part' -o -name '*.tmp.*' \\) -mmin +60 -exec rm -rf -- {} + 2>/dev/null
exit 0
`;
}
