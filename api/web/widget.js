// govsearch-box: a search box for government replies, served by govsearch
// at /widget.js. Plain JavaScript, no framework, no build step:
//
//   <script src="https://search.example.org/widget.js" defer></script>
//   <govsearch-box endpoint="https://search.example.org" placeholder="搜索政府答复"></govsearch-box>
//
// Attributes: endpoint (default: where this script came from), placeholder,
// size (results a page, default 10). Theme it with the CSS custom
// properties --govsearch-accent (fills, under white text), --govsearch-link
// (the results' titles; the accent by default), --govsearch-fg,
// --govsearch-bg, --govsearch-muted, --govsearch-mark, --govsearch-border,
// --govsearch-radius and --govsearch-font, or style its parts: box, form,
// input, button, listbox, option, chips, chip, status, results, result,
// title, meta, heading, snippet, matched (the sections that hold the words
// a result's own section lacks), more, feed.
//
// Only the server's escaped, marked fields (title_html, heading_html,
// snippet) are inserted as HTML; all other text is set as text.
(() => {
  "use strict";
  const scriptOrigin = (() => {
    try { return new URL(document.currentScript.src).origin; } catch (e) { return location.origin; }
  })();

  const css = `
:host { display: block; font-family: var(--govsearch-font, system-ui, "PingFang SC", "Microsoft YaHei", sans-serif);
  color: var(--govsearch-fg, #1a1a1a); background: var(--govsearch-bg, transparent); max-width: 100%; }
* { box-sizing: border-box; }
.combo { display: flex; gap: .5rem; position: relative; }
input { flex: 1; min-width: 0; font: inherit; font-size: 16px; padding: .55rem .75rem; color: inherit;
  background: var(--govsearch-bg, #fff); border: 1px solid var(--govsearch-border, #c4c4c4);
  border-radius: var(--govsearch-radius, 6px); }
button { font: inherit; cursor: pointer; border-radius: var(--govsearch-radius, 6px); }
.go { padding: .55rem 1rem; color: #fff; background: var(--govsearch-accent, #b0171f);
  border: 1px solid var(--govsearch-accent, #b0171f); }
:focus-visible { outline: 3px solid var(--govsearch-accent, #b0171f); outline-offset: 2px; }
[role=listbox] { list-style: none; margin: .25rem 0 0; padding: .25rem 0; position: absolute; z-index: 10; top: 100%; left: 0; right: 0;
  background: var(--govsearch-bg, #fff); border: 1px solid var(--govsearch-border, #c4c4c4);
  border-radius: var(--govsearch-radius, 6px); box-shadow: 0 4px 12px rgba(0,0,0,.12); }
.anchor { position: relative; }
[role=option] { padding: .45rem .75rem; cursor: pointer; }
[role=option][aria-selected=true] { background: var(--govsearch-accent, #b0171f); color: #fff; }
.kind { color: var(--govsearch-muted, #666); font-size: .8em; margin-left: .5em; }
[aria-selected=true] .kind { color: inherit; }
.chips { display: flex; flex-wrap: wrap; gap: .35rem; margin: .6rem 0 0; }
.chip { padding: .2rem .6rem; font-size: .85em; background: transparent; color: inherit;
  border: 1px solid var(--govsearch-border, #c4c4c4); border-radius: 999px; }
.chip[aria-pressed=true] { background: var(--govsearch-accent, #b0171f); border-color: var(--govsearch-accent, #b0171f); color: #fff; }
.status { color: var(--govsearch-muted, #666); font-size: .9em; margin: .6rem 0; min-height: 1em; }
ol { list-style: none; margin: 0; padding: 0; }
li.result { padding: .75rem 0; border-top: 1px solid var(--govsearch-border, #e2e2e2); }
.title { font-size: 1.05em; font-weight: 600; color: var(--govsearch-link, var(--govsearch-accent, #b0171f)); text-decoration: none; }
.title:hover { text-decoration: underline; }
.meta, .heading { color: var(--govsearch-muted, #666); font-size: .85em; margin-top: .2rem; }
.matched a { color: var(--govsearch-link, var(--govsearch-accent, #b0171f)); }
.snippet { margin: .3rem 0 0; line-height: 1.6; overflow-wrap: anywhere; }
mark { background: var(--govsearch-mark, #ffe58a); color: inherit; padding: 0 .1em; }
.more { margin-top: .75rem; width: 100%; padding: .5rem; background: transparent; color: inherit;
  border: 1px solid var(--govsearch-border, #c4c4c4); }
.feed { display: inline-block; margin-top: .6rem; font-size: .85em; color: var(--govsearch-muted, #666); }
[hidden] { display: none !important; }
`;

  let uid = 0;
  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };

  class GovsearchBox extends HTMLElement {
    static get observedAttributes() { return ["placeholder"]; }

    constructor() {
      super();
      const id = "gs" + (++uid);
      const root = this.attachShadow({ mode: "open" });
      root.appendChild(el("style", {}, css));
      const box = el("div", { part: "box" });
      this.form = el("form", { part: "form", role: "search" });
      const combo = el("div", { class: "combo" });
      const anchor = el("div", { class: "anchor", style: "flex:1;display:flex" });
      this.input = el("input", {
        part: "input", type: "search", role: "combobox", "aria-autocomplete": "list",
        "aria-expanded": "false", "aria-controls": id + "-lb", autocomplete: "off", enterkeyhint: "search",
      });
      this.listbox = el("ul", { part: "listbox", role: "listbox", id: id + "-lb", hidden: "" });
      this.optPrefix = id + "-o";
      anchor.append(this.input, this.listbox);
      this.button = el("button", { part: "button", class: "go", type: "submit" }, "搜索");
      combo.append(anchor, this.button);
      this.form.append(combo);
      this.chips = el("div", { part: "chips", class: "chips" });
      this.status = el("p", { part: "status", class: "status", role: "status", "aria-live": "polite" });
      this.results = el("ol", { part: "results" });
      this.more = el("button", { part: "more", class: "more", type: "button", hidden: "" }, "更多结果");
      // The search as an Atom feed, for a feed reader to follow.
      this.feed = el("a", { part: "feed", class: "feed", type: "application/atom+xml", target: "_blank", rel: "noopener", hidden: "" }, "订阅这个搜索（Atom）");
      box.append(this.form, this.chips, this.status, this.results, this.more, this.feed);
      root.appendChild(box);

      this.active = -1;
      this.options = [];
      this.filters = { tag: null, year: null };
      this.timer = 0;
      this.seq = 0;
      this.suggestSeq = 0;

      this.input.addEventListener("input", () => this.onInput());
      this.input.addEventListener("keydown", (e) => this.onKey(e));
      this.input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
      this.form.addEventListener("submit", (e) => { e.preventDefault(); this.close(); this.search(true); });
      this.more.addEventListener("click", () => this.search(false));
      this.listbox.addEventListener("mousedown", (e) => e.preventDefault());
      this.listbox.addEventListener("click", (e) => {
        const li = e.target.closest("[role=option]");
        if (li) this.choose(Number(li.dataset.i));
      });
    }

    connectedCallback() { this.attributeChangedCallback(); }

    attributeChangedCallback() {
      const p = this.getAttribute("placeholder") || "搜索";
      this.input.placeholder = p;
      this.input.setAttribute("aria-label", p);
    }

    get endpoint() { return (this.getAttribute("endpoint") || scriptOrigin).replace(/\/+$/, ""); }
    get size() { const n = parseInt(this.getAttribute("size"), 10); return n > 0 && n <= 50 ? n : 10; }

    async get(path, params) {
      const u = new URL(this.endpoint + path);
      for (const [k, v] of params) u.searchParams.append(k, v);
      const r = await fetch(u, { headers: { Accept: "application/json" } });
      const body = await r.json().catch(() => null);
      if (!r.ok) throw new Error((body && body.error && body.error.message) || "HTTP " + r.status);
      return body;
    }

    // onInput runs on every keystroke: the typed text is what Enter
    // searches until the reader arrows into the new suggestions, so the
    // old ones close at once (ARIA combobox: focus returns to the text).
    onInput() {
      clearTimeout(this.timer);
      this.close();
      const q = this.input.value.trim();
      if (q) this.timer = setTimeout(() => this.suggest(q), 150);
    }

    async suggest(q) {
      const seq = ++this.suggestSeq;
      let body;
      try { body = await this.get("/v1/suggest", [["q", q], ["size", "8"]]); } catch (e) { return; }
      if (seq !== this.suggestSeq || q !== this.input.value.trim()) return;
      this.options = (body.suggestions || []).map((s) => s.text);
      this.listbox.replaceChildren();
      (body.suggestions || []).forEach((s, i) => {
        const li = el("li", { part: "option", role: "option", id: this.optPrefix + i, "aria-selected": "false" });
        li.dataset.i = i;
        li.append(document.createTextNode(s.text));
        if (s.kind && s.kind !== "word") li.append(el("span", { class: "kind" }, s.kind === "title" ? "标题" : "小标题"));
        this.listbox.append(li);
      });
      this.active = -1;
      this.input.removeAttribute("aria-activedescendant");
      const open = this.options.length > 0 && document.activeElement === this;
      this.listbox.hidden = !open;
      this.input.setAttribute("aria-expanded", String(open));
    }

    close() {
      this.suggestSeq++;
      this.listbox.hidden = true;
      this.input.setAttribute("aria-expanded", "false");
      this.input.removeAttribute("aria-activedescendant");
      for (const li of this.listbox.children) li.setAttribute("aria-selected", "false");
      this.active = -1;
    }

    move(delta) {
      if (this.listbox.hidden || !this.options.length) return;
      const n = this.options.length;
      this.active = this.active < 0 ? (delta > 0 ? 0 : n - 1) : (this.active + delta + n) % n;
      [...this.listbox.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === this.active)));
      this.input.setAttribute("aria-activedescendant", this.optPrefix + this.active);
      this.listbox.children[this.active].scrollIntoView({ block: "nearest" });
    }

    choose(i) {
      this.input.value = this.options[i];
      this.close();
      this.search(true);
    }

    onKey(e) {
      switch (e.key) {
        case "ArrowDown": e.preventDefault(); if (this.listbox.hidden) this.onInput(); else this.move(1); break;
        case "ArrowUp": e.preventDefault(); this.move(-1); break;
        case "Enter":
          if (!this.listbox.hidden && this.active >= 0) { e.preventDefault(); this.choose(this.active); }
          break;
        case "Escape":
          if (!this.listbox.hidden) { e.preventDefault(); this.close(); } else if (this.input.value) { e.preventDefault(); this.input.value = ""; }
          break;
      }
    }

    async search(reset) {
      clearTimeout(this.timer);
      const q = this.input.value.trim();
      if (reset) { this.from = 0; if (q !== this.lastQ) this.filters = { tag: null, year: null }; }
      this.lastQ = q;
      if (!q) return;
      const seq = ++this.seq;
      const params = [["q", q], ["collapse", "doc"], ["facets", "tags,year"], ["size", String(this.size)], ["from", String(this.from)]];
      if (this.filters.tag) params.push(["tag", this.filters.tag]);
      if (this.filters.year) params.push(["since", this.filters.year + "-01-01"], ["until", this.filters.year + "-12-31"]);
      this.status.textContent = "搜索中…";
      let body;
      try { body = await this.get("/v1/search", params); } catch (e) {
        if (seq === this.seq) this.status.textContent = "搜索失败：" + e.message;
        return;
      }
      if (seq !== this.seq) return;
      if (reset) { this.results.replaceChildren(); this.renderChips(body.facets || {}); }
      for (const h of body.hits || []) this.results.append(this.renderHit(h, q));
      this.from += (body.hits || []).length;
      const total = body.total || 0;
      const read = ((body.interpreted || {}).readings || []).map((r) => r.text);
      // The parts read as a date, a body, … rank what they name first;
      // they filter nothing.
      this.status.textContent = (total ? `找到 ${total} 篇文件` : `没有找到“${q}”`) + (read.length ? `（已理解：${read.join("、")}，相符的排在前面）` : "");
      const feed = new URLSearchParams(params.filter(([k]) => k === "q" || k === "tag" || k === "since" || k === "until"));
      this.feed.href = `${this.endpoint}/v1/search.atom?${feed}`;
      this.feed.hidden = false;
      this.more.hidden = this.from >= total || !(body.hits || []).length;
    }

    renderHit(h, q) {
      const li = el("li", { part: "result", class: "result" });
      const href = h.source && /^https?:\/\//.test(h.source) ? h.source
        : `${this.endpoint}/d/${h.doc_id.split("/").map(encodeURIComponent).join("/")}?q=${encodeURIComponent(q)}#${h.anchor || "s" + h.section}`;
      const a = el("a", { part: "title", class: "title", href: href, target: "_blank", rel: "noopener" });
      a.innerHTML = h.title_html; // escaped by the server, matches in <mark>
      li.append(a);
      const meta = [h.date ? h.date.slice(0, 10) : "", h.publisher || ""].filter(Boolean).join(" · ");
      if (meta) li.append(el("div", { part: "meta", class: "meta" }, meta));
      if (h.heading) {
        const hd = el("div", { part: "heading", class: "heading" });
        hd.innerHTML = h.heading_html; // escaped by the server
        li.append(hd);
      }
      const p = el("p", { part: "snippet", class: "snippet" });
      p.innerHTML = h.snippet; // escaped by the server, matches in <mark>
      li.append(p);
      // A document matched across its sections: where the other words are.
      if ((h.matched_sections || []).length) {
        const m = el("div", { part: "matched", class: "meta matched" }, "其余的词在：");
        h.matched_sections.forEach((s, i) => {
          if (i) m.append("；");
          const doc = `${this.endpoint}/d/${h.doc_id.split("/").map(encodeURIComponent).join("/")}?q=${encodeURIComponent(q)}#${s.anchor}`;
          m.append(el("a", { href: doc, target: "_blank", rel: "noopener" }, s.heading || `第 ${s.section + 1} 节`), `（${s.parts.join("、")}）`);
        });
        li.append(m);
      }
      return li;
    }

    renderChips(facets) {
      this.chips.replaceChildren();
      const add = (kind, value, label, count) => {
        const on = this.filters[kind] === value;
        const b = el("button", { part: "chip", class: "chip", type: "button", "aria-pressed": String(on) }, `${label} ${count}`);
        b.addEventListener("click", () => { this.filters[kind] = on ? null : value; this.search(true); });
        this.chips.append(b);
      };
      for (const f of (facets.tags || []).slice(0, 8)) add("tag", f.value, "#" + f.value, f.count);
      for (const f of (facets.year || []).slice(0, 8)) add("year", f.value, f.value + "年", f.count);
      this.chips.hidden = !this.chips.children.length;
    }
  }

  if (!customElements.get("govsearch-box")) customElements.define("govsearch-box", GovsearchBox);
})();
