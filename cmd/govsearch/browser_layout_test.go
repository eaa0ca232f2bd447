package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/govsearch/govsearch/api"
)

// layoutBox names boxes on a page by a CSS selector; ">>>" steps into the
// open shadow roots of the elements matched so far ("govsearch-box >>>
// input"). A selector may match several elements, each a box of its own
// (name[0], name[1], …); it must match one at least unless optional.
type layoutBox struct {
	name, selector string
	optional       bool
}

// layoutJS measures boxes as the browser lays them out: their bounding
// client rectangles, whether they are visible (checkVisibility: not
// display:none, visibility:hidden or transparent, and not of zero size),
// and the viewport's width and the document's.
const layoutJS = `(specs) => {
  const find = (selector) => {
    const steps = selector.split(">>>").map((s) => s.trim());
    let roots = [document], found = [];
    steps.forEach((step, i) => {
      found = roots.flatMap((r) => [...r.querySelectorAll(step)]);
      if (i < steps.length - 1) roots = found.map((e) => e.shadowRoot).filter(Boolean);
    });
    return found;
  };
  const what = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    (e.classList.length ? "." + [...e.classList].join(".") : "");
  const boxes = specs.map((s) => find(s.selector).map((e) => {
    const r = e.getBoundingClientRect(), cs = getComputedStyle(e);
    const visible = r.width > 0 && r.height > 0 &&
      e.checkVisibility({ visibilityProperty: true, opacityProperty: true });
    return { element: what(e), left: r.left, top: r.top, right: r.right, bottom: r.bottom, visible,
      display: cs.display, visibility: cs.visibility };
  }));
  const d = document.documentElement;
  return { viewport: d.clientWidth, innerWidth, scrollWidth: d.scrollWidth, boxes };
}`

// measuredLayout is what layoutJS measures: the viewport's width (without
// a scroll bar), the document's, and the elements of each layoutBox.
type measuredLayout struct {
	Viewport, InnerWidth, ScrollWidth float64
	Boxes                             [][]measuredBox
}

// measuredBox is one element of a layoutBox, as layoutJS measures it.
type measuredBox struct {
	Element                  string
	Left, Top, Right, Bottom float64
	Visible                  bool
	Display, Visibility      string
}

func (b measuredBox) String() string {
	return fmt.Sprintf("%s (%.0f,%.0f)–(%.0f,%.0f)", b.Element, b.Left, b.Top, b.Right, b.Bottom)
}

// overlaps says whether two boxes share more than a pixel's sliver: boxes
// that touch (one's bottom border on the other's top) do not overlap.
func (b measuredBox) overlaps(o measuredBox) bool {
	const slack = 0.5
	return min(b.Right, o.Right)-max(b.Left, o.Left) > slack && min(b.Bottom, o.Bottom)-max(b.Top, o.Top) > slack
}

// checkLayout checks, as a person would see it, that each of the boxes is
// visible and inside the viewport's width, that the document is no wider
// than the viewport, and that no two of the boxes overlap. The boxes are
// siblings in the layout (nested boxes go in another call). where names
// the page and its state in failures.
func checkLayout(t *testing.T, ctx context.Context, where string, boxes ...layoutBox) {
	t.Helper()
	specs := make([]map[string]string, len(boxes))
	for i, b := range boxes {
		specs[i] = map[string]string{"selector": b.selector}
	}
	arg, err := json.Marshal(specs)
	if err != nil {
		t.Fatal(err)
	}
	m, err := chromedp.Run(ctx, chromedp.Evaluate[measuredLayout]("("+layoutJS+")("+string(arg)+")"))
	if err != nil {
		t.Fatalf("%s: measure the layout: %v", where, err)
	}
	if m.ScrollWidth > m.Viewport {
		t.Errorf("%s: the document is %.0f px wide, the viewport %.0f px (innerWidth %.0f)", where, m.ScrollWidth, m.Viewport, m.InnerWidth)
	}
	type named struct {
		name string
		measuredBox
	}
	var all []named
	for i, b := range boxes {
		found := m.Boxes[i]
		if len(found) == 0 && !b.optional {
			t.Errorf("%s: no %s on the page (%s)", where, b.name, b.selector)
		}
		for j, mb := range found {
			name := b.name
			if len(found) > 1 {
				name = fmt.Sprintf("%s[%d]", b.name, j)
			}
			switch {
			case !mb.Visible:
				t.Errorf("%s: %s is not visible: %v, display %s, visibility %s", where, name, mb, mb.Display, mb.Visibility)
			case mb.Left < -0.5 || mb.Right > m.Viewport+0.5:
				t.Errorf("%s: %s %v is outside the viewport's width, 0–%.0f", where, name, mb, m.Viewport)
			}
			all = append(all, named{name, mb})
		}
	}
	for i, a := range all {
		for _, b := range all[i+1:] {
			if a.Visible && b.Visible && a.overlaps(b.measuredBox) {
				t.Errorf("%s: %s %v overlaps %s %v", where, a.name, a.measuredBox, b.name, b.measuredBox)
			}
		}
	}
}

// layoutWidths are the widths the layout tests look at: a phone, a
// tablet, a desktop.
var layoutWidths = []int64{375, 768, 1280}

// The widget on a newsroom's page, with suggestions open and with results
// shown: its input, button, suggestions and results visible, inside the
// screen and clear of each other at each width.
func TestBrowserLayoutWidget(t *testing.T) {
	ctx := browser(t, 1280, 900)
	hostURL, _ := newsroom(t, browserIndex(t))
	in := shadow + `.querySelector("input")`
	for _, width := range layoutWidths {
		where := func(state string) string { return fmt.Sprintf("widget at %d px, %s", width, state) }
		do(t, ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(hostURL))
		waitFor(t, ctx, `!!customElements.get("govsearch-box") && !!`+shadow, "the widget")
		do(t, ctx, chromedp.Evaluate[chromedp.Void](in+`.focus()`), typeText("国务院"))
		waitFor(t, ctx, `!`+shadow+`.querySelector("[role=listbox]").hidden && `+shadow+`.querySelectorAll("[role=option]").length >= 2`, "suggestions")
		do(t, ctx, key(kb.ArrowDown))
		open := where("suggestions open")
		checkLayout(t, ctx, open,
			layoutBox{name: "page heading", selector: "main > h1"},
			layoutBox{name: "widget", selector: "govsearch-box"})
		checkLayout(t, ctx, open,
			layoutBox{name: "input", selector: "govsearch-box >>> input"},
			layoutBox{name: "button", selector: "govsearch-box >>> button.go"},
			layoutBox{name: "suggestions", selector: "govsearch-box >>> [role=listbox]"})
		checkLayout(t, ctx, open, layoutBox{name: "suggestion", selector: "govsearch-box >>> [role=option]"})
		switch width {
		case 1280:
			screenshot(t, ctx, "widget-suggestions.png")
		case 375:
			screenshotViewport(t, ctx, "widget-suggestions-phone.png")
		}

		do(t, ctx, key(kb.Escape), key("\r"))
		waitFor(t, ctx, shadow+`.querySelectorAll("li.result").length > 0 && !`+shadow+`.querySelector(".more").hidden`, "results with more to load")
		results := where("results shown")
		checkLayout(t, ctx, results,
			layoutBox{name: "form", selector: "govsearch-box >>> form"},
			layoutBox{name: "chips", selector: "govsearch-box >>> .chips"},
			layoutBox{name: "status", selector: "govsearch-box >>> .status"},
			layoutBox{name: "results", selector: "govsearch-box >>> ol"},
			layoutBox{name: "more", selector: "govsearch-box >>> .more"},
			layoutBox{name: "feed", selector: "govsearch-box >>> .feed"})
		checkLayout(t, ctx, results,
			layoutBox{name: "input", selector: "govsearch-box >>> input"},
			layoutBox{name: "button", selector: "govsearch-box >>> button.go"})
		checkLayout(t, ctx, results, layoutBox{name: "chip", selector: "govsearch-box >>> .chip"})
		checkLayout(t, ctx, results, layoutBox{name: "result", selector: "govsearch-box >>> li.result"})
		checkLayout(t, ctx, results, layoutBox{name: "part of the first result", selector: "govsearch-box >>> li.result:first-child > *"})
		if width == 375 {
			screenshotViewport(t, ctx, "widget-phone.png")
		}

		// A document matched across its sections says where the other
		// words are, as a link to that section, inside its result.
		do(t, ctx, chromedp.Evaluate[chromedp.Void](in+`.focus(); `+in+`.select()`), typeText("弹性产能 卡脖子"), key("\r"))
		waitFor(t, ctx, `!!`+shadow+`.querySelector("li.result [part=matched] a")`, "a result matched across sections")
		link := eval[string](t, ctx, shadow+`.querySelector("li.result [part=matched] a").href`)
		text := eval[string](t, ctx, shadow+`.querySelector("li.result [part=matched]").textContent`)
		if !strings.Contains(link, "/d/reply-miit-2020-2524?q=") || !regexp.MustCompile(`#s-[0-9a-f]{8}$`).MatchString(link) || !strings.Contains(text, "（卡脖子）") {
			t.Errorf("%s: matched section link %q, text %q", where("matched across sections"), link, text)
		}
		checkLayout(t, ctx, where("matched across sections"), layoutBox{name: "part of the first result", selector: "govsearch-box >>> li.result:first-child > *"})
		if width == 1280 {
			screenshot(t, ctx, "widget-matched.png")
		}
	}
}

// The search page (empty, and with results, readings, facets and pages)
// and a document's page: their main boxes visible, inside the screen and
// clear of each other at each width.
func TestBrowserLayoutPages(t *testing.T) {
	ctx := browser(t, 1280, 900)
	_, base := serveIndex(t, browserIndex(t), api.Options{})
	for _, width := range layoutWidths {
		where := func(page string) string { return fmt.Sprintf("%s at %d px", page, width) }
		do(t, ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(base+"/"))
		checkLayout(t, ctx, where("/"),
			layoutBox{name: "header", selector: "body > header"},
			layoutBox{name: "form", selector: "form.search"},
			layoutBox{name: "embed link", selector: "main > p.status"})
		checkLayout(t, ctx, where("/"),
			layoutBox{name: "input", selector: "form.search input"},
			layoutBox{name: "button", selector: "form.search button"})

		q := "/?q=" + url.QueryEscape("国务院办公厅 建议 2006年")
		do(t, ctx, chromedp.Navigate(base+q))
		checkLayout(t, ctx, where(q),
			layoutBox{name: "header", selector: "body > header"},
			layoutBox{name: "form", selector: "form.search"},
			layoutBox{name: "readings", selector: "p.readings"},
			layoutBox{name: "results", selector: ".layout > .results"},
			layoutBox{name: "facets", selector: ".layout > aside"},
			layoutBox{name: "embed link", selector: "main > p.status"})
		checkLayout(t, ctx, where(q), layoutBox{name: "heading", selector: "header h1"})
		checkLayout(t, ctx, where(q),
			layoutBox{name: "input", selector: "form.search input"},
			layoutBox{name: "button", selector: "form.search button"})
		checkLayout(t, ctx, where(q), layoutBox{name: "reading", selector: "p.readings .reading"})
		checkLayout(t, ctx, where(q), layoutBox{name: "reading link", selector: "p.readings a"})
		checkLayout(t, ctx, where(q),
			layoutBox{name: "status", selector: ".results > p.status"},
			layoutBox{name: "hit", selector: "ol.hits > li"},
			layoutBox{name: "pages", selector: "nav.pages", optional: true})
		checkLayout(t, ctx, where(q), layoutBox{name: "part of the first hit", selector: "ol.hits > li:first-child > *"})
		checkLayout(t, ctx, where(q), layoutBox{name: "facet", selector: "aside h2, aside li"})
		switch width {
		case 1280:
			screenshot(t, ctx, "search-readings.png")
		case 375:
			screenshotViewport(t, ctx, "search-phone.png")
		}

		// A search of more than a page: the hits, then the pages.
		q = "/?q=" + url.QueryEscape("国务院")
		do(t, ctx, chromedp.Navigate(base+q))
		checkLayout(t, ctx, where(q),
			layoutBox{name: "status", selector: ".results > p.status"},
			layoutBox{name: "hit", selector: "ol.hits > li"},
			layoutBox{name: "pages", selector: "nav.pages"})
		checkLayout(t, ctx, where(q), layoutBox{name: "page link", selector: "nav.pages a"})

		d := "/d/reply-miit-2020-2524?q=" + url.QueryEscape("弹性产能")
		do(t, ctx, chromedp.Navigate(base+d))
		waitFor(t, ctx, `[...document.querySelectorAll("button.cite")].every(b => !b.hidden)`, "the citation buttons")
		checkLayout(t, ctx, where(d),
			layoutBox{name: "header", selector: "body > header"},
			layoutBox{name: "back link", selector: "main > p"},
			layoutBox{name: "article", selector: "main > article"})
		checkLayout(t, ctx, where(d),
			layoutBox{name: "title", selector: "article > h1"},
			layoutBox{name: "meta", selector: "article > p.meta"},
			layoutBox{name: "section", selector: "article > section"})
		checkLayout(t, ctx, where(d), layoutBox{name: "part of the second section", selector: "article > section:nth-of-type(2) > :not(span:empty)"})
		checkLayout(t, ctx, where(d), layoutBox{name: "citation control", selector: "article > section:nth-of-type(2) p.cite > :not([hidden])"})
		if width == 375 {
			screenshotViewport(t, ctx, "document-phone.png")
		}
	}
}
