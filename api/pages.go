package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
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
//go:embed web/widget.js web/page.js web/pages.html web/favicon.ico
var web embed.FS

var (
	widgetJS      = mustRead("web/widget.js")
	widgetVersion = func() string { s := sha256.Sum256(widgetJS); return hex.EncodeToString(s[:6]) }()
	// pageJS is the document page's script: its "copy citation" buttons.
	pageJS      = mustRead("web/page.js")
	pageVersion = func() string { s := sha256.Sum256(pageJS); return hex.EncodeToString(s[:6]) }()
	// faviconICO is the pages' icon: a magnifier on the accent red, as
	// PNG images of 16, 32 and 48 pixels in an ICO file.
	faviconICO     = mustRead("web/favicon.ico")
	faviconVersion = func() string { s := sha256.Sum256(faviconICO); return hex.EncodeToString(s[:6]) }()
	pages          = template.Must(template.New("pages.html").Funcs(template.FuncMap{
		// marked is for the index's escaped, marked fields only: the
		// snippets, title_html and heading_html, whose only tags are
		// <mark>.
		"marked": func(s string) template.HTML { return template.HTML(s) },
		// head is what the pages' common head shows: the title, the
		// description, and the feed of the search on the page, if any.
		"head": func(title, description, feed string) pageHead { return pageHead{title, description, feed, false} },
		// searchHead is head for the search page, whose heading is the
		// site's name in the header.
		"searchHead": func(title, description, feed string) pageHead { return pageHead{title, description, feed, true} },
		// favicon is the icon's path, of this version.
		"favicon": func() string { return "/favicon.ico?v=" + faviconVersion },
	}).ParseFS(web, "web/pages.html"))
)

// pageHead is the data of the pages' common head: H1 makes the site's
// name in the header the page's heading (the search page has no other).
type pageHead struct {
	Title, Description, Feed string
	H1                       bool
}

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

// favicon serves /favicon.ico, which browsers ask for on every page.
func (h *handlers) favicon(w http.ResponseWriter, r *http.Request) {
	serveAsset(w, r, faviconICO, faviconVersion, "image/vnd.microsoft.icon")
}

// serveScript serves an embedded script of the given version.
func serveScript(w http.ResponseWriter, r *http.Request, js []byte, version string) {
	serveAsset(w, r, js, version, "text/javascript; charset=utf-8")
}

// serveAsset serves an embedded file of the given version: with ?v= that
// version, cacheable for a year, else for an hour, revalidated by its ETag.
func serveAsset(w http.ResponseWriter, r *http.Request, b []byte, version, contentType string) {
	etag := `"` + version + `"`
	hd := w.Header()
	hd.Set("ETag", etag)
	if r.URL.Query().Get("v") == version {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hd.Set("Cache-Control", "public, max-age=3600")
	}
	hd.Set("Access-Control-Allow-Origin", "*") // a file anyone may load
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", contentType)
	hd.Set("X-Content-Type-Options", "nosniff")
	w.Write(b)
}

// searchPage is what the search page shows.
type searchPage struct {
	Q, Error string
	Total    uint64
	Took     string
	Hits     []pageHit
	Filters  []pageLink // the filters in force, each a link that removes it
	// Readings are the parts of q read as what they name (see
	// index.Interpret), which rank the documents they hold for first;
	// Raw searches all of q as typed.
	Readings []pageReading
	Raw      string
	// Feed is the Atom feed of this search.
	Feed       string
	Facets     []pageFacet
	Prev, Next string
	Pages      []pageLink
	Widget     string
}

// pageReading is a part of q read as what it names, offered both ways:
// Only applies the reading as a strict filter and drops the part from q
// (只看), AsTyped searches the part as typed (✕).
type pageReading struct {
	Text, Label, What string
	Only, AsTyped     string
}

type pageHit struct {
	Href, DocHref                   string
	TitleHTML, HeadingHTML, Snippet string
	Date, Publisher, Source         string
	MoreSections                    int
	// Matched are the sections that hold the words the hit's section
	// lacks, for a document matched across its sections.
	Matched []pageMatch
}

// pageMatch is a link to a section of a hit's document and the parts of
// the query it holds.
type pageMatch struct {
	Href, Label, Parts string
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

// pageFilters are the search page's filters offered with facets: each
// maps to the API's parameter, but year, which becomes since and until.
var pageFilters = []struct{ param, label, facet string }{
	{"tag", "标签", index.FacetTags},
	{"category", "分类", index.FacetCategories},
	{"year", "年份", index.FacetYear},
}

// strictFilters are the search page's filters that a reading's 只看
// applies, the API's parameters of the same names; a filter of two
// parameters (since and until, term and session) is shown as one.
var strictFilters = []struct {
	params []string
	label  string
}{
	{[]string{"issuer"}, "发文机关"},
	{[]string{"kind"}, "类型"},
	{[]string{"addressee"}, "答复对象"},
	{[]string{"since", "until"}, "日期"},
	{[]string{"term", "session"}, "届次"},
}

// readingLabels name what a reading was read as.
var readingLabels = map[string]string{index.FilterDate: "日期", index.FilterIssuer: "发文机关", index.FilterKind: "类型",
	index.FilterSession: "届次", index.FilterAddressee: "答复对象"}

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
	for _, k := range []string{"q", "tag", "category", "raw", "issuer", "kind", "addressee", "since", "until", "term", "session"} {
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
	page.Total, page.Took = res.Total, took(res.Took)
	feed := url.Values{}
	for _, k := range []string{"q", "tag", "category", "since", "until", "raw", "issuer", "kind", "addressee", "term", "session"} {
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
		for _, m := range hit.MatchedSections {
			label := m.Heading
			if label == "" {
				label = fmt.Sprintf("第 %d 节", m.Section+1)
			}
			ph.Matched = append(ph.Matched, pageMatch{Href: doc + "?q=" + url.QueryEscape(page.Q) + "#" + m.Anchor, Label: label, Parts: strings.Join(m.Parts, "、")})
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
	// link is the page's URL with parameters changed, given as name and
	// value pairs ("" removes it); changing a filter goes back to page 1.
	link := func(changes ...string) string {
		out := url.Values{}
		for k, vals := range in {
			if k != "page" {
				out[k] = vals
			}
		}
		for i := 0; i+1 < len(changes); i += 2 {
			if changes[i+1] == "" {
				out.Del(changes[i])
			} else {
				out.Set(changes[i], changes[i+1])
			}
		}
		return "/?" + out.Encode()
	}
	if res.Interpreted != nil {
		page.Readings = readingChips(res.Interpreted.Readings, page.Q, link)
		page.Raw = link("raw", "1")
	}
	page.Filters = strictInForce(in, link)
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

// readingChips are the search page's chips of the readings of q, each
// with its 只看 and ✕ links made by link (name and value pairs).
func readingChips(readings []index.Reading, q string, link func(changes ...string) string) []pageReading {
	var chips []pageReading
	for _, rd := range readings {
		c := pageReading{Text: rd.Text, What: readingLabels[rd.Filter] + "：" + readingValue(rd), AsTyped: link("q", quotePart(q, rd.Text))}
		c.Label = rd.Text + " → " + c.What
		if params := strictParams(rd); params != nil {
			c.Only = link(append(params, "q", dropPart(q, rd.Text))...)
		}
		chips = append(chips, c)
	}
	return chips
}

// strictInForce are the strict filters the page's parameters in apply,
// each a link (made by link) that removes it.
func strictInForce(in url.Values, link func(changes ...string) string) []pageLink {
	var filters []pageLink
	for _, f := range strictFilters {
		var given bool
		var remove []string
		for _, p := range f.params {
			given = given || in.Get(p) != ""
			remove = append(remove, p, "")
		}
		if given {
			filters = append(filters, pageLink{Label: f.label + "：" + strictValue(f.params[0], in), Href: link(remove...)})
		}
	}
	return filters
}

// took is how the search page shows how long a search took: in whole
// milliseconds, less than one as <1 ms.
func took(d time.Duration) string {
	if d < time.Millisecond {
		return "<1 ms"
	}
	return strconv.FormatInt(d.Round(time.Millisecond).Milliseconds(), 10) + " ms"
}

// strictParams are the search page's parameters that apply a reading as
// a strict filter, as name and value pairs ("" removes one), or nil for a
// reading the page cannot apply.
func strictParams(rd index.Reading) []string {
	f := rd.AsFilter()
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	switch {
	case !f.Since.IsZero() || !f.Until.IsZero():
		return []string{"since", day(f.Since), "until", day(f.Until), "year", ""}
	case len(f.Issuers) > 0:
		return []string{"issuer", f.Issuers[0]}
	case len(f.Kinds) > 0:
		return []string{"kind", f.Kinds[0]}
	case len(f.Addressees) > 0:
		return []string{"addressee", f.Addressees[0]}
	case f.Term > 0:
		session := ""
		if f.Session > 0 {
			session = strconv.Itoa(f.Session)
		}
		return []string{"term", strconv.Itoa(f.Term), "session", session}
	}
	return nil
}

// strictValue is how the search page shows a strict filter in force,
// named by its first parameter.
func strictValue(param string, in url.Values) string {
	switch param {
	case "since":
		return readingValue(index.Reading{Filter: index.FilterDate, Value: in.Get("since") + ".." + in.Get("until")})
	case "term":
		if s := in.Get("session"); s != "" {
			return in.Get("term") + "届" + s + "次"
		}
		return in.Get("term") + "届"
	}
	return strings.Join(in[param], "、")
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

// dropPart is q without its first unquoted part that is exactly part: the
// part applied as a filter instead (只看).
func dropPart(q, part string) string {
	fields := strings.Fields(q)
	for i, f := range fields {
		if f == part {
			return strings.Join(slices.Delete(fields, i, i+1), " ")
		}
	}
	return q
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
	// NoOrigin says the service's address is not configured (serve
	// -public-url), so the snippet shows a placeholder.
	NoOrigin bool
}

// embedPageHandler serves /embed: how to put the widget on a page, with a
// live example.
func (h *handlers) embedPage(w http.ResponseWriter, r *http.Request) {
	origin := h.origin(r)
	page := &embedPage{Origin: origin, Widget: "/widget.js?v=" + widgetVersion}
	// Without a public origin the snippet names none: the Host of one
	// request must not reach every newsroom that copies the page.
	site := origin
	if site == "" {
		site, page.NoOrigin = "https://搜索服务的地址", true
	}
	page.Snippet = `<script src="` + site + `/widget.js?v=` + widgetVersion + `" defer></script>
<govsearch-box endpoint="` + site + `" placeholder="搜索政府答复"></govsearch-box>`
	h.renderPage(w, r, http.StatusOK, "embed", page)
}
