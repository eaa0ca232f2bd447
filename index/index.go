package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
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
)

// currentLink is the symlink inside an index folder that names the
// generation being served. Builds write a new generation beside it and swap
// the link atomically, so readers never see a half-built index.
const currentLink = "current"

// Index is an open govsearch index: one bleve index of sections.
type Index struct {
	bleve    bleve.Index
	analyzer analysis.Analyzer
	path     string
}

// Open opens the index served from dir (the folder given to Build).
func Open(dir string) (*Index, error) {
	path, err := currentPath(dir)
	if err != nil {
		return nil, err
	}
	bi, err := bleve.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open index %s: %w", path, err)
	}
	an := bi.Mapping().AnalyzerNamed(indexAnalyzer)
	if an == nil {
		bi.Close()
		return nil, fmt.Errorf("open index %s: analyzer %s missing from its mapping", path, indexAnalyzer)
	}
	return &Index{bleve: bi, analyzer: an, path: path}, nil
}

// currentPath resolves the generation an index folder serves.
func currentPath(dir string) (string, error) {
	link := filepath.Join(dir, currentLink)
	target, err := os.Readlink(link)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("open index %s: %w (build one with govsearch index)", dir, ErrNoIndex)
		}
		return "", fmt.Errorf("open index %s: %w", dir, err)
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(dir, target)
	}
	return target, nil
}

// Exists reports whether dir holds a built index.
func Exists(dir string) bool {
	_, err := os.Readlink(filepath.Join(dir, currentLink))
	return err == nil
}

// Close closes the index. Searches must have finished.
func (ix *Index) Close() error {
	if err := ix.bleve.Close(); err != nil {
		return fmt.Errorf("close index %s: %w", ix.path, err)
	}
	return nil
}

// Path is the folder of the generation this Index reads.
func (ix *Index) Path() string { return ix.path }

// Size limits of a search request.
const (
	DefaultSize = 10
	MaxSize     = 100
	MaxWindow   = 10000
	MaxQueryLen = 256
)

// SearchRequest is a search: free text and a page of results.
type SearchRequest struct {
	// Query is free text: words that must all occur, "quoted phrases" that
	// must occur exactly.
	Query string
	From  int
	Size  int
}

// SearchResult is one page of ranked sections.
type SearchResult struct {
	Query string
	Total uint64
	Took  time.Duration
	Hits  []Hit
}

// Hit is one matching section, with enough of its document to show it.
type Hit struct {
	// ID identifies the section: doc_id#section.
	ID         string
	DocID      string
	Section    int
	Title      string
	Heading    string
	Date       time.Time
	Tags       []string
	Categories []string
	Score      float64
	// Snippet is HTML: escaped text around the matches, each in <mark>.
	Snippet string
}

// Field weights: a match in a title or heading says more about a section
// than one in its body.
const (
	boostTitle   = 3.0
	boostHeading = 2.0
	boostText    = 1.0
	// boostPhrase rewards sections where the words of an unquoted part stand
	// together as the user typed them, above the same words scattered.
	boostPhrase = 1.5
	// subWordBoost scales a match on a word's sub-words in a row (长江 大桥
	// for 长江大桥) below a match on the word.
	subWordBoost = 0.5
)

var searchFields = []struct {
	name  string
	boost float64
}{{fieldTitle, boostTitle}, {fieldHeading, boostHeading}, {fieldText, boostText}}

// Search runs a search under ctx.
func (ix *Index) Search(ctx context.Context, req SearchRequest) (*SearchResult, error) {
	start := time.Now()
	q, err := ix.plan(req.Query)
	if err != nil {
		return nil, err
	}
	size := req.Size
	if size <= 0 {
		size = DefaultSize
	}
	sr := bleve.NewSearchRequestOptions(q, size, req.From, false)
	sr.Fields = []string{fieldDocID, fieldSection, fieldTitle, fieldHeading, fieldText, fieldDate, fieldTags, fieldCategories}
	sr.IncludeLocations = true
	// Equal scores fall back to document order, so a request always gives
	// the same page.
	sr.SortBy([]string{"-_score", fieldDocID, fieldSection})
	res, err := ix.bleve.SearchInContext(ctx, sr)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", req.Query, err)
	}
	out := &SearchResult{Query: req.Query, Total: res.Total, Hits: make([]Hit, 0, len(res.Hits))}
	for _, m := range res.Hits {
		h := hitFromFields(m.Fields)
		h.ID = m.ID
		h.Score = m.Score
		h.Snippet = makeSnippet(str(m.Fields[fieldText]), locationSpans(m.Locations[fieldText]))
		out.Hits = append(out.Hits, h)
	}
	out.Took = time.Since(start)
	return out, nil
}

// plan turns the user's query into a bleve query: every part must match
// in the title, heading or text of a section.
func (ix *Index) plan(q string) (query.Query, error) {
	parts := parseQuery(q)
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: the query is empty", ErrBadQuery)
	}
	var must []query.Query
	for _, p := range parts {
		tokens := ix.analyzer.Analyze([]byte(p.Text))
		if len(tokens) == 0 {
			continue // punctuation only: nothing to require
		}
		if p.Phrase {
			must = append(must, phraseQuery(p.Text, 1))
			continue
		}
		// Tokens at one position are a word of jieba's precise cut and the
		// sub-words search mode adds. A section matches the position when it
		// has the word or, where the text was cut differently, the sub-words
		// that tile the word standing in a row (长江 大桥 for 长江大桥).
		var positions []query.Query
		for _, group := range groupByPosition(tokens) {
			word := anyField(string(group[0].Term), 1)
			tiles := tiling(group)
			if tiles == nil {
				positions = append(positions, word)
				continue
			}
			alts := []query.Query{word}
			for _, f := range searchFields {
				pq := query.NewPhraseQuery(tiles, f.name)
				pq.SetBoost(f.boost * subWordBoost)
				alts = append(alts, pq)
			}
			positions = append(positions, query.NewDisjunctionQuery(alts))
		}
		words := query.Query(query.NewConjunctionQuery(positions))
		if len(positions) > 1 {
			words = query.NewBooleanQuery([]query.Query{words}, []query.Query{phraseQuery(p.Text, boostPhrase)}, nil)
		}
		must = append(must, words)
	}
	if len(must) == 0 {
		return nil, fmt.Errorf("%w: the query %q has no searchable words", ErrBadQuery, q)
	}
	if len(must) == 1 {
		return must[0], nil
	}
	return query.NewConjunctionQuery(must), nil
}

// groupByPosition groups an analyzed query's tokens by position, the
// longest token (the word itself) first in each group.
func groupByPosition(tokens analysis.TokenStream) [][]*analysis.Token {
	var groups [][]*analysis.Token
	for i, t := range tokens {
		if i == 0 || t.Position != tokens[i-1].Position {
			groups = append(groups, nil)
		}
		g := &groups[len(groups)-1]
		*g = append(*g, t)
	}
	for _, g := range groups {
		slices.SortStableFunc(g, func(a, b *analysis.Token) int { return (b.End - b.Start) - (a.End - a.Start) })
	}
	return groups
}

// tiling returns sub-words of group[0] that cover it end to end without
// overlap, longest first, or nil when they do not cover it.
func tiling(group []*analysis.Token) []string {
	word := group[0]
	var tiles []string
	for at := word.Start; at < word.End; {
		var best *analysis.Token
		for _, t := range group[1:] {
			if t.Start == at && (best == nil || t.End > best.End) {
				best = t
			}
		}
		if best == nil {
			return nil
		}
		tiles = append(tiles, string(best.Term))
		at = best.End
	}
	if len(tiles) < 2 {
		return nil
	}
	return tiles
}

// anyField matches a term in the title, heading or text, each weighted.
func anyField(term string, boost float64) query.Query {
	alts := make([]query.Query, 0, len(searchFields))
	for _, f := range searchFields {
		tq := query.NewTermQuery(term)
		tq.SetField(f.name)
		tq.SetBoost(f.boost * boost)
		alts = append(alts, tq)
	}
	return query.NewDisjunctionQuery(alts)
}

// phraseQuery matches text as a phrase in any of the searched fields.
func phraseQuery(text string, boost float64) query.Query {
	var alts []query.Query
	for _, f := range searchFields {
		pq := query.NewMatchPhraseQuery(text)
		pq.SetField(f.name)
		pq.Analyzer = indexAnalyzer
		pq.SetBoost(f.boost * boost)
		alts = append(alts, pq)
	}
	return query.NewDisjunctionQuery(alts)
}

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
