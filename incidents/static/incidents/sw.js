/* The service worker of the public report pages (scope /report/).
 *
 * It keeps a copy of the form and its scripts so the page opens with no signal, and, when the
 * phone regains a connection (Background Sync), sends the reports the page queued while
 * offline, then tells any open page what became of them. The server makes one report per
 * idempotency key, so a report the page and the worker both send is still one report. */
/* global SzReportQueue */
"use strict";
var CACHE = "__CACHE__"; // the server names it after the precached files' versions
var QUEUE_JS = "__QUEUE_JS__";
var PRECACHE = __PRECACHE__;
importScripts(QUEUE_JS);

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(PRECACHE.map(function (url) { return cache.add(url).catch(function () {}); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; } // reports go straight to the network or the queue
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    // Network first, so the form is fresh; the saved copy when there is no signal.
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && url.pathname === PRECACHE[0]) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(PRECACHE[0], copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request).then(function (hit) { return hit || caches.match(PRECACHE[0]); });
    }));
    return;
  }
  if (PRECACHE.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  }
});

function tellPages(answer) {
  return self.clients.matchAll({ type: "window" }).then(function (pages) {
    pages.forEach(function (page) { page.postMessage({ type: "sz-report-sent", answer: answer }); });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag !== "sz-report-queue") { return; }
  event.waitUntil(SzReportQueue.flush(function (item, answer) {
    if (answer) { return tellPages(answer); }
    throw new Error("still offline"); // let the browser retry the sync later
  }));
});
