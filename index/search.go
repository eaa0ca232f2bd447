package index

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/govsearch/govsearch/analyzer"
)

// Size limits of a search request.
const (
	DefaultSize = 10
	MaxSize     = 100
	MaxWindow   = 10000
	MaxQueryLen = 256
	// MaxFilterValues bounds the values of one filter (tags, ...).
	MaxFilterValues = 20
	// FacetSize is how many values of each facet a search returns.
	FacetSize = 20
)

// Sort is the order of search results.
type Sort string

// The sort orders. Ties always fall back to doc_id, then section number,
// so the same request always gives the same order.
const (
	SortRelevance Sort = "relevance"
	// SortDate is oldest first.
	SortDate Sort = "date"
	// SortDateDesc is newest first.
	SortDateDesc Sort = "-date"
)

// Sorts lists the sort orders, the default first.
var Sorts = []Sort{SortRelevance, SortDate, SortDateDesc}

// The facets a search can count.
const (
	FacetTags       = "tags"
	FacetCategories = "categories"
	FacetYear       = "year"
	FacetPublisher  = "publisher"
	// Reply facets: the answering ministry, the kind of reply, and the
	// session it answers (13届3次).
	FacetMinistry = "ministry"
	FacetKind     = "kind"
	FacetSession  = "session"
)

// Facets lists the facet names.
var Facets = []string{FacetTags, FacetCategories, FacetYear, FacetPublisher, FacetMinistry, FacetKind, FacetSession}

// SearchRequest is a search: free text, filters, an order and a page.
type SearchRequest struct {
	// Query is free text: words that must all occur, "quoted phrases" that
	// must occur exactly, OR between parts, -part to exclude. Empty lists
	// every section the filters let through.
	Query string
	From  int
	Size  int
	// Tags, Categories and Publishers filter: a section's document must
	// have one of the values of each that is given. A publisher is each
	// body a joint publisher names (SplitIssuers).
	Tags, Categories, Publishers []string
	// Addressees, Ministries and Kinds filter by reply data (see
	// ReplyInfo) the same way; Term, Session and ProposalNo, when not 0,
	// must equal the reply's.
	Addressees, Ministries, Kinds []string
	Term, Session, ProposalNo     int
	// Issuers filter by the body that issued a document: its publisher
	// or, for a reply, the ministry that answered.
	Issuers []string
	// Since and Until bound the document date, both days included (China
	// time); zero means open. A bound excludes documents without a date.
	Since, Until time.Time
	// Sort is the order; "" means SortRelevance.
	Sort Sort
	// Collapse returns one hit per document, its best section, and counts
	// documents rather than sections.
	Collapse bool
	// Facets names the facets to count (see Facets).
	Facets []string
	// Interpret reads dates, issuing bodies, kinds, sessions and
	// addressees out of Query as filters (see Index.Interpret).
	Interpret bool
}

// SearchResult is one page of ranked sections.
type SearchResult struct {
	Query string
	// Total counts the matching sections, or documents when collapsed.
	Total uint64
	Took  time.Duration
	Hits  []Hit
	// Facets holds the counts asked for, by facet name, the most frequent
	// value first; counts are of sections, or documents when collapsed.
	Facets map[string][]FacetCount
	// Cached says the result came from the index's result cache.
	Cached bool
	// Interpreted says how the query was read, when SearchRequest.Interpret
	// read anything out of it; nil otherwise.
	Interpreted *Interpretation
}

// FacetCount is how many matches have one value of a facet.
type FacetCount struct {
	Value string
	Count int
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
	// Publisher is the document's publisher as written; Issuers are the
	// bodies it names (SplitIssuers), each one for a jointly issued one.
	Publisher string
	Issuers   []string
	Source    string
	Score     float64
	// Snippet is HTML: escaped text around the matches, each in <mark>.
	Snippet string
	// TitleHTML and HeadingHTML are the title and heading, escaped, with
	// the matches marked.
	TitleHTML, HeadingHTML string
	// Anchor is the section's permalink anchor (see Reply.Anchors):
	// /d/{doc_id}#{anchor}.
	Anchor string
	// MoreSections counts the document's other matching sections, when
	// the search is collapsed: those that hold the whole query, or, for a
	// document matched across sections, those that hold any of its parts.
	MoreSections int
	// MatchedSections, for a document matched across sections (collapsed
	// searches only), are the sections that hold the parts this hit's
	// section lacks.
	MatchedSections []SectionMatch
	// Reply is the document's reply data; nil when it is not a reply.
	Reply *ReplyInfo
}

// hitFields are the stored fields a hit shows.
var hitFields = []string{fieldDocID, fieldSection, fieldTitle, fieldHeading, fieldText, fieldDate, fieldTags, fieldCategories, fieldPublisher, fieldSource, fieldReply}

// Search runs a search under ctx.
func (ix *Index) Search(ctx context.Context, req SearchRequest) (*SearchResult, error) {
	start := time.Now()
	if req.Size <= 0 {
		req.Size = DefaultSize
	}
	if req.From < 0 || req.From+req.Size > MaxWindow {
		return nil, fmt.Errorf("%w: from + size must be at most %d", ErrBadQuery, MaxWindow)
	}
	for name, t := range map[string]time.Time{"since": req.Since, "until": req.Until} {
		if err := DateInRange(t); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadQuery, name, err)
		}
	}
	// A result is shared by every caller that asks the same: callers
	// must not change it (the API only reads). An interpreted query is
	// cached as typed, for the day (去年 moves).
	key := cacheKey(req)
	if req.Interpret {
		key += fmt.Sprintf("|%q|%s", req.Query, start.In(shanghai).Format(time.DateOnly))
	}
	if res, ok := ix.results.get(key); ok {
		cached := *res
		cached.Took, cached.Cached = time.Since(start), true
		return &cached, nil
	}
	var in *Interpretation
	if req.Interpret {
		i, err := ix.Interpret(ctx, req.Query, start)
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", req.Query, err)
		}
		if len(i.Readings) > 0 {
			in = &i
		}
	}
	res, err := ix.search(ctx, req, in, start)
	if err != nil {
		return nil, err
	}
	res.Interpreted = in
	ix.results.put(key, res)
	return res, nil
}

// Ready checks that the index answers a search, past the result cache:
// what a readiness probe needs to know.
func (ix *Index) Ready(ctx context.Context) error {
	_, err := ix.search(ctx, SearchRequest{Size: 1}, nil, time.Now())
	return err
}

// search runs a search on the index itself; in is how its query was read
// (nil for as typed).
func (ix *Index) search(ctx context.Context, req SearchRequest, in *Interpretation, start time.Time) (*SearchResult, error) {
	p := &plan{query: query.NewMatchAllQuery()}
	// A query of control characters normalizes to nothing, as its cache
	// key does: it lists everything, as an empty one.
	if strings.TrimSpace(analyzer.NormalizeString(req.Query)) != "" {
		var readings []Reading
		if in != nil {
			readings = in.Readings
		}
		var err error
		if p, err = ix.plan(req.Query, readings); err != nil {
			return nil, err
		}
	}
	release, err := ix.admit(ctx, req.Query, p)
	if err != nil {
		return nil, err
	}
	defer release()
	q := withFilters(p.query, req)
	out := &SearchResult{Query: req.Query}
	// Collapsing and facets both start from how many sections of each
	// document match, counted by the same pass that finds the hits.
	var perDoc map[string]int
	if req.Collapse {
		var err error
		if perDoc, err = ix.collapsedDocs(ctx, q, p, req, out); err != nil {
			return nil, err
		}
	} else {
		sr := bleve.NewSearchRequestOptions(q, req.Size, req.From, false)
		sr.Fields = hitFields
		// The baselines highlight from bleve's term locations; govsearch
		// finds its marks in the stored text (see markSpans).
		sr.IncludeLocations = ix.variant != VariantGovsearch
		sr.SortByCustom(sortOrder(req.Sort, false))
		if len(req.Facets) > 0 {
			countDocs(sr)
		}
		res, err := ix.bleve.SearchInContext(ctx, sr)
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", req.Query, err)
		}
		out.Total = res.Total
		perDoc = docCounts(res)
		for _, m := range res.Hits {
			out.Hits = append(out.Hits, ix.hit(m, p))
		}
	}
	if len(req.Facets) > 0 {
		docs, err := ix.docFacets(ctx)
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", req.Query, err)
		}
		out.Facets = countFacets(req.Facets, perDoc, docs, req.Collapse)
	}
	if out.Hits == nil {
		out.Hits = []Hit{}
	}
	out.Took = time.Since(start)
	return out, nil
}

// withFilters adds the request's filters to q as a filter clause, which
// bleve evaluates without scoring: filters narrow the results without
// changing their order.
func withFilters(q query.Query, req SearchRequest) query.Query {
	filters := filterQueries(req, 1)
	if len(filters) == 0 {
		return q
	}
	b := query.NewBooleanQuery([]query.Query{q}, nil, nil)
	if len(filters) == 1 {
		b.AddFilter(filters[0])
	} else {
		b.AddFilter(query.NewConjunctionQuery(filters))
	}
	return b
}

// filterQueries are the request's filters, one query each, every term of
// them boosted by boost (a filter clause does not score; a reading does).
func filterQueries(req SearchRequest, boost float64) []query.Query {
	var filters []query.Query
	term := func(field, v string) query.Query {
		tq := query.NewTermQuery(v)
		tq.SetField(field)
		tq.SetBoost(boost)
		return tq
	}
	anyOf := func(values []string, fields ...string) {
		if len(values) == 0 {
			return
		}
		var alts []query.Query
		for _, v := range values {
			for _, field := range fields {
				alts = append(alts, term(field, v))
			}
		}
		filters = append(filters, disjunction(alts))
	}
	anyOf(req.Tags, fieldTags)
	anyOf(req.Categories, fieldCategories)
	anyOf(req.Publishers, fieldIssuer)
	anyOf(req.Addressees, fieldAddressee)
	anyOf(req.Ministries, fieldMinistry)
	anyOf(req.Kinds, fieldKind)
	anyOf(req.Issuers, fieldIssuer, fieldMinistry)
	equals := func(field string, n int) {
		if n == 0 {
			return
		}
		v, incl := float64(n), true
		nq := query.NewNumericRangeInclusiveQuery(&v, &v, &incl, &incl)
		nq.SetField(field)
		nq.SetBoost(boost)
		filters = append(filters, nq)
	}
	equals(fieldTerm, req.Term)
	equals(fieldSession, req.Session)
	equals(fieldProposalNo, req.ProposalNo)
	if !req.Since.IsZero() || !req.Until.IsZero() {
		var from, to time.Time
		if !req.Since.IsZero() {
			from = dayStart(req.Since)
		}
		if !req.Until.IsZero() {
			to = dayStart(req.Until).AddDate(0, 0, 1)
		}
		incl, excl := true, false
		dq := query.NewDateRangeInclusiveQuery(from, to, &incl, &excl)
		dq.SetField(fieldDate)
		dq.SetBoost(boost)
		filters = append(filters, dq)
	}
	return filters
}

// dayStart is the start of t's day in China time.
func dayStart(t time.Time) time.Time {
	y, m, d := t.In(shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, shanghai)
}

// sortOrder is the bleve sort of s. Dates sort documents without one last
// either way. bestFirst puts each document's best section first among its
// sections, for collapsing.
func sortOrder(s Sort, bestFirst bool) search.SortOrder {
	id := &search.SortField{Field: fieldDocID, Type: search.SortFieldAsString}
	section := &search.SortField{Field: fieldSection, Type: search.SortFieldAsNumber}
	score := &search.SortScore{Desc: true}
	var date search.SearchSort
	switch s {
	case SortDate, SortDateDesc:
		date = &search.SortField{Field: fieldDate, Type: search.SortFieldAsDate, Desc: s == SortDateDesc, Missing: search.SortFieldMissingLast}
	default:
		return search.SortOrder{score, id, section}
	}
	if bestFirst {
		return search.SortOrder{date, id, score, section}
	}
	return search.SortOrder{date, id, section}
}

// hit turns a bleve match into a Hit, marked for the plan's query.
func (ix *Index) hit(m *search.DocumentMatch, p *plan) Hit {
	h := hitFromFields(m.Fields)
	h.ID = m.ID
	h.Score = m.Score
	if math.IsNaN(h.Score) || math.IsInf(h.Score, 0) {
		h.Score = 0
	}
	text := str(m.Fields[fieldText])
	h.Anchor = sectionAnchor(h.Heading, text)
	mark := func(field, s string) []span {
		if ix.variant == VariantGovsearch {
			return markSpans(s, p.marks, p.words)
		}
		return locationSpans(m.Locations[field])
	}
	h.Snippet = makeSnippet(text, mark(fieldText, text))
	h.TitleHTML = markAll(h.Title, mark(fieldTitle, h.Title))
	h.HeadingHTML = markAll(h.Heading, mark(fieldHeading, h.Heading))
	return h
}

// markAll is all of text, escaped, with the spans marked.
func markAll(text string, spans []span) string {
	return markHTML(text, 0, len(text), mergeSpans(spans, len(text)))
}

// countDocs asks a search to count the matching sections of each
// matching document (a facet on doc_id over every match), alongside its
// hits: one pass over the matches instead of two.
func countDocs(sr *bleve.SearchRequest) {
	sr.AddFacet(fieldDocID, bleve.NewFacetRequest(fieldDocID, math.MaxInt32))
}

// docCounts reads what countDocs asked for; nil when it was not.
func docCounts(res *bleve.SearchResult) map[string]int {
	f := res.Facets[fieldDocID]
	if f == nil {
		return nil
	}
	out := map[string]int{}
	if f.Terms != nil {
		for _, t := range f.Terms.Terms() {
			out[t.Term] = t.Count
		}
	}
	return out
}

// collapsed fills out with one page of documents, each as its best section
// in the request's order: it reads section ids in that order, in a window
// that grows until the page is full, then fetches the page's sections.
func (ix *Index) collapsed(ctx context.Context, q query.Query, p *plan, req SearchRequest, out *SearchResult) (perDoc map[string]int, err error) {
	want := req.From + req.Size
	type first struct {
		id    string
		score float64
	}
	var firsts []first
	for window := max(4*want, 50); ; window *= 4 {
		sr := bleve.NewSearchRequestOptions(q, window, 0, false)
		sr.SortByCustom(sortOrder(req.Sort, true))
		if perDoc == nil {
			countDocs(sr) // the first pass counts every match
		}
		res, err := ix.bleve.SearchInContext(ctx, sr)
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", req.Query, err)
		}
		if perDoc == nil {
			perDoc = docCounts(res)
			out.Total = uint64(len(perDoc))
		}
		seen := map[string]bool{}
		firsts = firsts[:0]
		for _, m := range res.Hits {
			doc := docOfSection(m.ID)
			if seen[doc] {
				continue
			}
			seen[doc] = true
			firsts = append(firsts, first{m.ID, m.Score})
			if len(firsts) == want {
				break
			}
		}
		if len(firsts) == want || uint64(window) >= res.Total {
			break
		}
	}
	if req.From >= len(firsts) {
		return perDoc, nil
	}
	page := firsts[req.From:]
	ids := make([]string, len(page))
	for i, f := range page {
		ids[i] = f.id
	}
	// The page's sections, by id; the order and scores are the first
	// pass's (the id filter would add to the scores).
	sr := bleve.NewSearchRequestOptions(query.NewConjunctionQuery([]query.Query{q, query.NewDocIDQuery(ids)}), len(ids), 0, false)
	sr.Fields = hitFields
	sr.IncludeLocations = ix.variant != VariantGovsearch
	res, err := ix.bleve.SearchInContext(ctx, sr)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", req.Query, err)
	}
	byID := map[string]*search.DocumentMatch{}
	for _, m := range res.Hits {
		byID[m.ID] = m
	}
	for _, f := range page {
		m, ok := byID[f.id]
		if !ok {
			continue // deleted between the two passes
		}
		h := ix.hit(m, p)
		h.Score = f.score
		h.MoreSections = max(perDoc[h.DocID]-1, 0)
		out.Hits = append(out.Hits, h)
	}
	return perDoc, nil
}

// docOfSection is the doc_id of a section id (doc_id#n).
func docOfSection(id string) string {
	if i := strings.LastIndexByte(id, '#'); i >= 0 {
		return id[:i]
	}
	return id
}

// docFacetValues are one document's values of each facet.
type docFacetValues map[string][]string

// docFacets returns every document's facet values, read once from the
// index (from each document's first section) and kept: facets are counted
// per document, which bleve's facets, counting sections, cannot do.
func (ix *Index) docFacets(ctx context.Context) (map[string]docFacetValues, error) {
	ix.facetsMu.Lock()
	defer ix.facetsMu.Unlock()
	if ix.facets != nil {
		return ix.facets, nil
	}
	zero, incl := 0.0, true
	q := query.NewNumericRangeInclusiveQuery(&zero, &zero, &incl, &incl)
	q.SetField(fieldSection)
	out := map[string]docFacetValues{}
	const page = 5000
	for from := 0; ; from += page {
		sr := bleve.NewSearchRequestOptions(q, page, from, false)
		sr.Fields = []string{fieldDocID, fieldTags, fieldCategories, fieldPublisher, fieldDate, fieldReply}
		sr.SortBy([]string{fieldDocID})
		res, err := ix.bleve.SearchInContext(ctx, sr)
		if err != nil {
			return nil, fmt.Errorf("read facet values: %w", err)
		}
		for _, m := range res.Hits {
			h := hitFromFields(m.Fields)
			v := docFacetValues{FacetTags: h.Tags, FacetCategories: h.Categories}
			if len(h.Issuers) > 0 {
				v[FacetPublisher] = h.Issuers
			}
			if !h.Date.IsZero() {
				v[FacetYear] = []string{strconv.Itoa(h.Date.Year())}
			}
			if ri := h.Reply; ri != nil {
				if ri.Ministry != "" {
					v[FacetMinistry] = []string{ri.Ministry}
				}
				if ri.Kind != "" {
					v[FacetKind] = []string{ri.Kind}
				}
				if ri.Term > 0 && ri.Session > 0 {
					v[FacetSession] = []string{fmt.Sprintf("%d届%d次", ri.Term, ri.Session)}
				}
			}
			out[h.DocID] = v
		}
		if len(res.Hits) < page {
			break
		}
	}
	ix.facets = out
	return out, nil
}

// countFacets counts the named facets over the matching documents, each
// weighted by its matching sections unless counting documents.
func countFacets(names []string, perDoc map[string]int, docs map[string]docFacetValues, byDoc bool) map[string][]FacetCount {
	out := make(map[string][]FacetCount, len(names))
	for _, name := range names {
		counts := map[string]int{}
		for doc, n := range perDoc {
			if byDoc {
				n = 1
			}
			for _, v := range docs[doc][name] {
				counts[v] += n
			}
		}
		fc := make([]FacetCount, 0, len(counts))
		for v, n := range counts {
			fc = append(fc, FacetCount{v, n})
		}
		slices.SortFunc(fc, func(a, b FacetCount) int {
			if c := cmp.Compare(b.Count, a.Count); c != 0 {
				return c
			}
			return strings.Compare(a.Value, b.Value)
		})
		out[name] = fc[:min(len(fc), FacetSize)]
	}
	return out
}
