// The site console's page: polls the box twice a second and draws four views.
// Every word comes from /i18n/<lang>.json (one table per language); every value
// from the box; nothing is loaded from elsewhere. Text from the box is set with
// textContent only, never parsed as HTML.
"use strict";
(function () {
  const POLL_MS = 500, EVENTS_MS = 3000;
  const LANGS = ["zh-CN", "en"];
  let lang = localStorage.getItem("riskgw.lang") || "zh-CN";
  let words = {}, snap = null, session = { signed_in: false }, events = [], view = "now";
  let layout = null, version = null, health = null, lastEventsMs = 0, lastHealthMs = 0;

  const $ = (id) => document.getElementById(id);
  const t = (key) => (key in words ? words[key] : key);
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function row(cells) {
    const tr = el("tr");
    for (const c of cells) {
      const td = c instanceof Node ? el("td") : el("td", c);
      if (c instanceof Node) td.appendChild(c);
      tr.appendChild(td);
    }
    return tr;
  }
  function headRow(titles) {
    const tr = el("tr");
    for (const title of titles) tr.appendChild(el("th", title));
    return tr;
  }
  function fmtTime(ms) {
    if (!ms) return "";
    const d = new Date(ms), p = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }
  function fmtValue(v) { return typeof v === "number" ? String(Math.round(v * 1000) / 1000) : ""; }
  // A message the person must read (a refused sign-in or act) stays until their next try;
  // the page's own notes (sign in, read-only) never cover it.
  let sticky = false;
  function message(text, mustRead) {
    if (sticky && !mustRead) return;
    sticky = !!(mustRead && text);
    $("message").textContent = text || "";
    $("message").classList.toggle("hidden", !text);
  }

  async function api(path, body) {
    const opts = { credentials: "same-origin", cache: "no-store" };
    if (body !== undefined) {
      opts.method = "POST";
      opts.headers = { "Content-Type": "application/json", "X-CSRF-Token": session.csrf || "" };
      opts.body = JSON.stringify(body);
    }
    const r = await fetch(path, opts);
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    return { status: r.status, data: data };
  }

  // ---- words ----
  async function loadWords() {
    const r = await fetch(`/i18n/${lang}.json`, { cache: "no-store" });
    words = await r.json();
    document.documentElement.lang = lang;
    document.title = t("title");
    for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = t(e.dataset.i18n);
    for (const e of document.querySelectorAll("[data-i18n-ph]")) e.placeholder = t(e.dataset.i18nPh);
    $("lang-switch").textContent = t("lang.switch");
    render();
  }

  // ---- session ----
  function showSession() {
    $("signin-form").classList.toggle("hidden", session.signed_in);
    $("operator").classList.toggle("hidden", !session.signed_in);
    $("operator-name").textContent = session.name || "";
  }
  async function refreshSession() {
    const r = await api("/api/session");
    if (r.data) session = r.data;
    showSession();
  }
  async function signIn(ev) {
    ev.preventDefault();
    message("", true);
    const r = await api("/api/signin", { name: $("signin-name").value, password: $("signin-password").value });
    $("signin-password").value = "";
    if (r.status === 200 && r.data) {
      session = r.data;
      message("", true);
      showSession();
      poll();
      return;
    }
    message(r.status === 429 || (r.data && r.data.error === "locked") ? t("signin.locked") : t("signin.denied"), true);
  }
  async function signOut() {
    await api("/api/signout", {});
    session = { signed_in: false };
    showSession();
  }

  // ---- views ----
  function qualityBadge(p) {
    if (p.quality === "good" || p.quality === "uncertain") return null;
    if (p.quality === "none") return el("span", "—", "no-reading");   // not read yet, or a combined rule
    return el("span", `${t("fault")}: ${t("q." + p.quality)}`, "badge fault");
  }
  function alarmBadge(a) {
    if (!a) return el("span", "");
    if (a.faulted) return el("span", t("fault"), "badge fault");
    const sev = a.severity || a.latched;
    if (!sev) return el("span", a.stale ? t("stale.state") : t("normal"), a.stale ? "badge fault" : "badge ok");
    return el("span", `${a.level} (${sev})`, `badge sev${Math.min(sev, 4)}`);
  }
  function valueCell(p) {
    const q = qualityBadge(p);
    if (q) return q;          // a fault or lost communication is never shown as a number
    return el("span", `${fmtValue(p.value)} ${p.unit}`);
  }
  function renderNow() {
    const box = $("devices");
    box.textContent = "";
    for (const d of snap.devices) {
      const card = el("div", null, "device");
      const h = el("h3", d.id);
      h.appendChild(el("span", t("comm." + d.comm), "badge " + d.comm));
      card.appendChild(h);
      const table = el("table");
      table.appendChild(headRow([t("point"), t("value"), t("quality"), t("alarm")]));
      for (const p of d.points) {
        const tr = row([`${p.name} (${p.id})`, valueCell(p), t("q." + p.quality), alarmBadge(p.alarm)]);
        tr.dataset.point = `${d.id}/${p.id}`;
        if (p.alarm && (p.alarm.severity || p.alarm.latched)) tr.className = "in-alarm";
        table.appendChild(tr);
      }
      card.appendChild(table);
      box.appendChild(card);
    }
  }
  // When each point's alarm began: its newest RAISED in the log.
  function alarmSince(device, point) {
    for (const e of events) if (e.device === device && e.point === point && e.kind === "RAISED") return e.ts;
    return 0;
  }
  function actButton(kind, device, point) {
    const b = el("button", t("act." + kind), "act act-" + kind);
    b.type = "button";
    b.addEventListener("click", async () => {
      const r = await api("/api/" + kind, { device: device, point: point });
      message(r.status === 200 ? "" : `${t("act.refused")}: ${(r.data && (r.data.error || r.data.detail)) || r.status}`, true);
      lastEventsMs = 0;
      poll();
    });
    return b;
  }
  function activeAlarms() {
    const list = [];
    for (const d of snap.devices)
      for (const p of d.points)
        if (p.alarm && (p.alarm.severity || p.alarm.latched || p.alarm.faulted || p.alarm.stale))
          list.push({ d: d, p: p, sev: p.alarm.faulted ? 0.5 : Math.max(p.alarm.severity, p.alarm.latched) });
    return list.sort((a, b) => b.sev - a.sev);
  }
  // Redrawn only when something shown changed, so a button is not replaced under a click.
  let alarmsShown = "";
  function renderAlarms() {
    const body = $("alarms"), list = activeAlarms();
    const shown = JSON.stringify([list.map((x) => [x.d.id, x.p.id, x.p.alarm, x.p.quality, x.p.value]),
                                  events.length ? events[0].id : 0, session.signed_in, lang]);
    if (shown === alarmsShown) return;
    alarmsShown = shown;
    body.textContent = "";
    if (!list.length) body.appendChild(row([t("alarms.none")]));
    for (const { d, p } of list) {
      const a = p.alarm, states = [];
      if (a.latched && !a.severity) states.push(t("returned"));
      else if (a.latched) states.push(t("latched"));
      if (a.silenced) states.push(t("silenced"));
      const acts = el("span");
      if (session.signed_in) {
        if ((a.severity || a.latched) && !a.silenced) acts.appendChild(actButton("silence", d.id, p.id));
        if (a.latching && a.latched) acts.appendChild(actButton("reset", d.id, p.id));
      }
      const tr = row([`${d.id}/${p.id} ${p.name}`, alarmBadge(a), valueCell(p),
                      fmtTime(alarmSince(d.id, p.id)), states.join(", "), acts]);
      tr.dataset.point = `${d.id}/${p.id}`;
      tr.dataset.level = a.level;
      tr.dataset.severity = String(a.severity);
      tr.dataset.silenced = String(!!a.silenced);
      body.appendChild(tr);
    }
    const log = $("events");
    log.textContent = "";
    for (const e of events) {
      const tr = row([fmtTime(e.ts), e.device ? `${e.device}/${e.point}` : e.level, t("ev." + e.kind), e.level,
                      fmtValue(e.value), e.actor]);
      tr.dataset.kind = e.kind;
      tr.dataset.actor = e.actor;
      log.appendChild(tr);
    }
  }
  function kv(table, key, value) { table.appendChild(row([t(key), value])); }
  function renderBox() {
    const h = health, box = $("box");
    box.textContent = "";
    if (!h) return;
    const grid = el("div", null, "box-grid");
    const gw = el("table");
    kv(gw, "box.gateway", h.gateway);
    kv(gw, "box.enterprise", h.enterprise);
    kv(gw, "box.version", h.version);
    kv(gw, "box.uptime", `${Math.floor(h.uptime_s / 3600)}h ${Math.floor((h.uptime_s % 3600) / 60)}m`);
    kv(gw, "box.clock", `${fmtTime(h.ts)} (${t(h.time_synced ? "box.synced" : "box.unsynced")})`);
    kv(gw, "box.alarms", String(h.alarms.standing));
    kv(gw, "box.memory", `${Math.round(h.process.rss_kib / 1024 * 10) / 10} MiB`);
    kv(gw, "box.cpu", `${Math.round(h.process.cpu_pct * 10) / 10} %`);
    const up = el("table");
    up.id = "uplinks";
    up.appendChild(headRow([t("box.uplinks"), t("state"), t("box.backlog.events"), t("box.backlog.telemetry")]));
    for (const u of h.uplinks) {
      const tr = row([u.name, el("span", t(u.connected ? "box.connected" : "box.disconnected"),
                      "badge " + (u.connected ? "ok" : "lost")),
                      String(u.events ? u.events.backlog : ""), String(u.telemetry ? u.telemetry.backlog : "")]);
      tr.dataset.uplink = u.name;
      tr.dataset.connected = String(u.connected);
      up.appendChild(tr);
    }
    if (!h.uplinks.length) up.appendChild(row([t("none")]));
    const st = el("table"), r = layout.retention;
    kv(st, "box.store", h.store.path);
    kv(st, "box.store.size", `${Math.round(h.store.bytes / 1048576 * 10) / 10} MiB`);
    kv(st, "box.store.ok", h.store.ok ? t("normal") : `${t("fault")}: ${h.store.error || ""}`);
    kv(st, "box.store.retention", `${r.raw_days} / ${r.aggregate_days}`);
    kv(st, "box.store.cap", r.max_mb ? `${r.max_mb} MB` : t("none"));
    for (const [title, table] of [["box.gateway", gw], ["box.uplinks", up], ["box.store", st]]) {
      const div = el("div");
      div.appendChild(el("h3", t(title)));
      div.appendChild(table);
      grid.appendChild(div);
    }
    box.appendChild(grid);
  }
  function fillTrendPoints() {
    const sel = $("trend-point");
    if (sel.options.length || !snap) return;
    for (const d of snap.devices) {
      if (d.comm === "virtual") continue;
      for (const p of d.points) {
        const o = el("option", `${d.id}/${p.id} ${p.name}${p.unit ? " (" + p.unit + ")" : ""}`);
        o.value = `${d.id}/${p.id}`;
        sel.appendChild(o);
      }
    }
  }
  function render() {
    if (!snap) return;
    $("gateway-id").textContent = `${layout.enterprise} / ${layout.gateway}`;
    if (view === "now") renderNow();
    if (view === "alarms") renderAlarms();
    if (view === "box") renderBox();
    if (view === "trends") fillTrendPoints();
  }
  function show(name) {
    view = name;
    for (const v of ["now", "alarms", "trends", "box"]) {
      $("view-" + v).classList.toggle("hidden", v !== name);
      $("tab-" + v).classList.toggle("active", v === name);
    }
    lastEventsMs = lastHealthMs = 0;
    render();
    poll();
  }

  // ---- trends ----
  function drawTrend(data) {
    const c = $("trend-canvas"), g = c.getContext("2d"), W = c.width, H = c.height, L = 60, B = 30;
    g.clearRect(0, 0, W, H);
    g.font = "12px sans-serif";
    const week = data.range === "week", rows = data.rows;
    c.dataset.rows = String(rows.length);
    c.dataset.range = data.range;
    $("trend-info").textContent = rows.length ? `${rows.length} ${t("trend.rows")}` : t("trend.empty");
    const vals = [];
    for (const r of rows) for (let i = 1; i < r.length; i++) if (typeof r[i] === "number") vals.push(r[i]);
    let lo = vals.length ? Math.min(...vals) : 0, hi = vals.length ? Math.max(...vals) : 1;
    if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
    const x = (ts) => L + (W - L - 10) * (ts - data.from) / (data.to - data.from);
    const y = (v) => H - B - (H - B - 10) * (v - lo) / (hi - lo);
    g.strokeStyle = "#999"; g.fillStyle = "#333";
    g.beginPath(); g.moveTo(L, 10); g.lineTo(L, H - B); g.lineTo(W - 10, H - B); g.stroke();
    for (let k = 0; k <= 4; k++) {
      const v = lo + (hi - lo) * k / 4;
      g.fillText(fmtValue(v), 4, y(v) + 4);
      const ts = data.from + (data.to - data.from) * k / 4;
      g.fillText(fmtTime(ts).slice(week ? 5 : 11, week ? 16 : 19), x(ts) - 20, H - 10);
    }
    if (week) {                      // the min..max band, the average on it
      g.fillStyle = "rgba(29,53,87,0.2)";
      for (const r of rows) if (typeof r[1] === "number") g.fillRect(x(r[0]), y(r[3]), 2, Math.max(1, y(r[1]) - y(r[3])));
    }
    g.strokeStyle = "#1d3557"; g.lineWidth = 1.5; g.beginPath();
    let pen = false;
    for (const r of rows) {
      const v = week ? r[2] : r[1];
      if (typeof v !== "number") { pen = false; continue; }   // a fault is a gap, not a value
      if (pen) g.lineTo(x(r[0]), y(v)); else g.moveTo(x(r[0]), y(v));
      pen = true;
    }
    g.stroke();
  }
  async function loadTrend() {
    const [device, point] = $("trend-point").value.split("/");
    const range = $("trend-range").value;
    const r = await api(`/api/trend?device=${encodeURIComponent(device)}&point=${encodeURIComponent(point)}&range=${range}`);
    if (r.status === 200 && r.data) drawTrend(r.data);
    else message(t("signin.needed"));
  }

  // ---- polling ----
  // The layout (names, units) comes once per config; the snapshot holds only each
  // point's state, in the layout's order, and only what is not at rest.
  function merge(now) {
    return layout.devices.map((d, i) => ({
      id: d.id, profile: d.profile, comm: now.devices[i].comm, last_ok: now.devices[i].last_ok,
      points: d.points.map((p, j) => {
        const s = now.devices[i].points[j];
        return { id: p.id, name: p.name, unit: p.unit, quality: s.q, value: s.v,
                 alarm: p.alarm ? Object.assign({ severity: 0, latched: 0, level: "", silenced: 0, faulted: 0,
                                                  stale: 0, latching: p.latching }, s.a) : null };
      }),
    }));
  }
  let polling = false;
  async function poll() {
    if (polling) return;
    polling = true;
    try {
      const r = await api(version === null ? "/api/now" : `/api/now?v=${version}`);
      $("link-state").textContent = t("live");
      $("link-state").className = "badge live";
      if (r.status === 401) { message(t("signin.needed")); snap = null; version = null; }
      let fresh = false;
      if (r.status === 200 && r.data) {
        if (!session.signed_in && session.read_without_sign_in) message(t("readonly"));
        else if ($("message").textContent === t("signin.needed")) message("");
        if (!layout || layout.config !== r.data.now.config) {
          const l = await api("/api/layout");
          if (l.status !== 200 || !l.data) return;
          layout = l.data;
        }
        version = r.data.v;
        snap = { devices: merge(r.data.now), ts: r.data.now.ts };
        fresh = true;
      }
      if (snap && view === "alarms" && Date.now() - lastEventsMs > EVENTS_MS) {
        const e = await api("/api/events");
        if (e.status === 200 && e.data) { events = e.data; lastEventsMs = Date.now(); fresh = true; }
      }
      if (snap && view === "box" && Date.now() - lastHealthMs > EVENTS_MS) {
        const h = await api("/api/health");
        if (h.status === 200 && h.data) { health = h.data; lastHealthMs = Date.now(); fresh = true; }
      }
      if (fresh) render();
    } catch (e) {
      $("link-state").textContent = t("stale");
      $("link-state").className = "badge stale";
    } finally {
      polling = false;
    }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    $("signin-form").addEventListener("submit", signIn);
    $("signout-button").addEventListener("click", signOut);
    $("lang-switch").addEventListener("click", () => {
      lang = LANGS[(LANGS.indexOf(lang) + 1) % LANGS.length];
      localStorage.setItem("riskgw.lang", lang);
      loadWords();
    });
    for (const b of document.querySelectorAll("nav button")) b.addEventListener("click", () => show(b.dataset.view));
    $("trend-load").addEventListener("click", loadTrend);
    await loadWords();
    await refreshSession();
    show("now");
    setInterval(poll, POLL_MS);
  });
})();
