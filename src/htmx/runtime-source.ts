/**
 * The tiny browser runtime served beside htmx (plain ES2017, no build step, no eval, no inline
 * handlers, so a nonce-only CSP holds). It does what htmx attributes cannot:
 *  - live regions: one EventSource per region container on its `/stream` endpoint; `snapshot`
 *    reconciles the rows, `upsert` replaces a row or inserts it where the region's order puts it
 *    (each row's sort key comes with the event), `remove` removes it,
 *    `invalidate` fires `covara:refresh` (the container's hx-get reloads it); an aggregate
 *    region's element takes each `aggregate` event's HTML as its content;
 *  - a row appears once: after any swap into a container, later copies of a row id are dropped
 *    (the create response and the live event may arrive in either order);
 *  - optimistic deletes: the row is hidden when the request starts, shown again if refused;
 *  - offline: a live write made offline (or whose request cannot reach the server) is queued in
 *    localStorage and replayed, in order, when the browser is back online or a stream reconnects.
 */
export const RUNTIME_SOURCE = `(function () {
  "use strict";
  var QUEUE_KEY = "covara-live-queue";
  var LIVE_PATH = "/__covara/live/";
  var replaying = false;

  function rowSelector(id) { return '[data-covara-row="' + CSS.escape(id) + '"]'; }
  function containerOf(region) { return document.querySelector('[data-covara-region="' + CSS.escape(region) + '"]'); }
  function regionOfPath(path) { var rest = path.slice(path.indexOf(LIVE_PATH) + LIVE_PATH.length); return rest.split("/")[0]; }
  function parse(html) { var template = document.createElement("template"); template.innerHTML = html; return template.content; }

  // Per container: the region's sort direction per key part, and the sort key of each row id.
  var orders = new WeakMap();

  function compareKeys(a, b, descending) {
    for (var i = 0; i < a.length && i < b.length; i++) {
      var x = a[i], y = b[i];
      if (x === y) continue;
      var c = x === null ? -1 : y === null ? 1 : x < y ? -1 : x > y ? 1 : 0;
      if (c !== 0) return descending[i] ? -c : c;
    }
    return 0;
  }

  // Moves (or inserts) a row element to where its key sorts; rows without a known key stay put.
  function place(container, id, element) {
    var order = orders.get(container);
    var key = order && order.keys[id];
    var before = null;
    if (key) {
      var rows = container.querySelectorAll("[data-covara-row]");
      for (var i = 0; i < rows.length; i++) {
        var other = rows[i];
        if (other === element || other.parentNode !== container) continue;
        var otherKey = order.keys[other.getAttribute("data-covara-row")];
        if (otherKey && compareKeys(key, otherKey, order.descending) < 0) { before = other; break; }
      }
    } else if (element.parentNode === container) {
      return;
    }
    if (element.parentNode === container && element.nextElementSibling === before) return;
    container.insertBefore(element, before);
  }

  function upsert(container, id, html, key) {
    var fresh = parse(html).firstElementChild;
    if (!fresh) return;
    var order = orders.get(container);
    if (order && key) order.keys[id] = key;
    var existing = container.querySelector(rowSelector(id));
    if (existing && existing.outerHTML === fresh.outerHTML) {
      // Unchanged content (this tab's own create, say): keep the element, only move it if its place changed.
      place(container, id, existing);
      return;
    }
    if (existing) existing.replaceWith(fresh);
    place(container, id, fresh);
    htmx.process(fresh);
  }

  function removeRow(container, id) {
    var row = container.querySelector(rowSelector(id));
    if (row) row.remove();
  }

  function reconcile(container, html, keys, descending) {
    var rows = parse(html).children;
    var seen = {};
    var fresh = Array.prototype.slice.call(rows);
    var order = keys ? { descending: descending || [], keys: {} } : null;
    if (order) orders.set(container, order);
    var index = 0;
    fresh.forEach(function (row) {
      var id = row.getAttribute("data-covara-row");
      if (id === null) return;
      if (order && keys[index]) order.keys[id] = keys[index];
      index++;
      seen[id] = true;
      var existing = container.querySelector(rowSelector(id));
      if (existing && existing.outerHTML === row.outerHTML) { container.appendChild(existing); return; }
      if (existing) existing.remove();
      container.appendChild(row);
      htmx.process(row);
    });
    Array.prototype.slice.call(container.querySelectorAll("[data-covara-row]")).forEach(function (row) {
      if (!seen[row.getAttribute("data-covara-row")] && !row.hasAttribute("data-covara-pending")) row.remove();
    });
  }

  function dedupe(container) {
    var seen = {};
    Array.prototype.slice.call(container.querySelectorAll("[data-covara-row]")).forEach(function (row) {
      var id = row.getAttribute("data-covara-row");
      if (seen[id]) row.remove(); else seen[id] = true;
    });
  }

  function connect(container, delay) {
    var url = container.getAttribute("data-covara-stream");
    var source = new EventSource(url);
    var data = function (event) { return JSON.parse(event.data); };
    source.addEventListener("open", function () { delay = 0; container.setAttribute("data-covara-connected", "true"); replay(); });
    source.addEventListener("snapshot", function (event) { var d = data(event); reconcile(container, d.html, d.keys, d.descending); });
    source.addEventListener("upsert", function (event) { var d = data(event); upsert(container, d.id, d.html, d.key); });
    source.addEventListener("remove", function (event) { removeRow(container, data(event).id); });
    source.addEventListener("aggregate", function (event) { container.innerHTML = data(event).html; htmx.process(container); });
    source.addEventListener("invalidate", function () { htmx.trigger(container, "covara:refresh"); });
    source.addEventListener("revoked", function () { source.close(); container.removeAttribute("data-covara-connected"); });
    source.addEventListener("error", function () {
      container.removeAttribute("data-covara-connected");
      // EventSource retries by itself unless the server refused the stream (signed out, say):
      // then start over later, waiting longer each time (3 s doubling to a minute).
      if (source.readyState !== EventSource.CLOSED) return;
      var next = Math.min(60000, (delay || 1500) * 2);
      setTimeout(function () { connect(container, next); }, next);
    });
  }

  function loadQueue() { try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; } }
  function saveQueue(queue) {
    localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
    document.documentElement.setAttribute("data-covara-queued", String(queue.length));
  }

  function enqueue(detail) {
    var pairs = [];
    if (detail.formData) detail.formData.forEach(function (value, name) { if (typeof value === "string") pairs.push([name, value]); });
    var queue = loadQueue();
    queue.push({ verb: detail.verb, path: detail.path, body: pairs });
    saveQueue(queue);
  }

  function applyReplayed(entry, response, html) {
    var region = regionOfPath(entry.path);
    var container = containerOf(region);
    if (!response.ok) {
      var slot = document.getElementById("covara-errors-" + region);
      if (slot && html) slot.innerHTML = html;
      return;
    }
    if (!container) return;
    var id = decodeURIComponent(entry.path.split("/").pop());
    if (entry.verb === "delete") { removeRow(container, id); return; }
    var row = parse(html).querySelector("[data-covara-row]");
    if (row) upsert(container, row.getAttribute("data-covara-row"), row.outerHTML);
  }

  function replay() {
    if (replaying || !navigator.onLine) return;
    var queue = loadQueue();
    if (!queue.length) return;
    replaying = true;
    var entry = queue[0];
    var init = { method: entry.verb.toUpperCase(), credentials: "same-origin", headers: { "HX-Request": "true" } };
    if (entry.verb !== "delete" && entry.verb !== "get") {
      init.headers["Content-Type"] = "application/x-www-form-urlencoded";
      init.body = new URLSearchParams(entry.body).toString();
    }
    fetch(entry.path, init).then(function (response) {
      return response.text().then(function (html) {
        var rest = loadQueue();
        rest.shift();
        saveQueue(rest);
        applyReplayed(entry, response, html);
        replaying = false;
        replay();
      });
    }, function () { replaying = false; });
  }

  function isLiveWrite(detail) { return detail.path.indexOf(LIVE_PATH) === 0 && detail.verb !== "get"; }

  function optimisticRow(elt) {
    if (!elt || elt.getAttribute("data-covara-optimistic") !== "delete") return null;
    return elt.closest("[data-covara-row]");
  }

  function queued(elt) {
    var form = elt && elt.closest("form[data-covara-create]");
    if (form) form.reset();
    document.dispatchEvent(new CustomEvent("covara:queued", { detail: { size: loadQueue().length } }));
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    var row = optimisticRow(detail.elt);
    if (row) row.hidden = true;
    if (!navigator.onLine && isLiveWrite(detail)) {
      event.preventDefault();
      enqueue(detail);
      queued(detail.elt);
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    var config = event.detail.requestConfig;
    if (config && isLiveWrite(config)) { enqueue(config); queued(event.detail.elt); }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var row = optimisticRow(event.detail.elt);
    if (row) row.hidden = false;
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (event.detail.successful && elt && elt.matches("form[data-covara-create]")) elt.reset();
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var container = target && target.closest && target.closest("[data-covara-region]");
    if (container) dedupe(container);
  });

  window.addEventListener("online", replay);

  function start() {
    document.querySelectorAll("[data-covara-stream]").forEach(function (container) { connect(container, 0); });
    saveQueue(loadQueue());
    replay();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
`;
