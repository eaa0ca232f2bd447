// govsearch document page: each section's "copy citation" button fetches
// the section's citation from the API and copies its report form, then
// shows what it copied. Plain script, no framework; without JavaScript the
// buttons stay hidden and the permalinks remain.
"use strict";
(function () {
  const buttons = document.querySelectorAll("button.cite[data-cite]");
  for (const b of buttons) b.hidden = false;

  // copy puts text on the clipboard: the Clipboard API where the page is
  // a secure context, else a selected text area and execCommand.
  async function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        return true;
      } catch (e) { /* fall back below */ }
    }
    const ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.style.position = "fixed";
    ta.style.opacity = "0";
    document.body.appendChild(ta);
    ta.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    ta.remove();
    return ok;
  }

  document.addEventListener("click", async function (e) {
    const b = e.target.closest("button.cite[data-cite]");
    if (!b) return;
    const out = b.parentElement.querySelector("output.cited");
    b.disabled = true;
    try {
      const resp = await fetch(b.dataset.cite, { headers: { Accept: "application/json" } });
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      const c = await resp.json();
      const text = c.forms.report;
      const copied = await copy(text);
      out.textContent = (copied ? "已复制：" : "请手动复制：") + text;
      out.dataset.copied = copied ? "yes" : "no";
    } catch (err) {
      out.textContent = "引用暂时无法生成，请稍后再试。";
      out.dataset.copied = "error";
    } finally {
      out.hidden = false;
      b.disabled = false;
    }
  });
})();
