package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/govsearch/govsearch/index"
)

// documentResponse is the body of GET /v1/documents/{doc_id}.
type documentResponse struct {
	DocID       string         `json:"doc_id"`
	Title       string         `json:"title"`
	Date        *string        `json:"date"`
	Tags        []string       `json:"tags"`
	Categories  []string       `json:"categories"`
	Source      string         `json:"source,omitempty"`
	FrontMatter map[string]any `json:"front_matter"`
	Sections    []sectionJSON  `json:"sections"`
	// Reply is the document's reply data, present when it is a reply.
	Reply *index.ReplyInfo `json:"reply,omitempty"`
}

type sectionJSON struct {
	Section int    `json:"section"`
	Heading string `json:"heading"`
	Text    string `json:"text"`
	// Anchor is the section's permalink anchor (index.Reply.Anchors).
	Anchor string `json:"anchor"`
}

func (h *handlers) document(w http.ResponseWriter, r *http.Request) {
	doc, ok := h.loadDocument(w, r)
	if !ok {
		return
	}
	fm := map[string]any{"title": doc.Title, "tags": nonNil(doc.Tags), "categories": nonNil(doc.Categories)}
	if d := formatDate(doc.Date); d != nil {
		fm["date"] = *d
	}
	for k, v := range doc.Meta {
		fm[k] = v
	}
	source, _ := doc.Meta["source"].(string)
	out := documentResponse{
		DocID:       doc.DocID,
		Title:       doc.Title,
		Date:        formatDate(doc.Date),
		Tags:        nonNil(doc.Tags),
		Categories:  nonNil(doc.Categories),
		Source:      source,
		FrontMatter: fm,
		Sections:    make([]sectionJSON, 0, len(doc.Sections)),
	}
	anchors := doc.Anchors()
	for i, s := range doc.Sections {
		out.Sections = append(out.Sections, sectionJSON{Section: s.Num, Heading: s.Heading, Text: s.Text, Anchor: anchors[i]})
	}
	if !doc.Info.IsZero() {
		out.Reply = &doc.Info
	}
	writeCacheable(w, r, out, out)
}

// loadDocument fetches the document a /v1/documents/{doc_id} route names,
// refusing parameters the route does not take (like every /v1 route);
// when it fails it has answered the request.
func (h *handlers) loadDocument(w http.ResponseWriter, r *http.Request) (*index.Reply, bool) {
	id, err := docIDParam(r)
	if err == nil {
		_, err = queryParams(r, nil)
	}
	if err != nil {
		h.writeError(w, r, err)
		return nil, false
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	doc, err := h.s.Document(ctx, id)
	if err != nil {
		h.writeError(w, r, err)
		return nil, false
	}
	return doc, true
}

// docIDParam reads the doc_id path parameter. Ids are relative paths, so
// they may hold slashes, which clients send escaped as %2F; path tricks
// (.., absolute paths, backslashes, NUL) are refused outright.
func docIDParam(r *http.Request) (string, error) {
	return parseDocID(chi.URLParam(r, "doc_id"))
}

// parseDocID unescapes and checks a doc_id from a URL path.
func parseDocID(raw string) (string, error) {
	id, err := url.PathUnescape(raw)
	if err != nil {
		return "", badParam("doc_id", "is not a valid escaped path segment")
	}
	switch {
	case id == "" || !utf8.ValidString(id):
		return "", badParam("doc_id", "is empty or not valid UTF-8")
	case len(id) > 512:
		return "", badParam("doc_id", "is longer than 512 bytes")
	case strings.HasPrefix(id, "/") || strings.ContainsAny(id, "\\\x00"):
		return "", badParam("doc_id", "must be a relative path with forward slashes")
	}
	for _, seg := range strings.Split(id, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", badParam("doc_id", "must not contain empty, . or .. segments")
		}
	}
	return id, nil
}

// relatedResponse is the body of GET /v1/documents/{doc_id}/related.
type relatedResponse struct {
	DocID    string   `json:"doc_id"`
	Keywords []string `json:"keywords"`
	// Related are other documents, each as its best matching section.
	Related []hitJSON `json:"related"`
}

func (h *handlers) related(w http.ResponseWriter, r *http.Request) {
	id, err := docIDParam(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if _, err := queryParams(r, nil); err != nil {
		h.writeError(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	rel, err := h.s.Related(ctx, id)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	hits := newSearchResponse(&index.SearchResult{Hits: rel.Hits}, false).Hits
	out := relatedResponse{DocID: id, Keywords: nonNil(rel.Keywords), Related: hits}
	writeCacheable(w, r, out, out)
}
