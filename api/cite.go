package api

import (
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
)

// cite serves GET /v1/documents/{doc_id}/sections/{n}/cite: section n
// (its number, or its anchor from a permalink) cited the ways a newsroom
// does, with its text and its permalink.
func (h *handlers) cite(w http.ResponseWriter, r *http.Request) {
	ref := chi.URLParam(r, "n")
	if len(ref) > 40 {
		h.writeError(w, r, badParam("n", "is %d bytes long; a section is a number or an anchor such as s-1a2b3c4d", len(ref)))
		return
	}
	doc, ok := h.loadDocument(w, r)
	if !ok {
		return
	}
	n := doc.SectionRef(ref)
	if n < 0 {
		h.writeError(w, r, errorf(http.StatusNotFound, "not_found", "%s has no section %q: give its number, 0 to %d, or its anchor", doc.DocID, truncate(ref, 40), len(doc.Sections)-1))
		return
	}
	url := h.origin(r) + docPath(doc.DocID) + "#" + doc.Anchors()[n]
	c, err := doc.Cite(n, url, time.Now())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeCacheable(w, r, c, c)
}

// origin is the scheme and host the service's absolute links are made
// of: the configured public URL, else the request's Host when it is one
// of the public hosts or a loopback name, else "" (links stay relative).
func (h *handlers) origin(r *http.Request) string {
	if h.publicURL != "" {
		return h.publicURL
	}
	host := strings.ToLower(r.Host)
	name := host
	if n, _, err := net.SplitHostPort(host); err == nil {
		name = n
	}
	name = strings.Trim(name, "[]")
	if !h.publicHosts[host] && !h.publicHosts[name] && name != "localhost" && !isLoopback(name) {
		return ""
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// isLoopback says whether name is a loopback address (127.0.0.0/8, ::1).
func isLoopback(name string) bool {
	ip := net.ParseIP(name)
	return ip != nil && ip.IsLoopback()
}
