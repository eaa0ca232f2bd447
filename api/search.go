package api

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govsearch/govsearch/index"
)

// searchResponse is the body of GET /v1/search. Field names are the
// contract with API clients: add to them, never rename.
type searchResponse struct {
	Query string `json:"query"`
	// Total counts sections, or documents with collapse=doc.
	Total  uint64    `json:"total"`
	TookMS float64   `json:"took_ms"`
	Hits   []hitJSON `json:"hits"`
	// Facets is present when asked for: facet name to its top values.
	Facets map[string][]facetJSON `json:"facets,omitempty"`
	// Interpreted says how q was read, when dates, issuing bodies, kinds,
	// sessions or addressees were read out of it as filters (raw=1 turns
	// that off); absent otherwise.
	Interpreted *index.Interpretation `json:"interpreted,omitempty"`
}

type hitJSON struct {
	ID         string   `json:"id"`
	DocID      string   `json:"doc_id"`
	Section    int      `json:"section"`
	Title      string   `json:"title"`
	Heading    string   `json:"heading"`
	Date       *string  `json:"date"`
	Tags       []string `json:"tags"`
	Categories []string `json:"categories"`
	Publisher  string   `json:"publisher"`
	// Issuers are the bodies the publisher names: several for a document
	// issued jointly.
	Issuers []string `json:"issuers"`
	Source  string   `json:"source"`
	Score   float64  `json:"score"`
	Snippet string   `json:"snippet"`
	// Anchor is the section's permalink anchor: /d/{doc_id}#{anchor}
	// stays on this passage as long as its text does.
	Anchor string `json:"anchor"`
	// TitleHTML and HeadingHTML are escaped, with matches in <mark>.
	TitleHTML   string `json:"title_html"`
	HeadingHTML string `json:"heading_html"`
	// MoreSections is present with collapse=doc.
	MoreSections *int `json:"more_sections,omitempty"`
	// MatchedSections, with collapse=doc, are the sections that hold the
	// parts of q this hit's section lacks, for a document matched across
	// its sections; absent otherwise.
	MatchedSections []matchedSectionJSON `json:"matched_sections,omitempty"`
	// Reply is the document's reply data, present when it is a reply.
	Reply *index.ReplyInfo `json:"reply,omitempty"`
}

type matchedSectionJSON struct {
	Section int      `json:"section"`
	Heading string   `json:"heading"`
	Anchor  string   `json:"anchor"`
	Parts   []string `json:"parts"`
}

type facetJSON struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

func (h *handlers) search(w http.ResponseWriter, r *http.Request) {
	req, res, ok := h.runSearch(w, r, nil)
	if !ok {
		return
	}
	out := newSearchResponse(res, req.Collapse)
	tag := out
	tag.TookMS = 0
	writeCacheable(w, r, out, tag)
}

// runSearch parses a search's parameters, lets adjust change the request
// (given the parameters as sent), and runs it; when it fails it has
// answered the request.
func (h *handlers) runSearch(w http.ResponseWriter, r *http.Request, adjust func(url.Values, *index.SearchRequest)) (index.SearchRequest, *index.SearchResult, bool) {
	v, err := queryParams(r, searchParams)
	var req index.SearchRequest
	if err == nil {
		req, err = parseSearch(v)
	}
	if err != nil {
		h.writeError(w, r, err)
		return req, nil, false
	}
	if adjust != nil {
		adjust(v, &req)
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	start := time.Now()
	res, err := h.s.Search(ctx, req)
	h.metrics.search.Observe(time.Since(start).Seconds())
	if err != nil {
		h.writeError(w, r, err)
		return req, nil, false
	}
	return req, res, true
}

// EncodeSearch writes res as the JSON body GET /v1/search returns, for the
// command line's -json.
func EncodeSearch(w io.Writer, res *index.SearchResult) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(newSearchResponse(res, false))
}

func newSearchResponse(res *index.SearchResult, collapsed bool) searchResponse {
	out := searchResponse{
		Query:       res.Query,
		Total:       res.Total,
		TookMS:      float64(res.Took.Microseconds()) / 1000,
		Hits:        make([]hitJSON, 0, len(res.Hits)),
		Interpreted: res.Interpreted,
	}
	for _, hit := range res.Hits {
		out.Hits = append(out.Hits, hitJSON{
			ID:          hit.ID,
			DocID:       hit.DocID,
			Section:     hit.Section,
			Title:       hit.Title,
			Heading:     hit.Heading,
			Date:        formatDate(hit.Date),
			Tags:        nonNil(hit.Tags),
			Categories:  nonNil(hit.Categories),
			Publisher:   hit.Publisher,
			Issuers:     nonNil(hit.Issuers),
			Source:      hit.Source,
			Score:       hit.Score,
			Snippet:     hit.Snippet,
			Anchor:      hit.Anchor,
			TitleHTML:   hit.TitleHTML,
			HeadingHTML: hit.HeadingHTML,
			Reply:       hit.Reply,
		})
		if collapsed {
			n := hit.MoreSections
			out.Hits[len(out.Hits)-1].MoreSections = &n
		}
		for _, m := range hit.MatchedSections {
			h := &out.Hits[len(out.Hits)-1]
			h.MatchedSections = append(h.MatchedSections, matchedSectionJSON{m.Section, m.Heading, m.Anchor, m.Parts})
		}
	}
	if res.Facets != nil {
		out.Facets = map[string][]facetJSON{}
		for name, counts := range res.Facets {
			fs := make([]facetJSON, 0, len(counts))
			for _, c := range counts {
				fs = append(fs, facetJSON{c.Value, c.Count})
			}
			out.Facets[name] = fs
		}
	}
	return out
}

// searchParams are the parameters GET /v1/search takes, true for those
// given at most once; any other is an error, so that a misspelt filter is
// not silently ignored.
var searchParams = map[string]bool{
	"q": true, "from": true, "size": true, "sort": true, "collapse": true, "facets": true,
	"since": true, "until": true, "tag": false, "category": false, "publisher": false,
	"addressee": false, "ministry": false, "kind": false, "issuer": false, "term": true, "session": true, "proposal_no": true,
	"raw": true,
}

// maxQueryWords bounds the words of q, counted at white space as the
// index's parser splits it (OR and the words of quoted phrases count):
// each is a sub-query the index plans and runs, and 256 characters make
// 128 of them, which took 30 to 200 ms on the 12 test replies alone.
const maxQueryWords = 32

// maxFilterLen bounds one filter value, in characters.
const maxFilterLen = 100

// parseSearch validates the query string of a search (its parameter names
// checked by queryParams); each error names the parameter and its limit.
func parseSearch(v url.Values) (index.SearchRequest, error) {
	req := index.SearchRequest{Size: index.DefaultSize, Interpret: true}
	switch raw := v.Get("raw"); raw {
	case "", "0":
	case "1":
		req.Interpret = false
	default:
		return req, badParam("raw", "%q is not 1 (search q as typed) or 0", truncate(raw, 20))
	}
	q := v.Get("q")
	switch {
	case !utf8.ValidString(q):
		return req, badParam("q", "is not valid UTF-8")
	case utf8.RuneCountInString(q) > index.MaxQueryLen:
		return req, badParam("q", "is %d characters long, the limit is %d", utf8.RuneCountInString(q), index.MaxQueryLen)
	case len(strings.Fields(q)) > maxQueryWords:
		return req, badParam("q", "has %d words separated by spaces, the limit is %d", len(strings.Fields(q)), maxQueryWords)
	}
	req.Query = q
	var err error
	if req.From, err = intParam(v, "from", 0, 0, index.MaxWindow); err != nil {
		return req, err
	}
	if req.Size, err = intParam(v, "size", index.DefaultSize, 1, index.MaxSize); err != nil {
		return req, err
	}
	if req.From+req.Size > index.MaxWindow {
		return req, badParam("from", "from + size is %d, the limit is %d", req.From+req.Size, index.MaxWindow)
	}
	for _, f := range []struct {
		name string
		dst  *[]string
	}{{"tag", &req.Tags}, {"category", &req.Categories}, {"publisher", &req.Publishers},
		{"addressee", &req.Addressees}, {"ministry", &req.Ministries}, {"kind", &req.Kinds}, {"issuer", &req.Issuers}} {
		values := v[f.name]
		if len(values) > index.MaxFilterValues {
			return req, badParam(f.name, "is given %d times, the limit is %d", len(values), index.MaxFilterValues)
		}
		for _, s := range values {
			switch {
			case !utf8.ValidString(s):
				return req, badParam(f.name, "is not valid UTF-8")
			case strings.TrimSpace(s) == "":
				return req, badParam(f.name, "is empty")
			case utf8.RuneCountInString(s) > maxFilterLen:
				return req, badParam(f.name, "is %d characters long, the limit is %d", utf8.RuneCountInString(s), maxFilterLen)
			}
			*f.dst = append(*f.dst, s)
		}
	}
	if req.Term, err = intParam(v, "term", 0, 1, 99); err != nil {
		return req, err
	}
	if req.Session, err = intParam(v, "session", 0, 1, 99); err != nil {
		return req, err
	}
	if req.ProposalNo, err = intParam(v, "proposal_no", 0, 1, 1<<30); err != nil {
		return req, err
	}
	if req.Since, err = dateParam(v, "since"); err != nil {
		return req, err
	}
	if req.Until, err = dateParam(v, "until"); err != nil {
		return req, err
	}
	if !req.Since.IsZero() && !req.Until.IsZero() && req.Until.Before(req.Since) {
		return req, badParam("until", "%s is before since, %s", v.Get("until"), v.Get("since"))
	}
	switch s := index.Sort(v.Get("sort")); {
	case s == "":
	case slices.Contains(index.Sorts, s):
		req.Sort = s
	default:
		return req, badParam("sort", "%q is not one of relevance, date, -date", truncate(string(s), 20))
	}
	switch c := v.Get("collapse"); c {
	case "":
	case "doc":
		req.Collapse = true
	default:
		return req, badParam("collapse", "%q is not doc, the one value it takes", truncate(c, 20))
	}
	if f := v.Get("facets"); f != "" {
		for name := range strings.SplitSeq(f, ",") {
			name = strings.TrimSpace(name)
			if !slices.Contains(index.Facets, name) {
				return req, badParam("facets", "%q is not one of %s", truncate(name, 20), strings.Join(index.Facets, ", "))
			}
			if !slices.Contains(req.Facets, name) {
				req.Facets = append(req.Facets, name)
			}
		}
	}
	return req, nil
}

// queryParams parses the request's query string and checks its names
// against params (name → given at most once): an unknown parameter or a
// single one given twice is a 400 naming it, the first in sorted order.
func queryParams(r *http.Request, params map[string]bool) (url.Values, error) {
	v, err := queryValues(r)
	if err != nil {
		return nil, err
	}
	for _, name := range slices.Sorted(maps.Keys(v)) {
		single, known := params[name]
		switch {
		case !known && name == "":
			return nil, errorf(http.StatusBadRequest, "invalid_parameter", "the query string has a value with no parameter name (=%s)",
				truncate(strings.ToValidUTF8(v[name][0], "?"), 20))
		case !known:
			return nil, badParam(truncate(strings.ToValidUTF8(name, "?"), 40), "is not a parameter of this route")
		case single && len(v[name]) > 1:
			return nil, badParam(name, "is given %d times; give it once", len(v[name]))
		}
	}
	return v, nil
}

// queryValues parses the request's query string. Unlike URL.Query, it
// rejects a malformed escape, naming the parameter, rather than drop the
// pair silently and search for something else than was asked.
func queryValues(r *http.Request) (url.Values, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err == nil {
		return v, nil
	}
	for pair := range strings.SplitSeq(r.URL.RawQuery, "&") {
		key, value, _ := strings.Cut(pair, "=")
		k, kerr := url.QueryUnescape(key)
		if kerr != nil {
			k = key
		}
		name := truncate(strings.ToValidUTF8(k, "?"), 40)
		if _, verr := url.QueryUnescape(value); kerr != nil || verr != nil {
			return nil, badParam(name, "has a malformed %%-escape")
		}
		// url.ParseQuery refuses ; which once separated pairs too.
		if strings.Contains(pair, ";") {
			return nil, badParam(name, "holds a semicolon; escape it as %%3B")
		}
	}
	return nil, badParam("query string", "is malformed: %v", err)
}

// dateParam reads a YYYY-MM-DD parameter; zero when absent.
func dateParam(v url.Values, name string) (time.Time, error) {
	s := v.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Year() < 1000 {
		return time.Time{}, badParam(name, "%q is not a date of the form YYYY-MM-DD", truncate(s, 20))
	}
	if err := index.DateInRange(t); err != nil {
		return time.Time{}, badParam(name, "%v", err)
	}
	return t, nil
}

// intParam reads an integer parameter within [lo, hi].
func intParam(v url.Values, name string, def, lo, hi int) (int, error) {
	s := v.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, badParam(name, "%q is not a whole number", truncate(s, 20))
	}
	if n < lo || n > hi {
		return 0, badParam(name, "%d is out of range: it must be from %d to %d", n, lo, hi)
	}
	return n, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// formatDate renders a date as RFC 3339, or null when the document has none.
func formatDate(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.Format(time.RFC3339)
	return &s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
