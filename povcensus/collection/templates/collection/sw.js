{% autoescape off %}// povcensus browser collection: the service worker (rendered by collection.views).
// Keeps the worklist, the form pages, form definitions, prefill media and the assets so
// that, once loaded, the worklist and the forms open without a connection.
// Pages and data: network first, the cached copy when the network fails.
// Static assets (hashed names): cache first.
// Submissions (POST /submission) are never touched here: the page queues them in IndexedDB.
const CACHE = 'povcensus-collect-{{ version }}';
const ASSETS = {{ assets_json }};
const WORKLIST = '{{ worklist_url }}';
const KEPT = {{ kept_json }};

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((n) => n.startsWith('povcensus-collect-') && n !== CACHE).map((n) => caches.delete(n)),
      ))
      .then(() => self.clients.claim()),
  );
});

function keptPath(url) {
  return KEPT.some((prefix) => url.pathname.startsWith(prefix));
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // A redirect (e.g. to sign-in) or an error page is never kept as the page itself.
    if (response.ok && !response.redirected && response.type === 'basic') {
      cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreVary: true });
    if (cached) return cached;
    if (request.mode === 'navigate') {
      const worklist = await cache.match(WORKLIST, { ignoreVary: true });
      if (worklist) return worklist;
    }
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('{{ static_prefix }}')) {
    event.respondWith(cacheFirst(request));
  } else if (keptPath(url)) {
    event.respondWith(networkFirst(request));
  }
});

// The page asks for the units' pages, forms and media to be kept (after each worklist load).
self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type !== 'keep' || !Array.isArray(data.urls)) return;
  const port = event.ports && event.ports[0];
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const failed = [];
    for (const url of data.urls) {
      try {
        const response = await fetch(url, { credentials: 'same-origin' });
        if (response.ok && !response.redirected) await cache.put(url, response);
        else failed.push(url);
      } catch (error) {
        failed.push(url);
      }
    }
    if (port) port.postMessage({ kept: data.urls.length - failed.length, failed });
  })());
});
{% endautoescape %}
