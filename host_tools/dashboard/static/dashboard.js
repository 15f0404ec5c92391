// The NES dashboard page: one server-sent event stream (api/events) brings the
// state, then every message received or sent; readings are plotted with uPlot,
// one chart per board and sensor. Text from the network is only ever set as
// textContent, never parsed as HTML.
"use strict";

const COLORS = ["#2f6fb3", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#16a085"];
const MAX_POINTS = 5000; // per chart; older points are dropped

let me = null;
let selected = null;
let seen = new Set();
let messages = [];
let boards = new Map(); // sender -> {el, latest, seenAt, charts, series: Map name -> chart}
let people = new Map(); // name -> {last, board}

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function timeText(ms) {
  return new Date(ms).toLocaleTimeString([], { hour12: false });
}

function readingText(readings) {
  return readings.map((r) => r.name + " " + r.value + (r.unit ? " " + r.unit : "")).join(", ");
}

function keyOf(m) {
  return [m.from, m.to, m.timestamp, m.message].join("\u0000");
}

// -- boards and their charts ------------------------------------------------

function board(sender) {
  let b = boards.get(sender);
  if (b) return b;
  const article = el("article", "board");
  article.dataset.board = sender;
  const title = el("h3", null, sender);
  const seenAt = el("span", "seen");
  title.append(seenAt);
  const latest = el("dl", "latest");
  const charts = el("div", "charts");
  article.append(title, latest, charts);
  const list = $("board-list");
  const after = [...list.children].find((c) => c.dataset.board > sender);
  list.insertBefore(article, after || null);
  $("no-boards").hidden = true;
  b = { el: article, latest, seenAt, charts, series: new Map(), values: new Map() };
  boards.set(sender, b);
  return b;
}

function chart(b, sender, name, unit) {
  let c = b.series.get(name);
  if (c) return c;
  const holder = el("div", "chart");
  holder.dataset.series = sender + "/" + name;
  holder.dataset.points = "0";
  b.charts.append(holder);
  const color = COLORS[b.series.size % COLORS.length];
  c = { holder, xs: [], ys: [], plot: null, unit, color, name };
  b.series.set(name, c);
  return c;
}

function draw(c) {
  const width = Math.max(260, c.holder.clientWidth || 300);
  if (!c.plot) {
    c.plot = new uPlot({
      width, height: 170,
      title: c.name + (c.unit ? " (" + c.unit + ")" : ""),
      scales: { x: { time: true } },
      series: [{}, { label: c.name, stroke: c.color, width: 2, fill: c.color + "22",
                     value: (u, v) => (v == null ? "-" : v + (c.unit ? " " + c.unit : "")) }],
      legend: { show: false },
    }, [c.xs, c.ys], c.holder);
  } else {
    c.plot.setData([c.xs, c.ys]);
  }
  c.holder.dataset.points = String(c.xs.length);
}

function addPoint(sender, name, unit, ms, value, redraw) {
  const b = board(sender);
  const c = chart(b, sender, name, unit);
  c.unit = unit;
  const x = ms / 1000;
  if (c.xs.length && x < c.xs[c.xs.length - 1]) return; // out of order: keep the plot monotonic
  c.xs.push(x);
  c.ys.push(value);
  if (c.xs.length > MAX_POINTS) { c.xs.shift(); c.ys.shift(); }
  b.values.set(name, { value, unit });
  b.last = Math.max(b.last || 0, ms);
  if (redraw) { draw(c); showLatest(b); }
}

function showLatest(b) {
  b.latest.replaceChildren(...[...b.values].map(([name, v]) => {
    const item = el("div");
    item.append(el("dt", null, name), el("dd", null, v.value + (v.unit ? " " + v.unit : "")));
    return item;
  }));
  b.seenAt.textContent = b.last ? "last reading " + timeText(b.last) : "";
}

// -- correspondents and the conversation ---------------------------------------

function note(name, ms, isBoard) {
  if (!name || name === me) return;
  const p = people.get(name) || { last: 0, board: false };
  p.last = Math.max(p.last, ms);
  p.board = p.board || isBoard;
  people.set(name, p);
}

function showPeople() {
  const sorted = [...people].sort((a, b) => b[1].last - a[1].last);
  if (!selected && sorted.length) { select(sorted[0][0], false); showConversation(); }
  $("correspondents").replaceChildren(...sorted.map(([name, p]) => {
    const li = el("li", null, name);
    li.dataset.name = name;
    li.setAttribute("aria-selected", String(name === selected));
    li.append(el("span", "kind", p.board ? "board" : ""));
    li.addEventListener("click", () => select(name, true));
    return li;
  }));
}

function select(name, render) {
  selected = name;
  $("send-to").value = name;
  $("send-error").textContent = "";
  $("conversation-title").textContent = "Conversation with " + name;
  if (render) { showPeople(); showConversation(); }
}

function involves(m) {
  return !selected || m.from === selected || m.to === selected;
}

function messageItem(m) {
  const li = el("li", m.from === me ? "mine" : "");
  li.append(el("span", "meta", m.from + " → " + m.to + " · " + timeText(m.timestamp)));
  li.append(document.createTextNode(m.readings ? readingText(m.readings) : m.message));
  return li;
}

function showConversation() {
  const list = $("messages");
  list.replaceChildren(...messages.filter(involves).slice(-200).map(messageItem));
  list.scrollTop = list.scrollHeight;
}

function addMessage(m, live) {
  const key = keyOf(m);
  if (seen.has(key)) return;
  seen.add(key);
  messages.push(m);
  note(m.from, m.timestamp, !!m.readings);
  note(m.to, m.timestamp, false);
  if (!live) return;
  if (m.readings) for (const r of m.readings) addPoint(m.from, r.name, r.unit, m.timestamp, r.value, true);
  showPeople();
  if (involves(m)) showConversation();
}

// -- the event stream ----------------------------------------------------------

function reset(state) {
  me = state.user;
  $("who").textContent = me + " on " + state.broker;
  seen = new Set();
  messages = [];
  people = new Map();
  boards = new Map();
  $("board-list").replaceChildren();
  $("no-boards").hidden = false;
  for (const [sender, byName] of Object.entries(state.series)) {
    for (const [name, s] of Object.entries(byName)) {
      for (const [ms, value] of s.points) addPoint(sender, name, s.unit, ms, value, false);
    }
  }
  for (const m of state.messages) addMessage(m, false);
  for (const b of boards.values()) {
    note(b.el.dataset.board, b.last, true);
    for (const c of b.series.values()) draw(c);
    showLatest(b);
  }
  showPeople();
  showConversation();
}

function setStatus(state, text) {
  const status = $("status");
  status.dataset.state = state;
  status.textContent = text;
}

function connect() {
  const source = new EventSource("api/events");
  source.onopen = () => setStatus("live", "live");
  source.onerror = () => setStatus("lost", "connection lost; retrying…");
  source.onmessage = (event) => {
    const data = JSON.parse(event.data);
    if (data.kind === "state") reset(data);
    else if (data.kind === "message") addMessage(data.message, true);
    else if (data.kind === "notice") { $("notice").hidden = false; $("notice").textContent = data.text; }
  };
}

$("send-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("send-text").value;
  const to = $("send-to").value.trim().toLowerCase();
  $("send-error").textContent = "";
  try {
    const answer = await fetch("api/send", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ to, text }),
    });
    const body = await answer.json();
    if (!answer.ok) throw new Error(body.error || answer.statusText);
    $("send-text").value = "";
    if (to !== selected) select(to, true);
    addMessage(body.message, true);
  } catch (error) {
    $("send-error").textContent = "not sent: " + error.message;
  }
});

window.addEventListener("resize", () => {
  for (const b of boards.values()) {
    for (const c of b.series.values()) {
      if (c.plot) c.plot.setSize({ width: Math.max(260, c.holder.clientWidth), height: 170 });
    }
  }
});

connect();
