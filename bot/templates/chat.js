"use strict";
// The citizen's chat page. New messages arrive by server push (/chat/api/stream); the page keeps
// working through an outage: it says it is offline, keeps what is being typed (also across a
// reload), and comes back by itself. After a reload, past questions show which answer was chosen
// and only the current question's buttons can be pressed.
const T = JSON.parse(document.getElementById("texts").textContent);
const log = document.getElementById("log");
const input = document.getElementById("text");
const sendButton = document.getElementById("send");
const statusBar = document.getElementById("status");
const DRAFT_KEY = "langnghe.chat.draft";
let last = 0;
let online = true;
let busy = false;           // a message or a press is on its way
let stream = null;
let retryTimer = null;
const shown = new Map();    // message id -> {m, div}

function fill(template, params) {
  return template.replace(/\{(\w+)\}/g, (_, k) => (k in params ? params[k] : ""));
}

// Emergency numbers in the bot's words become tap-to-call links (built as nodes: no HTML from text).
// Not inside a longer number ("0912 113 456" is somebody's phone).
const EMERGENCY = /(?<!\d)(?<!\d )(113|114|115|111|1900 969 680)(?!\d)(?! \d)/g;

function withCallLinks(div, text) {
  let at = 0;
  for (const match of text.matchAll(EMERGENCY)) {
    div.appendChild(document.createTextNode(text.slice(at, match.index)));
    const a = document.createElement("a");
    a.href = "tel:" + match[1].replace(/ /g, "");
    a.textContent = match[1];
    a.className = "call";
    div.appendChild(a);
    at = match.index + match[1].length;
  }
  div.appendChild(document.createTextNode(text.slice(at)));
}

function note(text) {
  const div = document.createElement("div");
  div.className = "msg note";
  div.textContent = text;
  log.appendChild(div);
  log.scrollTop = log.scrollHeight;
}

function pressedValue(m) {
  return m.direction === "in" && m.kind === "button" && m.buttons && m.buttons[0] && m.buttons[0][0] ? m.buttons[0][0].value : null;
}

function add(m) {
  if (shown.has(m.id)) return;
  last = Math.max(last, m.id);
  const entry = {m, div: null};
  shown.set(m.id, entry);
  if (pressedValue(m) !== null) return;  // a press shows on the question it answered
  const hasButtons = m.buttons && m.buttons.length > 0;
  const text = m.text || (m.kind === "unsupported" ? T.attachment : m.kind === "location" ? T.my_location : "");
  if (!text && !hasButtons) return;      // erased (consent declined or withdrawn): no empty bubble
  const div = document.createElement("div");
  div.className = "msg " + m.direction + " " + m.kind;
  div.dataset.id = m.id;
  if (m.direction === "out") withCallLinks(div, text); else div.textContent = text;
  if (hasButtons) {
    const box = document.createElement("div"); box.className = "choices";
    for (const row of m.buttons) for (const b of row) {
      const btn = document.createElement("button"); btn.type = "button"; btn.textContent = b.label;
      btn.dataset.value = b.value;
      btn.onclick = () => press(entry, btn);
      box.appendChild(btn);
    }
    div.appendChild(box);
  }
  entry.div = div;
  log.appendChild(div);
  log.scrollTop = log.scrollHeight;
}

// Which question is current, and what was chosen on the others: decided from the transcript alone,
// so a reload (or another device) shows the same thing.
function settle() {
  const ids = [...shown.keys()].sort((a, b) => a - b);
  const questions = ids.map(id => shown.get(id)).filter(e => e.div && e.m.direction === "out" && e.m.buttons && e.m.buttons.length);
  // an erased press (the citizen deleted their data) keeps no value but still answered its question
  const presses = ids.map(id => shown.get(id).m).filter(m => m.direction === "in" && m.kind === "button");
  const current = questions.length ? questions[questions.length - 1] : null;
  for (const q of questions) {
    const values = q.m.buttons.flat().map(b => b.value);
    const answer = presses.find(p => p.id > q.m.id && (pressedValue(p) === null || values.includes(pressedValue(p))));
    const live = q === current && !answer;
    q.div.classList.toggle("answered", !live);
    q.div.querySelectorAll(".choices button").forEach(btn => {
      btn.classList.toggle("chosen", !!answer && btn.dataset.value === pressedValue(answer));
      btn.disabled = !live || !online || busy;
      if (btn.classList.contains("chosen")) btn.setAttribute("aria-pressed", "true"); else btn.removeAttribute("aria-pressed");
    });
  }
  sendButton.disabled = !online;
}

// Messages and presses leave one at a time, in the order the citizen made them.
let queue = Promise.resolve();
function inOrder(task) {
  queue = queue.then(task, task);
  return queue;
}

function press(entry, btn) {
  busy = true; settle();
  btn.classList.add("chosen");
  return inOrder(async () => {
    const ok = await send({data: btn.dataset.value});
    busy = false;
    if (!ok) btn.classList.remove("chosen");
    settle();
  });
}

function setOnline(value) {
  if (value === online) return;
  online = value;
  statusBar.hidden = false;
  statusBar.classList.toggle("online", value);
  statusBar.textContent = value ? T.online : T.offline;
  if (value) setTimeout(() => { if (online) statusBar.hidden = true; }, 3000);
  settle();
}

async function send(body) {
  body.client_message_id = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
  body.after = last;
  let r;
  try {
    r = await fetch("/chat/api/messages", {method: "POST", headers: {"Content-Type": "application/json", "X-Requested-With": "fetch"}, body: JSON.stringify(body)});
  } catch (e) {
    setOnline(false); reconnectSoon(); return false;
  }
  if (!r.ok) { note(fill(T.send_failed, {status: r.status})); return false; }
  const d = await r.json();
  d.messages.forEach(add);
  settle();
  (d.secrets || []).forEach(s => note(s.text));
  return true;
}

function reconnectSoon() {
  if (retryTimer === null) retryTimer = setTimeout(() => { retryTimer = null; connect(); }, 1500);
}

// The server pings every 15 s; silence for 40 s means a dead connection the browser has not noticed.
const SILENCE_MS = 40000;
let heard = Date.now();
setInterval(() => { if (stream && Date.now() - heard > SILENCE_MS) { setOnline(false); stream.close(); stream = null; reconnectSoon(); } }, 5000);
window.addEventListener("offline", () => setOnline(false));
window.addEventListener("online", () => { if (stream) stream.close(); stream = null; reconnectSoon(); });

function connect() {
  if (stream) stream.close();
  heard = Date.now();
  stream = new EventSource("/chat/api/stream?after=" + last);
  stream.onopen = () => { heard = Date.now(); if (navigator.onLine !== false) setOnline(true); };
  stream.addEventListener("ping", () => { heard = Date.now(); });
  stream.addEventListener("message", e => { heard = Date.now(); add(JSON.parse(e.data)); settle(); });
  stream.onerror = () => {  // the server went away: say so, and keep trying
    setOnline(false);
    stream.close(); stream = null;
    reconnectSoon();
  };
}

async function load() {
  let d;
  try {
    const r = await fetch("/chat/api/messages?after=" + last);
    if (!r.ok) throw new Error(String(r.status));
    d = await r.json();
  } catch (e) {
    setOnline(false); setTimeout(load, 1500); return;
  }
  d.messages.forEach(add);
  settle();
  if (!shown.size) await send({text: "/start"});
  connect();
}

document.getElementById("composer").addEventListener("submit", e => {
  e.preventDefault();
  const text = input.value;
  if (!text.trim() || !online) return;      // offline: the text stays in the box
  inOrder(async () => {
    const ok = await send({text});
    if (ok && input.value === text) { input.value = ""; localStorage.removeItem(DRAFT_KEY); }
  });
});
input.value = localStorage.getItem(DRAFT_KEY) || "";
input.addEventListener("input", () => localStorage.setItem(DRAFT_KEY, input.value));
input.addEventListener("keydown", e => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); document.getElementById("composer").requestSubmit(); }
});

const where = document.getElementById("where");
if (!navigator.geolocation) where.hidden = true;
where.addEventListener("click", () => {
  where.disabled = true;
  navigator.geolocation.getCurrentPosition(
    p => inOrder(() => send({location: {latitude: p.coords.latitude, longitude: p.coords.longitude}})).finally(() => { where.disabled = false; }),
    () => { where.disabled = false; note(T.no_location); },
    {enableHighAccuracy: false, timeout: 10000, maximumAge: 60000});
});

// Another device: the tracking code and the secret shown with it open the same chat here.
const resumeError = document.getElementById("resume-error");
document.getElementById("resume-form").addEventListener("submit", async e => {
  e.preventDefault();
  resumeError.hidden = true;
  const body = {code: document.getElementById("resume-code").value, secret: document.getElementById("resume-secret").value};
  let r;
  try {
    r = await fetch("/chat/api/resume", {method: "POST", headers: {"Content-Type": "application/json", "X-Requested-With": "fetch"}, body: JSON.stringify(body)});
  } catch (err) { setOnline(false); return; }
  const d = await r.json().catch(() => ({}));
  if (!r.ok) { resumeError.textContent = typeof d.detail === "string" ? d.detail : T.resume_wrong; resumeError.hidden = false; return; }
  if (stream) { stream.close(); stream = null; }
  log.replaceChildren(); shown.clear(); last = 0;
  document.getElementById("resume").open = false;
  await load();
  note(d.text);
});
document.getElementById("new-secrets").addEventListener("click", async () => {
  try {
    const r = await fetch("/chat/api/secrets", {method: "POST", headers: {"X-Requested-With": "fetch"}});
    const d = await r.json();
    if (!d.secrets || !d.secrets.length) note(T.resume_none); else d.secrets.forEach(s => note(s.text));
  } catch (err) { setOnline(false); }
});

load();
