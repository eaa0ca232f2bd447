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
//go:embed web/widget.js web/pages.html
var web embed.FS

var (
	widgetJS      = mustRead("web/widget.js")
	widgetVersion = func() string { s := sha256.Sum256(widgetJS); return hex.EncodeToString(s[:6]) }()
	pages         = template.Must(template.New("pages.html").Funcs(template.FuncMap{
		// marked is for the index's escaped, marked fields only: the
		// snippets, title_html and heading_html, whose only tags are
		// <mark>.
		"marked": func(s string) template.HTML { return template.HTML(s) },
	}).ParseFS(web, "web/pages.html"))
)

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
	etag := `"` + widgetVersion + `"`
	hd := w.Header()
	hd.Set("ETag", etag)
	if r.URL.Query().Get("v") == widgetVersion {
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
	w.Write(widgetJS)
}

// searchPage is what the search page shows.
type searchPage struct {
	Q, Error   string
	Total      uint64
	Took       string
	Hits       []pageHit
	Filters    []pageLink // the filters in force, each a link that removes it
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
	for _, k := range []string{"q", "tag", "category"} {
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
	for _, hit := range res.Hits {
		doc := docPath(hit.DocID)
		ph := pageHit{
			Href: doc + "?q=" + url.QueryEscape(page.Q) + "#s" + strconv.Itoa(hit.Section), DocHref: doc,
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
}

type pageSection struct {
	Anchor      string
	HeadingHTML string
	Paragraphs  []string
}

// documentPageHandler serves /d/{doc_id}: the document with its sections
// anchored (#s3), the query's words marked when ?q= is given.
func (h *handlers) documentPage(w http.ResponseWriter, r *http.Request) {
	page := &documentPage{Widget: "/widget.js?v=" + widgetVersion}
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
	for _, s := range doc.Sections {
		ps := pageSection{Anchor: "s" + strconv.Itoa(s.Num), Paragraphs: hl.Paragraphs(s.Text)}
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
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	origin := scheme + "://" + r.Host
	page := &embedPage{Origin: origin, Widget: "/widget.js?v=" + widgetVersion}
	page.Snippet = `<script src="` + origin + `/widget.js?v=` + widgetVersion + `" defer></script>
<govsearch-box endpoint="` + origin + `" placeholder="搜索政府答复"></govsearch-box>`
	h.renderPage(w, r, http.StatusOK, "embed", page)
}
