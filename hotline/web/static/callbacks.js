// The callbacks page: pending, dialing and failed tasks from /api/callbacks, re-read every few seconds and at once
// when /ws says a callback changed. Rows are built with textContent (never innerHTML): no value becomes markup.
// `el` and `$` come from /pages/dom.js; `config`, `api`, `connectPush`, `inZone` and `timeOfDay` from
// /pages/pages.js.
"use strict";
(() => {
  // what says a callback changed: a try started or ended, and the "failed" alert (an sla_alert of that kind)
  const PUSHED = new Set(["callback_dialing", "callback_result", "resync"]);
  const changed = (m) => PUSHED.has(m.type) || (m.type === "sla_alert" && m.kind === "callback_failed");
  const REFRESH_MS = Math.max(1, config.refresh_seconds) * 1000;
  const PUSH_GAP_MS = 300;   // a burst of pushes (a dialer round) is one re-read
  const LATE_MS = config.late_callback_minutes * 60000;   // a due task this far past its time is marked late

  // ---- time, in the profile's timezone (not the browser's) ----------------------------------------------------
  const day = inZone({ weekday: "short", day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" });
  const when = (iso) => (iso ? day(iso) : "–");
  function ago(iso) {
    const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000)), m = Math.floor(s / 60);
    return m ? `${m} min` : `${s}s`;
  }

  // ---- the API ------------------------------------------------------------------------------------------------
  const tasksIn = (state) => api(`/api/callbacks?state=${state}&limit=1000`);

  let loading = null, again = false, loads = 0;
  async function load() {
    if (loading) { again = true; return loading; }   // one read at a time; a push during it asks for one more
    loading = (async () => {
      try {
        const [pending, dialing, failed] = await Promise.all(["pending", "dialing", "failed"].map(tasksIn));
        render(pending, dialing, failed);
        document.body.dataset.loads = String(++loads);   // lets a test tell a fresh read from an old one
        showError("");
        $("#updated").textContent = `updated ${timeOfDay(new Date())}`;
      } catch (error) {
        showError(`could not read the callbacks: ${error.message || error}`);
      }
    })();
    await loading;
    loading = null;
    if (again) { again = false; await load(); }
  }

  let pushTimer = null;
  function loadSoon() { clearTimeout(pushTimer); pushTimer = setTimeout(load, PUSH_GAP_MS); }

  async function act(button, path, body) {
    button.disabled = true;
    try {
      await api(path, { method: "POST", body: JSON.stringify(body || {}) });
    } catch (error) {
      showError(String(error.message || error));
    }
    await load();
  }

  const reschedule = (task) => (event) => act(event.target, `/api/callbacks/${task.id}/reschedule`,
    { due_at: new Date().toISOString() });
  const cancel = (task) => (event) => act(event.target, `/api/callbacks/${task.id}/cancel`);

  function showError(text) {
    const node = $("#error");
    node.textContent = text;
    node.hidden = !text;
  }

  // ---- rendering ----------------------------------------------------------------------------------------------
  const COLUMNS = {
    due: ["#", "number", "why", "due", "for", "tries", "note", ""],
    running: ["#", "number", "why", "agent", "since", "try", "note"],
    failed: ["#", "number", "why", "last try", "for", "tries", "note", ""],
    upcoming: ["#", "number", "why", "due", "for", "tries", "note", ""],
  };
  const NUMERIC = new Set(["since", "try", "tries"]);
  for (const [section, names] of Object.entries(COLUMNS)) {
    $(`#${section} thead`).replaceChildren(el("tr", {}, ...names.map((name) =>
      el("th", NUMERIC.has(name) ? { class: "num" } : {}, name))));
  }

  const byUrgency = (a, b) => a.priority - b.priority || Date.parse(a.due_at) - Date.parse(b.due_at) || a.id - b.id;
  const byDue = (a, b) => Date.parse(a.due_at) - Date.parse(b.due_at) || a.id - b.id;

  function render(pending, dialing, failed) {
    const now = Date.now();
    const due = pending.filter((t) => Date.parse(t.due_at) <= now).sort(byUrgency);
    const upcoming = pending.filter((t) => Date.parse(t.due_at) > now).sort(byDue);
    fill("due", due, (t) => [cell(when(t.due_at), Date.parse(t.due_at) < now - LATE_MS ? "late" : ""),
      cell(whom(t)), cell(String(t.attempts), "num"), note(t), buttons(button("Cancel", cancel(t)))]);
    fill("running", dialing.sort(byDue), (t) => [cell(t.agent || "–"), cell(ago(t.updated_at), "num"),
      cell(String(t.attempts), "num"), note(t)]);
    fill("failed", failed.sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at)), (t) => [
      cell(when(t.updated_at)), cell(whom(t)), cell(String(t.attempts), "num"), note(t),
      buttons(button("Reschedule", reschedule(t), "primary"), button("Cancel", cancel(t)))]);
    fill("upcoming", upcoming, (t) => [cell(when(t.due_at)), cell(whom(t)), cell(String(t.attempts), "num"),
      note(t), buttons(button("Cancel", cancel(t)))]);
  }

  function fill(section, tasks, rest) {
    const rows = tasks.map((t) => el("tr", { "data-task-id": String(t.id), "data-state": t.state },
      cell(String(t.id)), cell(t.number || "–"), el("td", {}, ...t.reasons.map(reasonChip)), ...rest(t)));
    if (!rows.length) rows.push(el("tr", { class: "empty" }, el("td", { colSpan: COLUMNS[section].length }, "none")));
    $(`#${section} tbody`).replaceChildren(...rows);
    $(`#${section} .count`).textContent = `(${tasks.length})`;
  }

  const cell = (text, cls = "") => el("td", cls ? { class: cls } : {}, text);
  const note = (t) => el("td", { class: "note" }, t.agreed_at ? `agreed ${when(t.agreed_at)}. ${t.note || ""}`
    : (t.note || ""));
  const buttons = (...nodes) => el("td", { class: "actions" }, ...nodes);
  const button = (text, onclick, cls = "") => el("button", { type: "button", class: cls, onclick }, text);
  const reasonChip = (reason) => el("span", { class: `reason reason-${reason}` }, reason.replace("_", " "));

  function whom(task) {
    if (task.extension) return `ext. ${task.extension}`;
    const queue = config.queues.find((q) => q.name === task.queue);
    return queue ? queue.label : (task.queue || "any agent");
  }

  // the push socket is only a signal to re-read; a socket (re)opened re-reads at once
  connectPush((message) => { if (changed(message)) loadSoon(); }, (status) => { if (status === "live") load(); });
  load();
  setInterval(load, REFRESH_MS);
})();
