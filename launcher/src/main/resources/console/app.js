// The iot-pipeline console: one page per hash route, each polling the console's JSON API.
// Everything a device sent is shown through textContent, never parsed as HTML.
'use strict';

const REFRESH_MS = { flow: 2000, deadletters: 5000, devices: 5000, map: 10000, readings: 10000 };
const pages = {};
let timer = null;
let current = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.substring(2), value);
    else if (key === 'className') node.className = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Thrown when an answer arrives after the user went to another page: the old page must not draw into the new one. */
class Left extends Error {}
let generation = 0;

/** Fetches JSON; throws Left if the page changed meanwhile. */
async function getJson(url, options) {
  const asked = generation;
  const response = await fetch(url, options);
  const json = await response.json().catch(() => ({ error: response.statusText }));
  if (asked !== generation) throw new Left();
  if (!response.ok) throw new Error(json.error || ('HTTP ' + response.status));
  return json;
}

async function api(path, body) {
  return getJson('/api/' + path, body === undefined ? {} : {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
}

/** Replaces a node's children, leaving out null ones (replaceChildren would print them as "null"). */
function show(root, ...nodes) {
  root.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
}

function status(text, error) {
  const node = document.getElementById('status');
  node.textContent = text;
  node.classList.toggle('error', !!error);
}

const number = (value) => value === null || value === undefined ? '–' : Math.round(value).toLocaleString('en-US');
const rate = (value) => value === null || value === undefined ? '–' : value.toFixed(1) + ' /s';
const time = (iso) => iso ? new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–';

// ---- Flow -------------------------------------------------------------------------------------

function stageCard(stage) {
  const rows = [
    ['readings', number(stage.total), 'total'],
    ['rate', rate(stage.rate), 'rate'],
    ['waiting (lag)', stage.lag === null ? '–' : number(stage.lag), 'lag'],
    [stage.id === 'bridge' ? 'refused' : 'dead letters', number(stage.deadLetters), 'deadletters'],
  ];
  for (const [name, value] of Object.entries(stage.more || {})) rows.push([name, number(value), null]);
  return el('div', { className: 'card', 'data-stage': stage.id },
    el('h3', {}, stage.title),
    el('dl', {}, rows.map(([name, value, key]) => [
      el('dt', {}, name),
      el('dd', { 'data-figure': key, className: key === 'deadletters' && value !== '0' ? 'bad' : null }, value),
    ])));
}

pages.flow = {
  title: 'Flow',
  async render(root) {
    const flow = await api('flow');
    const byId = Object.fromEntries(flow.stages.map((s) => [s.id, s]));
    const sinks = flow.stages.filter((s) => s.id !== 'bridge' && s.id !== 'streams');
    show(root, 
      el('h2', {}, 'Flow'),
      el('p', { className: 'muted' }, 'Readings through each stage since it started, their rate over the last seconds, what waits in'
        + ' front of each stage (consumer lag), and dead letters. Refreshed every 2 s.'),
      el('div', { className: 'flow' },
        el('div', { className: 'card' }, el('h3', {}, 'Devices'), el('p', { className: 'muted' }, 'MQTT, HTTP')),
        el('span', { className: 'arrow' }, '→'),
        byId.bridge ? stageCard(byId.bridge) : null,
        el('span', { className: 'arrow' }, '→'),
        byId.streams ? stageCard(byId.streams) : null,
        el('span', { className: 'arrow' }, '→'),
        el('div', { className: 'sinks' }, sinks.map(stageCard))));
  },
};

// ---- Dead letters -----------------------------------------------------------------------------

pages.deadletters = {
  title: 'Dead letters',
  message: null,
  /** A table of a topic's reasons with their newest letters; {@code replay} adds the streams app's Replay buttons. */
  reasonsTable(summary, replay) {
    const self = this;
    const table = el('table', { className: 'reasons', 'data-topic': summary.topic },
      el('tr', {}, el('th', {}, 'reason'), el('th', {}, 'letters'), replay ? [el('th', {}, 'replayed'), el('th', {}, 'replayable'),
        el('th', {}, '')] : null));
    const columns = replay ? 5 : 2;
    for (const reason of summary.reasons) {
      let button = null;
      if (replay) {
        button = el('button', {
          'data-replay': reason.reason,
          disabled: reason.replayable === 0,
          onclick: async () => {
            button.disabled = true;
            try {
              const result = await api('deadletters/replay', { reason: reason.reason });
              self.message = { text: `Replayed ${result.sent} dead letters of ${reason.reason}; ${result.skipped} had been replayed before.` };
            } catch (e) {
              self.message = { text: 'Replay failed: ' + e.message, error: true };
            }
            refresh();
          },
        }, 'Replay ' + reason.replayable);
      }
      table.append(el('tr', { 'data-reason': reason.reason },
        el('td', {}, reason.reason), el('td', { className: 'num', 'data-figure': 'count' }, number(reason.count)),
        replay ? [el('td', { className: 'num' }, number(reason.replayed)), el('td', { className: 'num' }, number(reason.replayable)),
          el('td', {}, button)] : null));
      const samples = el('table', { className: 'samples' },
        el('tr', {}, el('th', {}, 'letter'), el('th', {}, 'dead-lettered at'), el('th', {}, 'device'), el('th', {}, 'format'),
          el('th', {}, 'message'), el('th', {}, 'payload')));
      for (const sample of reason.samples) {
        samples.append(el('tr', {},
          el('td', {}, el('button', { className: 'link', 'data-letter': sample.id, onclick: () => self.show(sample.id) }, sample.id)),
          el('td', {}, time(sample.deadLetteredAt)), el('td', {}, sample.deviceId), el('td', {}, sample.format),
          el('td', {}, sample.message), el('td', {}, el('pre', {}, sample.payload))));
      }
      table.append(el('tr', {}, el('td', { colspan: columns }, samples)));
    }
    return summary.reasons.length ? table : el('p', {}, 'None.');
  },
  async render(root) {
    const data = await api('deadletters');
    const windowNote = (summary) => summary.complete ? '' : ` (the newest of each partition's last ${number(summary.window)} offsets)`;
    show(root,
      el('h2', {}, 'Dead letters'),
      el('p', { className: 'muted', id: 'deadletters-summary' }, `${number(data.total)} dead letters of the streams app`
        + windowNote(data) + ', by reason, with the newest of each.'
        + ' Replay sends a reason\'s letters back to their raw topic, each once (older ones too); fix the cause first (provision'
        + ' the device, publish the format).'),
      this.message ? el('div', { className: 'message' + (this.message.error ? ' error' : ''), id: 'replay-message' }, this.message.text) : null,
      this.reasonsTable(data, true),
      data.sinks.map((sink) => [
        el('h3', { className: 'sink-letters' }, `${sink.topic}: ${number(sink.total)} dead letters${windowNote(sink)}`),
        el('p', { className: 'muted' }, 'Readings (as Avro JSON) or whole batches this sink could not store, with the reason.'),
        this.reasonsTable(sink, false)]),
      el('div', { id: 'letter', className: 'letter' }, this.letter || null));
  },
  async show(id) {
    const letter = await api('deadletters/letter?id=' + encodeURIComponent(id));
    const headers = el('table', {}, Object.entries(letter.headers).map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', {}, v))));
    this.letter = el('div', { className: 'card' },
      el('h3', {}, `Letter ${letter.id}: ${letter.reason}`),
      el('p', {}, letter.message || ''),
      headers,
      el('p', { className: 'muted' }, `payload, ${letter.payloadBytes} bytes`),
      el('pre', { id: 'letter-payload' }, letter.payload));
    show(document.getElementById('letter'), this.letter);
  },
};

// ---- Devices ----------------------------------------------------------------------------------

const DEVICES_PER_PAGE = 100;

pages.devices = {
  title: 'Devices',
  async render(root) {
    if (!this.form || !root.contains(this.form)) this.mount(root);
    const page = await api(`devices?q=${encodeURIComponent(this.search.value)}&offset=${this.offset}&limit=${DEVICES_PER_PAGE}`);
    if (page.offset >= page.total && page.total > 0) { this.offset = 0; return this.render(root); }
    const devices = page.devices;
    const chosen = this.select.value;
    show(this.select, devices.map((d) => el('option', { value: d.id }, d.id)));
    if (devices.some((d) => d.id === chosen)) this.select.value = chosen; // else the first of this page
    this.intro.textContent = `${number(page.total)} device${page.total === 1 ? '' : 's'}` + (this.search.value ? ` with "${this.search.value}" in their id` : ' in the registry')
      + (page.total > devices.length ? `, ${number(page.offset + 1)} to ${number(page.offset + devices.length)} shown` : '')
      + '. Last reading and format version come from the warehouse (stored readings); shadows and commands from Kafka.';
    this.previous.disabled = page.offset === 0;
    this.next.disabled = page.offset + devices.length >= page.total;
    const table = el('table', { id: 'devices' },
      el('tr', {}, ['device', 'type', 'enabled', 'last reading received', 'format version', 'shadow (reported / desired / delta)',
        'pending commands'].map((h) => el('th', {}, h))));
    for (const d of devices) {
      const shadow = d.shadow ? el('pre', {}, `v${d.shadow.version}\nreported ${d.shadow.reported}\ndesired  ${d.shadow.desired}\ndelta    ${d.shadow.delta}`) : '–';
      const commands = d.pendingCommands.length
        ? el('pre', {}, d.pendingCommands.map((c) => `${c.name} (${c.target}, expires ${time(c.expiresTime)})`).join('\n')) : '–';
      table.append(el('tr', { 'data-device': d.id },
        el('td', {}, d.id), el('td', {}, d.type), el('td', {}, d.enabled ? 'yes' : 'no'), el('td', {}, time(d.lastSeen)),
        el('td', { 'data-figure': 'format' }, d.formatVersion || '–'), el('td', { 'data-figure': 'shadow' }, shadow), el('td', { 'data-figure': 'commands' }, commands)));
    }
    show(this.table, table);
  },
  mount(root) {
    this.offset = 0;
    this.search = el('input', { id: 'device-search', type: 'search', placeholder: 'device id contains', 'aria-label': 'search devices',
      oninput: () => { this.offset = 0; clearTimeout(this.typing); this.typing = setTimeout(refresh, 300); } });
    this.previous = el('button', { type: 'button', onclick: () => { this.offset = Math.max(0, this.offset - DEVICES_PER_PAGE); refresh(); } }, '‹ previous');
    this.next = el('button', { type: 'button', id: 'devices-next', onclick: () => { this.offset += DEVICES_PER_PAGE; refresh(); } }, 'next ›');
    this.select = el('select', { name: 'deviceId', 'aria-label': 'device' });
    this.message = el('div', { id: 'command-message' });
    this.intro = el('p', { className: 'muted', id: 'devices-summary' });
    this.table = el('div', {});
    this.form = el('form', { className: 'inline', id: 'command-form', onsubmit: async (event) => {
      event.preventDefault();
      const data = new FormData(this.form);
      try {
        const result = await api('commands', { deviceId: data.get('deviceId'), name: data.get('name'), payload: data.get('payload') });
        this.message.className = 'message';
        this.message.textContent = `Command ${result.commandId} sent to ${data.get('deviceId')}; delivered when the device is connected.`;
      } catch (e) {
        this.message.className = 'message error';
        this.message.textContent = 'Not sent: ' + e.message;
      }
      refresh();
    } },
    el('strong', {}, 'Send a command'), this.select,
    el('input', { name: 'name', placeholder: 'name, e.g. reboot', required: true, 'aria-label': 'command name' }),
    el('input', { name: 'payload', placeholder: 'JSON payload', value: '{}', 'aria-label': 'payload' }),
    el('button', { type: 'submit' }, 'Send'));
    show(root, el('h2', {}, 'Devices'), el('form', { className: 'inline', onsubmit: (e) => e.preventDefault() }, this.search, this.previous,
      this.next), this.intro, this.form, this.message, this.table);
  },
};

// ---- Map --------------------------------------------------------------------------------------

pages.map = {
  title: 'Map',
  async render(root) {
    const [positions, config] = await Promise.all([api('positions'), this.config || api('config')]);
    this.config = config;
    if (!this.map || !root.contains(this.container)) {
      this.container = el('div', { id: 'map' });
      this.list = el('div', {});
      show(root, el('h2', {}, 'Map'),
        el('p', { className: 'muted' }, 'The newest stored position of every gps-tracker.'), this.container, this.list);
      this.map = L.map(this.container, { worldCopyJump: true }).setView([20, 0], 2);
      if (config.mapTilesUrl) {
        L.tileLayer(config.mapTilesUrl, { maxZoom: 18, attribution: '&copy; OpenStreetMap contributors' }).addTo(this.map);
      } else {
        const land = await getJson('/land.geojson');
        L.geoJSON(land, { style: { color: '#7d8b99', weight: 1, fillColor: '#eef1e6', fillOpacity: 1 } }).addTo(this.map);
      }
      this.markers = L.layerGroup().addTo(this.map);
      this.fitted = false;
    }
    this.markers.clearLayers();
    for (const p of positions) {
      const popup = el('div', {}, el('strong', {}, p.deviceId), el('br'), time(p.eventTime), el('br'),
        `${p.latitude.toFixed(5)}, ${p.longitude.toFixed(5)}`, p.speedMps === null ? '' : `, ${p.speedMps} m/s`);
      L.circleMarker([p.latitude, p.longitude], { radius: 7, color: '#1f6feb', fillOpacity: 0.8 }).bindPopup(popup)
        .bindTooltip(p.deviceId).addTo(this.markers);
    }
    if (positions.length && !this.fitted) {
      // No animation: leaving the page mid-zoom would remove the map under Leaflet's running animation.
      this.map.fitBounds(positions.map((p) => [p.latitude, p.longitude]), { maxZoom: 5, padding: [40, 40], animate: false });
      this.fitted = true;
    }
    show(this.list, el('table', { id: 'positions' },
      el('tr', {}, ['tracker', 'event time', 'latitude', 'longitude', 'speed (m/s)'].map((h) => el('th', {}, h))),
      positions.map((p) => el('tr', { 'data-device': p.deviceId }, el('td', {}, p.deviceId), el('td', {}, time(p.eventTime)),
        el('td', { className: 'num' }, p.latitude.toFixed(6)), el('td', { className: 'num' }, p.longitude.toFixed(6)),
        el('td', { className: 'num' }, p.speedMps === null ? '–' : p.speedMps)))));
  },
  leave() {
    if (this.map) this.map.remove();
    this.map = null;
  },
};

// ---- Readings ---------------------------------------------------------------------------------

const RANGES = [['1', 'last hour'], ['24', 'last 24 hours'], ['168', 'last 7 days'], ['720', 'last 30 days'], ['0', 'everything stored']];

pages.readings = {
  title: 'Readings',
  async render(root) {
    const sensors = await api('sensors');
    if (!this.select || !root.contains(this.select)) {
      this.select = el('select', { id: 'sensor', onchange: () => { this.device = this.select.value; refresh(); } },
        sensors.map((id) => el('option', { value: id }, id)));
      this.range = el('select', { id: 'range', 'aria-label': 'time range', onchange: () => refresh() },
        RANGES.map(([hours, label]) => el('option', { value: hours, selected: hours === '24' }, label)));
      this.summary = el('p', { id: 'readings-summary' });
      this.chart = el('div', { id: 'chart' });
      show(root, el('h2', {}, 'Readings'),
        el('form', { className: 'inline' }, el('label', { for: 'sensor' }, 'env-sensor'), this.select, this.range),
        this.summary, this.chart);
      this.plot = null;
    }
    if (!sensors.length) {
      this.summary.textContent = 'No env-sensor in the registry.';
      return;
    }
    this.device = this.device && sensors.includes(this.device) ? this.device : sensors[0];
    this.select.value = this.device;
    const range = RANGES.find(([hours]) => hours === this.range.value);
    const data = await api('readings?device=' + encodeURIComponent(this.device) + '&hours=' + range[0]);
    const readings = data.readings;
    const xs = readings.map((r) => Date.parse(r.eventTime) / 1000);
    const series = [xs, readings.map((r) => r.temperatureC), readings.map((r) => r.humidityPct), readings.map((r) => r.batteryPct)];
    const last = readings[readings.length - 1];
    this.summary.textContent = readings.length
      ? `${readings.length} readings of ${data.deviceId} (${range[1]}); newest at ${time(last.eventTime)}: ${last.temperatureC} °C, ${last.humidityPct} %`
      : `No readings of ${data.deviceId} in the warehouse (${range[1]}).`;
    const key = this.device + '/' + range[0];
    if (this.plot && this.plotKey === key) {
      this.plot.setData(series);
      return;
    }
    if (this.plot) this.plot.destroy();
    this.plotKey = key;
    this.plot = new uPlot({
      width: Math.max(400, this.chart.clientWidth - 16), height: 360,
      series: [{}, { label: 'temperature °C', stroke: '#d9480f', scale: 'c' }, { label: 'humidity %', stroke: '#1f6feb', scale: '%' },
        { label: 'battery %', stroke: '#2f9e44', scale: '%' }],
      axes: [{}, { scale: 'c', label: '°C' }, { scale: '%', side: 1, label: '%', grid: { show: false } }],
      points: { show: true },
    }, series, this.chart);
  },
};

// ---- Routing ----------------------------------------------------------------------------------

async function refresh() {
  clearTimeout(timer);
  const name = current;
  try {
    await pages[name].render(document.getElementById('page'));
    status('updated ' + new Date().toLocaleTimeString());
  } catch (e) {
    if (e instanceof Left) return; // the new page has its own refresh
    status(e.message, true);
  }
  if (name === current) timer = setTimeout(refresh, REFRESH_MS[name]);
}

function route() {
  const name = (location.hash.replace(/^#\//, '') || 'flow');
  const next = pages[name] ? name : 'flow';
  if (current && pages[current].leave) pages[current].leave();
  generation++;
  current = next;
  document.title = pages[next].title + ' · iot-pipeline console';
  document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('active', a.dataset.page === next));
  show(document.getElementById('page'));
  refresh();
}

window.addEventListener('hashchange', route);
route();
