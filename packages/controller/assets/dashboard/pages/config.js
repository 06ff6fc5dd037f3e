// Cluster file: the resolved configuration with each group's provider; the controller masks secrets.
import { getOptional } from '../api.js';
import { h, swap, table } from '../dom.js';

export function mount(container) {
  const body = h('div');
  container.append(h('h1', {}, 'Cluster file'), body);
  let shown = false;
  return {
    title: 'Cluster file',
    async refresh() {
      // The config does not change while the controller runs: read it once.
      if (shown) return;
      const view = await getOptional('/config');
      if (!view) {
        swap(body, h('p', { class: 'notice' }, 'This controller was started without a cluster file.'));
        return;
      }
      shown = true;
      swap(
        body,
        h('p', {}, 'Cluster ', h('strong', {}, view.name), view.cluster_file ? [' from ', h('code', {}, view.cluster_file)] : '', '. Defaults applied; secret values are masked.'),
        h('h2', {}, 'Scale groups and their providers'),
        table(
          ['Group', 'Provider', 'Provider settings', { text: 'Price per slice-hour', class: 'num' }],
          view.groups.map((g) => h('tr', {}, h('td', {}, g.name), h('td', {}, g.provider_type), h('td', { class: 'mono' }, JSON.stringify(g.provider)), h('td', { class: 'num' }, g.cost_per_slice_hour === undefined ? '—' : `$${g.cost_per_slice_hour.toFixed(2)}`))),
        ),
        h('h2', {}, 'Resolved configuration'),
        h('pre', { class: 'config', id: 'config-json', tabindex: '0' }, JSON.stringify(view.config, null, 2)),
      );
    },
  };
}
