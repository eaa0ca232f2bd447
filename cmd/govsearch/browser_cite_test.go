package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/govsearch/govsearch/api"
)

// What a reporter does in a browser: reads how a query was understood,
// applies a reading as a strict filter (只看) and undoes one (✕); finds the search's feed (in the page's head, on the
// page and in the widget) and reads it as a feed reader would; copies a
// section's citation with the document page's button.
func TestBrowserFeedsAndCitations(t *testing.T) {
	ctx := browser(t, 1100, 900)
	_, base := serveIndex(t, buildTestIndex(t), api.Options{})

	do(t, ctx, chromedp.Navigate(base+"/?q="+url.QueryEscape("2020年 工信部 5G")))
	// Each reading is a chip: what the part was read as, 只看 and ✕.
	readings := `[...document.querySelectorAll(".readings .reading")].map(r => r.firstChild.textContent + "|" + [...r.querySelectorAll("a")].map(a => a.textContent).join("|"))`
	chips := eval[[]string](t, ctx, readings)
	if len(chips) != 2 || chips[0] != "2020年 → 日期：2020-01-01 至 2020-12-31|只看|✕" || chips[1] != "工信部 → 发文机关：工业和信息化部|只看|✕" {
		t.Fatalf("reading chips %q", chips)
	}
	feed := eval[string](t, ctx, `document.querySelector('link[rel=alternate][type="application/atom+xml"]').href`)
	if feed != base+"/v1/search.atom?q=2020%E5%B9%B4+%E5%B7%A5%E4%BF%A1%E9%83%A8+5G" ||
		eval[string](t, ctx, `document.querySelector("a.feed").href`) != feed {
		t.Errorf("feed links: head %q, page %q", feed, eval[string](t, ctx, `document.querySelector("a.feed").href`))
	}
	// The feed, read as XML the way a reader does.
	entries, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`fetch(`+jsString(feed)+`).then(r => r.text()).then(x => {
		const d = new DOMParser().parseFromString(x, "application/xml");
		if (d.querySelector("parsererror") || d.documentElement.namespaceURI !== "http://www.w3.org/2005/Atom") return ["not Atom"];
		return [...d.getElementsByTagName("entry")].map(e => e.getElementsByTagName("title")[0].textContent);
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0] != "工信部：积极考虑将5G等重点领域纳入“十四五”专项规划" {
		t.Errorf("feed entries %q", entries)
	}
	// 只看 the date: since and until filter, 2020年 leaves q; then 只看
	// 工信部: the issuer filters too, and only 5G is searched.
	params := func() string {
		return eval[string](t, ctx, `[...new URLSearchParams(location.search)].map(([k, v]) => k + "=" + v).join("&")`)
	}
	loading(t, ctx, chromedp.Click(chromedp.CSS(`.readings .reading a.only`)))
	if got := params(); got != "q=工信部 5G&since=2020-01-01&until=2020-12-31" {
		t.Errorf("只看 the date: %s", got)
	}
	loading(t, ctx, chromedp.Click(chromedp.CSS(`.readings .reading a.only`)))
	if got := params(); got != "issuer=工业和信息化部&q=5G&since=2020-01-01&until=2020-12-31" {
		t.Errorf("只看 the issuer: %s", got)
	}
	filters := `[...document.querySelectorAll(".chips:not(.readings) a")].map(a => a.textContent)`
	if got := eval[[]string](t, ctx, filters); len(got) != 2 || got[0] != "发文机关：工业和信息化部 ✕" || got[1] != "日期：2020-01-01 至 2020-12-31 ✕" {
		t.Errorf("filters in force: %q", got)
	}
	if got := eval[[]string](t, ctx, `[...document.querySelectorAll("ol.hits a.title")].map(a => a.textContent)`); len(got) != 1 || got[0] != "工信部：积极考虑将5G等重点领域纳入“十四五”专项规划" {
		t.Errorf("5G from 工业和信息化部 in 2020: %q", got)
	}
	// The filter's ✕ removes it.
	loading(t, ctx, chromedp.Click(chromedp.CSS(`.chips:not(.readings) a`)))
	if got := params(); got != "q=5G&since=2020-01-01&until=2020-12-31" {
		t.Errorf("after removing the issuer filter: %s", got)
	}

	// Undo the date: 2020年 is searched as typed, 工信部 still read.
	do(t, ctx, chromedp.Navigate(base+"/?q="+url.QueryEscape("2020年 工信部 5G")))
	loading(t, ctx, chromedp.Click(chromedp.CSS(`.readings .reading a.as-typed`)))
	waitFor(t, ctx, `new URLSearchParams(location.search).get("q") === "“2020年” 工信部 5G"`, "the query with 2020年 in quotes")
	if chips := eval[[]string](t, ctx, readings); len(chips) != 1 || !strings.HasPrefix(chips[0], "工信部 → ") {
		t.Errorf("after undoing the date: chips %q", chips)
	}
	// 全部按原文搜索: nothing read.
	loading(t, ctx, chromedp.Click(chromedp.CSS(`.readings a.raw`)))
	if got := params(); got != "q=“2020年” 工信部 5G&raw=1" || eval[int](t, ctx, `document.querySelectorAll(".readings").length`) != 0 {
		t.Errorf("全部按原文搜索: %s, %d reading chips", got, eval[int](t, ctx, `document.querySelectorAll(".readings .reading").length`))
	}

	// The widget offers the feed of what was searched.
	do(t, ctx, chromedp.Navigate(base+"/embed"))
	waitFor(t, ctx, `!!customElements.get("govsearch-box")`, "the widget")
	do(t, ctx, chromedp.Evaluate[chromedp.Void](shadow+`.querySelector("input").focus()`), typeText("弹性产能"), key("\r"))
	waitFor(t, ctx, shadow+`.querySelectorAll("li.result").length > 0 && !`+shadow+`.querySelector("a.feed").hidden`, "the widget's results and feed link")
	if href := eval[string](t, ctx, shadow+`.querySelector("a.feed").href`); href != base+"/v1/search.atom?q=%E5%BC%B9%E6%80%A7%E4%BA%A7%E8%83%BD" {
		t.Errorf("widget feed link %q", href)
	}
	if href := eval[string](t, ctx, shadow+`.querySelector("li.result a.title").href`); !strings.Contains(href, "#s-") {
		t.Errorf("widget result links to %q, want a section permalink", href)
	}

	// Copy citation: the button fetches the citation and copies its
	// report form, then shows it.
	do(t, ctx, chromedp.Navigate(base+"/d/reply-miit-2020-2524"))
	waitFor(t, ctx, `[...document.querySelectorAll("button.cite")].every(b => !b.hidden)`, "the citation buttons shown by the page's script")
	anchor := eval[string](t, ctx, `document.querySelectorAll("article section")[1].id`)
	_, cite := getJSON(t, base+"/v1/documents/reply-miit-2020-2524/sections/"+anchor+"/cite")
	want := cite["forms"].(map[string]any)["report"].(string)
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("article section")[1].querySelector("button.cite").click()`))
	waitFor(t, ctx, `!document.querySelectorAll("article section")[1].querySelector("output.cited").hidden`, "the citation shown")
	out := eval[string](t, ctx, `document.querySelectorAll("article section")[1].querySelector("output.cited").textContent`)
	copied := eval[string](t, ctx, `document.querySelectorAll("article section")[1].querySelector("output.cited").dataset.copied`)
	if out != "已复制："+want || copied != "yes" {
		t.Errorf("after copy: %q (copied=%s), want 已复制：%s", out, copied, want)
	}
	if !strings.Contains(want, "工业和信息化部在《") || !strings.Contains(want, "#"+anchor) {
		t.Errorf("the report form %q", want)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return "\"" + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + "\""
}
