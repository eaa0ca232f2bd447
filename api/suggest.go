package api

import (
	"context"
	"net/http"
	"unicode/utf8"

	"github.com/govsearch/govsearch/index"
)

// suggestResponse is the body of GET /v1/suggest.
type suggestResponse struct {
	Query       string           `json:"query"`
	Suggestions []suggestionJSON `json:"suggestions"`
}

type suggestionJSON struct {
	Text  string `json:"text"`
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}

// suggest completes what a reader is typing: GET /v1/suggest?q=工业互.
func (h *handlers) suggest(w http.ResponseWriter, r *http.Request) {
	v, err := queryParams(r, map[string]bool{"q": true, "size": true})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	q := v.Get("q")
	switch {
	case !utf8.ValidString(q):
		h.writeError(w, r, badParam("q", "is not valid UTF-8"))
		return
	case utf8.RuneCountInString(q) > index.MaxSuggestLen:
		h.writeError(w, r, badParam("q", "is %d characters long, the limit is %d", utf8.RuneCountInString(q), index.MaxSuggestLen))
		return
	}
	size, err := intParam(v, "size", index.SuggestSize, 1, index.SuggestSize)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	sugg, err := h.s.Suggest(ctx, q, size)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := suggestResponse{Query: q, Suggestions: make([]suggestionJSON, 0, len(sugg))}
	for _, s := range sugg {
		out.Suggestions = append(out.Suggestions, suggestionJSON{s.Text, s.Kind, s.Count})
	}
	writeCacheable(w, r, out, out)
}
