// Cluster file: the file as its author wrote it (the controller masks secrets), each group's
// provider, and — folded away — the resolved configuration with every default applied.
import { getOptional } from '../api.js';
import { h, swap, table } from '../dom.js';

export function mount(container) {
  const body = h('div');
  container.append(h('h1', {}, 'Cluster file'), body);
  return {
    title: 'Cluster file',
    async refresh() {
      const view = await getOptional('/config');
      if (!view) {
        swap(body, h('p', { class: 'notice' }, 'This controller was started without a cluster file.'));
        // Nothing will change while the controller runs.
        return { finished: true };
      }
      swap(
        body,
        h(
          'p',
          {},
          'Cluster ',
          h('strong', {}, view.name),
          view.cluster_file ? [' from ', h('code', { class: 'path' }, view.cluster_file)] : '',
          '. Secret values are masked (••••••).',
        ),
        view.source
          ? h('pre', { class: 'config', id: 'config-source', tabindex: '0', 'aria-label': 'the cluster file' }, view.source)
          : h('p', { class: 'notice' }, 'The cluster file could not be read back; the resolved configuration is below.'),
        h('h2', {}, 'Scale groups and their providers'),
        table(
          ['Group', 'Provider', 'Provider settings', { text: 'Price per slice-hour', class: 'num' }],
          view.groups.map((g) =>
            h(
              'tr',
              {},
              h('td', {}, g.name),
              h('td', {}, g.provider_type),
              h('td', { class: 'mono' }, settings(g.provider)),
              h('td', { class: 'num' }, g.cost_per_slice_hour === undefined ? '—' : `$${g.cost_per_slice_hour.toFixed(2)}`),
            ),
          ),
        ),
        h(
          'details',
          { id: 'config-resolved', open: !view.source },
          h('summary', {}, 'Resolved configuration: every default applied (durations in milliseconds, sizes in bytes)'),
          h('pre', { class: 'config', id: 'config-json', tabindex: '0' }, JSON.stringify(view.config, null, 2)),
        ),
      );
      // The config does not change while the controller runs: read it once.
      return { finished: true };
    },
  };
}

/** `{type: local, zones: [a, b]}` → "type: local" / "zones: a, b", one setting a line. */
function settings(provider) {
  return Object.entries(provider ?? {}).map(([k, v]) =>
    h('div', {}, `${k}: ${Array.isArray(v) ? v.join(', ') : v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v)}`),
  );
}
