// The dashboard shell: hash routing, the refresh loop (which stops for finished pages, slows down
// in a hidden tab and backs off while the controller is unreachable), the unreachable banner,
// the time-zone choice, sign-out and the sign-in message.
import { getOptional, SignInNeeded, Unreachable } from './api.js';
import { clock, h, setTimeZone, span, swap, timeZone, zoneLabel } from './dom.js';
import * as overview from './pages/overview.js';
import * as jobs from './pages/jobs.js';
import * as job from './pages/job.js';
import * as workers from './pages/workers.js';
import * as autoscaler from './pages/autoscaler.js';
import * as config from './pages/config.js';

const PAGES = { overview, jobs, job, workers, autoscaler, config };
/** Live pages re-read the API this often while visible… */
const REFRESH_MS = 2000;
/** …this often in a hidden tab (enough to keep "since when" honest, cheap for the controller)… */
const HIDDEN_REFRESH_MS = 30000;
/** …and at most this rarely while the controller does not answer (doubling from REFRESH_MS). */
const MAX_BACKOFF_MS = 30000;

const view = document.getElementById('view');
const live = document.getElementById('live');
const banner = document.getElementById('conn-banner');
const signOut = document.getElementById('signout');
const zoneButton = document.getElementById('tz');
let current;
let timer;
let generation = 0;
let failures = 0;
let unreachableSince;
let lastOkMs;
let named = false;
let refreshing = false;

function parseHash() {
  // #/page/arg?key=value — the arg is one encoded segment (a job name keeps its slashes encoded).
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const [, page = 'overview', ...rest] = path.split('/');
  const params = Object.fromEntries(new URLSearchParams(query));
  const arg = rest.join('/');
  return { page, arg: arg ? decodeURIComponent(arg) : undefined, params };
}

function message(id, title, ...paragraphs) {
  stop();
  swap(
    view,
    h(
      'section',
      { class: 'signin', 'aria-labelledby': `${id}-title`, id },
      h('h1', { id: `${id}-title` }, title),
      paragraphs.map((p) => h('p', {}, p)),
    ),
  );
}

function showSignIn() {
  message(
    'signin',
    'Sign in to this Iris cluster',
    'This dashboard shows cluster data only to signed-in users, and this browser has no valid sign-in (it may have been signed out or its session revoked).',
    [
      'On a machine with the cluster file, run ',
      h('code', {}, 'iris dashboard -c CLUSTER_FILE'),
      ' and open the link it prints. Links work once and expire after a few minutes.',
    ],
  );
  live.textContent = 'not signed in';
  signOut.hidden = true;
}

function showBanner() {
  if (unreachableSince === undefined) {
    banner.hidden = true;
    view.classList.remove('stale');
    return;
  }
  const now = Date.now();
  swap(
    banner,
    h('strong', {}, 'Controller unreachable'),
    ` since ${clock(unreachableSince)} ${zoneLabel()} (${now - unreachableSince < 1000 ? 'just now' : `${span(now - unreachableSince)} ago`}). `,
    lastOkMs ? `What this page shows is from the last answer, at ${clock(lastOkMs)}. ` : 'Nothing could be read yet. ',
    `Trying again every ${span(retryDelay())}.`,
  );
  banner.hidden = false;
  view.classList.add('stale');
}

function retryDelay() {
  return Math.min(MAX_BACKOFF_MS, REFRESH_MS * 2 ** Math.min(failures, 8));
}

async function refresh() {
  const page = current;
  const gen = generation;
  if (!page || refreshing) return;
  refreshing = true;
  try {
    const result = await page.refresh();
    if (gen !== generation) return;
    failures = 0;
    unreachableSince = undefined;
    lastOkMs = Date.now();
    showBanner();
    signOut.hidden = false;
    page.finished = result?.finished === true;
    live.textContent = page.finished ? `finished · not refreshing · read at ${clock(lastOkMs)}` : `live · updated ${clock(lastOkMs)}`;
    live.classList.remove('stale');
    if (!named) {
      named = true;
      getOptional('/config').then(
        (c) => {
          if (c) document.getElementById('cluster-name').textContent = `Iris · ${c.name}`;
        },
        () => {
          named = false;
        },
      );
    }
  } catch (err) {
    if (gen !== generation) return;
    if (err instanceof SignInNeeded) return showSignIn();
    failures += 1;
    if (err instanceof Unreachable) {
      unreachableSince ??= Date.now();
      page.unreachable?.(unreachableSince);
      live.textContent = `controller unreachable since ${clock(unreachableSince)}`;
      showBanner();
    } else {
      live.textContent = `update failed: ${err.message}`;
    }
    live.classList.add('stale');
  } finally {
    refreshing = false;
  }
}

function schedule() {
  clearTimeout(timer);
  if (!current || current.finished) return;
  const delay = failures > 0 ? retryDelay() : document.hidden ? HIDDEN_REFRESH_MS : REFRESH_MS;
  const gen = generation;
  timer = setTimeout(async () => {
    await refresh();
    if (gen === generation) schedule();
  }, delay);
}

function stop() {
  generation += 1;
  clearTimeout(timer);
  current?.dispose?.();
  current = undefined;
}

async function route() {
  stop();
  const { page, arg, params } = parseHash();
  if (page === 'signed-out') {
    message('signed-out', 'Signed out', 'This browser is signed out of the Iris dashboard.', [
      'To sign in again, run ',
      h('code', {}, 'iris dashboard -c CLUSTER_FILE'),
      ' and open the link it prints.',
    ]);
    live.textContent = 'signed out';
    signOut.hidden = true;
    return;
  }
  const name = PAGES[page] ? page : 'overview';
  for (const a of document.querySelectorAll('nav a')) {
    const active = a.dataset.page === name || (name === 'job' && a.dataset.page === 'jobs');
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const container = h('div', { 'data-page': name });
  swap(view, container);
  const gen = generation;
  current = PAGES[name].mount(container, { arg, params });
  document.title = `${current.title ?? name} · Iris`;
  await refresh();
  if (gen === generation) schedule();
}

function showZone() {
  zoneButton.textContent = `Times: ${zoneLabel()}`;
  zoneButton.setAttribute(
    'aria-label',
    `Times are shown in ${timeZone() === 'utc' ? 'UTC' : `this browser's time zone (${zoneLabel()})`}; switch to ${timeZone() === 'utc' ? 'local time' : 'UTC'}`,
  );
}

zoneButton.addEventListener('click', () => {
  setTimeZone(timeZone() === 'utc' ? 'local' : 'utc');
  showZone();
  route();
});
window.addEventListener('hashchange', () => {
  route();
  view.focus({ preventScroll: true });
});
document.addEventListener('visibilitychange', () => {
  // Back in view: read now rather than wait out the hidden-tab interval.
  if (!document.hidden && current && !current.finished) refresh().then(schedule);
  else schedule();
});
setInterval(() => {
  if (unreachableSince !== undefined) showBanner();
}, 1000);
showZone();
route();
