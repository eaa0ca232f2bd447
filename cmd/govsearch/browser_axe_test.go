package main

import (
	"context"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// axeSource is axe-core's axe.min.js, from the file GOVSEARCH_AXE_JS names
// (.ci/run installs the pinned npm package outside the repo and sets it).
// Without it the accessibility tests are skipped, unless
// GOVSEARCH_BROWSER_TESTS=1, where its absence fails them.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("GOVSEARCH_AXE_JS")
	if path == "" {
		if os.Getenv("GOVSEARCH_BROWSER_TESTS") == "1" {
			t.Fatal("GOVSEARCH_BROWSER_TESTS=1 but GOVSEARCH_AXE_JS is not set (see .ci/run: npm install axe-core)")
		}
		t.Skip("GOVSEARCH_AXE_JS is not set: npm install axe-core, or run .ci/run")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("GOVSEARCH_BROWSER_TESTS") == "1" {
			t.Fatalf("GOVSEARCH_AXE_JS: %v", err)
		}
		t.Skipf("GOVSEARCH_AXE_JS: %v", err)
	}
	return string(b)
}

// axeViolation is one rule axe-core found broken, with the nodes that
// break it.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []struct {
		// Target is the node's selector, a list of selectors through
		// shadow roots, as JSON.
		Target, Summary string
	}
}

// axeRun runs axe-core's default rules (WCAG A and AA, best practices)
// over the page as it is, into open shadow roots.
const axeRun = `axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({
  id: v.id, impact: v.impact || "", help: v.help,
  nodes: v.nodes.map((n) => ({ target: JSON.stringify(n.target), summary: n.failureSummary || "" })),
})))`

// checkAxe runs axe-core on the page and fails the test for each
// violation it finds, naming its rule, impact and nodes.
func checkAxe(t *testing.T, ctx context.Context, axe, where string) {
	t.Helper()
	reportAxe(t, where, runAxe(t, ctx, axe, where))
}

// runAxe injects axe-core into the page, once, and returns what it finds.
func runAxe(t *testing.T, ctx context.Context, axe, where string) []axeViolation {
	t.Helper()
	if !eval[bool](t, ctx, `typeof axe === "object"`) {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axe)); err != nil {
			t.Fatalf("%s: inject axe-core: %v", where, err)
		}
	}
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: run axe-core: %v", where, err)
	}
	return violations
}

// reportAxe fails the test for each violation, naming its rule, impact,
// and nodes with what is wrong with each.
func reportAxe(t *testing.T, where string, violations []axeViolation) {
	t.Helper()
	for _, v := range violations {
		var nodes []string
		for _, n := range v.Nodes {
			nodes = append(nodes, n.Target+": "+strings.ReplaceAll(n.Summary, "\n", " "))
		}
		t.Errorf("%s: axe %s (%s): %s\n\t%s", where, v.ID, v.Impact, v.Help, strings.Join(nodes, "\n\t"))
	}
}

// colorScheme emulates the reader's preferred colour scheme, light or
// dark.
func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
		return err
	})
}

// The pages and the widget, checked by axe-core in both colour schemes:
// no violations, contrast included.
func TestBrowserAccessibility(t *testing.T) {
	axe := axeSource(t)
	ctx := browser(t, 1280, 900)
	hostURL, base := newsroom(t, browserIndex(t))
	// axe-core sees what is wrong, in the shadow DOM too: a page without
	// a heading, an image without a text, a widget input without a name.
	do(t, ctx, chromedp.Navigate(hostURL))
	waitFor(t, ctx, `!!customElements.get("govsearch-box") && !!`+shadow, "the widget")
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector("h1").remove(); document.querySelector("main").append(document.createElement("img"));
		`+shadow+`.querySelector("input").removeAttribute("aria-label"); `+shadow+`.querySelector("input").placeholder = ""`))
	var found []string
	for _, v := range runAxe(t, ctx, axe, "a broken page") {
		found = append(found, v.ID)
	}
	slices.Sort(found)
	if want := []string{"image-alt", "label", "page-has-heading-one"}; !slices.Equal(found, want) {
		t.Errorf("axe-core on a broken page found %q, want %q", found, want)
	}

	for _, scheme := range []string{"light", "dark"} {
		do(t, ctx, colorScheme(scheme))
		for _, path := range []string{
			"/",
			"/?q=" + url.QueryEscape("2020年 工信部 5G"),
			"/?q=5G&issuer=" + url.QueryEscape("工业和信息化部") + "&year=2020",
			"/?q=" + url.QueryEscape("国务院"),
			"/?q=" + url.QueryEscape("没有这个词的文件"),
			"/?q=" + url.QueryEscape("弹性产能 卡脖子"), // a document matched across its sections
			"/d/reply-miit-2020-2524?q=" + url.QueryEscape("弹性产能"),
			"/embed",
		} {
			do(t, ctx, chromedp.Navigate(base+path))
			checkAxe(t, ctx, axe, path+" ("+scheme+")")
			if scheme == "dark" && strings.Contains(path, "%E5%B7%A5%E4%BF%A1%E9%83%A8+5G") {
				screenshot(t, ctx, "search-dark.png")
			}
		}
		// The page follows the scheme: its background and its links.
		colors := eval[[]string](t, ctx, `[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.querySelector("header a")).color]`)
		if want := map[string][]string{"light": {"rgb(255, 255, 255)", "rgb(176, 23, 31)"}, "dark": {"rgb(18, 18, 18)", "rgb(255, 138, 128)"}}[scheme]; !slices.Equal(colors, want) {
			t.Errorf("%s scheme: background and link colours %q, want %q", scheme, colors, want)
		}
		// The live widget on /embed, and on a newsroom's page, with
		// suggestions open and with results. Each page asks its own
		// questions: the browser would reuse /embed's answers on the
		// newsroom's page, which lack its CORS headers.
		in := shadow + `.querySelector("input")`
		for _, widget := range []struct{ page, suggest, search string }{
			{base + "/embed", "工业", "2020年 工信部"},
			{hostURL, "国务院", "工信部 5G"},
		} {
			where := widget.page + " (" + scheme + ")"
			do(t, ctx, chromedp.Navigate(widget.page))
			waitFor(t, ctx, `!!customElements.get("govsearch-box") && !!`+shadow, "the widget")
			do(t, ctx, chromedp.Evaluate[chromedp.Void](in+`.focus()`), typeText(widget.suggest))
			waitFor(t, ctx, `!`+shadow+`.querySelector("[role=listbox]").hidden`, "suggestions")
			do(t, ctx, key(kb.ArrowDown))
			checkAxe(t, ctx, axe, where+", suggestions open")
			do(t, ctx, key(kb.Escape), chromedp.Evaluate[chromedp.Void](in+`.value = ""`), typeText(widget.search), key("\r"))
			waitFor(t, ctx, shadow+`.querySelectorAll("li.result").length > 0 && !`+shadow+`.querySelector(".feed").hidden`, "results")
			checkAxe(t, ctx, axe, where+", results")
			if scheme == "dark" && widget.page != hostURL {
				screenshot(t, ctx, "embed-dark.png")
			}
		}
	}
}
