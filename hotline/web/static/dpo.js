// The DPO page: open data-subject requests from /api/subject-requests, soonest deadline first, an overdue one marked;
// re-read every minute. Rows are built with textContent (never innerHTML): no value becomes markup.
// `el` and `$` come from /pages/dom.js; `config`, `api` and `timeOfDay` from /pages/pages.js.
"use strict";
(() => {
  const REFRESH_MS = Math.max(1, config.refresh_seconds) * 1000;
  const KINDS = { access: "access (§49)", rectification: "rectification (§26)", erasure: "erasure (§31)",
    restriction: "restriction (§34)" };

  function showError(text) {
    const box = $("#error");
    box.textContent = text;
    box.hidden = !text;
  }

  function setStatus(state, text) {
    const badge = $("#status");
    badge.dataset.state = state;
    badge.textContent = text;
  }

  function render(requests) {
    // the API sorts them already; sorting again keeps the page right whatever order comes
    const sorted = [...requests].sort((a, b) => a.due_on.localeCompare(b.due_on) || a.id - b.id);
    const rows = sorted.map((r) => {
      const due = el("td", {}, r.due_on);
      if (r.overdue) due.append(el("span", { class: "overdue-mark" }, "overdue"));
      return el("tr", { "data-request-id": String(r.id), "data-overdue": String(r.overdue),
        class: r.overdue ? "overdue" : "" },
      el("td", {}, String(r.id)), el("td", {}, KINDS[r.kind] || r.kind), el("td", {}, r.number),
      el("td", {}, r.received_on), el("td", {}, r.assess_due_on || "–"), due, el("td", {}, r.state));
    });
    $("#requests tbody").replaceChildren(...rows);
    $("#requests .count").textContent = String(rows.length);
  }

  let loads = 0;
  async function load() {
    try {
      render(await api("/api/subject-requests?state=open"));
      document.body.dataset.loads = String(++loads);
      showError("");
      setStatus("live", "live");
      $("#updated").textContent = `updated ${timeOfDay(new Date())}`;
    } catch (error) {
      setStatus("reconnecting", "not read");
      showError(`could not read the requests: ${error.message || error}`);
    }
  }

  load();
  setInterval(load, REFRESH_MS);
})();
