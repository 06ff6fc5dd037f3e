// Small DOM helpers. Data is only ever set as text (never innerHTML), so a job name or a log line
// cannot inject markup into the page.

/** h('a', {href: '#/jobs'}, 'Jobs'): an element with attributes (on* keys become listeners) and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/**
 * Replaces a container's children, keeping keyboard focus on the element with the same
 * data-key (links and buttons get one), so a live refresh does not throw the user's place away.
 */
export function swap(container, ...children) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.getAttribute('data-key') : null;
  container.replaceChildren();
  append(container, children);
  if (key) container.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

export function link(href, text, attrs = {}) {
  return h('a', { href, 'data-key': href, ...attrs }, text);
}

export function badge(state) {
  return h('span', { class: `badge s-${state}` }, state.toLowerCase ? state.replaceAll('_', ' ') : String(state));
}

export function table(headers, rows, attrs = {}) {
  // Each cell carries its column's name: on a narrow screen a row shows as a labelled card.
  const labels = headers.map((x) => (typeof x === 'string' ? x : x.text));
  for (const row of rows.flat(Infinity)) {
    if (!(row instanceof Element)) continue;
    [...row.children].forEach((cell, i) => {
      if (labels[i] && !cell.hasAttribute('data-label')) cell.setAttribute('data-label', labels[i]);
      // One box per cell, so the card layout puts the whole value beside its label.
      if (cell.childNodes.length > 1) cell.replaceChildren(h('span', { class: 'cell' }, [...cell.childNodes]));
      if (cell.textContent.trim() === '' && cell.children.length === 0) cell.setAttribute('data-empty', '');
    });
  }
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      attrs,
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((x) => (typeof x === 'string' ? h('th', { scope: 'col' }, x) : h('th', { scope: 'col', class: x.class }, x.text))),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}

export function kv(pairs) {
  return h(
    'dl',
    { class: 'kv' },
    pairs.filter(([, v]) => v !== undefined && v !== null && v !== '').flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

// One time zone for every time on every page: the viewer's choice (UTC or this browser's zone),
// kept in localStorage and shown in the header. ISO-8601 UTC is always in the tooltip.
const ZONE_KEY = 'iris.timeZone';

export function timeZone() {
  try {
    return localStorage.getItem(ZONE_KEY) === 'local' ? 'local' : 'utc';
  } catch {
    return 'utc';
  }
}

export function setTimeZone(zone) {
  try {
    localStorage.setItem(ZONE_KEY, zone);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
}

/** "UTC" or the browser's offset, e.g. "UTC+02:00" — the label that goes with every time shown. */
export function zoneLabel(zone = timeZone()) {
  if (zone === 'utc') return 'UTC';
  const off = -new Date().getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `UTC${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** "15:04:05" (today) or "2026-11-29 15:04:05", in the chosen zone. */
export function clock(ms, now = Date.now()) {
  const d = new Date(ms);
  const utc = timeZone() === 'utc';
  const parts = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  const p2 = (n) => String(n).padStart(2, '0');
  const hms = `${p2(parts[3])}:${p2(parts[4])}:${p2(parts[5])}`;
  const today = new Date(now);
  const sameDay = utc
    ? today.getUTCFullYear() === parts[0] && today.getUTCMonth() + 1 === parts[1] && today.getUTCDate() === parts[2]
    : today.getFullYear() === parts[0] && today.getMonth() + 1 === parts[1] && today.getDate() === parts[2];
  return sameDay ? hms : `${parts[0]}-${p2(parts[1])}-${p2(parts[2])} ${hms}`;
}

export function time(ms) {
  if (ms === undefined || ms === null) return '';
  const d = new Date(ms);
  return h('time', { datetime: d.toISOString(), title: d.toISOString() }, clock(ms));
}

export function ago(ms, now = Date.now()) {
  if (ms === undefined || ms === null) return '';
  return now - ms < 1000 ? 'just now' : `${span(now - ms)} ago`;
}

export function duration(fromMs, toMs) {
  if (fromMs === undefined || fromMs === null) return '';
  return span(Math.max(0, (toMs ?? Date.now()) - fromMs));
}

/** 850 → "850ms", 90_000 → "1m30s", 7_380_000 → "2h3m": as the CLI and the cluster file write durations. */
export function span(ms) {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? `${Math.floor((s % 3600) / 60)}m` : ''}`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600) ? `${Math.floor((s % 86400) / 3600)}h` : ''}`;
}

/**
 * A reason as a person reads it: no machine code prefix (`no_matching_group: …`) and no raw
 * millisecond counts (`idle for 300463ms` → `idle for 5m0s`).
 */
export function reason(text) {
  if (text === undefined || text === null) return '';
  return String(text)
    .replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\b/g, (iso) => `${clock(Date.parse(iso))} ${zoneLabel()}`)
    .replace(/^[a-z]+(?:_[a-z]+)+:\s*/, '')
    .replace(/\b(\d{4,})\s?ms\b/g, (_, n) => span(Number(n)))
    .replace(/=(\d{7,})B\b/g, (_, n) => `=${bytes(Number(n))}`);
}

/**
 * Sizes as people write them in a cluster file: the largest unit, binary or decimal, that states
 * the size exactly in under four digits (2 GiB, 100 MB, 64 GB); otherwise about so many binary
 * units (1.2 MiB, 74.5 GiB).
 */
export function bytes(n) {
  if (!n) return '0 B';
  const binary = [
    ['TiB', 2 ** 40],
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ];
  const decimal = [
    ['TB', 1e12],
    ['GB', 1e9],
    ['MB', 1e6],
    ['kB', 1e3],
  ];
  const exact = [...binary, ...decimal].filter(([, size]) => n >= size && n % size === 0 && n / size < 1024).sort((a, b) => b[1] - a[1])[0];
  if (exact) return `${n / exact[1]} ${exact[0]}`;
  if (n < 1024) return `${n} B`;
  const [unit, size] = binary.find(([, size]) => n >= size);
  const v = n / size;
  return `${v >= 10 ? Math.round(v) : v.toFixed(1)} ${unit}`;
}

/** "/team/run" → "#/job/%2Fteam%2Frun". */
export function jobHref(name) {
  return `#/job/${encodeURIComponent(name)}`;
}
