/* Map page enhancement: turns the server-rendered lists of located zones (#map-zones: data-lat,
   data-lon, data-colour, data-label, data-approximate; popup content already in the page's language)
   and reference places (#map-places) into Leaflet markers with their names, and adds a scale.
   Base tiles only when the server passes data-tile-url; without them the map still shows the
   markers, their labels, the reference places and the scale. A tile error shows a notice and the
   markers stay. No text is written here: every string comes from the page. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  var source = document.getElementById("map-zones");
  if (!el || !source || typeof window.L === "undefined") {
    return;
  }
  var L = window.L;

  function located(list) {
    var out = [];
    if (!list) {
      return out;
    }
    var items = list.querySelectorAll("li[data-lat][data-lon]");
    var i;
    for (i = 0; i < items.length; i += 1) {
      var lat = parseFloat(items[i].getAttribute("data-lat"));
      var lon = parseFloat(items[i].getAttribute("data-lon"));
      if (isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
        out.push({ item: items[i], latlng: [lat, lon] });
      }
    }
    return out;
  }

  var points = located(source);
  if (!points.length) {
    return;
  }
  var places = located(document.getElementById("map-places"));

  el.hidden = false;
  el.classList.add("map-active");
  if (!el.getAttribute("data-tile-url")) {
    el.classList.add("map-blank");
  }
  var map = L.map(el, { scrollWheelZoom: false });
  L.control.scale({ imperial: false, metric: true }).addTo(map);

  var tileUrl = el.getAttribute("data-tile-url");
  if (tileUrl) {
    var warned = false;
    var tiles = L.tileLayer(tileUrl, {
      maxZoom: 18,
      attribution: el.getAttribute("data-tile-attribution") || ""
    });
    tiles.on("tileerror", function () {
      if (warned) {
        return;
      }
      warned = true;
      var note = document.getElementById("map-tile-error");
      if (note) {
        note.hidden = false;
      }
    });
    tiles.addTo(map);
  }

  var bounds = [];
  places.forEach(function (p) {
    var marker = L.circleMarker(p.latlng, {
      radius: 5,
      color: "#1f2933",
      weight: 2,
      fillColor: "#ffffff",
      fillOpacity: 1
    });
    marker.bindTooltip(p.item.getAttribute("data-label") || "", {
      permanent: true,
      direction: "left",
      className: "map-label map-label-place"
    });
    marker.addTo(map);
    bounds.push(p.latlng);
  });

  // Zones sharing a commune point are spread a little so each stays visible and clickable.
  var seen = {};
  points.forEach(function (p) {
    var key = p.latlng[0].toFixed(4) + "," + p.latlng[1].toFixed(4);
    var n = seen[key] || 0;
    seen[key] = n + 1;
    var latlng = [p.latlng[0] - n * 0.025, p.latlng[1]];
    var colour = p.item.getAttribute("data-colour") || "#333333";
    var approximate = p.item.getAttribute("data-approximate") === "1";
    var marker = L.circleMarker(latlng, {
      radius: 8,
      color: approximate ? colour : "#ffffff",
      weight: 2,
      dashArray: approximate ? "3 3" : null,
      fillColor: colour,
      fillOpacity: approximate ? 0.55 : 0.9
    });
    var content = document.createElement("div");
    content.className = "map-popup";
    var j;
    for (j = 0; j < p.item.childNodes.length; j += 1) {
      content.appendChild(p.item.childNodes[j].cloneNode(true));
    }
    marker.bindPopup(content);
    marker.bindTooltip(p.item.getAttribute("data-label") || "", {
      permanent: true,
      direction: "right",
      className: "map-label"
    });
    marker.addTo(map);
    bounds.push(latlng);
  });

  if (bounds.length === 1) {
    map.setView(bounds[0], 11);
  } else {
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 12 });
  }
})();
