package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/govsearch/govsearch/api"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the browser tests' screenshots to testdata/screenshots")

// chromium finds Debian's chromium. Without it the browser tests are
// skipped, unless GOVSEARCH_BROWSER_TESTS=1 (CI sets it, and installs
// chromium), where its absence fails them.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("GOVSEARCH_BROWSER_TESTS") == "1" {
		t.Fatal("GOVSEARCH_BROWSER_TESTS=1 but no chromium on PATH (apt-get install -y chromium)")
	}
	t.Skip("no chromium on PATH: apt-get install -y chromium, or run .ci/run")
	return ""
}

// browser starts headless chromium for the test and returns a tab. A
// browser that dies while starting (it happens on loaded machines) is
// started again, twice at most; the tests' assertions are not retried.
func browser(t *testing.T, width, height int) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(width, height), chromedp.Flag("lang", "zh-CN"))
	var err error
	for range 3 {
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelTab := chromedp.NewContext(actx)
		ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
		if err = chromedp.Do(ctx); err == nil {
			t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
			return ctx
		}
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	}
	t.Fatalf("start chromium: %v", err)
	return nil
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds.
func waitFor(t *testing.T, ctx context.Context, js, what string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, js, err)
	}
}

// typeText inserts text where the focus is, as an input method does.
func typeText(s string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, input.InsertText, input.InsertTextParams{Text: s})
		return err
	})
}

func key(k string) chromedp.Action[chromedp.Void] { return chromedp.KeyEvent(k) }

// loading runs an action that navigates (a link, a form) and waits for the
// new page's load event.
func loading(t *testing.T, ctx context.Context, a chromedp.Action[chromedp.Void]) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, a)); err != nil {
		t.Fatal(err)
	}
}

// screenshot writes the whole page to testdata/screenshots/name when the
// tests run with -update-screenshots.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	writeScreenshot(t, ctx, name, chromedp.FullScreenshot(100))
}

// screenshotViewport is screenshot of what the viewport shows: a phone's
// first screen, legible where the whole page would be a long strip.
func screenshotViewport(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	writeScreenshot(t, ctx, name, chromedp.CaptureScreenshot())
}

func writeScreenshot(t *testing.T, ctx context.Context, name string, capture chromedp.Action[[]byte]) {
	t.Helper()
	if !*updateScreenshots {
		return
	}
	png, err := chromedp.Run(ctx, capture)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "testdata", "screenshots", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

// hostileTitle is the title of a document that tries to run script in
// whatever shows it.
const hostileTitle = `<script>window.pwned=1</script><img src=x onerror="window.pwned=1">恶意标题`

// browserIndex indexes the bundled replies and a hostile document.
func browserIndex(t *testing.T) string {
	t.Helper()
	src := copyReplies(t)
	doc := "---\ntitle: '" + hostileTitle + "'\ntags: ['<b>标签</b>']\n---\n\n" +
		"　　一、<img src=x onerror=\"window.pwned=1\">恶意脚本测试\n\n　　正文<script>window.pwned=1</script>里有恶意脚本测试的文字。\n"
	if err := os.WriteFile(filepath.Join(src, "hostile.md"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "index")
	runOK(t, "index", "-src", src, "-index", dir)
	return dir
}

// newsroom serves the index at dir to a newsroom's page on another origin,
// which govsearch allows, and returns the page's URL and govsearch's. The
// page's own CSS tries to reach into the widget (a red input, black marks)
// and themes it the ways the widget allows (a custom property, ::part).
func newsroom(t *testing.T, dir string) (hostURL, govsearch string) {
	t.Helper()
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>新闻网</title>
<style>body{font-family:sans-serif;margin:2rem} input{background:red!important} mark{background:black}
govsearch-box{--govsearch-accent:rgb(0, 100, 0)} govsearch-box::part(result){border-top-color:rgb(0, 0, 255)}</style></head>
<body><main><h1>新闻网：政府答复</h1>
<script src="%s/widget.js" defer></script>
<govsearch-box endpoint="%s" placeholder="搜索政府答复"></govsearch-box></main></body></html>`, govsearch, govsearch)
	}))
	t.Cleanup(host.Close)
	_, govsearch = serveIndex(t, dir, api.Options{CORSOrigins: []string{host.URL}})
	if strings.Split(host.URL, ":")[2] == strings.Split(govsearch, ":")[2] {
		t.Fatal("the page and govsearch share an origin")
	}
	return host.URL, govsearch
}

// shadow is the widget's shadow root, in page JavaScript.
const shadow = `document.querySelector("govsearch-box").shadowRoot`

// On a page from another origin, the widget searches govsearch as a reader
// types, marks the passage, navigates by keyboard, and shows a hostile
// document as text.
func TestBrowserWidget(t *testing.T) {
	ctx := browser(t, 1100, 900)
	hostURL, govsearch := newsroom(t, browserIndex(t))

	do(t, ctx, chromedp.Navigate(hostURL))
	waitFor(t, ctx, `!!customElements.get("govsearch-box") && !!`+shadow, "the widget")
	if n := eval[int](t, ctx, `document.querySelector("script[src$='/widget.js']") ? 1 : 0`); n != 1 {
		t.Fatal("no widget script on the page")
	}
	// The host page's CSS stays out of the shadow DOM.
	if bg := eval[string](t, ctx, `getComputedStyle(`+shadow+`.querySelector("input")).backgroundColor`); bg == "rgb(255, 0, 0)" {
		t.Error("the host page's CSS reached the widget's input")
	}

	// Keyboard: Tab reaches the box with a visible focus ring.
	do(t, ctx, key("\t"))
	waitFor(t, ctx, shadow+`.activeElement === `+shadow+`.querySelector("input")`, "focus on the input")
	if w := eval[string](t, ctx, `getComputedStyle(`+shadow+`.querySelector("input")).outlineWidth`); w == "0px" || w == "" {
		t.Errorf("focused input has no visible outline (outline-width %q)", w)
	}
	// Typing asks /v1/suggest (debounced) and opens the listbox.
	do(t, ctx, typeText("工业"))
	waitFor(t, ctx, `!`+shadow+`.querySelector("[role=listbox]").hidden && `+shadow+`.querySelectorAll("[role=option]").length >= 2`, "suggestions")
	in := shadow + `.querySelector("input")`
	if got := eval[string](t, ctx, in+`.getAttribute("aria-expanded")`); got != "true" {
		t.Errorf("aria-expanded %q with the listbox open", got)
	}
	active := func() string {
		return eval[string](t, ctx, `(() => { const id = `+in+`.getAttribute("aria-activedescendant") || "";
			const o = id && `+shadow+`.getElementById(id); return o && o.getAttribute("aria-selected") === "true" ? o.textContent : "none:" + id })()`)
	}
	options := eval[[]string](t, ctx, `[...`+shadow+`.querySelectorAll("[role=option]")].map(o => o.textContent)`)
	do(t, ctx, key(kb.ArrowDown))
	if got := active(); got != options[0] {
		t.Errorf("after ArrowDown the active option is %q, want %q", got, options[0])
	}
	do(t, ctx, key(kb.ArrowDown))
	if got := active(); got != options[1] {
		t.Errorf("after ArrowDown twice the active option is %q, want %q", got, options[1])
	}
	do(t, ctx, key(kb.ArrowUp))
	if got := active(); got != options[0] {
		t.Errorf("after ArrowUp the active option is %q, want %q", got, options[0])
	}
	do(t, ctx, key(kb.Escape))
	waitFor(t, ctx, shadow+`.querySelector("[role=listbox]").hidden && `+in+`.getAttribute("aria-expanded") === "false"`, "Escape to close the listbox")
	// Typing after arrowing into the suggestions returns to the typed
	// text: the option is no longer active, the stale list closes, and
	// Enter at once (before new suggestions come) searches what was typed.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.searched = []; const fetch0 = window.fetch;
		window.fetch = (u, o) => { const url = new URL(u); if (url.pathname === "/v1/search") searched.push(url.searchParams.get("q")); return fetch0(u, o); }`))
	do(t, ctx, key(kb.ArrowDown))
	waitFor(t, ctx, `!`+shadow+`.querySelector("[role=listbox]").hidden`, "ArrowDown to reopen the listbox")
	do(t, ctx, key(kb.ArrowDown))
	if got := active(); got != options[0] {
		t.Fatalf("after ArrowDown the active option is %q, want %q", got, options[0])
	}
	do(t, ctx, typeText("园区"))
	if got := eval[string](t, ctx, `(`+in+`.getAttribute("aria-activedescendant") || "") + [...`+shadow+`.querySelectorAll("[aria-selected=true]")].map(o => o.textContent).join()`); got != "" {
		t.Errorf("after typing, the stale option %q is still active", got)
	}
	if !eval[bool](t, ctx, shadow+`.querySelector("[role=listbox]").hidden && `+in+`.getAttribute("aria-expanded") === "false"`) {
		t.Error("after typing, the stale suggestions are still open")
	}
	do(t, ctx, key("\r"))
	waitFor(t, ctx, `window.searched.length > 0`, "the search")
	if got := eval[[]string](t, ctx, `window.searched`); len(got) != 1 || got[0] != "工业园区" {
		t.Errorf("Enter after typing searched %q, want [工业园区]", got)
	}
	if got := eval[string](t, ctx, in+`.value`); got != "工业园区" {
		t.Errorf("Enter after typing left the input at %q, want 工业园区", got)
	}
	// Back to 工业 and its suggestions.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](in+`.value = ""; `+in+`.focus()`), typeText("工业"))
	waitFor(t, ctx, `!`+shadow+`.querySelector("[role=listbox]").hidden && `+shadow+`.querySelectorAll("[role=option]").length >= 2`, "suggestions again")

	// Enter on an option searches for it.
	do(t, ctx, key(kb.ArrowDown))
	waitFor(t, ctx, `!`+shadow+`.querySelector("[role=listbox]").hidden`, "ArrowDown to reopen the listbox")
	do(t, ctx, key(kb.ArrowDown), key("\r"))
	waitFor(t, ctx, shadow+`.querySelectorAll("li.result").length > 0`, "results for the chosen suggestion")
	if got := eval[string](t, ctx, in+`.value`); got == "工业" || got == "" {
		t.Errorf("Enter on an option left the input at %q", got)
	}

	// 弹性产能: the MIIT reply, the phrase marked.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](in+`.value = ""; `+in+`.focus()`), typeText("弹性产能"), key("\r"))
	waitFor(t, ctx, shadow+`.querySelector("li.result a.title")?.href.includes("q=%E5%BC%B9%E6%80%A7%E4%BA%A7%E8%83%BD")`, "results for 弹性产能")
	if got := eval[string](t, ctx, shadow+`.querySelector("li.result a.title").textContent`); !strings.Contains(got, "工信部：积极考虑将5G等重点领域纳入") {
		t.Errorf("first result for 弹性产能: %q", got)
	}
	html := eval[string](t, ctx, shadow+`.querySelector("li.result").innerHTML`)
	if !strings.Contains(html, "<mark>弹性产能</mark>") {
		t.Errorf("first result lacks <mark>弹性产能</mark>:\n%s", html)
	}
	if href := eval[string](t, ctx, shadow+`.querySelector("li.result a.title").href`); !strings.HasPrefix(href, govsearch+"/d/reply-miit-2020-2524?q=") || !regexp.MustCompile(`#s-[0-9a-f]{8}$`).MatchString(href) {
		t.Errorf("result links to %q", href)
	}
	if n := eval[int](t, ctx, shadow+`.querySelectorAll(".chip").length`); n == 0 {
		t.Error("no facet chips")
	}
	// Themed by the host's custom property and ::part; the host's own
	// rules (mark{background:black}) stay out.
	for js, want := range map[string]string{
		`getComputedStyle(` + shadow + `.querySelector("button.go")).backgroundColor`:      "rgb(0, 100, 0)",
		`getComputedStyle(` + shadow + `.querySelector("li.result")).borderTopColor`:       "rgb(0, 0, 255)",
		`getComputedStyle(` + shadow + `.querySelector("li.result mark")).backgroundColor`: "rgb(255, 229, 138)",
	} {
		if got := eval[string](t, ctx, js); got != want {
			t.Errorf("%s = %q, want %q", js, got, want)
		}
	}
	screenshot(t, ctx, "widget.png")

	// A year chip filters, and pressing it again clears the filter.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`[...`+shadow+`.querySelectorAll(".chip")].find(c => c.textContent.startsWith("2020年")).click()`))
	waitFor(t, ctx, `[...`+shadow+`.querySelectorAll(".chip")].some(c => c.getAttribute("aria-pressed") === "true")`, "a pressed year chip")

	// More results on demand: 国务院 has more than one page of documents.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](in+`.value = ""; `+in+`.focus()`), typeText("国务院"), key("\r"))
	waitFor(t, ctx, `!`+shadow+`.querySelector(".more").hidden || `+shadow+`.querySelectorAll("li.result").length > 0`, "results for 国务院")
	if !eval[bool](t, ctx, shadow+`.querySelector(".more").hidden`) {
		n := eval[int](t, ctx, shadow+`.querySelectorAll("li.result").length`)
		do(t, ctx, chromedp.Evaluate[chromedp.Void](shadow+`.querySelector(".more").click()`))
		waitFor(t, ctx, fmt.Sprintf(`%s.querySelectorAll("li.result").length > %d`, shadow, n), "more results")
	}

	// The hostile document shows as text, and runs nothing.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](in+`.value = ""; `+in+`.focus()`), typeText("恶意脚本测试"), key("\r"))
	waitFor(t, ctx, `[...`+shadow+`.querySelectorAll("li.result")].some(li => li.textContent.includes("恶意标题"))`, "the hostile document")
	title := eval[string](t, ctx, `[...`+shadow+`.querySelectorAll("li.result a.title")].find(a => a.textContent.includes("恶意标题")).textContent`)
	if title != hostileTitle {
		t.Errorf("hostile title shown as %q, want the text %q", title, hostileTitle)
	}
	if n := eval[int](t, ctx, shadow+`.querySelectorAll("ol img, ol script, ol b").length`); n != 0 {
		t.Errorf("%d elements from document text in the results", n)
	}
	time.Sleep(200 * time.Millisecond) // an onerror would have fired by now
	if eval[bool](t, ctx, `window.pwned === 1`) {
		t.Error("the hostile document ran script")
	}
}

// A page on an origin govsearch does not allow gets no results: the API's
// CORS settings decide who may embed the widget.
func TestBrowserWidgetOtherOriginRefused(t *testing.T) {
	ctx := browser(t, 900, 700)
	var govsearch string
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><meta charset="utf-8"><script src="%s/widget.js" defer></script><govsearch-box endpoint="%s"></govsearch-box>`, govsearch, govsearch)
	}))
	defer host.Close()
	_, govsearch = serveIndex(t, buildTestIndex(t), api.Options{CORSOrigins: []string{"https://news.example.org"}})
	do(t, ctx, chromedp.Navigate(host.URL))
	waitFor(t, ctx, `!!customElements.get("govsearch-box")`, "the widget")
	do(t, ctx, chromedp.Evaluate[chromedp.Void](shadow+`.querySelector("input").focus()`), typeText("弹性产能"), key("\r"))
	waitFor(t, ctx, shadow+`.querySelector(".status").textContent.startsWith("搜索失败")`, "the refusal")
	if n := eval[int](t, ctx, shadow+`.querySelectorAll("li.result").length`); n != 0 {
		t.Errorf("%d results on a page from an origin not allowed", n)
	}
}

// The search page, the document page and the embed page work with
// JavaScript disabled, at phone width too.
func TestBrowserPagesWithoutJavaScript(t *testing.T) {
	ctx := browser(t, 1100, 900)
	_, base := serveIndex(t, browserIndex(t), api.Options{})
	do(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	// Scripts are really off: the embed page's widget does not load.
	do(t, ctx, chromedp.Navigate(base+"/embed"), chromedp.Sleep(300*time.Millisecond))
	if eval[bool](t, ctx, `!!customElements.get("govsearch-box")`) {
		t.Fatal("page scripts still run")
	}
	do(t, ctx, chromedp.Navigate(base+"/"))
	// Type and submit with the keyboard: a plain form.
	do(t, ctx, chromedp.Click(chromedp.CSS(`input[name=q]`)), typeText("弹性产能"))
	loading(t, ctx, key("\r"))
	waitFor(t, ctx, `location.search.includes("q=") && !!document.querySelector("ol.hits li")`, "the results page")
	html := eval[string](t, ctx, `document.querySelector("ol.hits").innerHTML`)
	if !strings.Contains(html, "<mark>弹性产能</mark>") || !strings.Contains(html, "工信部：积极考虑将5G等重点领域纳入") {
		t.Errorf("results page:\n%s", html)
	}
	screenshot(t, ctx, "search.png")

	// A year filter, then removing it.
	loading(t, ctx, chromedp.Click(chromedp.CSS(`aside a[href*="year=2020"]`)))
	waitFor(t, ctx, `location.search.includes("year=2020") && !!document.querySelector(".chips a")`, "the year filter")
	loading(t, ctx, chromedp.Click(chromedp.CSS(`.chips a`)))
	waitFor(t, ctx, `!location.search.includes("year=")`, "the filter removed")

	// Pagination: 国务院 has more than ten documents.
	do(t, ctx, chromedp.Navigate(base+"/?q="+"%E5%9B%BD%E5%8A%A1%E9%99%A2"))
	first := eval[string](t, ctx, `document.querySelector("ol.hits li a.title").textContent`)
	loading(t, ctx, chromedp.Click(chromedp.CSS(`a[rel=next]`)))
	waitFor(t, ctx, `location.search.includes("page=2") && !!document.querySelector("ol.hits li")`, "page 2")
	if second := eval[string](t, ctx, `document.querySelector("ol.hits li a.title").textContent`); second == first {
		t.Errorf("page 2 starts with page 1's %q", first)
	}

	// A hit links to its section on the document page, the words marked.
	do(t, ctx, chromedp.Navigate(base+"/?q=%E5%BC%B9%E6%80%A7%E4%BA%A7%E8%83%BD"))
	loading(t, ctx, chromedp.Click(chromedp.CSS(`ol.hits a.title`)))
	waitFor(t, ctx, `location.pathname === "/d/reply-miit-2020-2524" && /^#s-[0-9a-f]{8}$/.test(location.hash)`, "the document page")
	if got := eval[string](t, ctx, `document.querySelector("section:target h2").innerHTML`); !strings.Contains(got, "<mark>弹性产能</mark>") {
		t.Errorf("targeted section's heading: %q", got)
	}
	// Without script, the copy citation buttons stay hidden; the
	// permalinks are there.
	if !eval[bool](t, ctx, `[...document.querySelectorAll("button.cite")].every(b => b.hidden) && document.querySelectorAll("a.permalink").length > 0`) {
		t.Error("copy citation buttons shown without script, or no permalinks")
	}

	// The hostile document's page shows its title as text.
	do(t, ctx, chromedp.Navigate(base+"/d/hostile?q=%E6%81%B6%E6%84%8F"))
	if got := eval[string](t, ctx, `document.querySelector("h1").textContent`); got != hostileTitle {
		t.Errorf("hostile title on its page: %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("article img, article script, article b").length`); n != 0 {
		t.Errorf("%d elements from document text on its page", n)
	}

	// Phone width: nothing wider than the screen.
	do(t, ctx, chromedp.EmulateViewport(375, 740), chromedp.Navigate(base+"/?q=%E5%9B%BD%E5%8A%A1%E9%99%A2"))
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("search page is %d px wide at 375 px", w)
	}
}

// The embed page shows the snippet to paste and a live widget.
func TestBrowserEmbedPage(t *testing.T) {
	ctx := browser(t, 1000, 900)
	_, base := serveIndex(t, buildTestIndex(t), api.Options{})
	do(t, ctx, chromedp.Navigate(base+"/embed"))
	snippet := eval[string](t, ctx, `document.querySelector("pre code").textContent`)
	if !strings.Contains(snippet, `<script src="`+base+`/widget.js?v=`) || !strings.Contains(snippet, `<govsearch-box endpoint="`+base+`"`) {
		t.Errorf("snippet: %s", snippet)
	}
	waitFor(t, ctx, `!!customElements.get("govsearch-box")`, "the live example")
	do(t, ctx, chromedp.Evaluate[chromedp.Void](shadow+`.querySelector("input").focus()`), typeText("弹性产能"), key("\r"))
	waitFor(t, ctx, shadow+`.querySelectorAll("li.result mark").length > 0`, "results in the live example")
	// At phone width the widget fits.
	do(t, ctx, chromedp.EmulateViewport(360, 700))
	if w := eval[int](t, ctx, `document.querySelector("govsearch-box").getBoundingClientRect().width`); w > 360 {
		t.Errorf("widget is %d px wide at 360 px", w)
	}
}

// A reader who searched on govsearch's own /embed page, then on a
// newsroom's page, gets results on both: the browser may not reuse the
// first page's answers (same-origin requests, sent without Origin) for the
// newsroom's, which need its CORS headers.
func TestBrowserWidgetAfterSameOriginVisit(t *testing.T) {
	ctx := browser(t, 1000, 800)
	hostURL, govsearch := newsroom(t, buildTestIndex(t))
	in := shadow + `.querySelector("input")`
	for _, page := range []string{govsearch + "/embed", hostURL} {
		do(t, ctx, chromedp.Navigate(page))
		waitFor(t, ctx, `!!customElements.get("govsearch-box") && !!`+shadow, "the widget")
		do(t, ctx, chromedp.Evaluate[chromedp.Void](in+`.focus()`), typeText("弹性产能"))
		waitFor(t, ctx, `!`+shadow+`.querySelector("[role=listbox]").hidden`, "suggestions on "+page)
		do(t, ctx, key(kb.Escape), key("\r"))
		waitFor(t, ctx, shadow+`.querySelectorAll("li.result").length > 0 || `+shadow+`.querySelector(".status").textContent.startsWith("搜索失败")`, "the search")
		if status := eval[string](t, ctx, shadow+`.querySelector(".status").textContent`); strings.HasPrefix(status, "搜索失败") {
			t.Errorf("%s: %s", page, status)
		}
	}
}
