package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/govsearch/govsearch/index"
)

// DocumentWriter is what the admin routes need of an index; *index.Live
// implements it, keeping each write in the index folder's journal so that
// later builds do not undo it, and refusing a write it cannot make
// durable (index.ErrNoSpace on a full disk) with nothing changed.
type DocumentWriter interface {
	Put(ctx context.Context, r *index.Reply) (created bool, err error)
	Delete(ctx context.Context, docID string) error
}

var _ DocumentWriter = (*index.Live)(nil)

// maxDocumentBytes bounds a document sent to PUT /v1/documents/{doc_id}.
const maxDocumentBytes = 16 << 20

// adminAuth lets through requests bearing the admin token: 401 without
// one, 403 with a wrong one. Tokens are compared in constant time. The
// right token is never refused, whatever wrong ones came before from the
// same address (a proxy's, a newsroom's NAT) or from others; wrong ones
// are slowed instead (see tokenGuard).
func (h *handlers) adminAuth(token string, wait time.Duration) func(http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	guard := newTokenGuard(wait)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || got == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="govsearch admin"`)
				writeJSON(w, http.StatusUnauthorized, errorBody("unauthorized", "this route needs Authorization: Bearer <admin token>"))
				return
			}
			sum := sha256.Sum256([]byte(got))
			if subtle.ConstantTimeCompare(sum[:], want[:]) == 1 {
				next.ServeHTTP(w, r)
				return
			}
			client := clientIP(r)
			h.log.Warn("wrong admin token", "request_id", requestID(r), "client", client, "path", r.URL.Path)
			if retry := guard.wrong(r.Context(), client); retry > 0 {
				writeTooMany(w, retry, "too many wrong admin tokens")
				return
			}
			writeJSON(w, http.StatusForbidden, errorBody("forbidden", "the admin token is wrong"))
		})
	}
}

// tokenGuard slows the guessing of the admin token. Each client may send
// a few wrong tokens, and all clients together a few dozen; past either
// allowance a wrong token is answered 429 only after a wait, so that a
// guesser gets few answers a second however many addresses it uses (the
// connection limit bounds how many wait at once). It never looks at the
// right token, which is let through before.
type tokenGuard struct {
	perClient *rateLimiter
	total     *rate.Limiter
	wait      time.Duration
}

func newTokenGuard(wait time.Duration) *tokenGuard {
	if wait <= 0 {
		wait = 2 * time.Second
	}
	return &tokenGuard{perClient: newRateLimiter(0.1, 5), total: rate.NewLimiter(1, 50), wait: wait}
}

// wrong counts a wrong token from client and says, when it is past an
// allowance, how long the client should wait before the next try; such an
// answer is held for the guard's wait first.
func (g *tokenGuard) wrong(ctx context.Context, client string) time.Duration {
	now := time.Now()
	ok, retry := g.perClient.allow(client, now)
	if ok {
		r := g.total.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			r.CancelAt(now)
			retry = d
		}
	}
	if retry <= 0 {
		return 0
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return retry
}

// putResponse is the body of PUT /v1/documents/{doc_id}.
type putResponse struct {
	DocID    string `json:"doc_id"`
	Created  bool   `json:"created"`
	Sections int    `json:"sections"`
}

// putDocument adds or replaces one document from a Markdown body (front
// matter and text, as in the source folder).
func (h *handlers) putDocument(dw DocumentWriter) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := docIDParam(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		if r.ContentLength > maxDocumentBytes {
			h.writeError(w, r, errorf(http.StatusRequestEntityTooLarge, "body_too_large", "the document is %d bytes, the limit is %d", r.ContentLength, maxDocumentBytes))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxDocumentBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				h.writeError(w, r, errorf(http.StatusRequestEntityTooLarge, "body_too_large", "the document is more than %d bytes", maxDocumentBytes))
				return
			}
			// The error's text names the server's address; the log has it.
			h.log.Warn("read document body", "request_id", requestID(r), "err", err)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				h.writeError(w, r, errorf(http.StatusRequestTimeout, "request_timeout", "the document did not arrive within the server's read timeout"))
				return
			}
			h.writeError(w, r, errorf(http.StatusBadRequest, "invalid_document", "the body could not be read to its end"))
			return
		}
		reply, err := index.ParseReply(fmt.Sprintf("body of PUT %s", r.URL.Path), id, body)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		created, err := dw.Put(r.Context(), reply)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		h.log.Info("document put", "request_id", requestID(r), "doc_id", id, "created", created, "sections", len(reply.Sections))
		writeJSON(w, status, putResponse{DocID: id, Created: created, Sections: len(reply.Sections)})
	}
}

// deleteDocument removes one document.
func (h *handlers) deleteDocument(dw DocumentWriter) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := docIDParam(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		if err := dw.Delete(r.Context(), id); err != nil {
			h.writeError(w, r, err)
			return
		}
		h.log.Info("document deleted", "request_id", requestID(r), "doc_id", id)
		writeJSON(w, http.StatusOK, map[string]any{"doc_id": id, "deleted": true})
	}
}

// Rebuilder is what the reindex routes need of the served index;
// *index.Live implements it.
type Rebuilder interface {
	StartRebuild(opts index.BuildOptions, log func(string, ...any)) error
	Rebuild() index.RebuildStatus
	Reload() (bool, error)
	Path() string
}

var _ Rebuilder = (*index.Live)(nil)

// RebuildResponse is the body of the reindex routes; exported for the
// clients in this repository that read it (govsearch soak).
type RebuildResponse struct {
	State     string  `json:"state"`
	Started   *string `json:"started"`
	Ended     *string `json:"ended"`
	FilesDone int     `json:"files_done"`
	Files     int     `json:"files"`
	Documents int     `json:"documents"`
	Sections  int     `json:"sections"`
	Skipped   int     `json:"skipped"`
	// Kind is "full" or "incremental"; Added, Changed and Removed count
	// an incremental run's documents.
	Kind    string `json:"kind,omitempty"`
	Added   int    `json:"added"`
	Changed int    `json:"changed"`
	Removed int    `json:"removed"`
	Error   string `json:"error,omitempty"`
	// Index is the served generation's name (gen-…), not its path: an
	// answer says nothing about the server's file system.
	Index string `json:"index"`
}

func newRebuildResponse(st index.RebuildStatus, path string) RebuildResponse {
	out := RebuildResponse{State: st.State, Started: formatDate(st.Started), Ended: formatDate(st.Ended),
		FilesDone: st.FilesDone, Files: st.Files, Error: st.Err, Index: baseName(path)}
	if st.Summary != nil {
		out.Documents, out.Sections, out.Skipped = st.Summary.Documents, st.Summary.Sections, len(st.Summary.Skipped)
		out.Kind = st.Summary.Kind
		if c := st.Summary.Changes; c != nil {
			out.Added, out.Changed, out.Removed = len(c.Added), len(c.Changed), len(c.Removed)
		}
	}
	return out
}

// startReindex starts a rebuild from the source folder: 202 with its
// status, 409 when one is running or the server has no source folder.
func (h *handlers) startReindex(rb Rebuilder, build index.BuildOptions) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		build := build // this request's options: the closure's are every request's
		if build.Source == "" {
			h.writeError(w, r, errorf(http.StatusConflict, "no_source", "the server was started without -src: there is nothing to reindex from"))
			return
		}
		v, err := queryParams(r, map[string]bool{"mode": true})
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		switch mode := v.Get("mode"); mode {
		case "", "full":
		case "incremental":
			build.Incremental = true
		default:
			h.writeError(w, r, badParam("mode", "%q: must be full or incremental", truncate(mode, 20)))
			return
		}
		if err := rb.StartRebuild(build, func(msg string, args ...any) { h.log.Info(msg, args...) }); err != nil {
			h.writeError(w, r, err)
			return
		}
		h.log.Info("reindex started", "request_id", requestID(r), "src", build.Source)
		writeJSON(w, http.StatusAccepted, newRebuildResponse(rb.Rebuild(), rb.Path()))
	}
}

// reindexStatus reports on the last reindex.
func (h *handlers) reindexStatus(rb Rebuilder) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := queryParams(r, nil); err != nil {
			h.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, newRebuildResponse(rb.Rebuild(), rb.Path()))
	}
}

// reload takes up the index the folder's current link names, if new.
func (h *handlers) reload(rb Rebuilder) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := queryParams(r, nil); err != nil {
			h.writeError(w, r, err)
			return
		}
		swapped, err := rb.Reload()
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		h.log.Info("reload", "request_id", requestID(r), "swapped", swapped, "index", rb.Path())
		writeJSON(w, http.StatusOK, map[string]any{"swapped": swapped, "index": baseName(rb.Path())})
	}
}
