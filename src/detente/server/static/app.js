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
  const { scenarios } = await api("/api/scenarios");
  const list = el("div", { id: "session-list" });
  app.replaceChildren(el("h1", {}, "Sessions"), createForm(scenarios, () => sessionList(list)), el("div", { id: "created" }), list);
  await sessionList(list);
}

async function sessionList(into) {
  const { sessions } = await api("/api/sessions");
  into.replaceChildren(sessions.length === 0
    ? el("p", { class: "muted" }, "No sessions yet: create one above, or with detente demo-session.")
    : el("table", { class: "card", id: "sessions" },
        el("tr", {}, ["session", "scenario", "round", "status", "stage", "created"].map((h) => el("th", {}, h))),
        sessions.map((s) => el("tr", {},
          el("td", {}, el("a", { href: `/sessions/${s.id}` }, s.id)), el("td", {}, s.title),
          el("td", {}, `${s.round} / ${s.rounds}`), el("td", {}, s.status), el("td", {}, s.stage),
          el("td", {}, s.created_at.slice(0, 19).replace("T", " "))))));
}

// A new session through POST /api/sessions (anyone may create one; the server rations them per
// address). Its tokens are shown once: the seat links, a play command per seat, the facilitator's.
function createForm(scenarios, onCreated) {
  const field = (label, input, hint) => el("label", { class: "field" }, `${label} `, input, hint ? el("span", { class: "muted" }, ` ${hint}`) : "");
  const number = (id, attrs) => el("input", { id, type: "number", ...attrs });
  const scenario = el("select", { id: "new-scenario" }, scenarios.map((n) => el("option", { value: n, ...(n === "korea" ? { selected: "" } : {}) }, n)));
  const rounds = number("new-rounds", { min: 1, max: 10000, placeholder: "scenario's" });
  const deadline = number("new-deadline", { min: 1, max: 604800, step: "any", placeholder: "none" });
  const seed = number("new-seed", { min: 0, placeholder: "random, secret" });
  const problem = el("p", { class: "error", id: "create-error" });
  const create = async (ev) => {
    ev.preventDefault();
    const body = { scenario: scenario.value };
    if (rounds.value) body.rounds = Number(rounds.value);
    if (deadline.value) body.round_seconds = Number(deadline.value);
    if (seed.value) body.seed = Number(seed.value);
    try {
      const made = await api("/api/sessions", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      problem.textContent = "";
      sessionStorage.setItem(`admin:${made.session.id}`, made.admin_token);
      document.getElementById("created").replaceChildren(createdCard(made));
      await onCreated();
    } catch (err) { problem.textContent = err.message; }
  };
  return el("form", { class: "card create", id: "create", onsubmit: create },
    el("h2", {}, "New session"),
    field("Scenario", scenario), field("Rounds", rounds), field("Round deadline (s)", deadline), field("Seed", seed, "(a seed you choose is known to you)"),
    el("p", {}, el("button", { type: "submit", id: "create-submit" }, "Create session")), problem);
}

function createdCard(made) {
  const sid = made.session.id, base = location.origin;
  return el("div", { class: "card" },
    el("h2", {}, "Session created: ", el("a", { href: `/sessions/${sid}`, id: "created-link", class: "id" }, sid)),
    el("p", { class: "warn-text" }, "These tokens are shown once. Give each seat its link (or its play command) and keep the facilitator's token."),
    el("table", { id: "created-seats" }, el("tr", {}, el("th", {}, "seat"), el("th", {}, "link for a person"), el("th", {}, "or a program")),
      Object.entries(made.seat_tokens).map(([party, token]) => el("tr", {},
        el("td", {}, party), el("td", {}, el("a", { href: `/sessions/${sid}/seats/${party}#token=${token}` }, "open seat")),
        el("td", {}, el("code", {}, `detente play ${base} --seat ${token} --strategy tit_for_tat`))))),
    el("p", {}, "Facilitator token (stall, resume, close; kept in this tab for the session page): ", el("code", { id: "created-admin" }, made.admin_token)));
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
// Whose acts triggered a breakdown rule (ledgers of events version 3 on; older ones have no `by`).
function triggered(p) {
  const who = [...(p.by || []), ...(p.trust_below ? ["trust below a threshold"] : [])];
  return who.length ? `, by ${who.join(" and ")}` : "";
}
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
    case "stage_changed": return `stage: ${p.from} → ${p.to}${p.cause ? ` (${p.cause}${triggered(p)})` : ""}`;
    case "stalled": return `roadmap stalled (engine: ${p.cause}${triggered(p)})`;
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
  if (s.status === "paused") return el("div", { class: "waiting", id: "waiting" }, `Round ${s.round}: stalled by the facilitator (no moves, no deadline until resumed)`);
  const n = s.waiting_for.length;
  return el("div", { class: "waiting", id: "waiting" },
    `Round ${s.round}: waiting for ${n} ${n === 1 ? "party" : "parties"}`, el("span", { class: "muted" }, n ? ` (${s.waiting_for.join(", ")})` : ""));
}

const num = (v) => (Math.abs(v) < 5e-7 ? 0 : Number(v.toPrecision(6)));
const signed = (v) => `${v > 0 ? "+" : v < 0 ? "−" : "±"}${Math.abs(num(v))}`;

function outcome(s, events) {
  if (s.status !== "closed") return "";
  const closed = events.find((e) => e.type === "session_closed");
  const success = !s.success_round ? "not reached"
    : s.success_in_force ? `reached in round ${s.success_round}, still holding at the close`
    : `reached in round ${s.success_round}, lost since`;
  return el("div", {},
    el("h2", {}, "Outcome"),
    el("div", { class: "card", id: "outcome" },
      el("p", {}, `Closed in round ${s.round} of ${s.rounds}${closed && closed.payload.reason ? ` (${closed.payload.reason})` : ""}. Final stage: ${s.stage.replace(/_/g, " ")}. Success: ${success}.`),
      el("table", { id: "payoffs" },
        el("tr", {}, el("th", {}, "party"), el("th", {}, "payoff"), el("th", {}, "discounted")),
        s.parties.map((p) => el("tr", {}, el("td", {}, p), el("td", { class: "n" }, num(s.totals[p])), el("td", { class: "n" }, num(s.discounted[p]))))),
      el("p", { class: "muted" }, "Payoffs are the sums of each party's per-round utility in its own units: compare a party with itself (across sessions or strategies), not with another party.")));
}

// Stall, resume and close need the facilitator's token: the one this tab created the session
// with, or one pasted here (kept in this tab only).
let facilitatorReason = "", facilitatorProblem = ""; // kept across the page's redraws
function facilitatorControls(s, redraw) {
  if (s.status === "closed") return "";
  const key = `admin:${s.id}`, token = sessionStorage.getItem(key);
  const problem = el("span", { class: "error", id: "facilitator-error" }, facilitatorProblem);
  if (!token) {
    const input = el("input", { id: "admin-token", size: 48, placeholder: "facilitator token" });
    return el("div", { class: "card", id: "facilitator" }, "Facilitator: ", input,
      el("button", { id: "admin-use", onclick: () => { sessionStorage.setItem(key, input.value.trim()); redraw(); } }, "Use token"));
  }
  const reason = el("input", { id: "admin-reason", size: 30, maxlength: 500, placeholder: "reason (recorded in the ledger)",
    value: facilitatorReason, oninput: (ev) => { facilitatorReason = ev.target.value; } });
  const act = (verb) => async () => {
    try {
      await api(`/api/sessions/${s.id}/${verb}`, { method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: JSON.stringify({ reason: reason.value }) });
      facilitatorProblem = "";
    } catch (err) { facilitatorProblem = err.message; }
    redraw();
  };
  const button = (verb, label) => el("button", { id: `admin-${verb}`, onclick: act(verb) }, label);
  return el("div", { class: "card", id: "facilitator" }, "Facilitator: ", reason, " ",
    s.status === "paused" ? button("resume", "Resume") : button("stall", "Stall"), " ", button("close", "Close session"), " ",
    el("button", { class: "plain", id: "admin-forget", onclick: () => { sessionStorage.removeItem(key); facilitatorProblem = ""; redraw(); } }, "forget token"), " ", problem);
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
      roadmap(s), waiting(s), facilitatorControls(s, draw), outcome(s, events),
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
  let message = "", shownRound = 0, skew = 0, deadline = null, idle = "";
  // The round's deadline, counted down every second on the server's clock (skew: server - here).
  const countdown = el("p", { class: "countdown", id: "countdown" });
  const tick = () => {
    if (deadline === null) { countdown.textContent = idle; return; }
    const left = Math.max(0, Math.ceil((deadline - (Date.now() + skew)) / 1000));
    countdown.textContent = `Deadline in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")} (then the default move is played for you)`;
    countdown.dataset.seconds = left;
  };
  setInterval(tick, 1000);
  const draw = async () => {
    let v;
    try { v = await api(`/api/sessions/${sid}/seats/${party}`, { headers }); }
    catch (err) { app.replaceChildren(el("p", { class: "error" }, err.message)); return; }
    const s = v.public, mine = v.own, canMove = s.status === "open" && mine.move === null && !mine.commitment;
    const sameRound = s.round === shownRound;
    shownRound = s.round;
    const kept = new Set(sameRound ? [...document.querySelectorAll("input[type=checkbox]:checked")].map((i) => `${i.name}:${i.value}`) : []);
    skew = Date.parse(v.now) - Date.now();
    deadline = s.deadline ? Date.parse(s.deadline) : null;
    idle = s.status === "paused" ? "Stalled by the facilitator: no deadline until the session resumes."
      : s.status === "closed" ? "" : "No deadline this round.";
    tick();
    const box = (kind, id, ok, text, worth) => el("label", { class: ok ? "" : "off" },
      el("input", { type: "checkbox", name: kind, value: id, ...(ok && canMove ? {} : { disabled: "" }),
        ...(kept.has(`${kind}:${id}`) && canMove ? { checked: "" } : {}) }), ` ${text} `,
      el("span", { class: `value ${worth > 0 ? "up" : worth < 0 ? "down" : ""}`, "data-choice": `${kind}:${id}` }, worth));
    const submit = el("button", { id: "submit", ...(canMove ? {} : { disabled: "" }), onclick: () => send(s.round) }, "Seal and submit my move");
    app.replaceChildren(
      el("h1", {}, `Seat of ${party} `, el("span", { class: "muted" }, `${s.title} · round ${s.round} of ${s.rounds} `), ...status(s)),
      roadmap(s), waiting(s),
      el("p", { id: "mine" }, mine.move ? `Your move this round: ${[...mine.move.actions, ...mine.move.offers.map((o) => `offer ${o}`)].join(", ") || "nothing"}${mine.defaulted ? " (default)" : ""}`
        : mine.commitment ? "Committed; revealing…" : "Choose your move: actions you take outright, and commitments you offer (they execute only if their conditions hold)."),
      countdown,
      message ? el("p", { class: "error", id: "message" }, message) : "",
      el("div", { class: "grid" },
        el("div", { class: "card moves" },
          el("h2", {}, "Actions"), el("p", { class: "muted" }, "Beside each choice: what it changes in your payoff this round (your utility units), taken alone; for a commitment, if it clears with what it asks of the others."),
          v.actions.map((a) => box("action", a.id, a.available, `${a.id.replace(/_/g, " ")} (${a.category}, ${a.intensity > 0 ? "+" : ""}${a.intensity})${a.available ? "" : " – not available now"}`, `${signed(a.value)} to you`)),
          el("h2", {}, "Commitments to offer"), v.commitments.map((m) => box("offer", m.id, m.offerable, `${m.action.replace(/_/g, " ")} if ${m.if.join(" and ")}${m.offerable ? "" : " – not available now"}`, `${signed(m.value)} to you if it clears`)),
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
