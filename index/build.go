package index

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"github.com/govsearch/govsearch/analyzer"
)

// MaxFileSize is the largest input file Build reads; anything bigger is
// not a reply and would only exhaust memory.
const MaxFileSize = 64 << 20

// BuildOptions says what to index and where.
type BuildOptions struct {
	// Source is the folder tree of Markdown files.
	Source string
	// Index is the index folder; the new index replaces the one served
	// from it only once complete.
	Index string
	// UserDict is a canonical user dictionary (analyzer.ParseUserDict);
	// UserDictFile names the file it came from, for the manifest.
	UserDict, UserDictFile string
	// Synonyms is the text of a synonyms file (ParseSynonyms) to record
	// with the index, on top of the built-in groups; SynonymsFile names
	// it. A server not given synonyms of its own expands with these.
	Synonyms, SynonymsFile string
	// Incremental re-reads only the files whose content hash differs from
	// the manifest of the index being replaced, adds new ones and deletes
	// the documents of files that are gone; ErrNeedsFullBuild when the
	// analysis (format, dictionary, synonyms) changed since.
	Incremental bool
	// Workers read and parse files in parallel; 0 means one per core.
	Workers int
	// Progress, when set, is called after each file with the files done
	// and the total, from one goroutine.
	Progress func(done, total int)
	// Variant is the kind of index; "" means VariantGovsearch. The others
	// are baselines for the evaluation.
	Variant Variant
	// BatchBytes bounds each bleve batch by the text it holds; 0 means
	// DefaultBatchBytes.
	BatchBytes int
	// LinksOutside indexes the files that symbolic links under Source
	// point to outside it; by default they are skipped with the reason,
	// so that a link to /etc/passwd is not served.
	LinksOutside bool
}

// BuildSummary reports what Build did.
type BuildSummary struct {
	// Kind is "full" or "incremental".
	Kind string
	// Files found, Documents and Sections indexed (for an incremental
	// run: re-read), Bytes of the files indexed.
	Files      int
	Documents  int
	Sections   int
	Bytes      int64
	IndexBytes int64 // size of the new index on disk
	// Changes is what an incremental run changed in the source tree; nil
	// for a full one. Kept says the run found nothing to do (no change in
	// the source, no write in the journal its generation does not
	// apply): no new generation was made and Path is the one being
	// served.
	Changes *Changes
	Kept    bool
	// Writes are the journal's writes the new generation applies over the
	// source tree (see Write), without their text; Retired the entries
	// the source tree overtook, removed from the journal once the new
	// generation was swapped in.
	Writes  []Write
	Retired []RetiredWrite
	// Stale lists what interrupted builds had left, removed by this one.
	Stale   []string
	Skipped []*FileError
	// Transcoded lists the files indexed that were not UTF-8.
	Transcoded []Transcoded
	Elapsed    time.Duration
	// PeakRSS is the most memory the process has held at once, in bytes
	// (getrusage), 0 where the system cannot tell.
	PeakRSS int64
	Path    string // the new generation's folder
}

// Transcoded is a file read in another encoding than UTF-8: an operator
// may want to convert the archive's copy.
type Transcoded struct {
	Path string
	From string // GB18030 (GBK included) or UTF-16
}

// DefaultBatchBytes bounds a bleve batch by the text it holds, so memory
// stays flat whatever the size of the documents. Two batches are analyzed
// at once and each holds a few hundred bytes per character of text until
// its segment is built: 1 MB batches keep a build of the shared corpus
// near 1 GB of memory, 4 MB ones took 2.5 GB (and more page faults) for no
// faster a build, as merging the more numerous small segments costs about
// what analysing bigger batches saves.
const DefaultBatchBytes = 1 << 20

// maxUnpersisted bounds the batches searchable in memory but not yet
// persisted during a build.
const maxUnpersisted = 2

// Build indexes every .md and .markdown file under opts.Source into a new
// generation beside the current one in opts.Index and swaps it in when it is
// complete. Files that cannot be read or parsed are skipped and reported in
// the summary; the error is non-nil only when the build as a whole failed,
// in which case the served index is untouched.
//
// One build at a time writes an index folder: a second gets ErrLocked. A
// build removes what interrupted ones left behind.
func Build(ctx context.Context, opts BuildOptions) (*BuildSummary, error) {
	start := time.Now()
	if err := os.MkdirAll(opts.Index, 0o755); err != nil {
		return nil, fmt.Errorf("create index folder: %w", err)
	}
	lock, err := lockIndex(opts.Index)
	if err != nil {
		return nil, err
	}
	defer lock.release()
	stale := removeStale(opts.Index)

	// The journal is read before the source tree is listed and before
	// anything is copied: a write made later is in the generation being
	// replaced only, and the server that takes up this one applies it
	// (see Live.Reload); one made before is in what an incremental run
	// copies, and is applied again here.
	jw, err := journalOf(opts.Index).readLocked()
	if err != nil {
		return nil, err
	}
	files, dups, err := listSources(opts.Source, opts.LinksOutside)
	if err != nil {
		return nil, err
	}
	afterListing()
	found := len(files) + len(dups)
	writes := planWrites(jw, files)
	files = slices.DeleteFunc(files, func(f sourceFile) bool { return writes.apply[f.docID] != nil })
	variant := opts.Variant
	if variant == "" {
		variant = VariantGovsearch
	}
	syn := DefaultSynonyms()
	if opts.Synonyms != "" {
		if syn, err = ParseSynonyms(cmp.Or(opts.SynonymsFile, "synonyms"), strings.NewReader(opts.Synonyms), syn); err != nil {
			return nil, err
		}
	}
	src, err := filepath.Abs(opts.Source)
	if err != nil {
		return nil, fmt.Errorf("source folder: %w", err)
	}
	want := &Manifest{
		FormatVersion: FormatVersion, Variant: variant,
		Dictionary: dictionaryVersion(opts.UserDict), UserDict: opts.UserDictFile,
		Synonyms: syn.Version(), SynonymsFile: opts.SynonymsFile,
		Source: src, Kind: "full", Documents: map[string]ManifestEntry{},
		Writes: map[string]ManifestWrite{}, Retired: map[string]ManifestWrite{},
	}
	sum := &BuildSummary{Kind: want.Kind, Files: found, Skipped: dups, Stale: stale, Retired: writes.retired}
	for _, rw := range writes.retired {
		mw := manifestWrite(&rw.Write)
		mw.Reason = rw.Reason
		want.Retired[rw.DocID] = mw
	}

	// An incremental run reads what the index was built from, hashes the
	// tree and re-reads only what changed.
	var prev *Manifest
	var prevPath string
	var drop []string // the sections to delete from the copy, but those Removed
	if opts.Incremental {
		inc, err := planIncremental(ctx, opts, files, writes, want, sum)
		if err != nil {
			return nil, err
		}
		prev, prevPath, files, drop = inc.prev, inc.prevPath, inc.files, inc.drop
		if sum.Changes.Empty() && inc.writesSeen {
			// Nothing to re-read; but a damaged index is not up to date.
			if err := checkServedGeneration(prevPath); err != nil {
				return nil, fmt.Errorf("incremental: index %s: %w: %w: run govsearch index without -incremental", prevPath, err, ErrNeedsFullBuild)
			}
			sum.Path, sum.IndexBytes, sum.Kept = prevPath, dirSize(prevPath), true
			sum.Writes = pendingOf(writes.apply)
			sum.Elapsed, sum.PeakRSS = time.Since(start), peakRSS()
			sortSkipped(sum.Skipped)
			return sum, nil
		}
	}
	// The journal's puts are indexed like files, from their entries; its
	// deletes leave their doc_ids out (and out of the copy: drop).
	for _, id := range slices.Sorted(maps.Keys(writes.apply)) {
		w := writes.apply[id]
		if w.Kind == WritePut {
			files = append(files, sourceFile{path: w.file, docID: id, write: w})
		} else {
			want.Writes[id] = manifestWrite(w)
		}
	}
	sum.Writes = pendingOf(writes.apply)

	m, err := newMapping(opts.UserDict, variant)
	if err != nil {
		return nil, err
	}
	gen := "gen-" + time.Now().UTC().Format("20060102T150405.000000000")
	building := filepath.Join(opts.Index, ".building-"+gen)
	var bi bleve.Index
	if prev == nil {
		bi, err = bleve.NewUsing(building, m, scorch.Name, scorch.Name, map[string]any{
			// A batch returns once it is searchable in memory, not once
			// it is on disk, so analysis of the next batch overlaps the
			// persisting and merging of the last. bleve's Close does not
			// wait for such batches (an index closed early reopens
			// empty): Build waits for each batch's persisted callback
			// before closing.
			"unsafe_batch": true,
			// zap v15 segments: building the bigram field's many
			// positions is cheaper than with v17's (a govsearch build
			// took 1.72× the CPU of the jieba-only index's with v15,
			// 2.19× with v17, medians of three alternating runs); bleve
			// reads and searches both alike.
			"forceSegmentType":    "zap",
			"forceSegmentVersion": 15,
			// bleve retries a segment it cannot write (disk full, file
			// too large) for ever and never calls the batch's persisted
			// callback; the error reaches Build only through this.
			"asyncErrorCallbackName": buildErrorsCallback,
		})
		if err != nil {
			return nil, fmt.Errorf("create index %s: %w", building, err)
		}
	} else {
		if err := cloneGeneration(prevPath, building); err != nil {
			return nil, err
		}
		if bi, err = bleve.OpenUsing(building, map[string]any{"unsafe_batch": true, "asyncErrorCallbackName": buildErrorsCallback}); err != nil {
			os.RemoveAll(building)
			return nil, fmt.Errorf("open copy of index %s: %w", prevPath, err)
		}
		if im, ok := bi.Mapping().(*mapping.IndexMappingImpl); ok {
			m = im // the index's own mapping, with its dictionary
		}
	}
	ok := false
	defer func() {
		if !ok {
			bi.Close()
			os.RemoveAll(building)
		}
	}()

	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	docs, err := newDocBuilder(m, variant)
	if err != nil {
		return nil, err
	}
	// A result is one file's sections, or a run of them: a document of
	// thousands of sections is mapped and sent a batch's worth at a time
	// (a 52 MB file of one line had peaked at 1.4 GB with all of its
	// mapped at once), so what workers hold is bounded by the batch size,
	// not by the largest file. first and last mark a file's first and
	// last run.
	type result struct {
		file        sourceFile
		reply       *Reply
		docs        []sectionDoc
		first, last bool
		entry       ManifestEntry
		err         *FileError
	}
	batchBytes := opts.BatchBytes
	if batchBytes <= 0 {
		batchBytes = DefaultBatchBytes
	}
	// A worker sends a large document a quarter batch at a time.
	chunkBytes := max(batchBytes/4, 16<<10)
	jobs := make(chan sourceFile)
	results := make(chan result, workers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for f := range jobs {
				// Workers also normalize and map the sections, which
				// would otherwise hold up the one goroutine that fills
				// batches.
				r, entry, err := readReply(opts.Source, f)
				if err != nil {
					select {
					case results <- result{file: f, first: true, last: true, err: err}:
						continue
					case <-ctx.Done():
						return
					}
				}
				for from := 0; from < len(r.Sections) || from == 0; {
					to := sectionRun(r.Sections, from, chunkBytes)
					ds, mapErr := docs.sectionRange(r, from, to)
					res := result{file: f, reply: r, docs: ds, first: from == 0, last: to == len(r.Sections), entry: entry}
					if mapErr != nil {
						res = result{file: f, first: from == 0, last: true, err: &FileError{Path: f.path, Err: mapErr}}
					}
					select {
					case results <- res:
					case <-ctx.Done():
						return
					}
					if res.last {
						break
					}
					from = to
				}
			}
		})
	}
	go func() {
		defer close(jobs)
		for _, f := range files {
			select {
			case jobs <- f:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	// Batches are written by two goroutines: bleve analyzes a batch in
	// parallel but builds its segment on one core, so a second writer
	// keeps the other core busy meanwhile.
	batches := make(chan *bleve.Batch, 1)
	var writeErr error
	var writeMu sync.Mutex
	// failed is closed with the first error: nothing waits for bleve
	// after that, as a batch it could not persist never calls back.
	failed := make(chan struct{})
	fail := func(err error) {
		writeMu.Lock()
		if writeErr == nil {
			writeErr = fmt.Errorf("write index %s: %w", building, err)
			close(failed)
		}
		writeMu.Unlock()
		cancel()
	}
	store := building + string(os.PathSeparator) + "store" // scorch's path, as bleve makes it
	buildErrors.Store(store, func(err error) {
		var se *scorch.ScorchError
		if errors.As(err, &se) && !errors.Is(err, scorch.ErrCleanup) {
			fail(diskError(se.ErrMsg))
		}
	})
	defer buildErrors.Delete(store)
	var writers sync.WaitGroup
	// Batches in memory but not yet on disk are bounded, or memory grows
	// with the corpus while the persister catches up: each holds a slot
	// of inFlight until its persisted callback.
	inFlight := make(chan struct{}, maxUnpersisted)
	for range 2 {
		writers.Go(func() {
			for b := range batches {
				select {
				case inFlight <- struct{}{}:
				case <-failed:
					continue // the build has failed: drop the rest
				}
				b.SetPersistedCallback(func(err error) {
					if err != nil {
						fail(err)
					}
					<-inFlight
				})
				if err := bi.Batch(b); err != nil {
					// A batch that failed is never persisted.
					<-inFlight
					fail(err)
				}
			}
		})
	}
	batch := bi.NewBatch()
	batchSize := 0
	flush := func() {
		if batch.Size() > 0 {
			batches <- batch
			batch = bi.NewBatch()
			batchSize = 0
		}
	}
	finishWrites := func() error {
		close(batches)
		writers.Wait()
		// Every batch is persisted once all the slots are free again.
		for range maxUnpersisted {
			select {
			case inFlight <- struct{}{}:
			case <-failed:
			}
		}
		writeMu.Lock()
		defer writeMu.Unlock()
		return writeErr
	}
	// oldSections lists a document's sections in the copied index; the
	// sections a changed document no longer has, and all those of a
	// removed one, are deleted.
	oldSections := func(docID string) ([]string, error) {
		if prev == nil {
			return nil, nil
		}
		return sectionIDsOf(ctx, bi, docID)
	}
	if sum.Changes != nil {
		for _, id := range append(slices.Clone(sum.Changes.Removed), drop...) {
			ids, err := oldSections(id)
			if err != nil {
				finishWrites()
				return nil, fmt.Errorf("remove %q: %w", id, err)
			}
			for _, sid := range ids {
				batch.Delete(sid)
			}
		}
	}
	done := 0
	for res := range results {
		if res.last {
			done++
			if opts.Progress != nil {
				opts.Progress(done, len(files))
			}
		}
		if res.err != nil && !res.first {
			// Its first sections are in the batches already.
			finishWrites()
			return nil, fmt.Errorf("index %s: %w", res.file.path, res.err)
		}
		if res.err != nil {
			sum.Skipped = append(sum.Skipped, res.err)
			if res.file.write != nil {
				// A put that no longer parses (a later govsearch's
				// limits) is reported, and its document left out, by
				// every build until its entry is removed: neither the
				// copy's version nor the source file it overrode.
				ids, err := oldSections(res.file.docID)
				if err != nil {
					finishWrites()
					return nil, fmt.Errorf("remove %q: %w", res.file.docID, err)
				}
				for _, sid := range ids {
					batch.Delete(sid)
				}
				continue
			}
			// A changed file that no longer parses keeps its old
			// version in the index (and in the manifest, with the old
			// hash, so that the next run tries it again).
			if prev != nil {
				if e, ok := prev.Documents[res.file.docID]; ok {
					want.Documents[res.file.docID] = e
				}
			}
			continue
		}
		r := res.reply
		if res.first {
			old, err := oldSections(r.DocID)
			if err != nil {
				finishWrites()
				return nil, fmt.Errorf("index %s: %w", r.path, err)
			}
			for _, id := range old {
				if num, ok := sectionNum(r.DocID, id); !ok || num >= len(r.Sections) {
					batch.Delete(id)
				}
			}
		}
		for i, doc := range res.docs {
			if err := batch.IndexAdvanced(doc.doc); err != nil {
				finishWrites()
				return nil, fmt.Errorf("index %s: %w", r.path, err)
			}
			res.docs[i].doc = nil // the batch holds it now; let it go with the batch
			batchSize += doc.size
			// The bound holds inside one document too: a 50 MB file
			// of one line is thousands of sections, which in one batch
			// had peaked at 6.6 GB. The new generation is not served
			// before it is complete, so a document may span batches.
			if batchSize >= batchBytes {
				flush()
			}
		}
		if !res.last {
			continue
		}
		if w := res.file.write; w != nil {
			mw := manifestWrite(w)
			mw.Sections = len(r.Sections)
			want.Writes[r.DocID] = mw
		} else {
			res.entry.Sections = len(r.Sections)
			want.Documents[r.DocID] = res.entry
		}
		sum.Documents++
		if r.encoding != encodingUTF8 {
			sum.Transcoded = append(sum.Transcoded, Transcoded{Path: r.path, From: r.encoding})
		}
		sum.Sections += len(r.Sections)
		sum.Bytes += res.entry.Size
		if batchSize >= batchBytes {
			flush()
		}
	}
	flush()
	if err := finishWrites(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("build index: %w", err)
	}
	want.BuiltAt = time.Now().UTC()
	if err := recordBuild(bi, variant, buildInfo{
		BuiltAt: want.BuiltAt, ElapsedMS: time.Since(start).Milliseconds(), Files: sum.Files,
		Documents: sum.Documents, Sections: sum.Sections, SourceBytes: sum.Bytes, Dictionary: want.Dictionary,
	}); err != nil {
		return nil, err
	}
	if err := bi.Close(); err != nil {
		return nil, fmt.Errorf("close new index: %w", err)
	}
	if err := writeManifest(building, want); err != nil {
		return nil, err
	}
	if opts.Synonyms != "" {
		if err := writeFileSync(filepath.Join(building, synonymsFile), []byte(opts.Synonyms)); err != nil {
			return nil, fmt.Errorf("record synonyms: %w", err)
		}
	}
	ok = true
	sortSkipped(sum.Skipped)
	slices.SortFunc(sum.Transcoded, func(a, b Transcoded) int { return strings.Compare(a.Path, b.Path) })

	final := filepath.Join(opts.Index, gen)
	if err := os.Rename(building, final); err != nil {
		os.RemoveAll(building)
		return nil, fmt.Errorf("finish index: %w", err)
	}
	// The generation being replaced stays: a server may still be serving
	// it until it takes up the new one. Older ones go.
	previous := ""
	if p, err := os.Readlink(filepath.Join(opts.Index, currentLink)); err == nil {
		previous = filepath.Base(p)
	}
	if err := swapCurrent(opts.Index, gen); err != nil {
		os.RemoveAll(final)
		return nil, err
	}
	removeOldGenerations(opts.Index, gen, previous)
	// Only now that the generation that no longer applies them is served.
	if err := journalOf(opts.Index).retire(writes.retiredWrites()); err != nil {
		sum.Skipped = append(sum.Skipped, &FileError{Path: filepath.Join(opts.Index, writesDir), Err: err})
	}
	sum.Path = final
	sum.IndexBytes = dirSize(final)
	sum.Elapsed = time.Since(start)
	sum.PeakRSS = peakRSS()
	return sum, nil
}

// buildErrorsCallback names the scorch callback through which bleve's
// background errors reach the Build writing that index.
const buildErrorsCallback = "govsearch-build"

// buildErrors maps the store folder of each index being built to the
// function failing its Build. It is package state because bleve takes its
// error callbacks only from a registry filled at init, by name.
var buildErrors sync.Map

func init() {
	scorch.RegistryAsyncErrorCallbacks[buildErrorsCallback] = func(err error, path string) {
		if f, ok := buildErrors.Load(path); ok {
			f.(func(error))(err)
		}
	}
}

// diskError turns bleve's text of a failed write into an error that says
// what to do when the disk is full or a file size limit was reached.
func diskError(msg string) error {
	if cause := diskFullCause(errors.New(msg)); cause != "" {
		return fmt.Errorf("%s: %s: free space (or raise the limit) and run the build again; the index being served is unchanged", cause, msg)
	}
	return errors.New(msg)
}

// incrementalPlan is what an incremental run does to the copy of the
// generation being served (prevPath, built from prev).
type incrementalPlan struct {
	prev     *Manifest
	prevPath string
	// files are those to read again (added and changed, and those the
	// journal gave back to the source tree); drop the doc_ids whose
	// sections go without a file read again, besides Changes.Removed.
	files []sourceFile
	drop  []string
	// writesSeen says the served generation's build applied the same
	// journal writes: with no change in the source, nothing is to do.
	writesSeen bool
}

// planIncremental works out an incremental run from the manifest of the
// generation being served and the journal's writes (files holds none of
// the doc_ids they apply to); it records the unchanged documents in want
// and what changed in want and sum. The documents the journal decides, or
// decided for the served generation, are not compared with the source:
// what the copy holds of them may come from a write, so they are all
// indexed again (from their entry, or from the source that has them back)
// or dropped.
func planIncremental(ctx context.Context, opts BuildOptions, files []sourceFile, writes writePlan, want *Manifest, sum *BuildSummary) (*incrementalPlan, error) {
	prevPath, err := currentPath(opts.Index)
	if err != nil {
		return nil, fmt.Errorf("incremental: %w: %w", ErrNeedsFullBuild, err)
	}
	prev, err := readManifest(prevPath)
	if err != nil {
		return nil, fmt.Errorf("incremental: %w: the index has no manifest of what it was built from (%w)", ErrNeedsFullBuild, err)
	}
	if err := prev.checkCompatible(want); err != nil {
		return nil, fmt.Errorf("incremental: %w", err)
	}
	want.Kind, sum.Kind = "incremental", "incremental"
	plan := &incrementalPlan{prev: prev, prevPath: prevPath, writesSeen: len(writes.retired) == 0 && len(writes.apply) == len(prev.Writes)}
	decided := map[string]bool{}
	for id, w := range writes.apply {
		decided[id] = true
		plan.writesSeen = plan.writesSeen && prev.Writes[id].Stamp == w.stamp
	}
	for id := range prev.Writes {
		decided[id] = true
	}
	for _, rw := range writes.retired {
		decided[rw.DocID] = true
	}
	for id := range decided {
		delete(prev.Documents, id)
	}
	current, unreadable := hashSources(ctx, files, opts.Workers)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("build index: %w", err)
	}
	for id := range decided {
		delete(current, id)
		delete(unreadable, id)
	}
	for id, fe := range unreadable {
		// A file that cannot be read now keeps what was indexed of it;
		// it is reported, and retried next time.
		if e, ok := prev.Documents[id]; ok {
			current[id] = e.SHA256
		}
		sum.Skipped = append(sum.Skipped, fe)
	}
	changes := prev.Diff(current)
	// A document is removed only when its file is certainly gone, not
	// when its folder could not be read.
	removed := changes.Removed[:0]
	for _, id := range changes.Removed {
		path := filepath.Join(opts.Source, filepath.FromSlash(prev.Documents[id].Path))
		if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
			removed = append(removed, id)
			continue
		} else if err != nil {
			sum.Skipped = append(sum.Skipped, &FileError{Path: path, Err: fmt.Errorf("kept %q in the index: cannot tell whether its file is gone: %w", id, err)})
		}
		current[id] = prev.Documents[id].SHA256
	}
	changes.Removed = removed
	sum.Changes, want.Changes = changes, changes
	for id, e := range prev.Documents {
		if current[id] == e.SHA256 {
			want.Documents[id] = e
		}
	}
	reread := map[string]bool{}
	for _, id := range append(slices.Clone(changes.Added), changes.Changed...) {
		reread[id] = true
	}
	inSource := map[string]bool{}
	for _, f := range files {
		inSource[f.docID] = true
	}
	for id := range decided {
		switch {
		case writes.apply[id] != nil && writes.apply[id].Kind == WritePut: // indexed from its entry
		case writes.apply[id] == nil && inSource[id]:
			reread[id] = true
		default:
			plan.drop = append(plan.drop, id)
		}
	}
	slices.Sort(plan.drop)
	plan.files = slices.DeleteFunc(files, func(f sourceFile) bool { return !reread[f.docID] })
	return plan, nil
}

// sortSkipped puts the report in path order: workers finish in any order.
func sortSkipped(s []*FileError) {
	slices.SortFunc(s, func(a, b *FileError) int { return strings.Compare(a.Path, b.Path) })
}

// sectionNum parses a section's bleve id back into its number.
func sectionNum(docID, id string) (int, bool) {
	rest, ok := strings.CutPrefix(id, docID+"#")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil
}

// eachFile calls fn on every file from workers goroutines (0: one per
// core), and stops handing out files when ctx ends.
func eachFile(ctx context.Context, files []sourceFile, workers int, fn func(sourceFile)) {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	jobs := make(chan sourceFile)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for f := range jobs {
				fn(f)
			}
		})
	}
	for _, f := range files {
		if ctx.Err() != nil {
			break
		}
		jobs <- f
	}
	close(jobs)
	wg.Wait()
}

// hashSources hashes every file's content in parallel, by doc_id; files
// that cannot be read are returned apart, by doc_id too.
func hashSources(ctx context.Context, files []sourceFile, workers int) (map[string]string, map[string]*FileError) {
	var mu sync.Mutex
	sums, errs := map[string]string{}, map[string]*FileError{}
	eachFile(ctx, files, workers, func(f sourceFile) {
		data, ferr := readSource(f)
		sum := ""
		if ferr == nil {
			sum = contentHash(data)
		}
		mu.Lock()
		defer mu.Unlock()
		if ferr != nil {
			errs[f.docID] = ferr
		} else {
			sums[f.docID] = sum
		}
	})
	return sums, errs
}

func contentHash(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// sourceFile is one input file: where it is and what doc_id it gets; or
// a put from the write journal (write), indexed instead of the source
// file with its doc_id.
type sourceFile struct {
	path  string
	docID string
	write *Write
}

// afterListing runs once a build has listed its source tree; tests change
// the tree under a running build with it.
var afterListing = func() {}

// listSources finds the Markdown files under src. Of two files that map to
// one doc_id (a.md and a.markdown) the first in path order is kept and the
// other returned as a duplicate, so the choice never depends on timing.
func listSources(src string, linksOutside bool) (files []sourceFile, dups []*FileError, err error) {
	st, err := os.Stat(src)
	if err != nil {
		return nil, nil, fmt.Errorf("source folder: %w", err)
	}
	if !st.IsDir() {
		return nil, nil, fmt.Errorf("source folder %s: not a folder", src)
	}
	root, err := filepath.EvalSymlinks(src)
	if err != nil {
		return nil, nil, fmt.Errorf("source folder: %w", err)
	}
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == src {
				return err
			}
			dups = append(dups, &FileError{Path: path, Err: err})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if path != src && strings.HasPrefix(name, ".") {
				return fs.SkipDir
			}
			return nil
		}
		ext := strings.ToLower(filepath.Ext(name))
		if ext != ".md" && ext != ".markdown" {
			return nil
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if !utf8.ValidString(rel) {
			dups = append(dups, &FileError{Path: path, Err: fmt.Errorf("%w: %q is not UTF-8 text, as a doc_id must be; rename the file", ErrFileName, rel)})
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 && !linksOutside {
			if target, err := filepath.EvalSymlinks(path); err == nil && !within(root, target) {
				dups = append(dups, &FileError{Path: path, Err: fmt.Errorf("%w: it points to %s; skipped (index -links-outside follows such links)", ErrOutsideSource, target)})
				return nil
			}
		}
		files = append(files, sourceFile{path: path, docID: filepath.ToSlash(strings.TrimSuffix(rel, filepath.Ext(rel)))})
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list %s: %w", src, err)
	}
	slices.SortFunc(files, func(a, b sourceFile) int {
		if c := strings.Compare(a.docID, b.docID); c != 0 {
			return c
		}
		return strings.Compare(a.path, b.path)
	})
	kept := make([]sourceFile, 0, len(files))
	for _, f := range files {
		if n := len(kept); n > 0 && f.docID == kept[n-1].docID {
			dups = append(dups, &FileError{Path: f.path, Err: fmt.Errorf("%w %q: also the id of %s", ErrDuplicateID, f.docID, kept[n-1].path)})
			continue
		}
		kept = append(kept, f)
	}
	return kept, dups, nil
}

// within says whether path is root or below it.
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// readSource reads one file whole, refusing what is not a regular file
// or is too big to be a reply.
func readSource(f sourceFile) ([]byte, *FileError) {
	if f.write != nil {
		return []byte(f.write.Markdown), nil
	}
	st, err := os.Stat(f.path)
	if err != nil {
		return nil, &FileError{Path: f.path, Err: err}
	}
	if !st.Mode().IsRegular() {
		return nil, &FileError{Path: f.path, Err: errors.New("not a regular file")}
	}
	if st.Size() > MaxFileSize {
		return nil, &FileError{Path: f.path, Err: fmt.Errorf("%w: %d MB, more than the limit of %d MB", ErrTooBig, st.Size()>>20, MaxFileSize>>20)}
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return nil, &FileError{Path: f.path, Err: err}
	}
	return data, nil
}

// readReply reads and parses one file, and says what the manifest records
// of it (but its sections).
func readReply(src string, f sourceFile) (*Reply, ManifestEntry, *FileError) {
	data, ferr := readSource(f)
	if ferr != nil {
		return nil, ManifestEntry{}, ferr
	}
	rel, err := filepath.Rel(src, f.path)
	if err != nil {
		rel = f.path
	}
	entry := ManifestEntry{Path: filepath.ToSlash(rel), SHA256: contentHash(data), Size: int64(len(data))}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, entry, &FileError{Path: f.path, Err: ErrEmpty}
	}
	r, err := ParseReply(f.path, f.docID, data)
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			return nil, entry, fe
		}
		return nil, entry, &FileError{Path: f.path, Err: err}
	}
	r.path = f.path
	return r, entry, nil
}

// sectionDoc is one bleve document: a section with its document's fields.
type sectionDoc struct {
	doc  *document.Document
	size int // the bytes of text it holds, for sizing batches
}

// docBuilder turns replies into bleve documents for one index variant.
// The baselines' documents are what the mapping makes of the fields;
// govsearch's analyzed fields are built here, from text normalized once
// for the words and the bigrams alike (see analyzer.WordsField).
type docBuilder struct {
	m     *mapping.IndexMappingImpl
	words *analyzer.Tokenizer // nil for the baselines
	// Indexing options of the word fields and of the bigram field, as the
	// mapping gives them.
	wordOpts, ngramOpts bleveindex.FieldIndexingOptions
}

func newDocBuilder(m *mapping.IndexMappingImpl, variant Variant) (*docBuilder, error) {
	b := &docBuilder{m: m}
	if variant != VariantGovsearch {
		return b, nil
	}
	t, err := analyzer.TokenizerOf(m.AnalyzerNamed(indexAnalyzer))
	if err != nil {
		return nil, err
	}
	b.words = t
	opts := func(name string) bleveindex.FieldIndexingOptions {
		return m.DefaultMapping.Properties[name].Fields[0].Options()
	}
	b.wordOpts, b.ngramOpts = opts(fieldText), opts(fieldNgram)
	for _, f := range []string{fieldTitle, fieldHeading} {
		if opts(f) != b.wordOpts {
			return nil, fmt.Errorf("mapping: field %s is not indexed like %s", f, fieldText)
		}
	}
	return b, nil
}

// sectionDocs turns a reply into the bleve documents of its sections.
func (b *docBuilder) sectionDocs(r *Reply) ([]sectionDoc, error) {
	return b.sectionRange(r, 0, len(r.Sections))
}

// sectionRun returns the end of the run of sections from from whose text
// is about limit bytes: at least one section, at most the rest.
func sectionRun(sections []Section, from, limit int) int {
	size := 0
	for i := from; i < len(sections); i++ {
		if size += len(sections[i].Text) + len(sections[i].Heading); size >= limit {
			return i + 1
		}
	}
	return len(sections)
}

// sectionRange maps sections [from, to) of r, as sectionDocs does all.
func (b *docBuilder) sectionRange(r *Reply, from, to int) ([]sectionDoc, error) {
	meta := ""
	if len(r.Meta) > 0 {
		j, err := json.Marshal(r.Meta)
		if err == nil {
			meta = string(j)
		}
	}
	publisher, _ := r.Meta["publisher"].(string)
	issuers := SplitIssuers(publisher)
	source, _ := r.Meta["source"].(string)
	var title analyzer.Normalized
	if b.words != nil {
		title = analyzer.Normalize(r.Title)
	}
	info := map[string]any{}
	if !r.Info.IsZero() {
		j, err := json.Marshal(r.Info)
		if err == nil {
			info[fieldReply] = string(j)
		}
		for field, v := range map[string]string{fieldKind: r.Info.Kind, fieldMinistry: r.Info.Ministry} {
			if v != "" {
				info[field] = v
			}
		}
		if len(r.Info.Addressees) > 0 {
			info[fieldAddressee] = r.Info.Addressees
		}
		for field, v := range map[string]int{fieldTerm: r.Info.Term, fieldSession: r.Info.Session, fieldProposalNo: r.Info.ProposalNo} {
			if v > 0 {
				info[field] = float64(v)
			}
		}
	}
	docs := make([]sectionDoc, 0, to-from)
	for _, s := range r.Sections[from:to] {
		f := map[string]any{
			fieldDocID:   r.DocID,
			fieldSection: float64(s.Num),
		}
		if b.words == nil {
			f[fieldTitle], f[fieldHeading], f[fieldText] = r.Title, s.Heading, s.Text
		}
		if !r.Date.IsZero() {
			f[fieldDate] = r.Date
		}
		if len(r.Tags) > 0 {
			f[fieldTags] = r.Tags
		}
		if len(r.Categories) > 0 {
			f[fieldCategories] = r.Categories
		}
		if publisher != "" {
			f[fieldPublisher] = publisher
			f[fieldIssuer] = issuers
		}
		if source != "" {
			f[fieldSource] = source
		}
		if meta != "" {
			f[fieldMeta] = meta
		}
		for k, v := range info {
			f[k] = v
		}
		id := sectionID(r.DocID, s.Num)
		doc := document.NewDocument(id)
		if err := b.m.MapDocument(doc, f); err != nil {
			return nil, fmt.Errorf("section %d: %w", s.Num, err)
		}
		if b.words != nil {
			heading, text := analyzer.Normalize(s.Heading), analyzer.Normalize(s.Text)
			doc.AddField(b.words.WordsField(fieldTitle, r.Title, title, b.wordOpts))
			doc.AddField(b.words.WordsField(fieldHeading, s.Heading, heading, b.wordOpts))
			doc.AddField(b.words.WordsField(fieldText, s.Text, text, b.wordOpts))
			doc.AddField(analyzer.NewBigramField(fieldNgram, b.ngramOpts, title.Text, heading.Text, text.Text))
		}
		docs = append(docs, sectionDoc{
			doc:  doc,
			size: len(s.Text) + len(s.Heading) + len(r.Title) + len(meta),
		})
	}
	return docs, nil
}

// swapCurrent points the index folder's current link at gen. rename(2)
// replaces the link atomically: a reader opens either the old generation or
// the new one, never nothing.
func swapCurrent(dir, gen string) error {
	tmp := filepath.Join(dir, ".current-"+gen)
	os.Remove(tmp)
	if err := os.Symlink(gen, tmp); err != nil {
		return fmt.Errorf("swap in new index: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, currentLink)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("swap in new index: %w", err)
	}
	return nil
}

// removeOldGenerations deletes the generations other than those kept. A
// process still reading an old one keeps its open files until it closes
// them.
func removeOldGenerations(dir string, keep ...string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "gen-") && !slices.Contains(keep, e.Name()) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
