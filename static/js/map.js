/* Map page enhancement: turns the server-rendered list of located zones (#map-zones, data-lat,
   data-lon, data-colour; popup content already in the page's language) into Leaflet circle markers.
   Base tiles only when the server passes data-tile-url; a tile error shows a notice and the markers
   stay. No text is written here: every string comes from the page. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  var source = document.getElementById("map-zones");
  if (!el || !source || typeof window.L === "undefined") {
    return;
  }
  var L = window.L;
  var items = source.querySelectorAll("li[data-lat][data-lon]");
  var points = [];
  var i;
  for (i = 0; i < items.length; i += 1) {
    var lat = parseFloat(items[i].getAttribute("data-lat"));
    var lon = parseFloat(items[i].getAttribute("data-lon"));
    if (isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
      points.push({ item: items[i], latlng: [lat, lon] });
    }
  }
  if (!points.length) {
    return;
  }

  el.hidden = false;
  el.classList.add("map-active");
  var map = L.map(el, { scrollWheelZoom: false });

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
  points.forEach(function (p) {
    var colour = p.item.getAttribute("data-colour") || "#333333";
    var marker = L.circleMarker(p.latlng, {
      radius: 9,
      color: "#ffffff",
      weight: 2,
      fillColor: colour,
      fillOpacity: 0.9
    });
    var content = document.createElement("div");
    content.className = "map-popup";
    var j;
    for (j = 0; j < p.item.childNodes.length; j += 1) {
      content.appendChild(p.item.childNodes[j].cloneNode(true));
    }
    marker.bindPopup(content);
    marker.addTo(map);
    bounds.push(p.latlng);
  });

  if (bounds.length === 1) {
    map.setView(bounds[0], 11);
  } else {
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 12 });
  }
})();
