package index

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/govsearch/govsearch/analyzer"
)

// Live serves searches from whichever index is current and takes up a
// newly built one without a restart and without failing a request: each
// call holds the index it started on, and an index swapped out is closed
// only when the last call on it has returned.
type Live struct {
	dir  string
	opts OpenOptions

	mu  sync.Mutex
	cur *liveRef
	// paused, under mu, holds new calls back while the served index is
	// opened again (see reopen); idle is signalled as calls return.
	paused bool
	idle   *sync.Cond
	// reloadMu serializes reloads and writes: two reloads at once (a
	// SIGHUP and a rebuild) would both open the new generation, and only
	// one process handle may hold an index; a write during a reload could
	// land on the generation being swapped out after the reload applied
	// the journal to the new one.
	reloadMu sync.Mutex

	rebuildMu sync.Mutex
	rebuild   RebuildStatus
	// cancelRebuild stops the running rebuild; rebuilding counts its
	// goroutine, which Close waits for: it would otherwise open the new
	// index after Close, and nothing would close that one.
	cancelRebuild context.CancelFunc
	rebuilding    sync.WaitGroup
	// closed is set by Close (under rebuildMu and reloadMu); a closed
	// Live starts no rebuild and takes up no index.
	closed atomic.Bool
	// fallback, under mu, is why an older generation is served (see
	// OpenLive); a reload that swaps clears it.
	fallback error
	// pending caches the journal's listing, read when its folder had
	// pendingAt as its modification time (see pendingWrites).
	pendingMu   sync.Mutex
	pending     []Write
	pendingAt   time.Time
	pendingRead bool
}

// errLiveClosed is what Reload and StartRebuild say after Close.
var errLiveClosed = errors.New("the served index is closed")

// liveRef is one open index and the calls using it.
type liveRef struct {
	ix      *Index
	users   int
	retired bool
	// damaged is set, once, by the first fault in the index's mapped
	// files (see guard): every later call is refused with it.
	damaged atomic.Pointer[error]
}

// ErrDamaged means a file of the served index changed or broke under the
// server (a read of its mapped segments faulted): the server stops using
// that generation and says so; a rebuild or a restart (which falls back
// to an intact generation) brings it back.
var ErrDamaged = errors.New("the served index is damaged")

// guard runs f on r's index with memory faults turned into errors. bleve
// reads segments through mmap: a segment truncated or overwritten under
// the server faults (SIGBUS, SIGSEGV), which would kill the process. With
// SetPanicOnFault such a fault is a panic in this goroutine, recovered
// here into ErrDamaged; the generation is then marked damaged so no later
// call reads it. A panic that is not a fault in mapped memory (a nil
// pointer, a bug) goes on as a panic: one bad request must not take the
// index out of service.
func guard[T any](r *liveRef, f func(*Index) (T, error)) (v T, err error) {
	if d := r.damaged.Load(); d != nil {
		return v, *d
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		fault, ok := p.(interface{ Addr() uintptr })
		if !ok || fault.Addr() < 1<<16 {
			panic(p)
		}
		e := fmt.Errorf("%w: reading %s faulted at %#x (%v); rebuild it with govsearch index, or restart the server to fall back to an intact generation", ErrDamaged, filepath.Base(r.ix.Path()), fault.Addr(), p)
		r.damaged.CompareAndSwap(nil, &e)
		err = *r.damaged.Load()
	}()
	return f(r.ix)
}

// with runs f on the current index, guarded.
func with[T any](l *Live, f func(*Index) (T, error)) (T, error) {
	r := l.acquire()
	defer l.release(r)
	return guard(r, f)
}

// ErrBusy means a rebuild is already running.
var ErrBusy = errors.New("busy")

// OpenLive opens the index served from dir for live serving. When the
// generation the folder's current link names is damaged, it serves the
// newest intact one the folder still holds (a build keeps the previous
// generation), and Fallback says so: a server answering from last night's
// index is better than none, as long as it says it loudly.
//
// The journal's writes the generation does not hold yet (made while it was
// built, or not applied before a crash) are applied to it first: a server
// that cannot apply them (a full disk) refuses to start rather than serve
// a deleted document again.
func OpenLive(dir string, opts OpenOptions) (*Live, error) {
	ix, err := OpenWith(dir, opts)
	var fallback error
	if errors.Is(err, ErrCorrupt) {
		var ferr error
		if ix, ferr = openFallback(dir, opts); ferr != nil {
			return nil, fmt.Errorf("%w (and no older generation to fall back to: %v)", err, ferr)
		}
		fallback = fmt.Errorf("serving the older generation %s: %w", filepath.Base(ix.Path()), err)
	} else if err != nil {
		return nil, err
	}
	if err := catchUp(dir, ix); err != nil {
		ix.Close()
		return nil, err
	}
	l := &Live{dir: dir, opts: opts, cur: &liveRef{ix: ix}, fallback: fallback}
	l.idle = sync.NewCond(&l.mu)
	return l, nil
}

// catchUp applies to ix, a generation about to be served, the journal's
// writes it does not hold (see Index.reflects): those made while its build
// ran, after the build had read the journal, are in the generation being
// replaced only, and taking up the new one must not undo them. A put that
// no longer parses is left to the builds, which report it.
func catchUp(dir string, ix *Index) error {
	ctx := context.Background()
	ws, err := journalOf(dir).readLocked()
	if err != nil {
		return err
	}
	for _, w := range ws {
		ok, err := ix.reflects(ctx, w)
		if err == nil && !ok {
			err = ix.apply(ctx, w)
		}
		var fe *FileError
		if errors.As(err, &fe) {
			continue
		}
		if err != nil {
			if diskFullCause(err) != "" {
				err = fmt.Errorf("%w: %w", ErrNoSpace, err)
			}
			return fmt.Errorf("apply the journal's %s of %q to %s, which was built without it: %w", w.Kind, w.DocID, filepath.Base(ix.Path()), err)
		}
	}
	return nil
}

// openFallback opens the newest generation of dir, other than the one
// its current link names, that passes the check of its files.
func openFallback(dir string, opts OpenOptions) (*Index, error) {
	current, _ := os.Readlink(filepath.Join(dir, currentLink))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var gens []string
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "gen-") && e.Name() != filepath.Base(current) {
			gens = append(gens, e.Name())
		}
	}
	slices.Sort(gens) // named by build time
	var last error = errors.New("the folder holds no other generation")
	for i := len(gens) - 1; i >= 0; i-- {
		path := filepath.Join(dir, gens[i])
		if last = checkGeneration(path); last != nil {
			continue
		}
		ix, err := openGeneration(dir, path, opts)
		if err == nil {
			return ix, nil
		}
		last = err
	}
	return nil, last
}

// Fallback says why the server serves an older generation than the one
// the index folder names (nil when it serves that one): it fell back at
// start from a damaged generation, until a reload takes up a good one.
func (l *Live) Fallback() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fallback
}

// acquire returns the current index, held until release.
func (l *Live) acquire() *liveRef {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.paused {
		l.idle.Wait()
	}
	l.cur.users++
	return l.cur
}

func (l *Live) release(r *liveRef) {
	l.mu.Lock()
	r.users--
	closeIt := r.retired && r.users == 0
	if r.users == 0 && l.paused {
		l.idle.Broadcast()
	}
	l.mu.Unlock()
	if closeIt {
		r.ix.Close()
	}
}

// Path is the generation being served.
func (l *Live) Path() string {
	r := l.acquire()
	defer l.release(r)
	return r.ix.Path()
}

// Reload takes up the generation the index folder's current link names,
// if it is not the one being served; it reports whether it swapped. The
// old index closes once the calls on it have returned. The journal's
// writes the new generation's build did not see are applied to it first;
// when that fails the old one goes on being served.
func (l *Live) Reload() (bool, error) {
	l.reloadMu.Lock()
	defer l.reloadMu.Unlock()
	if l.closed.Load() {
		return false, fmt.Errorf("reload: %w", errLiveClosed)
	}
	path, err := currentPath(l.dir)
	if err != nil {
		return false, err
	}
	if path == l.Path() {
		return false, nil
	}
	ix, err := OpenWith(l.dir, l.opts)
	if err != nil {
		return false, err
	}
	if err := catchUp(l.dir, ix); err != nil {
		ix.Close()
		return false, err
	}
	l.mu.Lock()
	old := l.cur
	l.cur = &liveRef{ix: ix}
	l.fallback = nil
	old.retired = true
	closeIt := old.users == 0
	l.mu.Unlock()
	if closeIt {
		old.ix.Close()
	}
	return true, nil
}

// Watch takes up each new generation a build swaps into the index folder
// (its current link changes), checking every interval until ctx ends. A
// generation that fails to open is logged, once, and the old one served
// meanwhile.
func (l *Live) Watch(ctx context.Context, interval time.Duration, log func(msg string, args ...any)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	lastErr := ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		swapped, err := l.Reload()
		switch {
		case errors.Is(err, errLiveClosed):
			return
		case err != nil && err.Error() != lastErr:
			lastErr = err.Error()
			if log != nil {
				log("index changed on disk but cannot be taken up", "err", err)
			}
		case err == nil:
			lastErr = ""
			if swapped && log != nil {
				log("took up the index built on disk", "path", l.Path())
			}
		}
	}
}

// Close closes the current index, after stopping a running rebuild and
// waiting for it; calls must have returned.
func (l *Live) Close() error {
	l.rebuildMu.Lock()
	l.closed.Store(true)
	if l.cancelRebuild != nil {
		l.cancelRebuild()
	}
	l.rebuildMu.Unlock()
	l.rebuilding.Wait()
	// No reload is half done once Close holds reloadMu, and none starts
	// after: closed is set.
	l.reloadMu.Lock()
	defer l.reloadMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cur.retired = true
	return l.cur.ix.Close()
}

// Search implements api.Searcher on the current index.
func (l *Live) Search(ctx context.Context, req SearchRequest) (*SearchResult, error) {
	return with(l, func(ix *Index) (*SearchResult, error) { return ix.Search(ctx, req) })
}

// Ready checks that the current index answers a search.
func (l *Live) Ready(ctx context.Context) error {
	_, err := with(l, func(ix *Index) (struct{}, error) { return struct{}{}, ix.Ready(ctx) })
	return err
}

// Document returns a document from the current index.
func (l *Live) Document(ctx context.Context, docID string) (*Reply, error) {
	return with(l, func(ix *Index) (*Reply, error) { return ix.Document(ctx, docID) })
}

// Stats reports on the current index, and on the writes pending in the
// index folder's journal.
func (l *Live) Stats(ctx context.Context) (*Stats, error) {
	st, err := with(l, func(ix *Index) (*Stats, error) { return ix.Stats(ctx) })
	if err != nil {
		return nil, err
	}
	if st.Writes, err = l.pendingWrites(); err != nil {
		return nil, err
	}
	return st, nil
}

// pendingWrites lists the journal, read again only when its folder
// changed (every write and every retiring renames or removes a file in
// it): /metrics asks for Stats at each scrape, and entries hold whole
// documents. The folder is looked at before it is read, so a change
// during the read is seen by the next call.
func (l *Live) pendingWrites() ([]Write, error) {
	st, err := os.Stat(filepath.Join(l.dir, writesDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read write journal: %w", err)
	}
	l.pendingMu.Lock()
	defer l.pendingMu.Unlock()
	if l.pendingRead && st.ModTime().Equal(l.pendingAt) {
		return l.pending, nil
	}
	ws, err := PendingWrites(l.dir)
	if err != nil {
		return nil, err
	}
	l.pending, l.pendingAt, l.pendingRead = ws, st.ModTime(), true
	return ws, nil
}

// Suggest completes a prefix from the current index.
func (l *Live) Suggest(ctx context.Context, prefix string, n int) ([]Suggestion, error) {
	return with(l, func(ix *Index) ([]Suggestion, error) { return ix.Suggest(ctx, prefix, n) })
}

// Related finds documents like docID in the current index.
func (l *Live) Related(ctx context.Context, docID string) (*Related, error) {
	return with(l, func(ix *Index) (*Related, error) { return ix.Related(ctx, docID) })
}

// Highlighter plans q on the current index for marking whole texts.
func (l *Live) Highlighter(q string) *Highlighter {
	h, err := with(l, func(ix *Index) (*Highlighter, error) { return ix.Highlighter(q), nil })
	if err != nil {
		return &Highlighter{} // a damaged index marks nothing; the page's other calls say why
	}
	return h
}

// Put adds or replaces a document (parsed by ParseReply) in the served
// index and keeps it in the index folder's write journal, so that every
// later build applies it until the source tree changes the document (see
// Write). The journal entry is on disk before the served index changes; a
// write the index cannot make durable is undone in both before Put
// returns, so a refused write is never served. ErrNoSpace when the disk is
// full. It reports whether the document is new.
func (l *Live) Put(ctx context.Context, reply *Reply) (bool, error) {
	if reply.markdown == nil {
		return false, fmt.Errorf("put %q: no Markdown to keep in the journal (a document put must come from ParseReply)", reply.DocID)
	}
	var created bool
	err := l.write(ctx, &Write{Kind: WritePut, DocID: reply.DocID, Markdown: string(reply.markdown)}, func(ix *Index, stamp string) (err error) {
		created, err = ix.put(ctx, reply, stamp)
		return err
	})
	return created, err
}

// Delete removes a document from the served index and keeps the deletion
// in the index folder's write journal, as Put does; ErrNotFound, with
// nothing written, when there is no such document.
func (l *Live) Delete(ctx context.Context, docID string) error {
	return l.write(ctx, &Write{Kind: WriteDelete, DocID: docID}, func(ix *Index, stamp string) error {
		return ix.delete(ctx, docID, stamp)
	})
}

// write records w in the journal and then applies it to the served index.
// When applying fails, the entry is undone and the index opened again
// from disk (see reopen), so that nothing of the write stays visible.
func (l *Live) write(ctx context.Context, w *Write, apply func(ix *Index, stamp string) error) error {
	l.reloadMu.Lock()
	defer l.reloadMu.Unlock()
	if l.closed.Load() {
		return fmt.Errorf("%s %q: %w", w.Kind, w.DocID, errLiveClosed)
	}
	r := l.acquire()
	applied, err := l.record(ctx, r, w, apply)
	l.release(r)
	if applied {
		// A batch bleve could not persist stays in scorch's memory.
		if rerr := l.reopen(r); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}
	if diskFullCause(err) != "" && !errors.Is(err, ErrNoSpace) {
		err = fmt.Errorf("%w: %w", ErrNoSpace, err)
	}
	return err
}

// record journals w and applies it to r's index, holding the journal's
// lock throughout so that no build reads an entry that may yet be undone.
// applied says whether a failed w reached bleve.
func (l *Live) record(ctx context.Context, r *liveRef, w *Write, apply func(ix *Index, stamp string) error) (applied bool, err error) {
	if w.Kind == WriteDelete {
		ids, err := guard(r, func(ix *Index) ([]string, error) { return ix.sectionIDs(ctx, w.DocID) })
		if err != nil {
			return false, fmt.Errorf("delete %q: %w", w.DocID, err)
		}
		if len(ids) == 0 {
			return false, fmt.Errorf("delete %q: %w", w.DocID, ErrNotFound)
		}
	}
	if m, err := readManifest(r.ix.Path()); err == nil {
		w.SourceSHA256 = m.sourceHash(w.DocID)
	}
	w.Written = time.Now().UTC()
	j := journalOf(l.dir)
	unlock, err := j.lock()
	if err != nil {
		return false, err
	}
	defer unlock()
	undo, keep, err := j.record(w)
	if err != nil {
		return false, err
	}
	_, err = guard(r, func(ix *Index) (struct{}, error) { return struct{}{}, apply(ix, w.stamp) })
	if err == nil {
		keep()
		return false, nil
	}
	if uerr := undo(); uerr != nil {
		// The refusal stands, but the entry may take effect at the
		// next build: the operator must know.
		err = fmt.Errorf("%w; and its journal entry %s could not be removed (%v): remove it before the next build", err, w.file, uerr)
	}
	return !errors.Is(err, ErrNotFound), err
}

// reopen replaces r, when it is still the index served, with its
// generation opened again from disk. A batch bleve could not persist (a
// full disk) stays in scorch's memory, served, and its persister retries
// it for ever: a refused write would be visible at once and durable once
// space is freed. Closing the index drops it. New calls wait meanwhile;
// the caller holds none. If the generation cannot be opened again, calls
// are refused with ErrDamaged until a reload or a restart.
func (l *Live) reopen(r *liveRef) error {
	l.mu.Lock()
	if l.cur != r {
		l.mu.Unlock()
		return nil // swapped out: it closes, and drops the write, after its last call
	}
	l.paused = true
	for r.users > 0 {
		l.idle.Wait()
	}
	l.mu.Unlock()
	r.ix.Close()
	ix, err := openGeneration(l.dir, r.ix.Path(), l.opts)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.paused = false
	l.idle.Broadcast()
	if err != nil {
		e := fmt.Errorf("%w: %s could not be opened again after a refused write (%v); restart the server", ErrDamaged, filepath.Base(r.ix.Path()), err)
		r.damaged.CompareAndSwap(nil, &e)
		return e
	}
	l.cur = &liveRef{ix: ix}
	return nil
}

// RebuildStatus is the state of the last rebuild started by StartRebuild.
type RebuildStatus struct {
	// State is "idle" (none started), "running", "done" or "failed".
	State            string
	Started, Ended   time.Time
	FilesDone, Files int
	Summary          *BuildSummary
	Err              string
}

// StartRebuild rebuilds the index from opts.Source in the background (into
// this Live's folder: opts.Index is ignored) and takes the new index up
// when it is complete; ErrBusy when a rebuild is running. Searches go on
// on the old index meanwhile. Like every build it applies the journal's
// writes, and documents put or deleted during the rebuild are applied to
// the new index when it is taken up (see Reload).
func (l *Live) StartRebuild(opts BuildOptions, log func(string, ...any)) error {
	l.rebuildMu.Lock()
	defer l.rebuildMu.Unlock()
	if l.closed.Load() {
		return fmt.Errorf("rebuild: %w", errLiveClosed)
	}
	if l.rebuild.State == "running" {
		return fmt.Errorf("rebuild: %w: a rebuild started at %s is running", ErrBusy, l.rebuild.Started.Format(time.RFC3339))
	}
	if locked, who := buildLocked(l.dir); locked {
		return fmt.Errorf("rebuild: %w: %s is building this index", ErrBusy, cmp.Or(who, "another process"))
	}
	l.rebuild = RebuildStatus{State: "running", Started: time.Now()}
	opts.Index = l.dir
	l.keepAnalysis(&opts)
	opts.Progress = func(done, total int) {
		l.rebuildMu.Lock()
		l.rebuild.FilesDone, l.rebuild.Files = done, total
		l.rebuildMu.Unlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.cancelRebuild = cancel
	l.rebuilding.Add(1)
	go func() {
		defer l.rebuilding.Done()
		defer cancel()
		sum, err := Build(ctx, opts)
		if err == nil {
			_, err = l.Reload()
		}
		// A build holds about a gigabyte at its peak on the shared corpus,
		// which the Go runtime would hand back to the system only over
		// minutes (a soak with a rebuild every two minutes saw the
		// server's RSS stay 200-300 MB above its idle level); a server
		// that is done building gives it back at once.
		debug.FreeOSMemory()
		l.rebuildMu.Lock()
		defer l.rebuildMu.Unlock()
		l.rebuild.Ended, l.rebuild.Summary = time.Now(), sum
		if err != nil {
			l.rebuild.State, l.rebuild.Err = "failed", err.Error()
			if log != nil {
				log("rebuild failed", "err", err)
			}
			return
		}
		l.rebuild.State = "done"
		if log != nil {
			log("rebuilt and swapped in", "documents", sum.Documents, "sections", sum.Sections, "elapsed", sum.Elapsed.String())
		}
	}()
	return nil
}

// keepAnalysis fills in the user dictionary and synonyms the served index
// was built with where opts has none, so that a rebuild started by a
// server that was not given them keeps them (and a later incremental run
// with the same files is not refused).
func (l *Live) keepAnalysis(opts *BuildOptions) {
	r := l.acquire()
	defer l.release(r)
	if opts.UserDict == "" {
		if m, ok := r.ix.bleve.Mapping().(*mapping.IndexMappingImpl); ok {
			if dict, ok := m.CustomAnalysis.Tokenizers[indexTokenizer][analyzer.UserDictKey].(string); ok {
				opts.UserDict = dict
				if r.ix.manifest != nil {
					opts.UserDictFile = r.ix.manifest.UserDict
				}
			}
		}
	}
	if opts.Synonyms == "" {
		if b, err := os.ReadFile(filepath.Join(r.ix.path, synonymsFile)); err == nil {
			opts.Synonyms = string(b)
			if r.ix.manifest != nil {
				opts.SynonymsFile = r.ix.manifest.SynonymsFile
			}
		}
	}
}

// Rebuild reports on the last rebuild.
func (l *Live) Rebuild() RebuildStatus {
	l.rebuildMu.Lock()
	defer l.rebuildMu.Unlock()
	st := l.rebuild
	if st.State == "" {
		st.State = "idle"
	}
	return st
}
