package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/govsearch/govsearch/index"
)

// The search pages and the widget are embedded, so the one binary serves
// them with no files beside it and no build step.
//
//go:embed web/widget.js web/page.js web/pages.html
var web embed.FS

var (
	widgetJS      = mustRead("web/widget.js")
	widgetVersion = func() string { s := sha256.Sum256(widgetJS); return hex.EncodeToString(s[:6]) }()
	// pageJS is the document page's script: its "copy citation" buttons.
	pageJS      = mustRead("web/page.js")
	pageVersion = func() string { s := sha256.Sum256(pageJS); return hex.EncodeToString(s[:6]) }()
	pages       = template.Must(template.New("pages.html").Funcs(template.FuncMap{
		// marked is for the index's escaped, marked fields only: the
		// snippets, title_html and heading_html, whose only tags are
		// <mark>.
		"marked": func(s string) template.HTML { return template.HTML(s) },
		// head is what the pages' common head shows: the title, and
		// the feed of the search on the page, if any.
		"head": func(title, feed string) pageHead { return pageHead{title, feed} },
	}).ParseFS(web, "web/pages.html"))
)

// pageHead is the data of the pages' common head.
type pageHead struct{ Title, Feed string }

func mustRead(name string) []byte {
	b, err := web.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

// Highlighter is what the document page needs of a Searcher to mark a
// query's words in whole sections; without it the page marks nothing.
type Highlighter interface {
	Highlighter(q string) *index.Highlighter
}

var _ Highlighter = (*index.Live)(nil)

// pageSize is how many documents a search page lists.
const pageSize = 10

// pageCSP keeps pages to their own scripts (the widget on /embed) and
// styles; the pages have no inline script at all.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"

// renderPage writes a page, or a plain error if the template fails (it
// is rendered to a buffer first, so a failure never leaves half a page).
func (h *handlers) renderPage(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		h.log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", pageCSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// widget serves /widget.js: with ?v= its version, cacheable for a year,
// else for an hour, revalidated by its ETag.
func (h *handlers) widget(w http.ResponseWriter, r *http.Request) {
	serveScript(w, r, widgetJS, widgetVersion)
}

// pageScript serves /page.js, the document page's script, as widget does.
func (h *handlers) pageScript(w http.ResponseWriter, r *http.Request) {
	serveScript(w, r, pageJS, pageVersion)
}

// serveScript serves an embedded script of the given version.
func serveScript(w http.ResponseWriter, r *http.Request, js []byte, version string) {
	etag := `"` + version + `"`
	hd := w.Header()
	hd.Set("ETag", etag)
	if r.URL.Query().Get("v") == version {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hd.Set("Cache-Control", "public, max-age=3600")
	}
	hd.Set("Access-Control-Allow-Origin", "*") // a script anyone may load
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", "text/javascript; charset=utf-8")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.Write(js)
}

// searchPage is what the search page shows.
type searchPage struct {
	Q, Error string
	Total    uint64
	Took     string
	Hits     []pageHit
	Filters  []pageLink // the filters in force, each a link that removes it
	// Readings are what was read out of q as filters (see
	// index.Interpret), each a link that searches that part as typed;
	// Raw searches all of q as typed.
	Readings []pageLink
	Raw      string
	// Feed is the Atom feed of this search.
	Feed       string
	Facets     []pageFacet
	Prev, Next string
	Pages      []pageLink
	Widget     string
}

type pageHit struct {
	Href, DocHref                   string
	TitleHTML, HeadingHTML, Snippet string
	Date, Publisher, Source         string
	MoreSections                    int
}

type pageFacet struct {
	Name  string
	Links []pageLink
}

type pageLink struct {
	Label, Href string
	Count       int
	On          bool
}

// pageFilters are the search page's parameters besides q and page: each
// maps to the API's.
var pageFilters = []struct{ param, label, facet string }{
	{"tag", "标签", index.FacetTags},
	{"category", "分类", index.FacetCategories},
	{"year", "年份", index.FacetYear},
}

// searchPageHandler serves /: a search page that works without JavaScript.
func (h *handlers) searchPage(w http.ResponseWriter, r *http.Request) {
	page := &searchPage{Widget: "/widget.js?v=" + widgetVersion}
	status := http.StatusOK
	fail := func(err error) {
		code, _, message, _, ok := classify(err)
		if ok && code < 500 {
			page.Error, status = message, code
			// The box shows the query back, but not a megabyte of it.
			page.Q = truncate(strings.ToValidUTF8(page.Q, "\uFFFD"), 4*index.MaxQueryLen)
			return
		}
		h.log.Error("search page", "err", err)
		page.Error, status = "搜索出错，请稍后再试。", http.StatusServiceUnavailable
	}
	// A malformed %-escape is refused, as by the API, rather than dropped
	// (which would search for something else than was asked).
	in, err := queryValues(r)
	if err != nil {
		fail(err)
		h.renderPage(w, r, status, "search", page)
		return
	}
	page.Q = in.Get("q")
	// The page's own parameters become the API's, so that both check
	// them alike.
	v := url.Values{"collapse": {"doc"}, "size": {strconv.Itoa(pageSize)}, "facets": {"tags,categories,year"}}
	for _, k := range []string{"q", "tag", "category", "raw"} {
		if vals := in[k]; len(vals) > 0 {
			v[k] = vals
		}
	}
	pageNum := 1
	if s := in.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		// n > MaxWindow/pageSize, not n*pageSize > MaxWindow, which a huge
		// n overflows past.
		if err != nil || n < 1 || n > index.MaxWindow/pageSize {
			fail(badParam("page", "%q is not a page from 1 to %d", truncate(s, 20), index.MaxWindow/pageSize))
			h.renderPage(w, r, status, "search", page)
			return
		}
		pageNum = n
	}
	v.Set("from", strconv.Itoa((pageNum-1)*pageSize))
	if y := in.Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 1000 || n > 9999 {
			fail(badParam("year", "%q is not a year", truncate(y, 20)))
			h.renderPage(w, r, status, "search", page)
			return
		}
		v.Set("since", y+"-01-01")
		v.Set("until", y+"-12-31")
	}
	req, err := parseSearch(v)
	if err != nil {
		fail(err)
		h.renderPage(w, r, status, "search", page)
		return
	}
	if strings.TrimSpace(page.Q) == "" && len(in) == 0 {
		h.renderPage(w, r, status, "search", page) // the empty page
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	res, err := h.s.Search(ctx, req)
	if err != nil {
		fail(err)
		h.renderPage(w, r, status, "search", page)
		return
	}
	page.Total, page.Took = res.Total, res.Took.Round(time.Millisecond).String()
	feed := url.Values{}
	for _, k := range []string{"q", "tag", "category", "since", "until", "raw"} {
		if vals := v[k]; len(vals) > 0 {
			feed[k] = vals
		}
	}
	page.Feed = "/v1/search.atom?" + feed.Encode()
	for _, hit := range res.Hits {
		doc := docPath(hit.DocID)
		ph := pageHit{
			Href: doc + "?q=" + url.QueryEscape(page.Q) + "#" + hit.Anchor, DocHref: doc,
			TitleHTML: hit.TitleHTML, HeadingHTML: hit.HeadingHTML, Snippet: hit.Snippet,
			Publisher: hit.Publisher, MoreSections: hit.MoreSections,
		}
		if strings.HasPrefix(hit.Source, "http://") || strings.HasPrefix(hit.Source, "https://") {
			ph.Source = hit.Source
		}
		if !hit.Date.IsZero() {
			ph.Date = hit.Date.Format(time.DateOnly)
		}
		if hit.Heading == "" {
			ph.HeadingHTML = ""
		}
		page.Hits = append(page.Hits, ph)
	}
	// link is the page's URL with one parameter changed ("" removes it);
	// changing a filter goes back to page 1.
	link := func(key, value string) string {
		out := url.Values{}
		for k, vals := range in {
			if k != "page" {
				out[k] = vals
			}
		}
		if value == "" {
			out.Del(key)
		} else {
			out.Set(key, value)
		}
		return "/?" + out.Encode()
	}
	if in := res.Interpreted; in != nil {
		labels := map[string]string{index.FilterDate: "日期", index.FilterIssuer: "发文机关", index.FilterKind: "类型",
			index.FilterSession: "届次", index.FilterAddressee: "答复对象"}
		for _, rd := range in.Readings {
			page.Readings = append(page.Readings, pageLink{
				Label: rd.Text + " → " + labels[rd.Filter] + "：" + readingValue(rd),
				Href:  link("q", quotePart(page.Q, rd.Text)),
			})
		}
		page.Raw = link("raw", "1")
	}
	for _, f := range pageFilters {
		current := in.Get(f.param)
		if current != "" {
			page.Filters = append(page.Filters, pageLink{Label: f.label + "：" + current, Href: link(f.param, "")})
		}
		var links []pageLink
		for i, c := range res.Facets[f.facet] {
			if i == 12 {
				break
			}
			on := c.Value == current
			href := link(f.param, c.Value)
			if on {
				href = link(f.param, "")
			}
			links = append(links, pageLink{Label: c.Value, Href: href, Count: c.Count, On: on})
		}
		if len(links) > 0 {
			page.Facets = append(page.Facets, pageFacet{Name: f.label, Links: links})
		}
	}
	pages := int((res.Total + pageSize - 1) / pageSize)
	pages = min(pages, index.MaxWindow/pageSize)
	pageLinkOf := func(n int) string { return link("page", strconv.Itoa(n)) }
	if pageNum > 1 {
		page.Prev = pageLinkOf(pageNum - 1)
	}
	if pageNum < pages {
		page.Next = pageLinkOf(pageNum + 1)
	}
	if pages > 1 {
		for n := max(1, pageNum-4); n <= min(pages, pageNum+4); n++ {
			page.Pages = append(page.Pages, pageLink{Label: strconv.Itoa(n), Href: pageLinkOf(n), On: n == pageNum})
		}
	}
	h.renderPage(w, r, status, "search", page)
}

// readingValue is how the search page shows what a part was read as.
func readingValue(rd index.Reading) string {
	if rd.Filter != index.FilterDate {
		return rd.Value
	}
	from, to, _ := strings.Cut(rd.Value, "..")
	switch {
	case from == "":
		return to + " 以前"
	case to == "":
		return from + " 以来"
	case from == to:
		return from
	}
	return from + " 至 " + to
}

// quotePart is q with its first unquoted part that is exactly part put in
// quotes: searched as typed, not read as a filter.
func quotePart(q, part string) string {
	fields := strings.Fields(q)
	for i, f := range fields {
		if f == part {
			fields[i] = "“" + part + "”"
			break
		}
	}
	return strings.Join(fields, " ")
}

// docPath is the path of a document's page; each segment of the doc_id
// escaped.
func docPath(docID string) string {
	segs := strings.Split(docID, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return "/d/" + strings.Join(segs, "/")
}

// documentPage is what a document's page shows.
type documentPage struct {
	Q, Error               string
	Title, Date, Publisher string
	Source                 string
	Tags, Categories       []string
	Sections               []pageSection
	Widget                 string
	// Script is the page's own script (its copy citation buttons).
	Script string
}

type pageSection struct {
	// Anchor is the section's permalink anchor (index.Reply.Anchors),
	// Num its number: #s3 links still land on it.
	Anchor, Num string
	// Cite is the section's citation in the API.
	Cite        string
	HeadingHTML string
	Paragraphs  []string
}

// documentPageHandler serves /d/{doc_id}: the document with its sections
// anchored (#s3), the query's words marked when ?q= is given.
func (h *handlers) documentPage(w http.ResponseWriter, r *http.Request) {
	page := &documentPage{Widget: "/widget.js?v=" + widgetVersion, Script: "/page.js?v=" + pageVersion}
	id, err := parseDocID(chi.URLParam(r, "*"))
	var in url.Values
	if err == nil {
		in, err = queryValues(r)
	}
	if err == nil {
		// The q of a link from the search page, checked as that page does.
		switch q := in.Get("q"); {
		case !utf8.ValidString(q):
			err = badParam("q", "is not valid UTF-8")
		case utf8.RuneCountInString(q) > index.MaxQueryLen:
			err = badParam("q", "is %d characters long, the limit is %d", utf8.RuneCountInString(q), index.MaxQueryLen)
		default:
			page.Q = q
		}
	}
	if err != nil {
		page.Error = err.Error()
		h.renderPage(w, r, http.StatusBadRequest, "document", page)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	doc, err := h.s.Document(ctx, id)
	if err != nil {
		status := http.StatusServiceUnavailable
		page.Error = "文件暂时无法打开，请稍后再试。"
		if errors.Is(err, index.ErrNotFound) {
			status, page.Error = http.StatusNotFound, "没有这份文件。"
		} else {
			h.log.Error("document page", "doc_id", id, "err", err)
		}
		h.renderPage(w, r, status, "document", page)
		return
	}
	hl := &index.Highlighter{}
	if hs, ok := h.s.(Highlighter); ok && page.Q != "" {
		hl = hs.Highlighter(page.Q)
	}
	page.Title, page.Tags, page.Categories = doc.Title, doc.Tags, doc.Categories
	if !doc.Date.IsZero() {
		page.Date = doc.Date.Format(time.DateOnly)
	}
	page.Publisher, _ = doc.Meta["publisher"].(string)
	if s, _ := doc.Meta["source"].(string); strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		page.Source = s
	}
	anchors := doc.Anchors()
	for i, s := range doc.Sections {
		ps := pageSection{Anchor: anchors[i], Num: "s" + strconv.Itoa(s.Num), Paragraphs: hl.Paragraphs(s.Text),
			Cite: "/v1/documents/" + url.PathEscape(doc.DocID) + "/sections/" + anchors[i] + "/cite"}
		if s.Heading != "" {
			ps.HeadingHTML = hl.Line(s.Heading)
		}
		page.Sections = append(page.Sections, ps)
	}
	h.renderPage(w, r, http.StatusOK, "document", page)
}

// embedPage is what /embed shows.
type embedPage struct {
	Origin, Widget, Snippet string
}

// embedPageHandler serves /embed: how to put the widget on a page, with a
// live example.
func (h *handlers) embedPage(w http.ResponseWriter, r *http.Request) {
	origin := h.origin(r)
	page := &embedPage{Origin: origin, Widget: "/widget.js?v=" + widgetVersion}
	page.Snippet = `<script src="` + origin + `/widget.js?v=` + widgetVersion + `" defer></script>
<govsearch-box endpoint="` + origin + `" placeholder="搜索政府答复"></govsearch-box>`
	h.renderPage(w, r, http.StatusOK, "embed", page)
}
