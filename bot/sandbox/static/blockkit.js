// Block Kit, drawn as Slack draws it. render(blocks, ctx) gives a DOM node; readState(node)
// gives Slack's state.values for the inputs inside it. A block or element this file can't
// draw becomes a visible placeholder naming it.
"use strict";

// The reader's time zone and the app's clock, which the page keeps up to date.
const BlockKitTime = { zone: "UTC", now: () => new Date() };

const BlockKit = (() => {
  const ELEMENT_TYPES = [
    "button", "static_select", "multi_static_select", "users_select", "multi_users_select",
    "overflow", "radio_buttons", "checkboxes", "datepicker", "timepicker", "datetimepicker",
    "plain_text_input", "image",
  ];
  const BLOCK_TYPES = ["header", "section", "context", "divider", "image", "actions", "input"];
  const channels = {}; // channel id -> name, for <#C…> without a label

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "html") node.innerHTML = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }

  // Slack escapes &, < and > in text; undo that before escaping for the page.
  function slackUnescape(text) {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  // Slack's names for the emoji the app writes; any other :name: stays as typed.
  const EMOJI = {
    arrow_lower_right: "↘️", arrow_upper_right: "↗️", bar_chart: "📊", calendar: "📆",
    grey_question: "❔", handshake: "🤝", hourglass: "⌛", large_green_circle: "🟢",
    left_right_arrow: "↔️", no_entry: "⛔", pushpin: "📌", spiral_note_pad: "🗒️",
    warning: "⚠️", white_check_mark: "✅", white_large_square: "⬜", tada: "🎉",
    wave: "👋", thumbsup: "👍", x: "❌", bell: "🔔", mailbox: "📫",
  };

  function emoji(text) {
    return text.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] || whole);
  }

  // <!date^unix^pattern|fallback>, in the reader's own time zone and relative to the app's
  // clock, as Slack shows it; a pattern token this page doesn't know shows the fallback.
  function slackDate(target, fallback) {
    const [, seconds, pattern = ""] = target.split("^");
    const moment = new Date(Number(seconds) * 1000);
    const zone = BlockKitTime.zone;
    const day = (date) => new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(date);
    const part = (options) => new Intl.DateTimeFormat("en-GB", { timeZone: zone, ...options }).format(moment);
    const short = part({ day: "numeric", month: "short", year: "numeric" });
    const long = part({ weekday: "long", day: "numeric", month: "long", year: "numeric" });
    const pretty = (plain) => {
      const today = day(BlockKitTime.now());
      const yesterday = day(new Date(BlockKitTime.now().getTime() - 86400000));
      const tomorrow = day(new Date(BlockKitTime.now().getTime() + 86400000));
      const which = day(moment);
      if (which === today) return "today";
      if (which === yesterday) return "yesterday";
      if (which === tomorrow) return "tomorrow";
      return plain;
    };
    const tokens = {
      date_num: day(moment),
      date: part({ day: "numeric", month: "long", year: "numeric" }),
      date_short: short,
      date_long: long,
      date_pretty: pretty(part({ day: "numeric", month: "long", year: "numeric" })),
      date_short_pretty: pretty(short),
      date_long_pretty: pretty(long),
      time: part({ hour: "2-digit", minute: "2-digit", hour12: false }),
    };
    let unknown = false;
    const shown = pattern.replace(/\{([a-z_]+)\}/g, (whole, name) => {
      if (!(name in tokens)) unknown = true;
      return tokens[name] || whole;
    });
    return unknown || !pattern ? slackUnescape(fallback || "") : shown;
  }

  function styled(escaped) {
    return emoji(escaped)
      .replace(/```([\s\S]+?)```/g, "<pre>$1</pre>")
      .replace(/`([^`\n]+)`/g, "<code>$1</code>")
      .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/g, "$1<b>$2</b>")
      .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/g, "$1<i>$2</i>")
      .replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,:;!?])/g, "$1<s>$2</s>")
      .replace(/^&gt; ?(.*)$/gm, "<blockquote>$1</blockquote>")
      .replace(/\n/g, "<br>");
  }

  function mrkdwn(text, people) {
    const parts = String(text || "").split(/(<[^<>\s][^<>]*>)/);
    let out = "";
    for (const part of parts) {
      const link = part.match(/^<([^<>]+)>$/);
      if (!link) {
        out += styled(escapeHtml(slackUnescape(part)));
        continue;
      }
      const [target, label] = link[1].split("|", 2);
      if (target.startsWith("@")) {
        const person = people[target.slice(1)];
        out += `<span class="mention">@${escapeHtml(person ? person.name : target.slice(1))}</span>`;
      } else if (target.startsWith("#")) {
        const name = label || channels[target.slice(1)] || target.slice(1);
        out += `<span class="mention">#${escapeHtml(name)}</span>`;
      } else if (target.startsWith("!date^")) {
        out += escapeHtml(slackDate(target, label));
      } else if (target.startsWith("!")) {
        out += `<span class="mention">@${escapeHtml(target.slice(1))}</span>`;
      } else {
        const shown = escapeHtml(slackUnescape(label || target));
        out += `<a href="${escapeHtml(slackUnescape(target))}" target="_blank" rel="noopener">${shown}</a>`;
      }
    }
    return out;
  }

  function textNode(obj, ctx, tag = "span") {
    if (!obj) return null;
    if (typeof obj === "string") return el(tag, {}, obj);
    if (obj.type === "mrkdwn") return el(tag, { class: "mrkdwn", html: mrkdwn(obj.text, ctx.people) });
    return el(tag, { class: "plain" }, obj.emoji === false ? slackUnescape(obj.text || "") : emoji(slackUnescape(obj.text || "")));
  }

  function plain(obj) {
    return obj ? emoji(slackUnescape(obj.text || "")) : "";
  }

  function placeholder(kind, type) {
    return el("div", { class: "unsupported" }, `[${kind} this page can't draw: ${type}]`);
  }

  // --------------------------------------------------------------- elements

  function fire(ctx, element, blockId, extra) {
    const action = { type: element.type, action_id: element.action_id, block_id: blockId, ...extra };
    if (element.confirm) ctx.confirm(element.confirm, () => ctx.onAction(action));
    else ctx.onAction(action);
  }

  function button(element, blockId, ctx) {
    return el("button", {
      type: "button",
      class: `bk-button ${element.style || ""}`,
      "data-action-id": element.action_id,
      onclick: () => fire(ctx, element, blockId, {
        text: element.text, value: element.value, ...(element.style ? { style: element.style } : {}),
      }),
    }, plain(element.text));
  }

  function optionsOf(element) {
    if (element.option_groups) return element.option_groups.flatMap((group) => group.options);
    return element.options || [];
  }

  function stateful(node, element, blockId, extra = {}) {
    node.dataset.stateBlock = blockId;
    node.dataset.stateAction = element.action_id;
    node.dataset.stateType = element.type;
    Object.assign(node, extra);
    const touched = () => { node.dataset.touched = "1"; };
    node.addEventListener("input", touched);
    node.addEventListener("change", touched);
    return node;
  }

  function staticSelect(element, blockId, ctx, live) {
    const options = optionsOf(element);
    const multi = element.type === "multi_static_select";
    const initial = new Set((multi ? element.initial_options || [] : [element.initial_option])
      .filter(Boolean).map((o) => o.value));
    const select = el("select", { class: "bk-select", multiple: multi, "aria-label": plain(element.placeholder) || element.action_id });
    if (!multi) select.append(el("option", { value: "" }, plain(element.placeholder) || "Choose…"));
    options.forEach((option, index) => {
      select.append(el("option", { value: String(index), selected: initial.has(option.value) }, plain(option.text)));
    });
    if (live) {
      select.addEventListener("change", () => {
        const option = options[Number(select.value)];
        if (option) fire(ctx, element, blockId, { selected_option: option });
      });
    }
    return stateful(select, element, blockId, { bkOptions: options });
  }

  function usersSelect(element, blockId, ctx) {
    const multi = element.type === "multi_users_select";
    const initial = new Set(multi ? element.initial_users || [] : [element.initial_user].filter(Boolean));
    if (!multi) {
      const select = el("select", { class: "bk-select", "aria-label": plain(element.placeholder) || "Choose a person" },
        el("option", { value: "" }, plain(element.placeholder) || "Choose a person"));
      for (const person of Object.values(ctx.people)) {
        select.append(el("option", { value: person.id, selected: initial.has(person.id) }, person.name));
      }
      return stateful(select, element, blockId);
    }
    const box = el("div", { class: "bk-users", role: "group", "aria-label": plain(element.placeholder) || "People" });
    for (const person of Object.values(ctx.people)) {
      box.append(el("label", { class: "chip" },
        el("input", { type: "checkbox", value: person.id, checked: initial.has(person.id) }),
        ` ${person.name}`));
    }
    return stateful(box, element, blockId);
  }

  function choices(element, blockId, ctx, live) {
    const radio = element.type === "radio_buttons";
    const options = element.options || [];
    const initial = new Set((radio ? [element.initial_option] : element.initial_options || [])
      .filter(Boolean).map((o) => o.value));
    const name = `${blockId}-${element.action_id}-${Math.random().toString(36).slice(2)}`;
    const box = el("div", { class: "bk-choices", role: radio ? "radiogroup" : "group" });
    options.forEach((option, index) => {
      const input = el("input", { type: radio ? "radio" : "checkbox", name, value: String(index), checked: initial.has(option.value) });
      if (live) {
        input.addEventListener("change", () => {
          if (radio) fire(ctx, element, blockId, { selected_option: option });
          else fire(ctx, element, blockId, { selected_options: [...box.querySelectorAll("input:checked")].map((i) => options[Number(i.value)]) });
        });
      }
      box.append(el("label", { class: "choice" }, input, " ", textNode(option.text, ctx),
        option.description ? el("small", { class: "description" }, plain(option.description)) : null));
    });
    return stateful(box, element, blockId, { bkOptions: options });
  }

  function overflow(element, blockId, ctx) {
    const menu = el("div", { class: "bk-overflow-menu", hidden: true });
    const toggle = el("button", { type: "button", class: "bk-overflow", "aria-label": "More actions", onclick: () => { menu.hidden = !menu.hidden; } }, "⋯");
    for (const option of element.options || []) {
      menu.append(el("button", { type: "button", class: "menu-item", onclick: () => { menu.hidden = true; fire(ctx, element, blockId, { selected_option: option }); } }, plain(option.text)));
    }
    return el("span", { class: "bk-overflow-wrap" }, toggle, menu);
  }

  function pad(n) { return String(n).padStart(2, "0"); }

  function picker(element, blockId, ctx, live) {
    let input;
    if (element.type === "datepicker") {
      input = el("input", { type: "date", value: element.initial_date || "", "aria-label": plain(element.placeholder) || "Date" });
    } else if (element.type === "timepicker") {
      input = el("input", { type: "time", value: element.initial_time || "", "aria-label": plain(element.placeholder) || "Time" });
    } else {
      let value = "";
      if (element.initial_date_time) {
        const d = new Date(element.initial_date_time * 1000);
        value = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
      }
      input = el("input", { type: "datetime-local", value, "aria-label": "Date and time" });
    }
    if (live) {
      input.addEventListener("change", () => fire(ctx, element, blockId, readOne(input)));
    }
    return stateful(input, element, blockId);
  }

  function textInput(element, blockId) {
    const attrs = {
      class: "bk-input",
      placeholder: plain(element.placeholder),
      maxlength: element.max_length,
      "aria-label": plain(element.placeholder) || element.action_id,
    };
    const input = element.multiline ? el("textarea", { ...attrs, rows: 4 }) : el("input", { ...attrs, type: "text" });
    input.value = element.initial_value || "";
    return stateful(input, element, blockId);
  }

  function image(element) {
    return el("img", { class: "bk-image-element", src: element.image_url, alt: element.alt_text || "" });
  }

  function element(element, blockId, ctx, live) {
    switch (element.type) {
      case "button": return button(element, blockId, ctx);
      case "static_select":
      case "multi_static_select": return staticSelect(element, blockId, ctx, live);
      case "users_select":
      case "multi_users_select": return usersSelect(element, blockId, ctx);
      case "overflow": return overflow(element, blockId, ctx);
      case "radio_buttons":
      case "checkboxes": return choices(element, blockId, ctx, live);
      case "datepicker":
      case "timepicker":
      case "datetimepicker": return picker(element, blockId, ctx, live);
      case "plain_text_input": return textInput(element, blockId);
      case "image": return image(element);
      default: return placeholder("an element", element.type);
    }
  }

  // --------------------------------------------------------------- blocks

  function block(b, ctx) {
    const id = b.block_id || "";
    switch (b.type) {
      case "header":
        return el("h3", { class: "bk-header" }, plain(b.text));
      case "divider":
        return el("hr", { class: "bk-divider" });
      case "section": {
        const body = el("div", { class: "bk-section-body" });
        if (b.text) body.append(textNode(b.text, ctx, "div"));
        if (b.fields) body.append(el("div", { class: "bk-fields" }, b.fields.map((f) => textNode(f, ctx, "div"))));
        const node = el("div", { class: "bk-section", "data-block-id": id }, body);
        if (b.accessory) node.append(el("div", { class: "bk-accessory" }, element(b.accessory, id, ctx, true)));
        return node;
      }
      case "context":
        return el("div", { class: "bk-context" }, (b.elements || []).map((e) =>
          e.type === "image" ? image(e) : e.type === "mrkdwn" || e.type === "plain_text" ? textNode(e, ctx) : placeholder("an element", e.type)));
      case "image":
        return el("figure", { class: "bk-image" },
          b.title ? el("figcaption", {}, plain(b.title)) : null,
          el("img", { src: b.image_url || (b.slack_file && b.slack_file.url) || "", alt: b.alt_text || "" }));
      case "actions":
        return el("div", { class: "bk-actions", "data-block-id": id }, (b.elements || []).map((e) => element(e, id, ctx, true)));
      case "input": {
        const error = (ctx.errors || {})[id];
        return el("div", { class: `bk-input-block${error ? " has-error" : ""}`, "data-block-id": id },
          el("label", { class: "bk-label" }, plain(b.label), b.optional ? el("span", { class: "optional" }, " (optional)") : null),
          element(b.element || { type: "missing" }, id, ctx, Boolean(b.dispatch_action)),
          b.hint ? el("div", { class: "bk-hint" }, plain(b.hint)) : null,
          error ? el("div", { class: "bk-error", role: "alert" }, error) : null);
      }
      default:
        return placeholder("a block", b.type);
    }
  }

  function render(blocks, ctx) {
    return el("div", { class: "bk" }, (blocks || []).map((b) => block(b, ctx)));
  }

  // --------------------------------------------------------------- state.values

  function readOne(node) {
    const type = node.dataset.stateType;
    switch (type) {
      case "plain_text_input": return { type, value: node.value === "" ? null : node.value };
      case "static_select": {
        const option = node.value === "" ? null : node.bkOptions[Number(node.value)];
        return { type, selected_option: option || null };
      }
      case "multi_static_select":
        return { type, selected_options: [...node.selectedOptions].map((o) => node.bkOptions[Number(o.value)]) };
      case "users_select": return { type, selected_user: node.value || null };
      case "multi_users_select":
        return { type, selected_users: [...node.querySelectorAll("input:checked")].map((i) => i.value) };
      case "radio_buttons": {
        const checked = node.querySelector("input:checked");
        return { type, selected_option: checked ? node.bkOptions[Number(checked.value)] : null };
      }
      case "checkboxes":
        return { type, selected_options: [...node.querySelectorAll("input:checked")].map((i) => node.bkOptions[Number(i.value)]) };
      case "datepicker": return { type, selected_date: node.value || null };
      case "timepicker": return { type, selected_time: node.value || null };
      case "datetimepicker":
        return { type, selected_date_time: node.value ? Math.floor(new Date(node.value).getTime() / 1000) : null };
      default: return { type };
    }
  }

  // What the person changed before a views.update stays, as in Slack (same block and action).
  function touchedState(root) {
    const values = {};
    for (const node of root.querySelectorAll("[data-state-action][data-touched]")) {
      (values[node.dataset.stateBlock] ||= {})[node.dataset.stateAction] = readOne(node);
    }
    return values;
  }

  function restoreState(root, values) {
    for (const node of root.querySelectorAll("[data-state-action]")) {
      const value = (values[node.dataset.stateBlock] || {})[node.dataset.stateAction];
      if (!value) continue;
      node.dataset.touched = "1";
      const chosen = new Set([value.selected_option, ...(value.selected_options || [])]
        .filter(Boolean).map((o) => o.value));
      switch (node.dataset.stateType) {
        case "plain_text_input": node.value = value.value || ""; break;
        case "datepicker": node.value = value.selected_date || ""; break;
        case "timepicker": node.value = value.selected_time || ""; break;
        case "users_select": node.value = value.selected_user || ""; break;
        case "multi_users_select":
          for (const box of node.querySelectorAll("input")) box.checked = value.selected_users.includes(box.value);
          break;
        case "static_select":
        case "multi_static_select":
          for (const option of node.options) {
            const known = node.bkOptions[Number(option.value)];
            option.selected = Boolean(known && chosen.has(known.value));
          }
          break;
        case "radio_buttons":
        case "checkboxes":
          for (const box of node.querySelectorAll("input")) box.checked = chosen.has(node.bkOptions[Number(box.value)].value);
          break;
        default: delete node.dataset.touched;
      }
    }
  }

  function readState(root) {
    const values = {};
    for (const node of root.querySelectorAll("[data-state-action]")) {
      const block = (values[node.dataset.stateBlock] ||= {});
      block[node.dataset.stateAction] = readOne(node);
    }
    return values;
  }

  // Slack's client refuses to submit a modal while a required input (an input block that is
  // not `optional`) is empty, and says so under it; the app never hears of that submission.
  const REQUIRED = "Please complete this required field.";

  function isEmpty(value) {
    if (!value) return true;
    const { type, ...picked } = value;
    return Object.values(picked).every((v) => v === null || v === "" || (Array.isArray(v) && !v.length));
  }

  function missingRequired(root, blocks) {
    const values = readState(root);
    const missing = {};
    for (const b of blocks || []) {
      if (b.type !== "input" || b.optional || !b.element) continue;
      const value = (values[b.block_id] || {})[b.element.action_id];
      if (isEmpty(value)) missing[b.block_id] = REQUIRED;
    }
    return missing;
  }

  // Shows `errors` (block id -> sentence) under their input blocks, replacing those shown before.
  function showErrors(root, errors) {
    for (const node of root.querySelectorAll(".bk-error.required")) {
      node.closest(".bk-input-block").classList.remove("has-error");
      node.remove();
    }
    for (const [blockId, sentence] of Object.entries(errors)) {
      const block = root.querySelector(`.bk-input-block[data-block-id="${CSS.escape(blockId)}"]`);
      if (!block) continue;
      block.classList.add("has-error");
      block.append(el("div", { class: "bk-error required", role: "alert" }, sentence));
    }
  }

  return {
    render, readState, touchedState, restoreState, missingRequired, showErrors, mrkdwn, plain, el,
    channels, BLOCK_TYPES, ELEMENT_TYPES,
  };
})();
