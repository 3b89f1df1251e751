"use strict";
const log = document.getElementById("log");
const input = document.getElementById("text");
let last = 0;
const shown = new Set();

function render(m) {
  if (shown.has(m.id)) return;
  shown.add(m.id); last = Math.max(last, m.id);
  if (m.direction === "in" && m.kind === "button") return;  // the pressed button shows on its message
  const div = document.createElement("div");
  div.className = "msg " + m.direction + " " + m.kind;
  div.dataset.id = m.id;
  div.textContent = m.text || (m.kind === "unsupported" ? "[tệp đính kèm]" : m.kind === "location" ? "📍 Vị trí của tôi" : "");
  if (m.buttons && m.buttons.length) {
    const box = document.createElement("div"); box.className = "choices";
    for (const row of m.buttons) for (const b of row) {
      const btn = document.createElement("button"); btn.type = "button"; btn.textContent = b.label;
      btn.onclick = async () => {
        box.querySelectorAll("button").forEach(x => x.disabled = true); btn.style.fontWeight = "700";
        if (!(await send({data: b.value}))) { box.querySelectorAll("button").forEach(x => x.disabled = false); btn.style.fontWeight = ""; }
      };
      box.appendChild(btn);
    }
    div.appendChild(box);
  }
  log.appendChild(div);
  log.scrollTop = log.scrollHeight;
}

async function send(body) {
  body.client_message_id = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
  body.after = last;
  const r = await fetch("/chat/api/messages", {method: "POST", headers: {"Content-Type": "application/json", "X-Requested-With": "fetch"}, body: JSON.stringify(body)});
  if (!r.ok) { render({id: -Date.now(), direction: "out", kind: "text", text: "Không gửi được tin nhắn (lỗi " + r.status + "). Bạn thử lại nhé.", buttons: []}); return false; }
  (await r.json()).messages.forEach(render);
  return true;
}

async function poll() {
  try {
    const r = await fetch("/chat/api/messages?after=" + last);
    if (r.ok) (await r.json()).messages.forEach(render);
  } finally { setTimeout(poll, 2000); }
}

document.getElementById("composer").addEventListener("submit", e => {
  e.preventDefault();
  const text = input.value;
  if (!text.trim()) return;
  input.value = "";
  send({text});
});
const where = document.getElementById("where");
if (!navigator.geolocation) where.hidden = true;
where.addEventListener("click", () => {
  where.disabled = true;
  navigator.geolocation.getCurrentPosition(
    p => send({location: {latitude: p.coords.latitude, longitude: p.coords.longitude}}).finally(() => { where.disabled = false; }),
    () => { where.disabled = false; render({id: -Date.now(), direction: "out", kind: "text", text: "Không lấy được vị trí (trình duyệt chưa cho phép). Bạn gõ tên tỉnh/xã giúp mình nhé.", buttons: []}); },
    {enableHighAccuracy: false, timeout: 10000, maximumAge: 60000});
});
input.addEventListener("keydown", e => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); document.getElementById("composer").requestSubmit(); }
});
fetch("/chat/api/messages?after=0").then(r => r.json()).then(d => {
  d.messages.forEach(render);
  if (!d.messages.length) send({text: "/start"});
  setTimeout(poll, 2000);
});
