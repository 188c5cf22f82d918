/* The hub's maps (catalog/hub/maps.py), with the Leaflet that datasette-leaflet serves:
   - on a table page whose table has a hub map: one map of all the rows (GeoJSON features,
     or several point pairs joined by a line), above the table, each with a popup;
   - on a GTFS dataset page (.hub-route-map): each route as lines in its own colour.
   Tiles are a bonus: when they fail, the map keeps its plain background and says so. */

function element(tag, attributes, text) {
  const node = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([k, v]) => node.setAttribute(k, v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function loadCss(url) {
  if (!url || document.querySelector(`link[href="${url}"]`)) return;
  document.head.appendChild(element("link", {rel: "stylesheet", href: url}));
}

function popup(properties, skip) {
  const box = element("dl", {class: "hub-map-popup"});
  Object.entries(properties).forEach(([key, value]) => {
    if (skip.includes(key) || value === null || value === "") return;
    box.appendChild(element("dt", {}, key));
    box.appendChild(element("dd", {}, typeof value === "object" ? JSON.stringify(value) : String(value)));
  });
  return box;
}

function baseMap(L, container, config, note) {
  const map = L.map(container, {scrollWheelZoom: false});
  if (config.tiles && config.tiles.url) {
    let failed = false;
    const layer = L.tileLayer(config.tiles.url, {maxZoom: 19, attribution: config.tiles.attribution});
    layer.on("tileerror", () => {
      if (failed) return;
      failed = true;  // offline or blocked: a plain background, and a word about it
      container.classList.add("hub-map-offline");
      if (note) note.hidden = false;
    });
    layer.addTo(map);
  } else {
    container.classList.add("hub-map-offline");
  }
  return map;
}

async function tableMap(L, config) {
  // The page's map place (table.html's #map, also what the landing page's "map" links open), or a new one.
  let figure = document.getElementById("map");
  let container = document.getElementById("hub-map");
  if (!figure || !container) {
    const anchor = document.querySelector(".table-wrapper") || document.querySelector("table.rows-and-columns");
    if (!anchor) return;
    figure = element("section", {id: "map", class: "hub-map", "aria-label": config.title});
    container = element("div", {id: "hub-map"});
    figure.appendChild(container);
    anchor.parentNode.insertBefore(figure, anchor);
  }
  figure.classList.add("hub-map-figure");
  container.classList.add("hub-leaflet");
  container.setAttribute("role", "region");
  container.setAttribute("aria-label", config.title);
  figure.insertBefore(element("h2", {}, config.title), container);
  const note = element("p", {class: "hub-map-note", hidden: ""}, config.offline_note);
  const status = element("p", {class: "hub-map-note", role: "status"});
  figure.append(note, status);
  const map = baseMap(L, container, config, note);
  const link = document.querySelector('link[rel="alternate"][type="application/json+datasette"]');
  const url = new URL(link ? link.href : location.pathname + ".json", location.href);
  url.searchParams.set("_shape", "array");
  url.searchParams.set("_size", "max");
  const rows = await (await fetch(url)).json();
  const group = L.featureGroup();
  if (config.geometry) {
    rows.forEach((row) => {
      let geometry;
      try { geometry = JSON.parse(row[config.geometry]); } catch (error) { return; }
      if (!geometry) return;
      const layer = L.geoJSON(geometry, {style: {color: "#1d4e6e", weight: 2, fillOpacity: 0.25}});
      layer.bindPopup(() => popup(row, [config.geometry]));
      if (config.label && row[config.label] !== null) layer.bindTooltip(String(row[config.label]));
      group.addLayer(layer);
    });
  } else {
    const colours = ["#c0392b", "#1d4e6e", "#1e7d32", "#6a1b9a"];
    rows.forEach((row) => {
      const points = config.points.map((pair, i) => {
        const lat = row[pair.lat], lon = row[pair.lon];
        if (lat === null || lon === null || lat === undefined || lon === undefined) return null;
        const marker = L.circleMarker([lat, lon], {radius: 6, color: colours[i % colours.length], weight: 2,
                                                   fillOpacity: 0.8});
        marker.bindPopup(() => popup(row, []));
        marker.options.hubPair = i;
        group.addLayer(marker);
        return [lat, lon];
      }).filter(Boolean);
      if (points.length > 1) group.addLayer(L.polyline(points, {color: "#555", weight: 1.5, dashArray: "4 4"}));
    });
    const legend = element("ul", {class: "hub-map-legend"});
    config.points.forEach((pair, i) => {
      const item = element("li");
      item.appendChild(element("span", {class: "hub-swatch", style: `background:${colours[i % colours.length]}`}));
      item.appendChild(document.createTextNode(` ${pair.lat}, ${pair.lon}`));
      legend.appendChild(item);
    });
    figure.insertBefore(legend, note);
  }
  group.addTo(map);
  status.textContent = config.count_note.replace("%(count)s", String(rows.length));
  if (group.getLayers().length) map.fitBounds(group.getBounds(), {maxZoom: 15, padding: [10, 10]});
  else map.setView([46.6, 2.4], 6);
  container.setAttribute("data-features", String(rows.length));
}

async function routeMap(L, container) {
  const config = JSON.parse(container.getAttribute("data-map"));
  const note = container.parentNode.querySelector(".hub-map-offline-note");
  const map = baseMap(L, container, config, note);
  const lines = await (await fetch(config.routes)).json();
  const group = L.featureGroup();
  lines.features.forEach((feature) => {
    const p = feature.properties;
    const layer = L.geoJSON(feature, {style: {color: p.route_color, weight: 4, opacity: 0.9}});
    layer.bindPopup(() => popup(p, ["source"]));
    layer.bindTooltip([p.route_short_name, p.route_long_name].filter(Boolean).join(" — "));
    group.addLayer(layer);
  });
  group.addTo(map);
  if (group.getLayers().length) map.fitBounds(group.getBounds(), {padding: [10, 10]});
  container.setAttribute("data-routes-drawn", String(lines.features.length));
}

async function main() {
  const routes = document.querySelectorAll(".hub-route-map[data-map]");
  if (!routes.length && !document.body.classList.contains("table")) return;
  let config = null;
  if (!routes.length) {
    const response = await fetch("/-/map" + location.pathname + ".json");
    if (!response.ok) return;
    config = await response.json();
  }
  const first = config || JSON.parse(routes[0].getAttribute("data-map"));
  loadCss(first.leaflet_css);
  const L = await import(first.leaflet_js);
  if (config) await tableMap(L, config);
  for (const container of routes) await routeMap(L, container);
}

main().catch((error) => { document.body.setAttribute("data-hub-map-error", String(error)); });
