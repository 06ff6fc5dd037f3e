/** Quotes one word for a POSIX shell: the result is always a single literal argument. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_\-./:=@%+,]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Quotes an argv for a POSIX shell. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/**
 * A remote path as a shell expression: a leading `~/` becomes `"$HOME"/…` so it expands on the
 * host (a quoted `~` would not), everything else is quoted literally.
 */
export function remotePathExpr(path: string): string {
  if (path === '~') return '"$HOME"';
  if (path.startsWith('~/')) return `"$HOME"/${shellQuote(path.slice(2))}`;
  return shellQuote(path);
}
