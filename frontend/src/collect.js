// Browser collection: the enumerator's worklist and the Web Forms pages.
//
// A finalized questionnaire is first written to IndexedDB (the outbox), then sent to the
// same OpenRosa /submission endpoint ODK Collect uses (multipart, the session and CSRF
// token instead of Digest).  The outbox is sent whenever the page loads, the connection
// comes back, the enumerator presses "send", and every half minute while something waits.
// The server is idempotent by instanceID, so a resend after a lost reply is harmless.
// A service worker (/collect/sw.js) keeps the pages, forms, media and assets offline.
import { mountForm } from './webforms.js';

const DB_NAME = 'povcensus-collect';
const STORE = 'outbox';
const RETRY_MS = 30000;
const T = JSON.parse(document.getElementById('collect-i18n')?.textContent || '{}');

function text(key, values = {}) {
  return String(T[key] || key).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : '';
}

// --- the outbox (IndexedDB) ----------------------------------------------------------------

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(STORE, { keyPath: 'instanceId' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore(mode, fn) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result && 'result' in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

const outbox = {
  all: () => withStore('readonly', (store) => store.getAll()),
  put: (item) => withStore('readwrite', (store) => store.put(item)),
  remove: (instanceId) => withStore('readwrite', (store) => store.delete(instanceId)),
  get: (instanceId) => withStore('readonly', (store) => store.get(instanceId)),
};

function currentUser() {
  return document.getElementById('collect-app')?.dataset.user || '';
}

async function myItems() {
  const user = currentUser();
  const items = (await outbox.all()) || [];
  return items
    .filter((item) => item.user === user)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

function instanceIdOf(xml) {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const node = Array.from(doc.getElementsByTagName('*')).find((el) => el.localName === 'instanceID');
  return node ? node.textContent.trim() : '';
}

// Keep the engine's OpenRosa payload in the outbox (the XML as text, attachments as Blobs).
async function enqueue(formData, { label, editOf }) {
  const xmlFile = formData.get('xml_submission_file');
  const xml = await xmlFile.text();
  const instanceId = instanceIdOf(xml);
  if (!instanceId) throw new Error('the questionnaire has no instanceID');
  const files = [];
  for (const [name, value] of formData.entries()) {
    if (name === 'xml_submission_file' || !(value instanceof Blob)) continue;
    files.push({ name: value.name || name, type: value.type, blob: value });
  }
  const now = new Date().toISOString();
  await outbox.put({
    instanceId,
    user: currentUser(),
    label,
    editOf: editOf || '',
    xml,
    files,
    state: 'waiting',
    message: '',
    attempts: 0,
    createdAt: now,
    updatedAt: now,
  });
  return instanceId;
}

// --- sending -------------------------------------------------------------------------------

function openRosaMessage(body) {
  const doc = new DOMParser().parseFromString(body, 'text/xml');
  const node = Array.from(doc.getElementsByTagName('*')).find((el) => el.localName === 'message');
  return node ? node.textContent.trim() : '';
}

async function sendOne(item, submitUrl) {
  const body = new FormData();
  body.append('xml_submission_file', new Blob([item.xml], { type: 'text/xml' }), 'submission.xml');
  for (const file of item.files) body.append(file.name, file.blob, file.name);
  let response;
  try {
    response = await fetch(submitUrl, {
      method: 'POST',
      body,
      credentials: 'same-origin',
      headers: {
        'X-CSRFToken': csrfToken(),
        'X-OpenRosa-Version': '1.0',
        'X-Povcensus-Client': 'browser',
      },
    });
  } catch (error) {
    return { state: 'waiting', message: text('network') };
  }
  const reply = await response.text().catch(() => '');
  const message = openRosaMessage(reply);
  if (response.status === 201 || response.status === 202) return { state: 'sent', message };
  if (response.status === 409) return { state: 'refused', message: `${text('conflict')}：${message}` };
  if (response.status === 401 || (response.status === 403 && !message)) {
    return { state: 'waiting', message: text('session') }; // signed out or a stale CSRF token
  }
  if (response.status >= 400 && response.status < 500 && message) {
    return { state: 'refused', message: `${response.status}：${message}` };
  }
  return { state: 'waiting', message: text('server', { error: response.status }) };
}

let sending = false;
let retryTimer = null;
let failures = 0;
const BACKOFF_MS = [2000, 5000, 10000, RETRY_MS];

// The browser may report "online" before requests get through (a flaky link, a captive
// portal): after a failed attempt, try again soon, then less and less often.
function retrySoon(submitUrl) {
  if (retryTimer) clearTimeout(retryTimer);
  const delay = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)];
  failures += 1;
  retryTimer = setTimeout(() => {
    retryTimer = null;
    sendAll(submitUrl);
  }, delay);
}

async function sendAll(submitUrl) {
  if (sending || !navigator.onLine) return; // known offline: the 'online' event comes back here
  sending = true;
  let stalled = false;
  try {
    const run = async () => {
      for (const item of await myItems()) {
        if (item.state !== 'waiting' && item.state !== 'sending') continue;
        item.state = 'sending';
        item.attempts += 1;
        item.updatedAt = new Date().toISOString();
        await outbox.put(item);
        await renderQueue(submitUrl);
        const outcome = await sendOne(item, submitUrl);
        const fresh = await outbox.get(item.instanceId);
        if (!fresh) continue; // removed meanwhile
        Object.assign(fresh, outcome, { attempts: item.attempts, updatedAt: new Date().toISOString() });
        await outbox.put(fresh);
        await renderQueue(submitUrl);
        if (outcome.state === 'waiting') { // offline or signed out: try again later
          stalled = true;
          break;
        }
        failures = 0;
      }
    };
    // One sender per browser at a time (several tabs may be open).
    if (navigator.locks) await navigator.locks.request('povcensus-outbox', run);
    else await run();
  } finally {
    sending = false;
    await renderQueue(submitUrl);
  }
  if (stalled && navigator.onLine) retrySoon(submitUrl);
}

// --- the queue panel -----------------------------------------------------------------------

function element(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'className') el.className = value;
    else if (key === 'onclick') el.addEventListener('click', value);
    else el.setAttribute(key, value);
  }
  for (const child of children) if (child != null) el.append(child);
  return el;
}

const BADGE = { waiting: 'warn', sending: '', sent: 'ok', refused: 'err' };

async function renderQueue(submitUrl) {
  const list = document.getElementById('queue-list');
  if (!list) return;
  const items = await myItems();
  list.replaceChildren(
    ...items.map((item) => {
      const actions = [];
      if (item.state === 'refused') {
        actions.push(element('button', {
          type: 'button',
          className: 'secondary',
          onclick: async () => {
            await outbox.put({ ...item, state: 'waiting', message: '' });
            sendAll(submitUrl);
          },
        }, text('retry')));
      }
      if (item.state === 'refused' || item.state === 'sent') {
        actions.push(element('button', {
          type: 'button',
          className: 'secondary',
          onclick: async () => {
            if (item.state === 'refused' && !window.confirm(text('confirm_remove'))) return;
            await outbox.remove(item.instanceId);
            renderQueue(submitUrl);
          },
        }, text('remove')));
      }
      return element(
        'li',
        { 'data-state': item.state, 'data-instance': item.instanceId },
        element('span', { className: 'what' },
          `${item.label}${item.editOf ? `（${text('edit')}）` : ''} `,
          element('small', { className: 'code' }, item.instanceId)),
        element('span', { className: `badge ${BADGE[item.state] || ''}` }, text(item.state)),
        element('small', { className: 'muted' }, text('attempts', { n: item.attempts })),
        ...actions,
        item.message ? element('span', { className: 'message' }, item.message) : null,
      );
    }),
  );
  const open = items.filter((item) => item.state !== 'sent').length;
  document.getElementById('queue-count').textContent = String(open);
  document.getElementById('queue-empty').hidden = open > 0;
  document.getElementById('collect-queue').dataset.pending = String(
    items.filter((item) => item.state === 'waiting' || item.state === 'sending').length,
  );
}

function showNetwork() {
  const net = document.getElementById('net-state');
  if (!net) return;
  net.textContent = navigator.onLine ? text('online') : text('offline');
  net.className = `net ${navigator.onLine ? 'online' : 'offline'}`;
}

function startQueue(app) {
  const submitUrl = app.dataset.submitUrl;
  document.getElementById('queue-send')?.addEventListener('click', () => sendAll(submitUrl));
  document.getElementById('queue-clear')?.addEventListener('click', async () => {
    for (const item of await myItems()) if (item.state === 'sent') await outbox.remove(item.instanceId);
    renderQueue(submitUrl);
  });
  window.addEventListener('online', () => {
    showNetwork();
    sendAll(submitUrl);
  });
  window.addEventListener('offline', showNetwork);
  setInterval(async () => {
    if (!navigator.onLine) return;
    if ((await myItems()).some((item) => item.state === 'waiting')) sendAll(submitUrl);
  }, RETRY_MS);
  showNetwork();
  renderQueue(submitUrl).then(() => sendAll(submitUrl));
  return submitUrl;
}

// --- offline copies (service worker) -------------------------------------------------------

async function registerWorker(app) {
  if (!('serviceWorker' in navigator)) return null;
  await navigator.serviceWorker.register(app.dataset.swUrl, { scope: app.dataset.scope });
  return navigator.serviceWorker.ready;
}

function askToKeep(worker, urls) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data);
    worker.postMessage({ type: 'keep', urls }, [channel.port2]);
  });
}

// A shared device: another user's offline copies (their worklist, their households'
// register data) are dropped before this user's are kept.  The outbox is never dropped
// (it holds answers not yet sent); each user only sees and sends their own items.
async function forgetOtherUsersCopies() {
  const key = 'povcensus-collect-user';
  const user = currentUser();
  if (localStorage.getItem(key) === user) return;
  if (window.caches) {
    for (const name of await caches.keys()) {
      if (name.startsWith('povcensus-collect-')) await caches.delete(name);
    }
  }
  localStorage.setItem(key, user);
}

async function prepareOffline(app) {
  const state = document.getElementById('offline-state');
  if (!navigator.onLine) {
    state.textContent = text('offline'); // this copy came from the service worker
    return;
  }
  try {
    await forgetOtherUsersCopies();
    const registration = await registerWorker(app);
    if (!registration || !registration.active) {
      state.textContent = text('offline_unsupported');
      return;
    }
    const response = await fetch(app.dataset.unitsUrl, { credentials: 'same-origin' });
    const data = await response.json();
    const result = await askToKeep(registration.active, data.offline_urls);
    state.textContent = result.failed.length
      ? text('offline_partial', { n: result.failed.length })
      : text('offline_ready', { n: result.kept });
    app.dataset.offlineReady = result.failed.length ? 'partial' : 'true';
  } catch (error) {
    console.error(error);
    if (navigator.onLine) state.textContent = text('offline_unsupported');
    else state.textContent = text('offline');
  }
}

// --- pages ---------------------------------------------------------------------------------

async function worklistPage(app) {
  startQueue(app);
  window.addEventListener('online', () => prepareOffline(app));
  await prepareOffline(app);
}

async function formPage(app) {
  const submitUrl = startQueue(app);
  registerWorker(app).catch((error) => console.error(error));
  const host = document.getElementById('webform');
  const data = host.dataset;
  const done = document.getElementById('collect-done');
  try {
    const formXml = await (await fetch(data.formUrl, { credentials: 'same-origin' })).text();
    let instance = null;
    if (data.instanceUrl) {
      const reply = await fetch(data.instanceUrl, { credentials: 'same-origin' });
      if (!reply.ok) throw new Error(`${reply.status}`);
      instance = {
        xml: await reply.text(),
        attachmentNames: (data.attachmentNames || '').split('/').filter(Boolean),
        attachmentUrl: (name) => data.attachmentUrl.replace('FILE', encodeURIComponent(name)),
      };
    }
    const form = mountForm(host, {
      formXml,
      language: data.language,
      attachments: (name) => data.mediaUrl.replace('FILE', encodeURIComponent(name)),
      initialValues: instance ? null : { [data.prefillField]: data.prefillValue },
      instance,
      onSubmit: async (formData) => {
        const instanceId = await enqueue(formData, { label: data.unitLabel, editOf: data.editOf });
        form.unmount();
        host.hidden = true;
        done.replaceChildren(
          element('span', {}, `${text('queued')} `),
          element('a', { href: app.dataset.scope }, text('back')),
        );
        done.dataset.instance = instanceId;
        done.hidden = false;
        await renderQueue(submitUrl);
        sendAll(submitUrl);
      },
    });
    host.dataset.mounted = 'true';
  } catch (error) {
    console.error(error);
    done.className = 'alert alert-error';
    done.textContent = text('load_failed', { error: String(error) });
    done.hidden = false;
  }
}

const app = document.getElementById('collect-app');
if (app?.dataset.page === 'worklist') worklistPage(app);
else if (app?.dataset.page === 'form') formPage(app);
