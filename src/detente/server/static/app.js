// The dashboard: session list, a session's roadmap / trust / timeline / deals, and a seat view.
// No framework and no network dependency: plain DOM, the JSON API and Server-Sent Events.
"use strict";
const app = document.getElementById("app");
const el = (tag, attrs = {}, ...kids) => {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") n.className = v; else if (k.startsWith("on")) n.addEventListener(k.slice(2), v);
    else if (k === "style") n.style.cssText = v; // the CSP refuses style attributes, not the CSSOM
    else n.setAttribute(k, v);
  }
  for (const kid of kids.flat()) n.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  return n;
};

async function api(path, options = {}) {
  const r = await fetch(path, options);
  const body = await r.json().catch(() => ({ message: r.statusText }));
  if (!r.ok) throw new Error(body.message || r.statusText);
  return body;
}

function route() {
  const parts = location.pathname.split("/").filter(Boolean);
  if (parts[0] === "sessions" && parts[2] === "seats") return seatPage(parts[1], parts[3]);
  if (parts[0] === "sessions") return sessionPage(parts[1]);
  return listPage();
}

async function listPage() {
  const { sessions } = await api("/api/sessions");
  app.replaceChildren(el("h1", {}, "Sessions"), sessions.length === 0
    ? el("p", { class: "muted" }, "No sessions yet: create one with POST /api/sessions or detente demo-session.")
    : el("table", { class: "card", id: "sessions" },
        el("tr", {}, ["session", "scenario", "round", "status", "stage", "created"].map((h) => el("th", {}, h))),
        sessions.map((s) => el("tr", {},
          el("td", {}, el("a", { href: `/sessions/${s.id}` }, s.id)), el("td", {}, s.title),
          el("td", {}, `${s.round} / ${s.rounds}`), el("td", {}, s.status), el("td", {}, s.stage),
          el("td", {}, s.created_at.slice(0, 19).replace("T", " "))))));
}

function roadmap(s) {
  const at = s.stages.indexOf(s.stage);
  return el("div", { class: "roadmap", id: "roadmap" }, s.stages.map((st, i) =>
    el("div", { class: `stage ${i < at ? "done" : i === at ? "current" : ""}` }, `${i + 1}. ${st.replace(/_/g, " ")}`)));
}

function heatmap(s) {
  const color = (v) => `hsl(${Math.round(v * 120)}, 70%, ${85 - Math.abs(v - 0.5) * 30}%)`;
  return el("table", { class: "heat", id: "trust" },
    el("tr", {}, el("th", {}, "trust of ↓ in →"), s.parties.map((p) => el("th", {}, p))),
    s.parties.map((i) => el("tr", {}, el("th", {}, i), s.parties.map((j) => i === j
      ? el("td", { class: "cell muted" }, "–")
      : el("td", { class: "cell", style: `background:${color(s.trust[i][j])}` }, s.trust[i][j].toFixed(2))))));
}

const QUIET = new Set(["observed", "payoff", "trust_updated"]);
function describe(e) {
  const p = e.payload, who = e.party ? `${e.party} ` : "";
  switch (e.type) {
    case "session_created": return `session created (${p.rounds} rounds, seed secret until the close)`;
    case "session_closed": return `session closed${p.reason ? `: ${p.reason}` : ""}${p.seed !== undefined ? ` (seed ${p.seed} revealed)` : ""}`;
    case "round_opened": return `round ${e.round} opened${p.deadline ? `, deadline ${p.deadline.slice(11, 19)}` : ""}`;
    case "committed": return `${who}committed a sealed move`;
    case "revealed": return p.sealed ? `${who}revealed (sealed until the round clears)`
      : `${who}revealed: ${[...p.actions, ...p.offers.map((o) => `offer ${o}`)].join(", ") || "nothing"}`;
    case "defaulted": return `${who}default move (${p.reason})`;
    case "action_executed": return `${who}${p.action} executed (${p.via})${p.outcome === "failed" ? ", and failed" : ""}`;
    case "commitment_cleared": return `${who}commitment ${p.commitment} cleared`;
    case "commitment_dropped": return `${who}commitment ${p.commitment} dropped`;
    case "stage_changed": return `stage: ${p.from} → ${p.to}`;
    case "stalled": return `roadmap stalled (engine: ${p.cause})`;
    case "resumed": return `roadmap resumed (engine)`;
    case "facilitator_stalled": return `facilitator stalled the session${p.reason ? `: ${p.reason}` : ""}`;
    case "facilitator_resumed": return `facilitator resumed the session${p.reason ? `: ${p.reason}` : ""}`;
    default: return `${who}${e.type.replace(/_/g, " ")} ${Object.values(p).filter((v) => typeof v !== "object").join(" ")}`;
  }
}

function deals(events) {
  const rows = new Map();
  for (const e of events) {
    if (!["commitment_cleared", "commitment_dropped", "agreement_reached", "agreement_renewed", "agreement_violated"].includes(e.type)) continue;
    const r = rows.get(e.round) || { offered: 0, cleared: 0, agreements: [] };
    if (e.type.startsWith("commitment")) { r.offered += 1; if (e.type === "commitment_cleared") r.cleared += 1; }
    else r.agreements.push(`${e.type.slice(10)}: ${e.payload.deal}`);
    rows.set(e.round, r);
  }
  return el("table", { id: "deals" }, el("tr", {}, el("th", {}, "round"), el("th", {}, "offered"), el("th", {}, "cleared"), el("th", {}, "agreements")),
    [...rows.entries()].reverse().map(([round, r]) => el("tr", {}, el("td", {}, round), el("td", {}, r.offered), el("td", {}, r.cleared), el("td", {}, r.agreements.join(", ")))));
}

function status(s) {
  const badges = [el("span", { class: `badge ${s.status === "open" ? "ok" : "warn"}`, id: "status" }, s.status)];
  if (s.engine_stalled) badges.push(el("span", { class: "badge warn" }, "roadmap stalled"));
  if (s.success_round) badges.push(el("span", { class: "badge ok" }, `success in round ${s.success_round}`));
  return badges;
}

function waiting(s) {
  if (s.status === "closed") return el("div", { class: "waiting", id: "waiting" }, "Session closed.");
  const n = s.waiting_for.length;
  return el("div", { class: "waiting", id: "waiting" },
    `Round ${s.round}: waiting for ${n} ${n === 1 ? "party" : "parties"}`, el("span", { class: "muted" }, n ? ` (${s.waiting_for.join(", ")})` : ""));
}

function live(sid, onEvent) {
  const source = new EventSource(`/api/sessions/${sid}/stream`);
  source.addEventListener("ledger", (m) => onEvent(JSON.parse(m.data)));
  return source;
}

async function sessionPage(sid) {
  let events = (await api(`/api/sessions/${sid}/events?limit=10000`)).events;
  let showAll = false;
  const draw = async () => {
    const s = await api(`/api/sessions/${sid}`);
    const shown = events.filter((e) => showAll || !QUIET.has(e.type)).slice(-400).reverse();
    app.replaceChildren(
      el("h1", {}, `${s.title} `, el("span", { class: "muted" }, `session ${s.id} · round ${s.round} of ${s.rounds} `), ...status(s)),
      roadmap(s), waiting(s),
      el("div", { class: "grid" },
        el("div", {},
          el("h2", {}, "Trust"), el("div", { class: "card" }, heatmap(s)),
          el("h2", {}, "Agreements in force"),
          el("div", { class: "card", id: "in-force" }, s.in_force.length ? s.in_force.join(", ") : el("span", { class: "muted" }, "none")),
          el("h2", {}, "Deals offered and cleared"), el("div", { class: "card" }, deals(events))),
        el("div", {},
          el("h2", {}, "Timeline ", el("label", { class: "muted" }, el("input", { type: "checkbox", id: "all", ...(showAll ? { checked: "" } : {}),
            onchange: (ev) => { showAll = ev.target.checked; draw(); } }), " all events")),
          el("div", { class: "card timeline", id: "timeline" }, shown.map((e) =>
            el("div", { class: "ev" }, el("span", { class: "r" }, `r${e.round}`), describe(e)))))));
  };
  await draw();
  let pending = null;
  live(sid, (e) => { events.push(e); if (!pending) pending = setTimeout(() => { pending = null; draw(); }, 150); });
}

async function seatPage(sid, party) {
  const token = new URLSearchParams(location.hash.slice(1)).get("token") || sessionStorage.getItem(`seat:${sid}:${party}`);
  if (!token) {
    const input = el("input", { id: "token", size: 48, placeholder: "seat token" });
    app.replaceChildren(el("h1", {}, `Seat of ${party}`), el("p", {}, "Enter the seat token you were given:"), input,
      el("button", { onclick: () => { location.hash = `token=${input.value.trim()}`; seatPage(sid, party); } }, "Open seat"));
    return;
  }
  sessionStorage.setItem(`seat:${sid}:${party}`, token);
  const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
  let message = "", shownRound = 0;
  const draw = async () => {
    let v;
    try { v = await api(`/api/sessions/${sid}/seats/${party}`, { headers }); }
    catch (err) { app.replaceChildren(el("p", { class: "error" }, err.message)); return; }
    const s = v.public, mine = v.own, canMove = s.status === "open" && mine.move === null && !mine.commitment;
    const sameRound = s.round === shownRound;
    shownRound = s.round;
    const kept = new Set(sameRound ? [...document.querySelectorAll("input[type=checkbox]:checked")].map((i) => `${i.name}:${i.value}`) : []);
    const box = (kind, id, ok, text) => el("label", { class: ok ? "" : "off" },
      el("input", { type: "checkbox", name: kind, value: id, ...(ok && canMove ? {} : { disabled: "" }),
        ...(kept.has(`${kind}:${id}`) && canMove ? { checked: "" } : {}) }), ` ${text}`);
    const submit = el("button", { id: "submit", ...(canMove ? {} : { disabled: "" }), onclick: () => send(s.round) }, "Seal and submit my move");
    app.replaceChildren(
      el("h1", {}, `Seat of ${party} `, el("span", { class: "muted" }, `${s.title} · round ${s.round} of ${s.rounds} `), ...status(s)),
      roadmap(s), waiting(s),
      el("p", { id: "mine" }, mine.move ? `Your move this round: ${[...mine.move.actions, ...mine.move.offers.map((o) => `offer ${o}`)].join(", ") || "nothing"}${mine.defaulted ? " (default)" : ""}`
        : mine.commitment ? "Committed; revealing…" : "Choose your move: actions you take outright, and commitments you offer (they execute only if their conditions hold)."),
      message ? el("p", { class: "error", id: "message" }, message) : "",
      el("div", { class: "grid" },
        el("div", { class: "card moves" },
          el("h2", {}, "Actions"), v.actions.map((a) => box("action", a.id, a.available, `${a.id.replace(/_/g, " ")} (${a.category}, ${a.intensity > 0 ? "+" : ""}${a.intensity})${a.available ? "" : " – not available now"}`)),
          el("h2", {}, "Commitments to offer"), v.commitments.map((m) => box("offer", m.id, m.offerable, `${m.action.replace(/_/g, " ")} if ${m.if.join(" and ")}${m.offerable ? "" : " – not available now"}`)),
          el("p", {}, submit)),
        el("div", {},
          el("h2", {}, "Trust"), el("div", { class: "card" }, heatmap(s)),
          el("h2", {}, "What you saw last round"), el("div", { class: "card", id: "perceived" }, v.perceived.join(", ") || el("span", { class: "muted" }, "nothing")),
          el("h2", {}, "Agreements in force"), el("div", { class: "card" }, s.in_force.join(", ") || el("span", { class: "muted" }, "none")))));
  };
  const send = async (round) => {
    const picked = (name) => [...document.querySelectorAll(`input[name=${name}]:checked`)].map((i) => i.value).sort();
    const move = { actions: [...new Set(picked("action"))], offers: [...new Set(picked("offer"))] };
    const nonce = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
    const base = `/api/sessions/${sid}/seats/${party}/rounds/${round}`;
    try {
      const commitment = await sha256Hex(`${sid}|${round}|${party}|${JSON.stringify(move)}|${nonce}`);
      await api(`${base}/commit`, { method: "POST", headers, body: JSON.stringify({ commitment }) });
      await api(`${base}/reveal`, { method: "POST", headers, body: JSON.stringify({ ...move, nonce }) });
      message = "";
    } catch (err) { message = err.message; }
    draw();
  };
  await draw();
  let pending = null;
  live(sid, () => { if (!pending) pending = setTimeout(() => { pending = null; draw(); }, 150); });
}

route().catch((err) => app.replaceChildren(el("p", { class: "error" }, err.message)));
