// The public map: Leaflet (served by us, no tiles from the internet), province circles sized and
// coloured by the metric the visitor picks, a click opens the province's figures and top problems.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  // a padded renderer keeps circles drawn while a popup pans the map
  var map = L.map(el, { zoomSnap: 0.5, minZoom: 4, maxZoom: 9, renderer: L.svg({ padding: 1 }) }).setView([16.2, 106.3], 5);
  var circles = L.layerGroup().addTo(map);
  var data = null;
  var picker = document.getElementById("metric");

  function value(p, metric) {
    var f = p.figures;
    if (metric === "received") { return f.received === "< 5" ? 2.5 : f.received; }
    if (metric === "on_time") { return f.on_time_pct; }
    return f.rating_avg;
  }

  function colour(v, metric) {
    if (v === null || v === undefined) { return "#9aa5b1"; }
    var share = metric === "received" ? 0.5 : metric === "on_time" ? v / 100 : (v - 1) / 4;
    if (metric === "received") { return "#1f6feb"; }
    var hue = Math.round(120 * Math.max(0, Math.min(1, share)));   // red (bad) to green (good)
    return "hsl(" + hue + ", 70%, 42%)";
  }

  function radius(v, metric, peak) {
    if (metric !== "received") { return 9; }
    if (!v) { return 3; }
    return 4 + 14 * Math.sqrt(v / peak);
  }

  function line(parent, label, text) {
    var row = document.createElement("div");
    var b = document.createElement("b");
    b.textContent = label + ": ";
    row.appendChild(b);
    row.appendChild(document.createTextNode(text));
    parent.appendChild(row);
  }

  function popup(p) {
    var box = document.createElement("div");
    box.className = "province-popup";
    var h = document.createElement("h3");
    h.textContent = p.name;
    box.appendChild(h);
    ["received", "resolved", "on_time", "first_answer", "resolution", "reopened", "rating"].forEach(function (k) {
      line(box, data.labels[k], p.shown[k]);
    });
    var topics = p.topics.map(function (t) { return t.text; }).join("; ");
    line(box, data.labels.topics, topics || "—");
    return box;
  }

  function draw() {
    var metric = picker.value;
    circles.clearLayers();
    var peak = 5;
    data.provinces.forEach(function (p) { var v = value(p, "received"); if (v > peak) { peak = v; } });
    // big circles first, so a small province drawn later stays on top and clickable
    var order = data.provinces.slice().sort(function (a, b) {
      return radius(value(b, metric), metric, peak) - radius(value(a, metric), metric, peak);
    });
    order.forEach(function (p) {
      var v = value(p, metric);
      var c = colour(v, metric);
      var dot = L.circleMarker([p.lat, p.lon], {
        radius: radius(v, metric, peak), color: "#1d2733", weight: 1, fillColor: c, fillOpacity: 0.75
      }).bindPopup(popup(p)).addTo(circles);
      var node = dot.getElement();
      if (node) { node.setAttribute("data-province", p.name); node.setAttribute("aria-label", p.name); }
    });
  }

  fetch("/cong-khai/ban-do.json?" + el.getAttribute("data-query"))
    .then(function (r) { return r.json(); })
    .then(function (d) {
      data = d;
      map.attributionControl.setPrefix(false);
      map.attributionControl.addAttribution(d.attribution);
      var areas = L.geoJSON(d.outline, { interactive: false,
        style: { color: "#b8c2cc", weight: 1, fillColor: "#e3e8ee", fillOpacity: 0.9 } }).addTo(map);
      // no zoom animation: a click (or a test) right after loading must land on settled circles
      map.fitBounds(areas.getBounds(), { padding: [8, 8], animate: false });
      draw();
      el.setAttribute("data-ready", "1");
    });
  picker.addEventListener("change", function () { if (data) { draw(); } });
}());
