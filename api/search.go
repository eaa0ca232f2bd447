package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/govsearch/govsearch/index"
)

// searchResponse is the body of GET /v1/search. Field names are the
// contract with API clients: add to them, never rename.
type searchResponse struct {
	Query  string    `json:"query"`
	Total  uint64    `json:"total"`
	TookMS float64   `json:"took_ms"`
	Hits   []hitJSON `json:"hits"`
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
	Score      float64  `json:"score"`
	Snippet    string   `json:"snippet"`
}

func (h *handlers) search(w http.ResponseWriter, r *http.Request) {
	req, err := parseSearch(r.URL.Query())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	res, err := h.s.Search(ctx, req)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newSearchResponse(res))
}

// EncodeSearch writes res as the JSON body GET /v1/search returns, for the
// command line's -json.
func EncodeSearch(w io.Writer, res *index.SearchResult) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(newSearchResponse(res))
}

func newSearchResponse(res *index.SearchResult) searchResponse {
	out := searchResponse{
		Query:  res.Query,
		Total:  res.Total,
		TookMS: float64(res.Took.Microseconds()) / 1000,
		Hits:   make([]hitJSON, 0, len(res.Hits)),
	}
	for _, hit := range res.Hits {
		out.Hits = append(out.Hits, hitJSON{
			ID:         hit.ID,
			DocID:      hit.DocID,
			Section:    hit.Section,
			Title:      hit.Title,
			Heading:    hit.Heading,
			Date:       formatDate(hit.Date),
			Tags:       nonNil(hit.Tags),
			Categories: nonNil(hit.Categories),
			Score:      hit.Score,
			Snippet:    hit.Snippet,
		})
	}
	return out
}

// parseSearch validates the query string of a search; each error names the
// parameter and its limit.
func parseSearch(v url.Values) (index.SearchRequest, error) {
	req := index.SearchRequest{Size: index.DefaultSize}
	q := v.Get("q")
	switch {
	case !utf8.ValidString(q):
		return req, badParam("q", "is not valid UTF-8")
	case utf8.RuneCountInString(q) > index.MaxQueryLen:
		return req, badParam("q", "is %d characters long, the limit is %d", utf8.RuneCountInString(q), index.MaxQueryLen)
	case q == "":
		return req, badParam("q", "is required")
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
	return req, nil
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
