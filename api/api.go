// Package api is govsearch's HTTP interface: a versioned JSON API under /v1,
// health probes, and the pages and widget people use (pages.go), built on
// go-chi. Handlers are thin — parse, validate,
// one call to the Searcher, write — and every error leaves through
// writeError, which maps domain errors to status codes in one table.
package api

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/govsearch/govsearch/index"
)

// Searcher is what the API needs of an index; *index.Index implements it,
// tests hand in fakes.
type Searcher interface {
	Search(ctx context.Context, req index.SearchRequest) (*index.SearchResult, error)
	Document(ctx context.Context, docID string) (*index.Reply, error)
	Stats(ctx context.Context) (*index.Stats, error)
	Suggest(ctx context.Context, prefix string, n int) ([]index.Suggestion, error)
	Related(ctx context.Context, docID string) (*index.Related, error)
}

var _ Searcher = (*index.Index)(nil)

// Options configure the handler.
type Options struct {
	Logger *slog.Logger
	// SearchTimeout bounds one search; 0 means 10 seconds.
	SearchTimeout time.Duration
	// CORSOrigins are the origins whose pages may call the API ("*" for
	// any); none by default.
	CORSOrigins []string
	// RateLimit is the requests a second one client (IP address) may make
	// to /v1, with bursts of RateBurst; 0 means no limit.
	RateLimit float64
	RateBurst int
	// AdminToken, when set and the Searcher is also a DocumentWriter,
	// enables PUT and DELETE /v1/documents/{doc_id} for requests bearing
	// it. Without it those routes do not exist (404).
	AdminToken string
	// WrongTokenWait is how long a wrong admin token past its allowance
	// (five a client, then one every 10 s; fifty from everyone together,
	// then one a second) waits for its 429; 0 means 2 seconds.
	WrongTokenWait time.Duration
	// PublicURL is where readers reach the service (https://search.example.com),
	// for the absolute links of feeds, citations and the embed page's
	// snippet.
	PublicURL string
	// PublicHosts, without a PublicURL, are the hosts (search.example.com,
	// or with a port) whose name a request's Host may give those links;
	// loopback names (localhost, 127.0.0.1, [::1]) always may. For any
	// other Host the links are relative: a request must not write its own
	// host into answers that caches keep for everyone.
	PublicHosts []string
	// Build is how POST /v1/admin/reindex rebuilds (its Source and
	// UserDict), when the Searcher is also a Rebuilder; without a Source
	// the route answers 409.
	Build index.BuildOptions
}

// NewHandler returns the HTTP handler serving s: the whole route table is
// here, so the API's surface can be read in one place.
func NewHandler(s Searcher, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.SearchTimeout <= 0 {
		opts.SearchTimeout = 10 * time.Second
	}
	h := &handlers{s: s, log: opts.Logger, timeout: opts.SearchTimeout, publicURL: strings.TrimRight(opts.PublicURL, "/"), publicHosts: map[string]bool{}}
	for _, host := range opts.PublicHosts {
		h.publicHosts[strings.ToLower(strings.TrimSpace(host))] = true
	}
	h.metrics = newMetrics(func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		st, err := s.Stats(ctx)
		if err != nil {
			return math.NaN()
		}
		return float64(st.Documents)
	})

	r := chi.NewRouter()
	r.Use(routeOnEscapedPath)
	r.Use(middleware.GetHead)
	r.Use(cleanRequestID)
	r.Use(middleware.RequestID)
	r.Use(requestIDHeader)
	r.Use(h.recoverer)
	r.Use(h.metrics.middleware)
	r.Use(h.logRequests)
	r.Use(cors(opts.CORSOrigins))
	r.Use(limitHeaders) // after cors, so that a page's script can read the 431
	r.Use(limitBody)
	r.Use(middleware.Compress(5, "application/json", "text/html", "text/javascript"))
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		h.writeError(w, r, errorf(http.StatusNotFound, "not_found", "no route for %s", truncate(r.URL.Path, 200)))
	})
	dw, admin := s.(DocumentWriter)
	admin = admin && opts.AdminToken != ""
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		if !admin && (r.Method == http.MethodPut || r.Method == http.MethodDelete) {
			// The admin routes do not exist without a token.
			h.writeError(w, r, errorf(http.StatusNotFound, "not_found", "no route for %s %s", truncate(r.Method, 20), truncate(r.URL.Path, 200)))
			return
		}
		h.writeError(w, r, errorf(http.StatusMethodNotAllowed, "method_not_allowed", "%s is not allowed on %s", truncate(r.Method, 20), truncate(r.URL.Path, 200)))
	})

	r.Get("/healthz", h.healthz)
	r.Get("/readyz", h.readyz)
	r.Method(http.MethodGet, "/metrics", h.metrics.handler())
	r.Get("/openapi.json", h.openapi)
	// One limit per client across the API and the pages, which search too.
	limit := func(next http.Handler) http.Handler { return next }
	if opts.RateLimit > 0 {
		limit = newRateLimiter(opts.RateLimit, opts.RateBurst).middleware
	}
	// The pages for people (see pages.go) and the widget newsrooms embed.
	r.Get("/widget.js", h.widget)
	r.Get("/page.js", h.pageScript)
	r.Get("/favicon.ico", h.favicon)
	r.With(limit).Get("/", h.searchPage)
	r.With(limit).Get("/d/*", h.documentPage)
	r.Get("/embed", h.embedPage)
	r.Route("/v1", func(r chi.Router) {
		r.Use(limit)
		r.Get("/search", h.search)
		r.Get("/search.atom", h.feed)
		r.Get("/suggest", h.suggest)
		r.Get("/documents/{doc_id}", h.document)
		r.Get("/documents/{doc_id}/related", h.related)
		r.Get("/documents/{doc_id}/sections/{n}/cite", h.cite)
		r.Get("/stats", h.stats)
		if admin {
			auth := h.adminAuth(opts.AdminToken, opts.WrongTokenWait)
			r.With(auth).Put("/documents/{doc_id}", h.putDocument(dw))
			r.With(auth).Delete("/documents/{doc_id}", h.deleteDocument(dw))
			if rb, ok := s.(Rebuilder); ok {
				r.With(auth).Post("/admin/reindex", h.startReindex(rb, opts.Build))
				r.With(auth).Get("/admin/reindex", h.reindexStatus(rb))
				r.With(auth).Post("/admin/reload", h.reload(rb))
			}
		}
	})
	return r
}

// routeOnEscapedPath has chi route every request on its escaped path.
// chi routes on URL.RawPath when net/http kept one and on the decoded
// URL.Path otherwise, so a doc_id reached docIDParam escaped or already
// decoded depending on its characters, and was then decoded again: the
// document "100%" (sent as 100%25) could not be asked for, and %2500
// reached the checks as a NUL.
func routeOnEscapedPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rctx := chi.RouteContext(r.Context()); rctx != nil && rctx.RoutePath == "" {
			rctx.RoutePath = r.URL.EscapedPath()
		}
		next.ServeHTTP(w, r)
	})
}

// handlers holds what the route handlers share.
type handlers struct {
	s       Searcher
	log     *slog.Logger
	timeout time.Duration
	metrics *metrics
	// publicURL is Options.PublicURL without a trailing slash;
	// publicHosts are Options.PublicHosts, lower case.
	publicURL   string
	publicHosts map[string]bool
}

func (h *handlers) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 once the index answers a search, 503 otherwise: a
// load balancer sends traffic only to an instance that can serve it.
func (h *handlers) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	probe := func(ctx context.Context) error {
		_, err := h.s.Search(ctx, index.SearchRequest{Size: 1})
		return err
	}
	if rd, ok := h.s.(Readier); ok {
		probe = rd.Ready // past any result cache
	}
	if err := probe(ctx); err != nil {
		h.log.Warn("not ready", "request_id", middleware.GetReqID(r.Context()), "err", err)
		why := "the index does not answer"
		if errors.Is(err, index.ErrDamaged) {
			why = err.Error() // names the generation and what to do, no path
		}
		writeJSON(w, http.StatusServiceUnavailable, errorBody("not_ready", why))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// Readier is a Searcher that can say whether its index answers without
// the help of a result cache; /readyz uses it when the Searcher has it.
type Readier interface {
	Ready(ctx context.Context) error
}

var _ Readier = (*index.Live)(nil)

// requestID is the request's id, for logs.
func requestID(r *http.Request) string { return middleware.GetReqID(r.Context()) }

// requestIDHeader returns the request id (the client's X-Request-Id, or one
// made up by middleware.RequestID) in the response, so that a client's
// report can be found in the server's log.
func requestIDHeader(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := middleware.GetReqID(r.Context()); id != "" {
			w.Header().Set(middleware.RequestIDHeader, id)
		}
		next.ServeHTTP(w, r)
	})
}

// recoverer turns a panic in a handler into a logged 500 with the usual
// JSON error body, never a dropped connection or a stack trace to a client.
func (h *handlers) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				h.log.Error("panic", "request_id", middleware.GetReqID(r.Context()), "panic", v, "path", r.URL.Path)
				writeJSON(w, http.StatusInternalServerError, errorBody("internal", "internal error"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// logRequests logs one line a request, keyed by route pattern so that logs
// and metrics group requests the same way.
func (h *handlers) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		h.log.Info("request", "request_id", middleware.GetReqID(r.Context()), "method", r.Method, "route", route,
			"status", ww.Status(), "bytes", ww.BytesWritten(), "duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

// statsJSON is the body of GET /v1/stats.
type statsJSON struct {
	Documents     int     `json:"documents"`
	Sections      uint64  `json:"sections"`
	IndexBytes    int64   `json:"index_bytes"`
	BuiltAt       *string `json:"built_at"`
	BuildSeconds  float64 `json:"build_seconds"`
	FormatVersion int     `json:"format_version"`
	Variant       string  `json:"variant"`
	Dictionary    string  `json:"dictionary_version"`
	Synonyms      string  `json:"synonyms_version"`
	// UserDict and SynonymsFile name the files (not their folders: no
	// response shows a server path) the dictionary and synonyms came from,
	// "" for the built-in ones.
	UserDict     string `json:"user_dict"`
	SynonymsFile string `json:"synonyms_file"`
	// BuildKind is "full" or "incremental"; Changes counts what the last
	// incremental build changed.
	BuildKind string       `json:"build_kind"`
	Changes   *changesJSON `json:"changes,omitempty"`
	// PendingWrites counts the writes in the index folder's journal
	// (PUT and DELETE through the admin API, applied by every build until
	// the source tree changes the document); Writes lists the newest
	// maxListedWrites of them.
	PendingWrites int                `json:"pending_writes"`
	Writes        []pendingWriteJSON `json:"writes"`
}

// maxListedWrites bounds the writes /v1/stats lists.
const maxListedWrites = 20

// pendingWriteJSON is one pending write.
type pendingWriteJSON struct {
	DocID   string `json:"doc_id"`
	Kind    string `json:"kind"`
	Written string `json:"written"`
}

// changesJSON counts what an incremental build changed.
type changesJSON struct {
	Added     int `json:"added"`
	Changed   int `json:"changed"`
	Removed   int `json:"removed"`
	Unchanged int `json:"unchanged"`
}

// baseName is a file's name without its folder, "" for "".
func baseName(path string) string {
	if path == "" {
		return ""
	}
	return filepath.Base(path)
}

func (h *handlers) stats(w http.ResponseWriter, r *http.Request) {
	if _, err := queryParams(r, nil); err != nil {
		h.writeError(w, r, err)
		return
	}
	st, err := h.s.Stats(r.Context())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := statsJSON{
		Documents: st.Documents, Sections: st.Sections, IndexBytes: st.IndexBytes, BuiltAt: formatDate(st.BuiltAt),
		BuildSeconds: st.BuildTime.Seconds(), FormatVersion: st.FormatVersion, Variant: string(st.Variant),
		Dictionary: st.Dictionary, Synonyms: st.Synonyms,
		UserDict: baseName(st.UserDict), SynonymsFile: baseName(st.SynonymsFile), BuildKind: st.BuildKind,
	}
	if c := st.Changes; c != nil {
		out.Changes = &changesJSON{len(c.Added), len(c.Changed), len(c.Removed), c.Unchanged}
	}
	out.PendingWrites, out.Writes = len(st.Writes), []pendingWriteJSON{}
	for _, wr := range st.Writes[:min(len(st.Writes), maxListedWrites)] {
		out.Writes = append(out.Writes, pendingWriteJSON{DocID: wr.DocID, Kind: wr.Kind, Written: wr.Written.Format(time.RFC3339)})
	}
	writeJSON(w, http.StatusOK, out)
}
