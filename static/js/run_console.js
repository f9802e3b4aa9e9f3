/* The run console: live fragments over the WebSocket, charts fed from them, panels that
   follow the newest entry (or offer "jump to latest"), client-side filters for rows that
   arrive live, and catch-up after a reconnect.

   Every HTML frame, from the socket or from the polling fallback, goes through
   htmx.swap(..., {swapStyle: "none"}): htmx then performs the frame's out-of-band swaps,
   including those wrapped in <template> (table rows and cells, which cannot stand outside
   a table). The socket extension's own per-child swap cannot do that, so it never sees
   a frame. */
(function () {
  "use strict";
  const root = document.getElementById("run-console");
  if (!root) return;
  const socketElt = document.getElementById("live-socket");
  const indicator = document.getElementById("live-indicator");
  const sinceUrl = root.dataset.sinceUrl.replace(/0\/$/, "");
  const MAX_ROWS = 600;
  const FINAL = ["stopped", "completed", "failed"];
  let lastStep = parseInt(root.dataset.step, 10) || 0;
  let runStatus = root.dataset.status || "";
  let connected = false;
  let pollTimer = null;
  const TRY_AGAIN_LATER = 4503; // runs_app.consumers.CLOSE_TRY_AGAIN_LATER
  const RETRY_MAX_MS = 30000;
  let retryTimer = null;
  let retries = 0;
  let socket = null; // the socket wrapper while connected (to ask for a catch-up)
  let scrubbed = null; // the tick the console shows while scrubbed back, or null (following)
  let restoring = false; // going back to live: the current regions are on their way

  const charts = SimCharts.smallMultiples(document.getElementById("charts"), SimCharts.fromScript("chart-data") || []);

  // -- the live indicator: the connection and the run's state, never one without the other --
  function showState() {
    let state, text;
    if (FINAL.indexOf(runStatus) >= 0) {
      state = "done"; text = "run ended (" + runStatus + ")";
    } else if (!connected) {
      state = "offline"; text = pollTimer ? "reconnecting… (polling)" : "connecting…";
    } else if (runStatus === "paused") {
      state = "paused"; text = "connected · paused";
    } else {
      state = "live"; text = "live";
    }
    indicator.dataset.state = state;
    indicator.querySelector(".live-text").textContent = text;
    const ended = FINAL.indexOf(runStatus) >= 0;
    const fields = document.getElementById("god-mode-fields");
    if (fields) fields.disabled = ended;
    const send = document.getElementById("inject-send");
    if (send && ended) send.disabled = true;
  }

  function consumeFrame() {
    const frame = document.getElementById("chart-frame");
    if (!frame || !frame.dataset.steps || frame.dataset.consumed) return;
    frame.dataset.consumed = "1";
    const points = JSON.parse(frame.dataset.steps);
    if (charts.append(points)) document.getElementById("charts-empty").hidden = true;
    lastStep = Math.max(lastStep, parseInt(frame.dataset.step, 10) || 0);
    root.dataset.step = String(lastStep);
    if (frame.dataset.status) runStatus = frame.dataset.status;
    root.dataset.status = runStatus;
    showState();
    showScrub();
  }

  function dedupe(container, selector) {
    const seen = {};
    container.querySelectorAll(selector).forEach(function (el) {
      if (seen[el.id]) el.remove(); else seen[el.id] = true;
    });
  }

  function trim(container, selector) {
    const rows = container.querySelectorAll(selector);
    for (let i = 0; i < rows.length - MAX_ROWS; i++) rows[i].remove();
  }

  function filterTimeline() {
    const body = document.getElementById("timeline-body");
    if (!body) return;
    const form = document.getElementById("timeline-filter");
    const agent = form.elements.agent.value;
    const type = form.elements.type.value;
    dedupe(body, "tr.timeline-row");
    body.querySelectorAll("tr.timeline-row").forEach(function (row) {
      if ((agent && row.dataset.agent !== agent) || (type && row.dataset.type !== type)) row.remove();
    });
    if (body.querySelector("tr.timeline-row")) body.querySelectorAll("tr.timeline-empty").forEach(function (e) { e.remove(); });
    trim(body, "tr.timeline-row");
  }

  function filterChat() {
    const log = document.getElementById("chat-log");
    if (!log) return;
    const accept = (log.dataset.accept || "*").split("|");
    const text = (log.dataset.text || "").toLowerCase();
    const sender = log.dataset.sender || "";
    dedupe(log, ".chat-msg");
    log.querySelectorAll(".chat-msg").forEach(function (msg) {
      const parties = (msg.dataset.parties || "").split("|");
      const seen = accept[0] === "*" || parties.some(function (p) { return accept.indexOf(p) >= 0; });
      const said = !text || msg.querySelector(".chat-text").textContent.toLowerCase().indexOf(text) >= 0;
      const from = !sender || msg.dataset.sender === sender;
      if (!(seen && said && from)) msg.remove();
    });
    if (log.querySelector(".chat-msg")) log.querySelectorAll(".chat-empty").forEach(function (e) { e.remove(); });
    trim(log, ".chat-msg");
  }

  // -- following the newest entry, or counting what arrived while the user reads older ones --
  function nearBottom(el) { return el.scrollHeight - el.scrollTop - el.clientHeight < 40; }
  function jumpButton(scroller) { return document.querySelector('.jump-latest[data-scroller="' + scroller.id + '"]'); }
  function follow(scroller, stick, added) {
    if (!scroller) return;
    const button = jumpButton(scroller);
    if (stick) {
      scroller.scrollTop = scroller.scrollHeight;
      button.hidden = true;
      button.dataset.count = "0";
      return;
    }
    if (!added) return;
    const count = (parseInt(button.dataset.count, 10) || 0) + added;
    button.dataset.count = String(count);
    button.querySelector(".jump-count").textContent = count;
    button.hidden = false;
  }
  document.querySelectorAll(".jump-latest").forEach(function (button) {
    button.addEventListener("click", function () {
      const scroller = document.getElementById(button.dataset.scroller);
      scroller.scrollTop = scroller.scrollHeight;
      button.hidden = true;
      button.dataset.count = "0";
    });
  });
  document.addEventListener("scroll", function (evt) {
    const el = evt.target;
    if (!el || !el.id || !(el.id === "chat-log" || el.id === "timeline-scroll")) return;
    if (nearBottom(el)) { const button = jumpButton(el); button.hidden = true; button.dataset.count = "0"; }
  }, true);

  /** The newest entry now shown in a panel (null when it shows none). */
  function newest(id, selector) {
    const el = document.getElementById(id);
    const entries = el ? el.querySelectorAll(selector) : [];
    return entries.length ? entries[entries.length - 1] : null;
  }

  /** How many entries arrived after `last`: counted by position, not by totals, because
      a panel at its MAX_ROWS cap drops as many old entries as new ones arrive. */
  function arrivedAfter(id, selector, last) {
    const el = document.getElementById(id);
    if (!el) return 0;
    const entries = Array.from(el.querySelectorAll(selector));
    if (!last || !last.isConnected) return entries.length;
    return entries.length - 1 - entries.indexOf(last);
  }

  // While the console shows an earlier tick, a live frame may only redraw what is not
  // "at a tick": the header (so N keeps counting), the charts' data and the evaluation.
  const KEEP_WHILE_SCRUBBED = ["run-header", "run-tick", "tick-progress", "chart-frame", "evaluation-panel"];
  function headerOnly(html) {
    const tpl = document.createElement("template");
    tpl.innerHTML = html;
    Array.from(tpl.content.children).forEach(function (el) {
      if (KEEP_WHILE_SCRUBBED.indexOf(el.id) < 0) el.remove();
    });
    return tpl.innerHTML;
  }

  /** Apply one HTML frame of out-of-band fragments, keeping each panel's reading position. */
  function applyFrame(html) {
    if (scrubbed !== null || restoring) {
      htmx.swap(socketElt, headerOnly(html), { swapStyle: "none" });
      consumeFrame();
      return;
    }
    const scroller = document.getElementById("timeline-scroll");
    const stickTimeline = nearBottom(scroller);
    const stickChat = nearBottom(document.getElementById("chat-log"));
    const lastRow = newest("timeline-body", "tr.timeline-row");
    const lastMsg = newest("chat-log", ".chat-msg");
    if (window.SimWorld) window.SimWorld.before();
    htmx.swap(socketElt, html, { swapStyle: "none" });
    if (window.SimWorld) window.SimWorld.after();
    consumeFrame();
    filterTimeline();
    filterChat();
    follow(scroller, stickTimeline, arrivedAfter("timeline-body", "tr.timeline-row", lastRow));
    follow(document.getElementById("chat-log"), stickChat, arrivedAfter("chat-log", ".chat-msg", lastMsg));
    if (window.SimEvaluation) window.SimEvaluation.refresh();
  }

  // -- the socket --
  socketElt.addEventListener("htmx:wsOpen", function (evt) {
    connected = true;
    socket = evt.detail.socketWrapper;
    retries = 0;
    stopPolling();
    showState();
    evt.detail.socketWrapper.send(JSON.stringify({ type: "catch_up", since: lastStep }));
  });
  socketElt.addEventListener("htmx:wsClose", function (evt) {
    connected = false;
    socket = null;
    if (FINAL.indexOf(runStatus) < 0) startPolling();
    const code = evt.detail.event ? evt.detail.event.code : 0;
    if (code === TRY_AGAIN_LATER && FINAL.indexOf(runStatus) < 0) retryLater(evt.detail.socketWrapper);
    showState();
  });
  // The server could not reach its channel layer (Redis): poll meanwhile, and open the socket
  // again with a growing pause (the ws extension itself retries only on 1006 and 1011-1013).
  function retryLater(wrapper) {
    if (retryTimer) return;
    const delay = Math.min(RETRY_MAX_MS, 1000 * Math.pow(2, retries)) * (0.8 + 0.4 * Math.random());
    retries += 1;
    retryTimer = setTimeout(function () { retryTimer = null; wrapper.reconnect(); }, delay);
  }
  socketElt.addEventListener("htmx:wsBeforeMessage", function (evt) {
    evt.preventDefault(); // frames are applied below, not by the extension
    const text = evt.detail.message;
    if (typeof text !== "string") return;
    if (text.charAt(0) === "{") {
      const payload = JSON.parse(text); // a notice (run.tick / run.status ...): the HTML frame follows
      if (payload.status) { runStatus = payload.status; showState(); }
      if (payload.step > lastStep) document.getElementById("run-tick").textContent = payload.step;
      return;
    }
    applyFrame(text);
  });

  // Without a socket, ask the server for everything since the last step we saw.
  function poll() {
    fetch(sinceUrl + lastStep + "/", { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (html) applyFrame(html); })
      .catch(function () {});
  }
  function startPolling() { if (!pollTimer) pollTimer = setInterval(poll, 3000); }
  function stopPolling() { if (pollTimer) { clearInterval(pollTimer); pollTimer = null; } }

  // -- the tick scrubber: the whole console at tick k, one tick's fragment at a time --
  const scrubber = document.getElementById("scrubber");
  const range = document.getElementById("scrub-range");
  const scrubText = document.querySelector("#scrub-state .scrub-text");
  const liveButton = document.getElementById("scrub-live");
  const forkLink = document.getElementById("scrub-fork");
  const atUrl = scrubber.dataset.atUrl.replace(/0\/$/, "");
  let scrubSeq = 0;
  let scrubTimer = null;

  function latest() { return Math.max(lastStep, parseInt(scrubber.dataset.last, 10) || 0); }

  function showScrub() {
    const n = latest();
    range.max = String(n);
    const k = scrubbed === null ? n : scrubbed;
    if (scrubbed === null) range.value = String(n);
    document.getElementById("scrub-state").dataset.mode = scrubbed === null ? "live" : "scrubbed";
    scrubText.textContent = scrubbed === null ? "viewing the latest tick (" + n + ")" : "viewing tick " + k + " of " + n;
    liveButton.hidden = scrubbed === null;
    liveButton.textContent = FINAL.indexOf(runStatus) >= 0 ? "Back to the latest tick" : "Back to live";
    forkLink.href = scrubber.dataset.forkUrl + "?step=" + k;
    document.getElementById("scrub-first").disabled = k <= 0;
    document.getElementById("scrub-back").disabled = k <= 0;
    document.getElementById("scrub-forward").disabled = scrubbed === null || k >= n;
    document.querySelectorAll(".scrub-until").forEach(function (input) { input.value = scrubbed === null ? "" : String(scrubbed); });
    root.classList.toggle("is-scrubbed", scrubbed !== null);
  }

  /** The console's filters (timeline and chat), as query parameters. */
  function filterQuery() {
    const params = new URLSearchParams();
    const timeline = document.getElementById("timeline-filter");
    params.set("agent", timeline.elements.agent.value);
    params.set("type", timeline.elements.type.value);
    params.set("chat", document.getElementById("chat-target").value);
    params.set("text", document.getElementById("chat-text").value);
    params.set("sender", document.getElementById("chat-sender").value);
    return params.toString();
  }

  /** Swap in a regions answer (tiles, agents, map, timeline, chat) and show its tick. */
  function applyRegions(html) {
    if (window.SimWorld) window.SimWorld.before();
    htmx.swap(socketElt, html, { swapStyle: "none" });
    if (window.SimWorld) window.SimWorld.after();
    const frame = document.getElementById("scrub-frame");
    const last = parseInt(frame.dataset.last, 10) || 0;
    scrubber.dataset.last = String(Math.max(last, parseInt(scrubber.dataset.last, 10) || 0));
    ["timeline-scroll", "chat-log"].forEach(function (id) {
      const el = document.getElementById(id);
      if (el) { el.scrollTop = el.scrollHeight; jumpButton(el).hidden = true; }
    });
    return parseInt(frame.dataset.step, 10) || 0;
  }

  function showError(text) {
    scrubText.textContent = text;
  }

  function fetchTick(k) {
    const seq = ++scrubSeq;
    fetch(atUrl + k + "/?" + filterQuery(), { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (r) { return r.text().then(function (text) { return { ok: r.ok, text: text }; }); })
      .then(function (answer) {
        if (seq !== scrubSeq || scrubbed !== k) return; // a newer tick was asked for since
        if (!answer.ok) { showError(answer.text); return; }
        applyRegions(answer.text);
        charts.cursor(k);
        showScrub();
      })
      .catch(function () { if (seq === scrubSeq) showError("could not load tick " + k); });
  }

  function scrubTo(k, wait) {
    const n = latest();
    k = Math.max(0, Math.min(k, n));
    if (k >= n && scrubbed === null) return;
    if (k >= n) { backToLive(); return; }
    scrubbed = k;
    showScrub();
    clearTimeout(scrubTimer);
    scrubTimer = setTimeout(function () { fetchTick(k); }, wait ? 150 : 0);
  }

  function backToLive() {
    clearTimeout(scrubTimer);
    const seq = ++scrubSeq;
    restoring = true;
    scrubbed = null;
    showScrub();
    charts.cursor(null);
    fetch(scrubber.dataset.nowUrl + "?" + filterQuery(), { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        if (seq !== scrubSeq) return;
        restoring = false;
        if (!html) return;
        const step = applyRegions(html);
        lastStep = Math.max(lastStep, step);
        // Live frames resume from the tick these regions show.
        if (socket) socket.send(JSON.stringify({ type: "catch_up", since: step }));
        else poll();
        showScrub();
      })
      .catch(function () { restoring = false; });
  }

  range.addEventListener("input", function () { scrubTo(parseInt(range.value, 10) || 0, true); });
  document.getElementById("scrub-first").addEventListener("click", function () { scrubTo(0); });
  document.getElementById("scrub-back").addEventListener("click", function () {
    scrubTo((scrubbed === null ? latest() : scrubbed) - 1);
  });
  document.getElementById("scrub-forward").addEventListener("click", function () {
    if (scrubbed !== null) scrubTo(scrubbed + 1);
  });
  liveButton.addEventListener("click", backToLive);

  // -- chat target, agent links, the send box, event parameters --
  document.addEventListener("click", function (evt) {
    const link = evt.target.closest(".agent-chat-link");
    if (!link) return;
    const select = document.getElementById("chat-target");
    select.value = link.dataset.chat;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  });
  const eventType = document.getElementById("god-event-type");
  if (eventType) {
    eventType.addEventListener("change", function () {
      document.querySelectorAll("#god-event-form .event-params").forEach(function (group) {
        const shown = group.dataset.event === eventType.value;
        group.hidden = !shown;
        group.querySelectorAll("input, select").forEach(function (input) { input.disabled = !shown; });
      });
    });
  }
  document.body.addEventListener("htmx:afterSwap", function (evt) {
    const id = evt.detail.target && evt.detail.target.id;
    if (id === "chat-log" || (evt.detail.elt && evt.detail.elt.id === "chat-log")) {
      const log = document.getElementById("chat-log");
      log.scrollTop = log.scrollHeight;
      jumpButton(log).hidden = true;
      const target = document.getElementById("chat-target").value;
      const to = document.querySelector("#inject-form select[name=to]");
      if (to && target !== "all" && to.querySelector('option[value="' + CSS.escape(target) + '"]')) to.value = target;
    }
    if (id === "detail-body") bootstrap.Modal.getOrCreateInstance(document.getElementById("detail-modal")).show();
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    const status = document.getElementById("run-status");
    if (status && status.dataset.status) { runStatus = status.dataset.status; showState(); }
  });

  const log = document.getElementById("chat-log");
  if (log) log.scrollTop = log.scrollHeight;
  const scroller = document.getElementById("timeline-scroll");
  scroller.scrollTop = scroller.scrollHeight;
  showState();
  showScrub();
})();
