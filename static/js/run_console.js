/* The run console: live fragments over the WebSocket (htmx ws extension), charts fed from
   them, client-side filters for rows that arrive live, and catch-up after a reconnect. */
(function () {
  "use strict";
  const root = document.getElementById("run-console");
  if (!root) return;
  const socketElt = document.getElementById("live-socket");
  const indicator = document.getElementById("live-indicator");
  const sinceUrl = root.dataset.sinceUrl.replace(/0\/$/, "");
  const MAX_ROWS = 600;
  let lastStep = parseInt(root.dataset.step, 10) || 0;
  let connected = false;
  let pollTimer = null;

  const charts = SimCharts.smallMultiples(document.getElementById("charts"), SimCharts.fromScript("chart-data") || []);

  function setIndicator(state, text) {
    indicator.dataset.state = state;
    indicator.querySelector(".live-text").textContent = text;
  }

  function consumeFrame() {
    const frame = document.getElementById("chart-frame");
    if (!frame || !frame.dataset.steps || frame.dataset.consumed) return;
    frame.dataset.consumed = "1";
    const points = JSON.parse(frame.dataset.steps);
    if (charts.append(points)) document.getElementById("charts-empty").hidden = true;
    lastStep = Math.max(lastStep, parseInt(frame.dataset.step, 10) || 0);
    root.dataset.step = String(lastStep);
    if (frame.dataset.live === "0" && !connected) setIndicator("done", "run ended");
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
    trim(body, "tr.timeline-row");
  }

  function filterChat() {
    const log = document.getElementById("chat-log");
    if (!log) return;
    const accept = (log.dataset.accept || "*").split("|");
    dedupe(log, ".chat-msg");
    log.querySelectorAll(".chat-msg").forEach(function (msg) {
      if (accept[0] === "*") return;
      const parties = (msg.dataset.parties || "").split("|");
      if (!parties.some(function (p) { return accept.indexOf(p) >= 0; })) msg.remove();
    });
    if (log.querySelector(".chat-msg")) log.querySelectorAll(".chat-empty").forEach(function (e) { e.remove(); });
    trim(log, ".chat-msg");
  }

  function nearBottom(el) { return el.scrollHeight - el.scrollTop - el.clientHeight < 60; }

  function afterFrame() {
    const scroller = document.getElementById("timeline-scroll");
    const log = document.getElementById("chat-log");
    const stickTimeline = nearBottom(scroller);
    const stickChat = log && nearBottom(log);
    consumeFrame();
    filterTimeline();
    filterChat();
    if (stickTimeline) scroller.scrollTop = scroller.scrollHeight;
    if (stickChat) log.scrollTop = log.scrollHeight;
  }

  // -- the socket --
  socketElt.addEventListener("htmx:wsOpen", function (evt) {
    connected = true;
    stopPolling();
    setIndicator("live", "live");
    evt.detail.socketWrapper.send(JSON.stringify({ type: "catch_up", since: lastStep }));
  });
  socketElt.addEventListener("htmx:wsClose", function () {
    connected = false;
    setIndicator("offline", "reconnecting…");
    startPolling();
  });
  socketElt.addEventListener("htmx:wsBeforeMessage", function (evt) {
    const text = evt.detail.message;
    if (typeof text === "string" && text.charAt(0) === "{") {
      evt.preventDefault(); // a JSON notice (run.tick / run.status): the HTML frame follows
      const payload = JSON.parse(text);
      if (payload.step > lastStep) document.getElementById("run-tick").textContent = payload.step;
    }
  });
  socketElt.addEventListener("htmx:wsAfterMessage", afterFrame);
  document.body.addEventListener("htmx:oobAfterSwap", function (evt) {
    if (evt.target && evt.target.id === "chart-frame") consumeFrame();
  });

  // Without a socket, ask the server for everything since the last step we saw.
  function poll() {
    fetch(sinceUrl + lastStep + "/", { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        if (!html) return;
        htmx.swap(document.getElementById("live-socket"), html, { swapStyle: "none" });
        afterFrame();
      })
      .catch(function () {});
  }
  function startPolling() { if (!pollTimer) pollTimer = setInterval(poll, 3000); }
  function stopPolling() { if (pollTimer) { clearInterval(pollTimer); pollTimer = null; } }

  // -- chat target, agent links, the send box --
  document.addEventListener("click", function (evt) {
    const link = evt.target.closest(".agent-chat-link");
    if (!link) return;
    const select = document.getElementById("chat-target");
    select.value = link.dataset.chat;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  });
  document.body.addEventListener("htmx:afterSwap", function (evt) {
    const id = evt.detail.target && evt.detail.target.id;
    if (id === "chat-log" || (evt.detail.elt && evt.detail.elt.id === "chat-log")) {
      const log = document.getElementById("chat-log");
      log.scrollTop = log.scrollHeight;
      const target = document.getElementById("chat-target").value;
      const to = document.querySelector("#inject-form select[name=to]");
      if (to && target !== "all" && to.querySelector('option[value="' + CSS.escape(target) + '"]')) to.value = target;
    }
    if (id === "detail-body") bootstrap.Modal.getOrCreateInstance(document.getElementById("detail-modal")).show();
  });
  document.body.addEventListener("htmx:afterSettle", function () { consumeFrame(); });

  const log = document.getElementById("chat-log");
  if (log) log.scrollTop = log.scrollHeight;
  const scroller = document.getElementById("timeline-scroll");
  scroller.scrollTop = scroller.scrollHeight;
})();
