package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/govsearch/govsearch/index"
)

// Saved searches as feeds: GET /v1/search.atom takes every parameter of
// GET /v1/search and answers an Atom 1.0 feed (RFC 4287) of the matching
// documents, newest first, one entry per document with its best section.
// A feed reader polls it; ETag and Last-Modified let it poll cheaply.

// feedSize is how many documents a feed holds unless size says otherwise.
const feedSize = 20

// atomFeed is an Atom feed document. Text constructs are type="text"
// unless said otherwise, so encoding/xml's escaping is all the escaping
// there is: a document's title can never become markup in a reader.
type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Subtitle  string      `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Links     []atomLink  `xml:"link"`
	Entries   []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Authors    []atomPerson   `xml:"author,omitempty"`
	Links      []atomLink     `xml:"link"`
	Categories []atomCategory `xml:"category,omitempty"`
	Summary    atomText       `xml:"summary"`
}

// feed serves GET /v1/search.atom.
func (h *handlers) feed(w http.ResponseWriter, r *http.Request) {
	var v url.Values
	_, res, ok := h.runSearch(w, r, func(params url.Values, req *index.SearchRequest) {
		v = params
		// A feed is documents, newest first, unless asked otherwise.
		req.Collapse = true
		if v.Get("sort") == "" {
			req.Sort = index.SortDateDesc
		}
		if v.Get("size") == "" {
			req.Size = feedSize
		}
	})
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	st, err := h.s.Stats(ctx)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	origin := h.origin(r)
	feed, updated := newFeed(res, v, origin, st.BuiltAt)

	var body bytes.Buffer
	body.WriteString(xml.Header)
	enc := xml.NewEncoder(&body)
	enc.Indent("", "  ")
	if err := enc.Encode(feed); err != nil {
		h.writeError(w, r, err)
		return
	}
	sum := sha256.Sum256(body.Bytes())
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	hd := w.Header()
	hd.Set("ETag", etag)
	hd.Set("Last-Modified", updated.UTC().Format(http.TimeFormat))
	hd.Set("Cache-Control", "public, max-age=300")
	if notModified(r, etag, updated) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", "application/atom+xml; charset=utf-8")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write(body.Bytes())
}

// notModified answers a conditional GET: If-None-Match decides when it is
// given (RFC 9110 13.2.2), else If-Modified-Since, to the second.
func notModified(r *http.Request, etag string, updated time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		return etagMatches(inm, etag)
	}
	since, err := http.ParseTime(r.Header.Get("If-Modified-Since"))
	return err == nil && !updated.Truncate(time.Second).After(since)
}

// newFeed builds the feed of a collapsed search: one entry per document,
// its best section linked and summarized. Its id is the canonical URL of
// the search (parameters sorted), so the same saved search is the same
// feed wherever its link was copied from. updated is the newest entry's
// date, or the index's build time for a feed of undated or no documents.
func newFeed(res *index.SearchResult, v url.Values, origin string, builtAt time.Time) (atomFeed, time.Time) {
	canonical := v.Encode()
	q := strings.TrimSpace(v.Get("q"))
	title := "govsearch"
	if q != "" {
		title = "govsearch: " + q
	}
	if builtAt.IsZero() {
		builtAt = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	// Ids must be absolute IRIs; without a public origin the links are
	// relative (to the feed's own URL) and the ids name the same paths
	// under govsearch's own URN.
	idBase := origin
	if idBase == "" {
		idBase = "urn:govsearch:"
	}
	feed := atomFeed{
		ID:        idBase + "/v1/search.atom?" + canonical,
		Title:     title,
		Subtitle:  fmt.Sprintf("%d documents match; newest first", res.Total),
		Author:    atomPerson{Name: "govsearch"},
		Generator: "govsearch",
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: origin + "/v1/search.atom?" + canonical},
			{Rel: "alternate", Type: "text/html", Href: origin + "/?" + canonical},
		},
	}
	var updated time.Time
	for _, hit := range res.Hits {
		date := hit.Date
		if date.IsZero() {
			date = builtAt
		}
		if date.After(updated) {
			updated = date
		}
		link := origin + docPath(hit.DocID)
		if q != "" {
			link += "?q=" + url.QueryEscape(q)
		}
		link += "#" + hit.Anchor
		summary := ""
		if hit.Heading != "" {
			summary = "<p><strong>" + hit.HeadingHTML + "</strong></p>"
		}
		summary += "<p>" + hit.Snippet + "</p>"
		e := atomEntry{
			ID:      idBase + docPath(hit.DocID),
			Title:   hit.Title,
			Updated: date.Format(time.RFC3339),
			Links:   []atomLink{{Rel: "alternate", Type: "text/html", Href: link}},
			Summary: atomText{Type: "html", Body: summary},
		}
		if !hit.Date.IsZero() {
			e.Published = hit.Date.Format(time.RFC3339)
		}
		// Each body of a jointly issued document is an author.
		issuers := hit.Issuers
		if hit.Reply != nil && hit.Reply.Ministry != "" {
			issuers = []string{hit.Reply.Ministry}
		}
		for _, name := range issuers {
			e.Authors = append(e.Authors, atomPerson{Name: name})
		}
		for _, t := range hit.Tags {
			e.Categories = append(e.Categories, atomCategory{Term: t})
		}
		feed.Entries = append(feed.Entries, e)
	}
	if updated.IsZero() {
		updated = builtAt
	}
	feed.Updated = updated.Format(time.RFC3339)
	return feed, updated
}
