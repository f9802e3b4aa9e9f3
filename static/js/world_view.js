/* The run console's world view: tokens glide to their new place when a tick redraws the
   map, clicking a place lists who is there, clicking a token opens that agent (its chat,
   via the shared `.agent-chat-link` handler, and its row in the agents table).
   run_console.js calls SimWorld.before() / after() around every swap of #world-view. */
window.SimWorld = (function () {
  "use strict";
  let positions = {};
  let selected = null; // the place whose list is shown, by id

  function before() {
    positions = {};
    document.querySelectorAll("#world-view .map-token").forEach(function (token) {
      positions[token.id] = token.style.transform;
    });
  }

  /** Start each moved token at its old place, then let the CSS transition carry it. */
  function after() {
    document.querySelectorAll("#world-view .map-token").forEach(function (token) {
      const old = positions[token.id];
      const target = token.style.transform;
      if (!old || old === target) return;
      token.style.transition = "none";
      token.style.transform = old;
      token.getBoundingClientRect(); // commit the old position before moving
      token.style.transition = "";
      token.style.transform = target;
    });
    const view = document.getElementById("world-view");
    const badge = document.getElementById("world-tick");
    if (view && badge) badge.textContent = "tick " + view.dataset.tick;
    if (selected) showPlace(selected);
  }

  function personButton(name) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-link btn-sm p-0 me-2 agent-chat-link";
    button.dataset.chat = "agent:" + name;
    button.textContent = name;
    return button;
  }

  function showPlace(id) {
    const detail = document.getElementById("world-detail");
    const place = document.querySelector('#world-view .map-location[data-location="' + CSS.escape(id) + '"]');
    if (!detail || !place) { if (detail) detail.hidden = true; selected = null; return; }
    selected = id;
    detail.replaceChildren();
    const head = document.createElement("div");
    head.className = "place-summary";
    head.textContent = place.dataset.summary;
    detail.appendChild(head);
    const who = document.createElement("div");
    who.className = "place-people";
    const people = (place.dataset.people || "").split("|").filter(Boolean);
    const arriving = (place.dataset.arriving || "").split("|").filter(Boolean);
    who.appendChild(document.createTextNode(people.length ? "Here: " : "No agent here."));
    people.forEach(function (name) { who.appendChild(personButton(name)); });
    if (arriving.length) {
      who.appendChild(document.createTextNode(" On the way here: "));
      arriving.forEach(function (name) { who.appendChild(personButton(name)); });
    }
    detail.appendChild(who);
    detail.hidden = false;
    document.querySelectorAll("#world-view .map-location.selected").forEach(function (el) { el.classList.remove("selected"); });
    place.classList.add("selected");
  }

  function openAgent(name) {
    const row = document.querySelector('#agents-body tr[data-agent="' + CSS.escape(name) + '"]');
    document.querySelectorAll("#agents-body tr.agent-focus").forEach(function (el) { el.classList.remove("agent-focus"); });
    if (row) {
      row.classList.add("agent-focus");
      row.scrollIntoView({ block: "nearest" });
    }
  }

  document.addEventListener("click", function (evt) {
    const place = evt.target.closest("#world-view .map-location");
    if (place) { showPlace(place.dataset.location); return; }
    const token = evt.target.closest("#world-view .map-token, #world-detail .agent-chat-link");
    if (token) openAgent(token.dataset.agent || (token.dataset.chat || "").replace(/^agent:/, ""));
  });
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Enter" && evt.key !== " ") return;
    const target = evt.target.closest && evt.target.closest("#world-view [role=button]");
    if (!target) return;
    evt.preventDefault();
    target.dispatchEvent(new MouseEvent("click", { bubbles: true }));
  });

  return { before: before, after: after, showPlace: showPlace };
})();
