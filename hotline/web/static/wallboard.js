// The wallboard: live queues from the /ws push socket, today's ring SLA from /api/sla, the ring-count histogram
// drawn on a <canvas>. Everything is built with textContent (never innerHTML), so no pushed value becomes markup.
// `el` and `$` come from /pages/dom.js; `config`, `api`, `connectPush` and `timeOfDay` from /pages/pages.js.
"use strict";
(() => {
  const WAITING = new Set(["queued", "ringing"]);
  const SLA_REFRESH_MS = 60000;      // figures also refresh after every ended call
  const SLA_MIN_GAP_MS = 2000;       // but not more often than this

  const state = {
    queues: [], agents: [], calls: new Map(), alerts: [],
    sla: { queue: null, agent: null, error: null }, connected: false,
  };

  // ---- time ------------------------------------------------------------------------------------------------
  const secondsSince = (iso) => (iso ? Math.max(0, (Date.now() - Date.parse(iso)) / 1000) : 0);
  function duration(seconds) {
    const s = Math.round(seconds), m = Math.floor(s / 60), h = Math.floor(m / 60);
    if (h) return `${h}:${String(m % 60).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
    return m ? `${m}:${String(s % 60).padStart(2, "0")}` : `${s}s`;
  }
  // Midnight today in the profile's timezone (not the browser's), as ISO 8601 with offset. The offset is taken
  // now, so on a daylight-saving change day "today" is off by the hour that moved.
  function todayStart() {
    const now = new Date();
    const date = new Intl.DateTimeFormat("en-CA", { timeZone: config.timezone, year: "numeric", month: "2-digit",
      day: "2-digit" }).format(now);
    const zone = new Intl.DateTimeFormat("en-US", { timeZone: config.timezone, timeZoneName: "longOffset" })
      .formatToParts(now).find((p) => p.type === "timeZoneName").value;   // "GMT+03:00" or "GMT"
    const offset = zone === "GMT" ? "+00:00" : zone.slice(3);
    return `${date}T00:00:00${offset}`;
  }

  // ---- the push socket ----------------------------------------------------------------------------------------
  function handle(message, socket) {
    switch (message.type) {
      case "queue_state": applyQueueState(message); break;
      case "call_state": applyCallState(message); break;
      case "sla_alert": addAlert(message); break;
      case "resync": socket.close(); break;   // we fell behind: a new connection starts from a fresh picture
      default: break;                          // hello, and types this page does not show
    }
  }

  function applyQueueState(message) {
    state.queues = message.queues || [];
    state.agents = message.agents || [];
    state.calls = new Map((message.calls || []).map((c) => [c.call_id, c]));
    render();
  }

  function applyCallState(message) {
    if (message.state === "ended") {
      state.calls.delete(message.call_id);
      refreshSla(false);
    } else {
      const known = state.calls.get(message.call_id);
      if (message.state === "answered") refreshSla(false);   // its ring has just been measured
      const stillWaiting = known && WAITING.has(known.state) && WAITING.has(message.state);
      state.calls.set(message.call_id, { call_id: message.call_id, state: message.state,
        queue: message.queue || (known && known.queue) || null, since: stillWaiting ? known.since : message.at });
    }
    renderCalls();
  }

  function addAlert(message) {
    state.alerts.unshift(message);
    state.alerts.length = Math.min(state.alerts.length, 20);
    renderAlerts();
  }

  // ---- SLA figures ----------------------------------------------------------------------------------------------
  let lastSla = 0, slaTimer = null;
  function refreshSla(now) {
    const wait = now ? 0 : Math.max(0, lastSla + SLA_MIN_GAP_MS - Date.now());
    clearTimeout(slaTimer);
    slaTimer = setTimeout(loadSla, wait);
  }

  async function fetchSla(by) {
    const query = new URLSearchParams({ from: todayStart(), to: new Date().toISOString(), by });
    return normaliseReport(await api(`/api/sla?${query}`));
  }

  async function loadSla() {
    lastSla = Date.now();
    try {
      const [queue, agent] = await Promise.all([fetchSla("queue"), fetchSla("agent")]);
      state.sla = { queue, agent, error: null };
    } catch (error) {
      state.sla.error = String(error.message || error);
    }
    renderSla();
    clearTimeout(slaTimer);
    slaTimer = setTimeout(loadSla, SLA_REFRESH_MS);
  }

  // /api/sla's report (hotline/web/sla.py): {groups: [{key, offered, answered, within_sla, ratio, histogram,
  // unanswered_histogram}], total}; histograms map a ring number (as text) to a count of rings.
  function normaliseReport(body) {
    return { groups: body.groups.map(normaliseGroup), total: normaliseGroup(body.total) };
  }

  function normaliseGroup(g) {
    const numbers = (h) => Object.fromEntries(Object.entries(h || {}).map(([k, v]) => [Number(k), Number(v)]));
    return { key: g.key, offered: g.offered, answered: g.answered, within_sla: g.within_sla, ratio: g.ratio,
      histogram: numbers(g.histogram), unanswered_histogram: numbers(g.unanswered_histogram) };
  }

  // ---- rendering ----------------------------------------------------------------------------------------------
  function render() { renderQueues(); renderCalls(); renderAgents(); }

  function renderQueues() {
    const rows = state.queues.map((q) => {
      const wait = q.longest_wait_since ? secondsSince(q.longest_wait_since) : 0;
      const chips = Object.entries(q.agents || {}).map(([s, n]) => el("span", { class: `chip state-${s}` },
        `${n} ${s.replace("_", " ")}`));
      return el("tr", { "data-queue": q.queue },
        el("td", {}, q.label || q.queue),
        el("td", { class: "num big" }, String(q.waiting)),
        el("td", { class: `num${wait > config.long_wait_seconds ? " wait-long" : ""}` },
          q.waiting ? duration(wait) : "–"),
        el("td", { class: "num" }, String(q.in_call ?? 0)),
        el("td", {}, ...(chips.length ? chips : ["–"])));
    });
    $("#queues tbody").replaceChildren(...rows);
  }

  const seenCalls = new Set();
  function renderCalls() {
    const calls = [...state.calls.values()].sort((a, b) => Date.parse(a.since) - Date.parse(b.since));
    const rows = calls.map((c) => {
      const row = el("tr", { "data-call-id": c.call_id, "data-state": c.state, class: seenCalls.has(c.call_id) ? "" : "new" },
        el("td", {}, c.call_id), el("td", {}, labelOf(c.queue)), el("td", { class: `state-${c.state}` }, c.state),
        el("td", { class: "num" }, duration(secondsSince(c.since))));
      seenCalls.add(c.call_id);
      return row;
    });
    $("#calls tbody").replaceChildren(...rows);
    $("#calls-count").textContent = `(${calls.length})`;
  }

  function renderAgents() {
    const rows = state.agents.map((a) => el("tr", { "data-extension": a.extension },
      el("td", {}, a.extension), el("td", { class: `state-${a.state}` }, a.state.replace("_", " ")),
      el("td", {}, a.reason || ""), el("td", { class: "num" }, duration(secondsSince(a.since)))));
    $("#agents tbody").replaceChildren(...rows);
  }

  function labelOf(queue) {
    const known = config.queues.find((q) => q.name === queue);
    return known ? known.label : (queue || "–");
  }

  // met or missed by the profile's target (a ratio of nothing offered is neither)
  const ratioClass = (ratio) => (ratio == null ? "" : ratio >= config.sla_ratio_target ? "ratio-ok" : "ratio-bad");

  function slaRows(report, label) {
    if (!report) return [];
    return report.groups.map((g) => el("tr", { "data-key": g.key },
      el("td", {}, label(g.key)), el("td", { class: "num" }, String(g.offered)),
      el("td", { class: "num" }, String(g.answered)), el("td", { class: "num" }, String(g.within_sla)),
      el("td", { class: `num ${ratioClass(g.ratio)}` }, g.ratio == null ? "–" : `${(100 * g.ratio).toFixed(1)} %`)));
  }

  function renderSla() {
    $("#sla-queues tbody").replaceChildren(...slaRows(state.sla.queue, labelOf));
    $("#sla-agents tbody").replaceChildren(...slaRows(state.sla.agent, (key) => key));
    $("#sla-note").textContent = state.sla.error ? `SLA figures unavailable: ${state.sla.error}` : "";
    drawHistogram(state.sla.queue ? state.sla.queue.total : null);
  }

  function renderAlerts() {
    $("#alerts").replaceChildren(...state.alerts.map((a) => el("li", {},
      el("span", { class: "kind" }, a.kind), `${timeOfDay(a.at)} ${a.message}`)));
  }

  // ---- the ring-count histogram -----------------------------------------------------------------------------
  function drawHistogram(total) {
    const canvas = $("#histogram");
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 900, height = canvas.clientHeight || 260;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    const ctx = canvas.getContext("2d");
    ctx.scale(ratio, ratio);
    ctx.clearRect(0, 0, width, height);
    const answered = total ? total.histogram : {}, missed = total ? total.unanswered_histogram : {};
    const limit = config.max_ring_count;
    const rings = Math.max(limit + 2, ...Object.keys(answered).map(Number), ...Object.keys(missed).map(Number));
    const stacks = [];
    for (let ring = 1; ring <= rings; ring++) stacks.push([answered[ring] || 0, missed[ring] || 0]);
    const top = Math.max(1, ...stacks.map(([a, m]) => a + m));
    const left = 44, bottom = height - 28, plotTop = 12, plotWidth = width - left - 12;
    const slot = plotWidth / rings, bar = Math.max(4, Math.min(90, slot * 0.6));
    const y = (n) => bottom - (n / top) * (bottom - plotTop);
    const css = getComputedStyle(document.documentElement);
    const colour = (name) => css.getPropertyValue(name).trim();

    ctx.font = "12px system-ui, sans-serif";
    ctx.fillStyle = colour("--muted");
    ctx.strokeStyle = colour("--line");
    ctx.lineWidth = 1;
    for (const n of [0, Math.ceil(top / 2), top]) {   // horizontal grid with counts
      ctx.beginPath(); ctx.moveTo(left, y(n)); ctx.lineTo(width - 12, y(n)); ctx.stroke();
      ctx.textAlign = "right"; ctx.fillText(String(n), left - 6, y(n) + 4);
    }
    let drawn = 0;
    stacks.forEach(([a, m], i) => {
      const x = left + i * slot + (slot - bar) / 2;
      const ring = i + 1;
      ctx.fillStyle = colour(ring <= limit ? "--ok" : "--late");
      ctx.fillRect(x, y(a), bar, bottom - y(a));
      ctx.fillStyle = "#6e7681";
      ctx.fillRect(x, y(a + m), bar, y(a) - y(a + m));
      if (a + m) drawn += 1;
      ctx.fillStyle = colour("--muted");
      ctx.textAlign = "center";
      ctx.fillText(`ring ${ring}`, x + bar / 2, height - 8);
    });
    // the limit: answered in ring <= max_ring_count is within SLA
    const limitX = left + limit * slot;
    ctx.strokeStyle = colour("--bad");
    ctx.setLineDash([6, 4]);
    ctx.beginPath(); ctx.moveTo(limitX, plotTop); ctx.lineTo(limitX, bottom); ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = colour("--bad");
    ctx.textAlign = "left";
    ctx.fillText(`limit: ring ${limit} (${config.sla_clause})`, limitX + 6, plotTop + 10);
    canvas.dataset.bars = String(drawn);   // how many ring numbers have a bar (read by tests)
  }

  // ---- start ------------------------------------------------------------------------------------------------
  $("#sla-rule").textContent = `(within ring ${config.max_ring_count}, ${config.sla_clause})`;
  drawHistogram(null);
  // the clock, in the profile's timezone like every time shown (the screen's own zone may be another)
  const showClock = () => { $("#clock").textContent = timeOfDay(new Date()); };
  showClock();
  setInterval(() => {   // waits and durations tick without any message
    showClock();
    renderQueues(); renderCalls(); renderAgents();
  }, 1000);
  connectPush(handle, (status) => { if (status === "live") refreshSla(true); });
})();
