package index

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bbolterrors "go.etcd.io/bbolt/errors"
)

// Sentinel errors of searching and lookup; package api maps them to HTTP
// status codes.
var (
	// ErrNotFound means no document has the requested doc_id.
	ErrNotFound = errors.New("not found")
	// ErrBadQuery means the query cannot be searched (nothing searchable in
	// it); the wrapping error says why.
	ErrBadQuery = errors.New("bad query")
	// ErrNoIndex means the index folder holds no govsearch index.
	ErrNoIndex = errors.New("no index")
	// ErrInUse means another process has the index open.
	ErrInUse = errors.New("index in use")
	// ErrCorrupt means the index folder is damaged (a segment file
	// truncated, overwritten or deleted, bleve's root file or metadata
	// unreadable, the current link dangling): it is refused at open,
	// before bleve could serve it half empty or delete what it cannot
	// read, and a full build (govsearch index, not -incremental) replaces
	// it. The wrapping error names the file.
	ErrCorrupt = errors.New("index is damaged")
)

// boltTimeout is how long an opener waits for another process's hold on
// an index (its root bolt file) before it says the index is in use.
const boltTimeout = 3 * time.Second

// currentLink is the symlink inside an index folder that names the
// generation being served. Builds write a new generation beside it and swap
// the link atomically, so readers never see a half-built index.
const currentLink = "current"

// Index is an open govsearch index: one bleve index of sections.
type Index struct {
	bleve    bleve.Index
	analyzer analysis.Analyzer
	path     string
	variant  Variant
	synonyms *Synonyms
	// synonymsFrom says where the synonyms came from, for Stats.
	synonymsFrom string
	// manifest is what the generation was built from (its documents
	// left out), nil for an index built before manifests were kept.
	manifest *Manifest

	// facets caches every document's facet values (see docFacets).
	facetsMu sync.Mutex
	facets   map[string]docFacetValues
	// results caches search results, suggested suggestions (see lru).
	results   *lru[*SearchResult]
	suggested *lru[[]Suggestion]
	// budget counts what queries cost and lets heavy ones through one at
	// a time.
	budget *budget
	// writeMu serializes Put and Delete.
	writeMu sync.Mutex
	// knownVals caches what Interpret reads queries into (guarded by
	// facetsMu, dropped with the facet values).
	knownVals *knownValues
	// suggest caches the candidates of Suggest.
	suggestMu sync.Mutex
	suggest   *suggestions
	closed    atomic.Bool
}

// OpenOptions configure an opened index.
type OpenOptions struct {
	// Synonyms expand queries; nil means those recorded with the index
	// (BuildOptions.Synonyms) on top of the built-in groups.
	Synonyms *Synonyms
	// SynonymsFile names where Synonyms came from, for Stats.
	SynonymsFile string
}

// Open opens the index served from dir (the folder given to Build) with the
// default options.
func Open(dir string) (*Index, error) { return OpenWith(dir, OpenOptions{}) }

// OpenWith opens the index served from dir.
func OpenWith(dir string, opts OpenOptions) (*Index, error) {
	path, err := currentPath(dir)
	if err != nil {
		return nil, err
	}
	return openGeneration(dir, path, opts)
}

// openGeneration opens the generation at path of the index folder dir.
func openGeneration(dir, path string, opts OpenOptions) (*Index, error) {
	// The manifest is read first: a damaged one is refused like a damaged
	// segment, and its source folder goes into the hint.
	m, err := readManifest(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, withRebuildHint(fmt.Errorf("open index %s: %w: %w", path, ErrCorrupt, err), dir, "")
	}
	src := ""
	if m != nil {
		src = m.Source
	}
	// bleve opens what it can of a damaged index without a word: a
	// segment that fails to load makes it fall back to an older snapshot
	// or to an empty index, and a missing or empty root file makes it
	// delete every segment file as unreferenced. So the generation is
	// checked first.
	if err := checkGeneration(path); err != nil {
		if errors.Is(err, bbolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open index %s: %w: another process (a running govsearch serve?) has it open", path, ErrInUse)
		}
		return nil, withRebuildHint(fmt.Errorf("open index %s: %w", path, err), dir, src)
	}
	// Build stores "unsafe_batch" in the index's config; a served index
	// must not use it: a write (Put, Delete) returns only once it is on
	// disk, so a crash right after loses nothing.
	// Only one process may open an index; another waits boltTimeout for
	// it and then says so, rather than hang.
	bi, err := bleve.OpenUsing(path, map[string]any{"unsafe_batch": false, "bolt_timeout": boltTimeout.String()})
	if errors.Is(err, bbolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open index %s: %w: another process (a running govsearch serve?) has it open", path, ErrInUse)
	}
	if err != nil {
		// What checkGeneration passed and bleve cannot read (its
		// metadata, the mapping stored with the index) is damage too.
		if !errors.Is(err, os.ErrPermission) {
			err = fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		return nil, withRebuildHint(fmt.Errorf("open index %s: %w", path, err), dir, src)
	}
	an := bi.Mapping().AnalyzerNamed(indexAnalyzer)
	if an == nil {
		bi.Close()
		return nil, fmt.Errorf("open index %s: analyzer %s missing from its mapping", path, indexAnalyzer)
	}
	variant := VariantGovsearch
	if v, err := bi.GetInternal(variantKey); err == nil && len(v) > 0 {
		variant = Variant(v)
	}
	if !slices.Contains(Variants, variant) {
		bi.Close()
		return nil, fmt.Errorf("open index %s: unknown variant %q", path, variant)
	}
	ix := &Index{bleve: bi, analyzer: an, path: path, variant: variant, synonyms: opts.Synonyms, synonymsFrom: opts.SynonymsFile,
		budget: newBudget(), results: newLRU[*SearchResult](resultCacheSize), suggested: newLRU[[]Suggestion](suggestCacheSize)}
	if m != nil {
		m.Documents = nil
		ix.manifest = m
	}
	if ix.synonyms == nil {
		if ix.synonyms, ix.synonymsFrom, err = recordedSynonyms(path, ix.manifest); err != nil {
			bi.Close()
			return nil, fmt.Errorf("open index %s: %w", path, err)
		}
	}
	return ix, nil
}

// recordedSynonyms are the synonyms an index was built with, on top of
// the built-in groups, and where they came from.
func recordedSynonyms(gen string, m *Manifest) (*Synonyms, string, error) {
	f, err := os.Open(filepath.Join(gen, synonymsFile))
	if errors.Is(err, os.ErrNotExist) {
		return DefaultSynonyms(), "", nil
	}
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	name := filepath.Join(gen, synonymsFile)
	if m != nil && m.SynonymsFile != "" {
		name = m.SynonymsFile
	}
	syn, err := ParseSynonyms(name, f, DefaultSynonyms())
	return syn, name, err
}

// currentPath resolves the generation an index folder serves: ErrNoIndex
// without a current link, ErrCorrupt when it names no folder.
func currentPath(dir string) (string, error) {
	link := filepath.Join(dir, currentLink)
	target, err := os.Readlink(link)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", withRebuildHint(fmt.Errorf("open index %s: %w", dir, ErrNoIndex), dir, "")
		}
		// Anything but a symlink there (EINVAL) is damage too.
		return "", withRebuildHint(fmt.Errorf("open index %s: %w: %s is not a link to a generation: %w", dir, ErrCorrupt, link, err), dir, "")
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(dir, target)
	}
	if st, err := os.Stat(target); err != nil || !st.IsDir() {
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return "", withRebuildHint(fmt.Errorf("open index %s: %w: %s names %s, which is not a folder", dir, ErrCorrupt, link, target), dir, "")
		}
		return "", fmt.Errorf("open index %s: %w", dir, err)
	}
	return target, nil
}

// withRebuildHint adds to an error about the index folder dir the command
// that replaces its index: a full build, from src (the folder the index
// was built from, when known).
func withRebuildHint(err error, dir, src string) error {
	if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNoIndex) {
		return err
	}
	verb := "rebuild it"
	if errors.Is(err, ErrNoIndex) {
		verb = "build one"
	}
	return fmt.Errorf("%w; %s with govsearch index -src %s -index %s", err, verb, cmp.Or(src, "DIR"), dir)
}

// Exists reports whether dir holds a built index.
func Exists(dir string) bool {
	_, err := os.Readlink(filepath.Join(dir, currentLink))
	return err == nil
}

// Close closes the index. Searches must have finished. A second Close does
// nothing (scorch would panic): Live closes an index it failed to open
// again after a refused write, and keeps it to refuse calls with.
func (ix *Index) Close() error {
	if ix.closed.Swap(true) {
		return nil
	}
	if err := ix.bleve.Close(); err != nil {
		return fmt.Errorf("close index %s: %w", ix.path, err)
	}
	return nil
}

// Path is the folder of the generation this Index reads.
func (ix *Index) Path() string { return ix.path }

// plan plans a query the way the index's variant does; readings are how
// parts of it were read (nil for a query searched as typed).
func (ix *Index) plan(q string, readings []Reading) (*plan, error) {
	switch ix.variant {
	case VariantJieba:
		return ix.planJieba(q, readings)
	case VariantCJK:
		return ix.planCJK(q, readings)
	}
	return ix.planGovsearch(q, readings)
}

// sectionID is the bleve id of a section, and Hit.ID.
func sectionID(docID string, num int) string { return docID + "#" + strconv.Itoa(num) }

// locationSpans flattens bleve's term locations of one field into spans.
func locationSpans(tl search.TermLocationMap) []span {
	var spans []span
	for _, locs := range tl {
		for _, l := range locs {
			spans = append(spans, span{int(l.Start), int(l.End)})
		}
	}
	return spans
}

// Document returns a document with all its sections.
func (ix *Index) Document(ctx context.Context, docID string) (*Reply, error) {
	tq := query.NewTermQuery(docID)
	tq.SetField(fieldDocID)
	sr := bleve.NewSearchRequestOptions(tq, MaxWindow, 0, false)
	sr.Fields = []string{"*"}
	sr.SortBy([]string{fieldSection})
	res, err := ix.bleve.SearchInContext(ctx, sr)
	if err != nil {
		return nil, fmt.Errorf("document %q: %w", docID, err)
	}
	if len(res.Hits) == 0 {
		return nil, fmt.Errorf("document %q: %w", docID, ErrNotFound)
	}
	first := hitFromFields(res.Hits[0].Fields)
	r := &Reply{DocID: docID, Title: first.Title, Date: first.Date, Tags: first.Tags, Categories: first.Categories}
	if first.Reply != nil {
		r.Info = *first.Reply
	}
	if m := str(res.Hits[0].Fields[fieldMeta]); m != "" {
		if err := json.Unmarshal([]byte(m), &r.Meta); err != nil {
			return nil, fmt.Errorf("document %q: stored metadata: %w", docID, err)
		}
	}
	for _, m := range res.Hits {
		h := hitFromFields(m.Fields)
		r.Sections = append(r.Sections, Section{Num: h.Section, Heading: h.Heading, Text: str(m.Fields[fieldText])})
	}
	return r, nil
}

// hitFromFields reads the stored fields bleve returns.
func hitFromFields(f map[string]any) Hit {
	h := Hit{
		DocID:      str(f[fieldDocID]),
		Title:      str(f[fieldTitle]),
		Heading:    str(f[fieldHeading]),
		Tags:       strs(f[fieldTags]),
		Categories: strs(f[fieldCategories]),
		Publisher:  str(f[fieldPublisher]),
		Source:     str(f[fieldSource]),
	}
	h.Issuers = SplitIssuers(h.Publisher)
	if j := str(f[fieldReply]); j != "" {
		var ri ReplyInfo
		if err := json.Unmarshal([]byte(j), &ri); err == nil {
			h.Reply = &ri
		}
	}
	if n, ok := f[fieldSection].(float64); ok {
		h.Section = int(n)
	}
	if d := str(f[fieldDate]); d != "" {
		if t, err := time.Parse(time.RFC3339, d); err == nil {
			h.Date = t.In(shanghai)
		}
	}
	return h
}

func str(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		// A field stored from a slice of one value comes back as that slice.
		parts := make([]string, 0, len(t))
		for _, e := range t {
			parts = append(parts, fmt.Sprint(e))
		}
		return strings.Join(parts, "")
	}
	return ""
}

func strs(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
