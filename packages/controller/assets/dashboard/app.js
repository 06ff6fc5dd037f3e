// The dashboard shell: hash routing, the live refresh loop, and the sign-in message.
import { getOptional, SignInNeeded } from './api.js';
import { h, swap } from './dom.js';
import * as overview from './pages/overview.js';
import * as jobs from './pages/jobs.js';
import * as job from './pages/job.js';
import * as workers from './pages/workers.js';
import * as autoscaler from './pages/autoscaler.js';
import * as config from './pages/config.js';

const PAGES = { overview, jobs, job, workers, autoscaler, config };
/** Live pages re-read the API this often; a hidden tab does not poll. */
const REFRESH_MS = 2000;

const view = document.getElementById('view');
const live = document.getElementById('live');
let current;
let timer;
let refreshing = false;
let named = false;

function parseHash() {
  // #/page/arg?key=value — the arg is one encoded segment (a job name keeps its slashes encoded).
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const [, page = 'overview', ...rest] = path.split('/');
  const params = Object.fromEntries(new URLSearchParams(query));
  const arg = rest.join('/');
  return { page: PAGES[page] ? page : 'overview', arg: arg ? decodeURIComponent(arg) : undefined, params };
}

function showSignIn() {
  stop();
  swap(
    view,
    h(
      'section',
      { class: 'signin', 'aria-labelledby': 'signin-title', id: 'signin' },
      h('h1', { id: 'signin-title' }, 'Sign in to this Iris cluster'),
      h('p', {}, 'This dashboard shows cluster data only to signed-in users, and this browser has no valid sign-in.'),
      h('p', {}, 'On a machine with the cluster file, run ', h('code', {}, 'iris dashboard -c CLUSTER_FILE'), ' and open the link it prints. Links work once and expire after a few minutes.'),
    ),
  );
  live.textContent = 'not signed in';
}

async function refresh() {
  if (!current || refreshing || document.hidden) return;
  refreshing = true;
  try {
    await current.refresh();
    live.textContent = `live · updated ${new Date().toLocaleTimeString()}`;
    live.classList.remove('stale');
    if (!named) {
      named = true;
      getOptional('/config').then((c) => { if (c) document.getElementById('cluster-name').textContent = `Iris · ${c.name}`; }, () => { named = false; });
    }
  } catch (err) {
    if (err instanceof SignInNeeded) return showSignIn();
    live.textContent = `update failed: ${err.message}`;
    live.classList.add('stale');
  } finally {
    refreshing = false;
  }
}

function stop() {
  clearInterval(timer);
  current?.dispose?.();
  current = undefined;
}

async function route() {
  stop();
  const { page, arg, params } = parseHash();
  for (const a of document.querySelectorAll('nav a')) {
    const active = a.dataset.page === page || (page === 'job' && a.dataset.page === 'jobs');
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const container = h('div', { 'data-page': page });
  swap(view, container);
  current = PAGES[page].mount(container, { arg, params });
  document.title = `${current.title ?? page} · Iris`;
  await refresh();
  timer = setInterval(refresh, REFRESH_MS);
}

window.addEventListener('hashchange', () => {
  route();
  view.focus({ preventScroll: true });
});
document.addEventListener('visibilitychange', () => refresh());
route();
