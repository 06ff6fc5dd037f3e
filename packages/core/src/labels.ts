/**
 * Labels every provider puts on what it creates, so a restarted controller finds (adopts) its own
 * VMs and `iris stop` finds everything the cluster owns. Keys and values follow GCP's label rules
 * (lowercase letters, digits, `-` and `_`, at most 63 characters), the strictest of our providers.
 */
export const LABEL_CLUSTER = 'iris-cluster';
export const LABEL_GROUP = 'iris-group';
export const LABEL_SLICE = 'iris-slice';
export const LABEL_ROLE = 'iris-role';
export const LABEL_REQUEST = 'iris-request';

export function sanitizeLabelValue(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .slice(0, 63);
}

export function clusterLabels(clusterName: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL_CLUSTER]: sanitizeLabelValue(clusterName), ...extra };
}

/** True when every label in `selector` is present on `labels` with the same value. */
export function matchesLabels(labels: Readonly<Record<string, string>>, selector: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
