/* Zone editor: a small map on which a click sets the latitude and longitude fields (5 decimals,
   about a metre); typing in the fields moves the marker. Opens at the zone's point (data-lat,
   data-lon) or, without one, at the reference place the page gives (data-default-lat/-lon).
   No text is written here: labels and help come from the page. */
(function () {
  "use strict";
  var el = document.getElementById("locate-map");
  var lat = document.getElementById("f-lat");
  var lon = document.getElementById("f-lon");
  if (!el || !lat || !lon || typeof window.L === "undefined") {
    return;
  }
  var L = window.L;
  function num(input) {
    var v = parseFloat(String(input.value).replace(",", "."));
    return isFinite(v) ? v : null;
  }
  var start = [num(lat), num(lon)];
  var zoom = 12;
  if (start[0] === null || start[1] === null) {
    start = [parseFloat(el.getAttribute("data-lat")), parseFloat(el.getAttribute("data-lon"))];
  }
  if (!isFinite(start[0]) || !isFinite(start[1])) {
    start = [parseFloat(el.getAttribute("data-default-lat")), parseFloat(el.getAttribute("data-default-lon"))];
    zoom = 9;
  }
  if (!isFinite(start[0]) || !isFinite(start[1])) {
    return;
  }
  el.hidden = false;
  var map = L.map(el, { scrollWheelZoom: false }).setView(start, zoom);
  L.control.scale({ imperial: false }).addTo(map);
  var tileUrl = el.getAttribute("data-tile-url");
  if (tileUrl) {
    L.tileLayer(tileUrl, { maxZoom: 18 }).addTo(map);
  }
  var marker = null;
  function place(latlng) {
    if (marker) {
      marker.setLatLng(latlng);
    } else {
      marker = L.circleMarker(latlng, { radius: 8, color: "#0b5cad", weight: 3, fillOpacity: 0.4 }).addTo(map);
    }
  }
  if (num(lat) !== null && num(lon) !== null) {
    place([num(lat), num(lon)]);
  }
  map.on("click", function (e) {
    lat.value = e.latlng.lat.toFixed(5);
    lon.value = e.latlng.lng.toFixed(5);
    place(e.latlng);
    lat.dispatchEvent(new Event("change"));
  });
  function typed() {
    if (num(lat) !== null && num(lon) !== null) {
      place([num(lat), num(lon)]);
      map.panTo([num(lat), num(lon)]);
    }
  }
  lat.addEventListener("change", typed);
  lon.addEventListener("change", typed);
})();
