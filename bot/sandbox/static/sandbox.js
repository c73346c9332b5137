// The sandbox page: a small Slack client. It reads what the local Slack holds for the person
// you are (GET /sandbox/state) and turns what you do into the requests Slack would send.
"use strict";

const { el } = BlockKit;
const $ = (id) => document.getElementById(id);

const view = {
  me: localStorage.getItem("sandbox.me") || "U0ADA",
  pane: localStorage.getItem("sandbox.pane") || "channel",
  thread: null, // ts of the open thread
  state: null,
  drawn: {}, // what each part of the page was last drawn from, so inputs survive a refresh
};

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ as: view.me, ...body }),
  });
  if (!response.ok) toast(await response.text());
  else {
    const answer = await response.json();
    if (answer.status && answer.status !== 200) toast(`The app answered HTTP ${answer.status}`);
  }
  await refresh();
  return response;
}

function toast(text) {
  const node = $("toast");
  node.textContent = text;
  node.hidden = false;
  setTimeout(() => { node.hidden = true; }, 4000);
}

function peopleById() {
  return Object.fromEntries(view.state.people.map((p) => [p.id, p]));
}

function channelKey() {
  return view.pane === "dm" ? `D${view.me}` : view.state.channel.id;
}

function ctxFor(where, errors) {
  return {
    people: peopleById(),
    errors,
    onAction: (action) => {
      const root = where.view_id ? $("modal") : null;
      const state = root ? BlockKit.readState(root) : {};
      post("/sandbox/action", { action, where, state });
    },
    confirm: showConfirm,
  };
}

function showConfirm(confirm, go) {
  const box = $("confirm");
  box.replaceChildren(el("div", { class: "dialog", role: "dialog", "aria-label": BlockKit.plain(confirm.title) },
    el("h2", {}, BlockKit.plain(confirm.title)),
    el("div", { class: "mrkdwn", html: BlockKit.mrkdwn(confirm.text && confirm.text.text, peopleById()) }),
    el("div", { class: "dialog-buttons" },
      el("button", { type: "button", onclick: () => { box.hidden = true; } }, BlockKit.plain(confirm.deny) || "Cancel"),
      el("button", { type: "button", class: `bk-button ${confirm.style || "primary"}`, onclick: () => { box.hidden = true; go(); } },
        BlockKit.plain(confirm.confirm) || "Yes"))));
  box.hidden = false;
}

// ------------------------------------------------------------------ messages

function author(message) {
  if (message.user && message.user !== "U0BOT" && peopleById()[message.user]) return peopleById()[message.user].name;
  return "Partnership Check";
}

function time(ts) {
  const date = new Date(Number(ts) * 1000);
  return date.toISOString().slice(11, 16);
}

function messageNode(message, channel, { ephemeral = false, replies = [], inThread = false } = {}) {
  const where = { channel, ts: message.ts, ephemeral };
  const body = el("div", { class: "message-body" });
  if (message.blocks && message.blocks.length) body.append(BlockKit.render(message.blocks, ctxFor(where)));
  else if (message.text) body.append(el("div", { class: "mrkdwn", html: BlockKit.mrkdwn(message.text, peopleById()) }));
  for (const file of message.files || []) {
    body.append(el("figure", { class: "file" },
      el("figcaption", {}, file.title || file.name),
      file.mimetype && file.mimetype.startsWith("image/")
        ? el("img", { src: file.url_private, alt: file.alt_txt || file.title || "" })
        : el("a", { href: file.url_private }, file.name)));
  }
  const node = el("article", { class: `message${ephemeral ? " ephemeral" : ""}`, "data-ts": message.ts },
    el("div", { class: "meta" }, el("b", {}, author(message)), " ", el("span", { class: "time" }, time(message.ts)),
      message.edited ? el("span", { class: "time" }, " (edited)") : null,
      ephemeral ? el("span", { class: "only-you" }, " Only visible to you") : null),
    body);
  if (!inThread && replies.length) {
    node.append(el("button", { type: "button", class: "link replies", onclick: () => { view.thread = message.ts; draw(); } },
      `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`));
  }
  if (ephemeral) {
    node.append(el("button", { type: "button", class: "link", onclick: () => node.remove() }, "Dismiss"));
  }
  return node;
}

function drawMessages() {
  const channel = channelKey();
  const messages = view.state.messages[channel] || [];
  const ephemerals = view.state.ephemerals.filter((e) => e.channel === channel);
  const key = JSON.stringify([channel, messages, ephemerals, view.me, view.state.clock.local.slice(0, 10)]);
  if (view.drawn.messages !== key) {
    view.drawn.messages = key;
    const top = messages.filter((m) => !m.thread_ts || m.thread_ts === m.ts);
    const items = [
      ...top.map((m) => ({ ts: Number(m.ts), node: () => messageNode(m, channel, { replies: messages.filter((r) => r.thread_ts === m.ts && r.ts !== m.ts) }) })),
      ...ephemerals.map((e) => ({ ts: Number(e.ts), node: () => messageNode(e, channel, { ephemeral: true }) })),
    ].sort((a, b) => a.ts - b.ts);
    const list = $("messages");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    list.replaceChildren(...items.map((item) => item.node()));
    if (!items.length) list.append(el("p", { class: "empty" }, view.pane === "dm"
      ? "No messages from the app yet."
      : "Nothing here yet. Type /partnership check below to start a check."));
    if (atBottom) list.scrollTop = list.scrollHeight;
  }
  drawThread(messages, channel);
}

function drawThread(messages, channel) {
  const parent = messages.find((m) => m.ts === view.thread);
  $("thread").hidden = !parent;
  if (!parent) return;
  const replies = messages.filter((r) => r.thread_ts === parent.ts && r.ts !== parent.ts);
  const key = JSON.stringify([parent, replies]);
  if (view.drawn.thread === key) return;
  view.drawn.thread = key;
  $("thread-messages").replaceChildren(messageNode(parent, channel, { inThread: true }),
    el("div", { class: "replies-count" }, `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`),
    ...replies.map((r) => messageNode(r, channel, { inThread: true })));
}

function drawHome() {
  const home = view.state.home;
  const key = JSON.stringify([home, view.me, view.state.clock.local.slice(0, 10)]);
  if (view.drawn.messages === key) return;
  view.drawn.messages = key;
  $("messages").replaceChildren(home
    ? el("div", { class: "home" }, BlockKit.render(home.blocks, ctxFor({ view_id: home.id })))
    : el("p", { class: "empty" }, "Opening the Home tab…"));
  $("thread").hidden = true;
}

// ------------------------------------------------------------------ modal

function drawModal() {
  const modal = view.state.modal;
  const box = $("modal");
  const key = modal ? JSON.stringify([modal.id, modal.hash, modal.errors]) : "";
  if (view.drawn.modal === key) return;
  const before = modal && view.drawn.modalId === modal.id ? BlockKit.touchedState(box) : null;
  view.drawn.modal = key;
  view.drawn.modalId = modal && modal.id;
  if (!modal) { box.hidden = true; box.replaceChildren(); return; }
  const form = el("form", { class: "dialog modal", role: "dialog", "aria-label": BlockKit.plain(modal.title) },
    el("div", { class: "modal-title" }, el("h2", {}, BlockKit.plain(modal.title)),
      el("button", { type: "button", class: "link", "aria-label": "Close", onclick: () => post("/sandbox/close", {}) }, "✕")),
    el("div", { class: "modal-body" }, BlockKit.render(modal.blocks, ctxFor({ view_id: modal.id }, modal.errors))),
    el("div", { class: "dialog-buttons" },
      el("button", { type: "button", onclick: () => post("/sandbox/close", {}) }, BlockKit.plain(modal.close) || "Cancel"),
      modal.submit ? el("button", { type: "submit", class: "bk-button primary" }, BlockKit.plain(modal.submit)) : null));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const missing = BlockKit.missingRequired(form, modal.blocks);
    BlockKit.showErrors(form, missing);
    if (Object.keys(missing).length) return; // as in Slack: not sent until they are filled in
    post("/sandbox/submit", { view_id: modal.id, state: BlockKit.readState(form) });
  });
  box.replaceChildren(form);
  if (before) BlockKit.restoreState(form, before);
  box.hidden = false;
}

// ------------------------------------------------------------------ page

function draw() {
  const state = view.state;
  const me = peopleById()[view.me];
  const select = $("me");
  if (!select.options.length) {
    for (const person of state.people) {
      select.append(el("option", { value: person.id }, `${person.name} — ${person.team}${person.ours ? "" : " (client)"}`));
    }
  }
  select.value = view.me;
  $("workspace").textContent = `${me.team}${me.ours ? "" : " · Slack Connect"}`;
  $("nav-channel").textContent = `# ${state.channel.name}`;
  BlockKit.channels[state.channel.id] = state.channel.name;
  BlockKitTime.zone = state.clock.tz;
  const appNow = new Date(state.clock.utc);
  BlockKitTime.now = () => appNow;
  for (const button of document.querySelectorAll(".nav")) button.classList.toggle("active", button.dataset.pane === view.pane);
  $("clock").textContent = `${state.clock.local} (${state.clock.tz})`;
  const titles = { channel: `# ${state.channel.name} · shared with Fernhill Foods`, dm: "Partnership Check · Messages", home: "Partnership Check · Home" };
  $("pane-title").textContent = titles[view.pane];
  $("composer").hidden = view.pane === "home";
  $("composer-input").placeholder = view.pane === "dm" ? "Message Partnership Check (try /partnership help)" : `Message #${state.channel.name} (try /partnership check)`;
  if (view.pane === "home") drawHome(); else drawMessages();
  drawModal();
}

let asked = 0; // refreshes asked for
let shown = 0; // the latest one drawn: an older answer arriving late is dropped

async function refresh() {
  const number = ++asked;
  const response = await fetch(`/sandbox/state?as=${encodeURIComponent(view.me)}`);
  if (!response.ok) return;
  const state = await response.json();
  if (number < shown || state.me !== view.me) return;
  shown = number;
  view.state = state;
  draw();
}

function openPane(pane) {
  view.pane = pane;
  view.thread = null;
  view.drawn = {};
  localStorage.setItem("sandbox.pane", pane);
  // Slack tells the app when someone opens its Home or its Messages tab (app_home_opened)
  if (pane === "home") post("/sandbox/home", {});
  else if (pane === "dm") post("/sandbox/home", { tab: "messages" });
  else refresh();
}

$("me").addEventListener("change", (event) => {
  view.me = event.target.value;
  localStorage.setItem("sandbox.me", view.me);
  openPane(view.pane);
});
for (const button of document.querySelectorAll(".nav")) button.addEventListener("click", () => openPane(button.dataset.pane));
$("close-thread").addEventListener("click", () => { view.thread = null; draw(); });
$("advance-hour").addEventListener("click", () => post("/sandbox/clock", { step: "hour" }));
$("advance-morning").addEventListener("click", () => post("/sandbox/clock", { step: "morning" }));
$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("composer-input");
  const text = input.value.trim();
  if (!text) return;
  if (!text.startsWith("/partnership")) {
    toast("This sandbox only sends slash commands: try /partnership help");
    return;
  }
  input.value = "";
  post("/sandbox/command", { text, channel: channelKey() });
});

openPane(view.pane);
setInterval(refresh, 800);
