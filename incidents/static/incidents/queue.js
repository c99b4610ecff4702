/* The phone's queue of reports written with no connection, shared by the report page and the
 * service worker. Each report is kept in IndexedDB under its idempotency key (with its photos
 * as Blobs) and removed once the server has answered; the server makes one report per key, so
 * a report sent twice (page and worker racing, a retry after a dropped answer) is still one. */
(function (scope) {
  "use strict";
  var DB = "sz-report-queue";
  var STORE = "reports";

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var result = fn(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(result && result.result !== undefined ? result.result : result); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }

  /* Keep ITEM {key, url, csrf, fields: [[name, value]], files: [{name, blob, filename}]}. */
  function put(item) { return tx("readwrite", function (s) { return s.put(item); }); }
  function remove(key) { return tx("readwrite", function (s) { return s.delete(key); }); }
  function all() { return tx("readonly", function (s) { return s.getAll(); }); }

  function fromForm(form, key) {
    var data = new FormData(form);
    var item = { key: key, url: form.action, csrf: data.get("csrfmiddlewaretoken") || "", fields: [], files: [], savedAt: Date.now() };
    data.forEach(function (value, name) {
      if (typeof value === "string") { item.fields.push([name, value]); }
      else if (value && value.size) { item.files.push({ name: name, blob: value, filename: value.name || "photo" }); }
    });
    return item;
  }

  function toFormData(item) {
    var data = new FormData();
    item.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    item.files.forEach(function (f) { data.append(f.name, f.blob, f.filename); });
    return data;
  }

  /* Send one item. Resolve {status, body}; reject only when the network failed (keep it). */
  function send(item, csrfToken) {
    return fetch(item.url, {
      method: "POST",
      body: toFormData(item),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken || item.csrf },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body };
      });
    });
  }

  function withLock(fn) {
    if (scope.navigator && scope.navigator.locks) { return scope.navigator.locks.request(DB, fn); }
    return fn();
  }

  /* Send every queued report; call ONRESULT(item, {status, body} | null) for each answer.
   * Items the server answered (accepted, or refused for good) leave the queue. */
  function flush(onResult, csrfToken) {
    return withLock(function () {
      return all().then(function (items) {
        return items.reduce(function (chain, item) {
          return chain.then(function () {
            return send(item, csrfToken).then(function (answer) {
              var final = answer.status < 500 && answer.status !== 429 && answer.status !== 403;
              return (final ? remove(item.key) : Promise.resolve()).then(function () {
                if (onResult) { onResult(item, answer); }
              });
            }, function () { if (onResult) { onResult(item, null); } });
          });
        }, Promise.resolve());
      });
    });
  }

  scope.SzReportQueue = { put: put, remove: remove, all: all, fromForm: fromForm, send: send, flush: flush };
})(typeof self !== "undefined" ? self : window);
