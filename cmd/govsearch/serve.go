package main

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/govsearch/govsearch"
	"github.com/govsearch/govsearch/analyzer"
	"github.com/govsearch/govsearch/api"
	"github.com/govsearch/govsearch/index"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "[-index DIR] [-src DIR] [-addr HOST:PORT]", stderr)
	dir := fs.String("index", "", "index folder (default: the built-in sample, indexed into the cache folder)")
	src := fs.String("src", "", "folder of Markdown files to index first when -index holds no index")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	userDict := fs.String("user-dict", "", "user dictionary for an index built by serve")
	linksOutside := fs.Bool("links-outside", false, "index the files that symbolic links under -src point to outside it (skipped by default)")
	synonyms := fs.String("synonyms", "", "synonyms file to add to the built-in groups: one group a line, forms separated by commas (default: those recorded with the index by govsearch index -synonyms)")
	watch := fs.Duration("watch", 2*time.Second, "how often to check whether govsearch index swapped a new index into -index, and take it up; 0 to take one up only on SIGHUP or POST /v1/admin/reload")
	corsOrigins := fs.String("cors-origins", "", "origins whose pages may call the API, comma-separated (* for any); none by default")
	rateLimit := fs.Float64("rate-limit", 20, "requests a second one client (IP address) may make to /v1; 0 for no limit")
	rateBurst := fs.Int("rate-burst", 40, "requests one client may make at once before -rate-limit applies")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	maxConns := fs.Int("max-conns", defaultMaxConns, "connections the server keeps open at once; more wait in the kernel's queue")
	publicURL := fs.String("public-url", "", "where readers reach the service (https://search.example.com), for the absolute links of feeds, citations and the embed snippet")
	publicHosts := fs.String("public-hosts", "", "without -public-url, the hosts (search.example.com,…) a request's Host may name in those links; for others, and unless loopback, links are relative")
	adminToken := fs.String("admin-token", "", "bearer token enabling PUT and DELETE /v1/documents/{doc_id} (kept in the index folder's write journal, which every build applies); without it they do not exist (prefer GOVSEARCH_ADMIN_TOKEN to a flag, which other users can see)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%w: serve takes no arguments", errUsage)
	}
	var log *slog.Logger
	switch *logFormat {
	case "text":
		log = slog.New(slog.NewTextHandler(stderr, nil))
	case "json":
		log = slog.New(slog.NewJSONHandler(stderr, nil))
	default:
		return fmt.Errorf("%w: -log-format %q: must be text or json", errUsage, *logFormat)
	}
	if *publicURL != "" {
		if u, err := url.Parse(*publicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("%w: -public-url %q: want an http or https URL such as https://search.example.com", errUsage, *publicURL)
		}
	}
	if *maxConns < 1 {
		return fmt.Errorf("%w: -max-conns must be 1 or more", errUsage)
	}
	if *rateLimit < 0 || *rateBurst < 1 {
		return fmt.Errorf("%w: -rate-limit must be 0 or more and -rate-burst 1 or more", errUsage)
	}
	var hosts []string
	for h := range strings.SplitSeq(*publicHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	var origins []string
	for o := range strings.SplitSeq(*corsOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	dict, err := loadUserDict(*userDict)
	if err != nil {
		return err
	}
	syn, err := loadSynonyms(*synonyms)
	if err != nil {
		return err
	}
	if *watch < 0 {
		return fmt.Errorf("%w: -watch must be 0 or more", errUsage)
	}
	build := index.BuildOptions{Source: *src, UserDict: dict, UserDictFile: absOr(*userDict), LinksOutside: *linksOutside}
	indexDir, err := prepareIndex(ctx, *dir, build, log, stderr)
	if err != nil {
		return err
	}
	srv, err := startServer(serverConfig{Index: indexDir, Addr: *addr, Logger: log, Synonyms: syn, SynonymsFile: absOr(*synonyms), MaxConns: *maxConns,
		API: api.Options{CORSOrigins: origins, RateLimit: *rateLimit, RateBurst: *rateBurst, AdminToken: *adminToken, PublicURL: *publicURL, PublicHosts: hosts,
			Build: build}})
	if err != nil {
		return err
	}
	log.Info("serving", "addr", "http://"+srv.Addr(), "index", srv.ix.Path())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve() }()
	if *watch > 0 {
		watchCtx, stopWatch := context.WithCancel(ctx)
		defer stopWatch()
		go srv.ix.Watch(watchCtx, *watch, func(msg string, args ...any) { log.Info(msg, args...) })
	}
	// SIGHUP takes up a newly built index (govsearch index into the same
	// folder) without a restart.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for done := false; !done; {
		select {
		case err := <-errc:
			srv.Shutdown(context.Background())
			return err
		case <-hup:
			swapped, err := srv.ix.Reload()
			log.Info("SIGHUP: reload", "swapped", swapped, "index", srv.ix.Path(), "err", err)
		case <-ctx.Done():
			done = true
		}
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// prepareIndex returns the index folder to serve, building it first when
// -src is given and there is none, or building the sample when neither flag
// is.
func prepareIndex(ctx context.Context, dir string, build index.BuildOptions, log *slog.Logger, stderr io.Writer) (string, error) {
	src, dict := build.Source, build.UserDict
	switch {
	case dir == "" && src == "":
		return sampleIndex(ctx, dict, log, stderr)
	case dir == "":
		return "", fmt.Errorf("%w: -src needs -index, the folder to build into", errUsage)
	case index.Exists(dir):
		return dir, nil
	case src == "":
		return "", fmt.Errorf("no index at %s: build one with govsearch index -src DIR -index %s, or pass -src", dir, dir)
	}
	log.Info("building index", "src", src, "index", dir)
	build.Index = dir
	sum, err := buildIndex(ctx, build, stderr)
	if err != nil {
		return "", err
	}
	for _, e := range sum.Skipped {
		log.Warn("skipped file", "err", e)
	}
	log.Info("built index", "documents", sum.Documents, "sections", sum.Sections, "elapsed", sum.Elapsed.String())
	return dir, nil
}

// sampleIndex unpacks the built-in sample and indexes it once into the
// cache folder; the folder's name is a hash of the sample, the dictionary
// and the index format, so a new binary never serves a stale sample.
func sampleIndex(ctx context.Context, dict string, log *slog.Logger, stderr io.Writer) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "format %d\n%s\n%s\n", index.FormatVersion, analyzer.GovTerms(), dict)
	err := fs.WalkDir(govsearch.Sample, govsearch.SampleRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := govsearch.Sample.ReadFile(path)
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("read built-in sample: %w", err)
	}
	base, err := analyzer.CacheDir()
	if err != nil {
		return "", err
	}
	root := filepath.Join(base, "sample-"+hex.EncodeToString(h.Sum(nil)[:8]))
	dir := filepath.Join(root, "index")
	if index.Exists(dir) {
		return dir, nil
	}
	src := filepath.Join(root, "src")
	sub, err := fs.Sub(govsearch.Sample, govsearch.SampleRoot)
	if err != nil {
		return "", err
	}
	os.RemoveAll(src)
	if err := os.CopyFS(src, sub); err != nil {
		return "", fmt.Errorf("unpack built-in sample: %w", err)
	}
	log.Info("indexing the built-in sample", "index", dir)
	sum, err := buildIndex(ctx, index.BuildOptions{Source: src, Index: dir, UserDict: dict}, stderr)
	if err != nil {
		return "", err
	}
	if len(sum.Skipped) > 0 {
		return "", fmt.Errorf("built-in sample: %v", sum.Skipped[0])
	}
	return dir, nil
}

// The server's defaults against slow and greedy clients.
const (
	// A client has 5 s to send its request line and headers, 10 s for the
	// whole request (a PUT's document too); a response has 30 s to be
	// written; an idle keep-alive connection is closed after 2 minutes.
	defaultReadHeaderTimeout = 5 * time.Second
	defaultReadTimeout       = 10 * time.Second
	defaultWriteTimeout      = 30 * time.Second
	defaultIdleTimeout       = 120 * time.Second
	// defaultMaxHeaderBytes is what net/http reads of a request's head:
	// room for the URL of a 100 KB query plus api.MaxHeaderBytes of header
	// fields, so that the API refuses both with a JSON error naming what is
	// too long; only a larger head gets net/http's plain-text 431.
	defaultMaxHeaderBytes = 128 << 10
	// defaultMaxConns caps open connections: each costs a file descriptor,
	// which the index needs too (bleve opens its segment files, a reindex
	// more), and up to defaultMaxHeaderBytes of memory while its head is
	// read. 1,024 is far more than the clients one instance serves at its
	// rate limits, and far below the descriptors a Go process has on Linux
	// (it raises its soft limit to the hard one, commonly 524,288).
	defaultMaxConns = 1024
)

// serverConfig configures a server.
type serverConfig struct {
	Index    string
	Addr     string
	Logger   *slog.Logger
	Synonyms *index.Synonyms // nil: those recorded with the index
	// SynonymsFile names where Synonyms came from.
	SynonymsFile string
	// API configures the handler; its Logger is Logger.
	API api.Options
	// The server's timeouts and limits; 0 means the default (above).
	// Tests shorten them to watch a stalled client being cut off.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	MaxHeaderBytes, MaxConns                                  int
}

// server is the HTTP service over one open index; tests drive it directly.
type server struct {
	ix    *index.Live
	ln    net.Listener
	conns *connLimiter
	http  *http.Server
}

// startServer opens the index and listens at once, so that a busy port is
// an error here and not in a goroutine later.
func startServer(cfg serverConfig) (*server, error) {
	ix, err := index.OpenLive(cfg.Index, index.OpenOptions{Synonyms: cfg.Synonyms, SynonymsFile: cfg.SynonymsFile})
	if err != nil {
		return nil, err
	}
	if err := ix.Fallback(); err != nil {
		// Served, but not what the folder names: said at the top of the
		// log, as an error, every start, until a good build is taken up.
		cfg.Logger.Error("SERVING AN OLDER INDEX: the current generation is damaged", "err", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		ix.Close()
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	opts := cfg.API
	opts.Logger = cfg.Logger
	h := api.NewHandler(ix, opts)
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cmp.Or(cfg.ReadHeaderTimeout, defaultReadHeaderTimeout),
		ReadTimeout:       cmp.Or(cfg.ReadTimeout, defaultReadTimeout),
		WriteTimeout:      cmp.Or(cfg.WriteTimeout, defaultWriteTimeout),
		IdleTimeout:       cmp.Or(cfg.IdleTimeout, defaultIdleTimeout),
		MaxHeaderBytes:    cmp.Or(cfg.MaxHeaderBytes, defaultMaxHeaderBytes),
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	conns := newConnLimiter(ln, cmp.Or(cfg.MaxConns, defaultMaxConns), hs.SetKeepAlivesEnabled)
	return &server{ix: ix, ln: ln, conns: conns, http: hs}, nil
}

// Addr is the address the server listens on (useful with port 0).
func (s *server) Addr() string { return s.ln.Addr().String() }

// Serve serves until Shutdown.
func (s *server) Serve() error {
	if err := s.http.Serve(s.conns); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting requests, waits for those in flight (bounded by
// ctx), and only then closes the index they read.
func (s *server) Shutdown(ctx context.Context) error {
	herr := s.http.Shutdown(ctx)
	ierr := s.ix.Close()
	return errors.Join(herr, ierr)
}

// connLimiter is a listener that keeps at most max connections open. At
// the cap, Accept waits, and new connections wait in the kernel's accept
// queue, where they cost no file descriptor; and the server stops keeping
// idle connections alive (keepAlive(false) closes those idle now and has
// each later response close its connection), so that slots free as soon
// as requests end and not an IdleTimeout later: otherwise a few hundred
// clients holding idle connections could lock everyone else out. Keep-alive
// returns once half the slots are free.
type connLimiter struct {
	net.Listener
	slots     chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	keepAlive func(bool)

	mu        sync.Mutex
	open      int
	peak      int
	saturated bool
	// adjusting serializes keepAlive calls, made outside mu: closing idle
	// connections calls back into release.
	adjusting sync.Mutex
}

func newConnLimiter(ln net.Listener, max int, keepAlive func(bool)) *connLimiter {
	return &connLimiter{Listener: ln, slots: make(chan struct{}, max), done: make(chan struct{}), keepAlive: keepAlive}
}

// Accept waits for a free slot, then for a connection.
func (l *connLimiter) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	l.mu.Lock()
	l.open++
	l.peak = max(l.peak, l.open)
	changed := !l.saturated && l.open >= cap(l.slots)
	l.saturated = l.saturated || changed
	l.mu.Unlock()
	if changed {
		go l.adjust()
	}
	return &limitedConn{Conn: c, l: l}, nil
}

// Close stops Accept, also one waiting for a slot.
func (l *connLimiter) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// release frees a closed connection's slot.
func (l *connLimiter) release() {
	l.mu.Lock()
	l.open--
	changed := l.saturated && l.open <= cap(l.slots)/2
	l.saturated = l.saturated && !changed
	l.mu.Unlock()
	<-l.slots
	if changed {
		go l.adjust()
	}
}

// adjust turns keep-alive off while saturated, on otherwise, as the state
// is when it runs: calls may run out of order, the last one wins.
func (l *connLimiter) adjust() {
	l.adjusting.Lock()
	defer l.adjusting.Unlock()
	l.mu.Lock()
	on := !l.saturated
	l.mu.Unlock()
	if l.keepAlive != nil {
		l.keepAlive(on)
	}
}

// stats reports the connections open now and the most ever open at once.
func (l *connLimiter) stats() (open, peak int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open, l.peak
}

// limitedConn gives its slot back when closed.
type limitedConn struct {
	net.Conn
	l    *connLimiter
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.l.release)
	return err
}
