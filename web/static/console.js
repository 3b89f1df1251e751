"use strict";
// The console's live view: new cases and citizens' answers arrive by server push (/console/live).
// Each one is listed at the top with a link, counted in the tab title until "Seen", and an urgent
// case raises an alert at once. On the inbox the list itself is refreshed in place.
(function () {
  const live = document.getElementById("live");
  if (!live) return;
  const T = JSON.parse(live.dataset.texts || "{}");
  const list = document.getElementById("live-list");
  const alertBox = document.getElementById("live-alert");
  const baseTitle = document.title;
  let unread = 0;
  let stream = null;

  function showCount() {
    document.title = unread ? "(" + unread + ") " + baseTitle : baseTitle;
  }

  async function refreshInbox(code) {
    const current = document.getElementById("inbox");
    if (!current) return;
    try {
      const r = await fetch(location.href, {headers: {"Accept": "text/html"}});
      if (!r.ok) return;
      const fresh = new DOMParser().parseFromString(await r.text(), "text/html").getElementById("inbox");
      if (!fresh) return;
      current.replaceWith(fresh);
      const row = fresh.querySelector('tr[data-code="' + CSS.escape(code) + '"]');
      if (row) row.classList.add("fresh");
    } catch (e) { /* the next event or a reload shows it */ }
  }

  function onCase(news) {
    unread += 1; showCount();
    live.hidden = false;
    const li = document.createElement("li");
    if (news.urgent) li.className = "urgent";
    const a = document.createElement("a"); a.href = news.url; a.textContent = news.text;
    li.appendChild(a);
    list.prepend(li);
    if (news.urgent) {
      alertBox.replaceChildren();
      const link = document.createElement("a"); link.href = news.url; link.textContent = news.text;
      alertBox.appendChild(link);
      alertBox.hidden = false;
    }
    refreshInbox(news.code);
  }

  function connect() {
    stream = new EventSource("/console/live");
    stream.addEventListener("case", e => onCase(JSON.parse(e.data)));
    stream.addEventListener("ended", () => { stream.close(); location.reload(); });  // signed out elsewhere
  }

  document.getElementById("live-seen").addEventListener("click", () => {
    unread = 0; showCount();
    list.replaceChildren(); alertBox.hidden = true; live.hidden = true;
  });
  connect();
})();

// The reassign picker: a filter over the grouped list (organisation, province, commune), typed with
// or without diacritics. Works offline: plain <select> with <optgroup>s, no library.
(function () {
  function fold(text) {
    return text.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  document.querySelectorAll("input.unit-filter").forEach(input => {
    const select = document.getElementById(input.dataset.for);
    if (!select) return;
    input.addEventListener("input", () => {
      const words = fold(input.value).split(/\s+/).filter(Boolean);
      let first = null;
      select.querySelectorAll("optgroup").forEach(group => {
        let any = false;
        group.querySelectorAll("option").forEach(option => {
          const match = words.every(w => option.dataset.search.includes(w));
          option.hidden = !match; option.disabled = !match;
          if (match) { any = true; if (!first) first = option; }
        });
        group.hidden = !any;
      });
      const chosen = select.selectedOptions[0];
      if (first && (!chosen || chosen.hidden || chosen.value === "")) select.value = first.value;
    });
  });
})();
