/**
 * Whether a controller address can only be reached from the machine it is on: an unspecified bind
 * address (0.0.0.0, ::) or loopback (127.0.0.0/8, ::1, localhost). A TPU VM told such an address
 * dials itself and never registers.
 */
export function isUnroutableAddress(address: string): boolean {
  const host = hostOf(address);
  if (host === undefined) return false;
  return host === 'localhost' || host.endsWith('.localhost') || host === '::' || host === '::1' || host === '0.0.0.0' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The host of `http://h:p/…`, `h:p`, `[v6]:p` or a bare host; undefined when it has none. */
export function hostOf(address: string): string | undefined {
  const text = address.trim();
  if (text === '') return undefined;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `tcp://${text}`);
    return url.hostname.replace(/^\[|\]$/g, '').toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}
