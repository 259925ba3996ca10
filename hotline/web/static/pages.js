// What the supervisors' pages share beyond the DOM helpers: the embedded config, the API with the page's session,
// the push socket with its status badge, sign-out, and times in the profile's timezone. Loaded before the page's own script
// (deferred scripts run in order); it needs nothing from the others, only the ids page.html gives every page.
"use strict";
const { config, api, connectPush, inZone, timeOfDay } = (() => {
  // page.html embeds the page's policy config as JSON: data, never run (the CSP allows no inline script)
  const config = JSON.parse(document.querySelector('script[type="application/json"][id$="-config"]').textContent);
  // A page is opened once as /<name>?token=…; the server trades the token for an HttpOnly session cookie and sends
  // the browser on without it, so this script never sees a credential: the browser sends the cookie itself.

  // The API with the page's session; X-Hotline-Request marks the request as this page's own (the server refuses a
  // change made with the cookie without it: a cross-site form cannot send it). A refusal is thrown with the API's
  // own message.
  async function api(path, options = {}) {
    const response = await fetch(path, { cache: "no-store", credentials: "same-origin", ...options,
      headers: { "X-Hotline-Request": "1", "Content-Type": "application/json" } });
    const body = await response.json().catch(() => null);
    if (response.ok) return body;
    const route = path.split("?")[0];
    throw new Error((body && body.error && body.error.message) || `${route} answered ${response.status}`);
  }

  // The push socket /ws: each message goes to onMessage(message, socket); the header's badge shows the socket's
  // state ("live", "reconnecting"), also told to onStatus. A lost socket is opened again, waiting longer each
  // time (up to 10 s) so that a restarting service is not hammered.
  function connectPush(onMessage, onStatus = () => {}) {
    let retries = 0;
    const setStatus = (state, text) => {
      const badge = document.getElementById("status");
      badge.dataset.state = state;
      badge.textContent = text;
      onStatus(state);
    };
    (function connect() {
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      const socket = new WebSocket(`${scheme}//${location.host}/ws`);   // the session cookie goes with it
      socket.onopen = () => { retries = 0; setStatus("live", "live"); };
      socket.onmessage = (event) => onMessage(JSON.parse(event.data), socket);
      socket.onclose = () => {
        setStatus("reconnecting", "reconnecting…");
        setTimeout(connect, Math.min(10000, 500 * 2 ** retries++));
      };
    })();
  }

  // Times in the profile's timezone, never the browser's: a wall screen or a desk may be set to any zone.
  // inZone(options) is a formatter of a Date or an ISO 8601 text (Intl.DateTimeFormat options).
  function inZone(options) {
    const format = new Intl.DateTimeFormat("en-GB", { timeZone: config.timezone, ...options });
    return (value) => format.format(new Date(value));
  }
  const timeOfDay = inZone({ timeStyle: "medium" });   // 14:05:09

  document.getElementById("profile").textContent = config.profile;
  // Sign out: the session ends on the server and its cookie is cleared; the page then shows the refusal.
  document.getElementById("logout").addEventListener("click", async () => {
    await api("/api/session/logout", { method: "POST" }).catch(() => null);
    location.reload();
  });
  return { config, api, connectPush, inZone, timeOfDay };
})();
