/** `${VAR}` or `${VAR:-fallback}`. */
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface Expansion {
  value: string;
  /** Variables referenced without a fallback that the environment does not set. */
  unset: string[];
}

/** Expands environment references in one string; unset variables (without fallback) become "". */
export function expandEnv(text: string, env: Readonly<Record<string, string | undefined>>): Expansion {
  const unset: string[] = [];
  const value = text.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    unset.push(name);
    return '';
  });
  return { value, unset };
}
