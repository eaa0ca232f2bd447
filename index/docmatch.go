package index

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// SectionMatch is a section of a hit's document that holds parts of the
// query the hit's own section lacks: where a document matched across its
// sections, the reader sees where the other words are.
type SectionMatch struct {
	Section int
	Heading string
	// Anchor is the section's permalink anchor (see Reply.Anchors).
	Anchor string
	// Parts are the query's parts as typed that the section holds and the
	// hit's section does not.
	Parts []string
}

// spreadWindow bounds how many sections of one page's documents are read
// to find which of them hold each group (MaxWindow, as any search).
const spreadWindow = MaxWindow

// collapsedDocs fills out with one page of documents for a collapsed
// search. A document matches when it holds every group of the query
// anywhere (title, headings, any sections), each group in a section that
// holds no excluded part; documents with every group in one section rank
// first (by that section), then those matched across sections, each shown
// by its best section with the sections that hold the rest. Sorted by
// date, all of them are in date order. A query of one group needs none of
// this: its documents are those of its sections.
func (ix *Index) collapsedDocs(ctx context.Context, q query.Query, p *plan, req SearchRequest, out *SearchResult) (map[string]int, error) {
	if len(p.groups) < 2 {
		return ix.collapsed(ctx, q, p, req, out)
	}
	docs, err := ix.docMatches(ctx, p, req)
	if err != nil {
		return nil, err
	}
	perDoc := make(map[string]int, len(docs))
	for d := range docs {
		perDoc[d] = 1
	}
	if len(docs) == 0 {
		return perDoc, nil
	}
	// The sections that hold any group, within only's documents; with
	// whole, the query itself is one of the alternatives, so a section
	// holding every group scores above one holding some.
	anyGroup := func(only map[string]bool, whole bool) query.Query {
		alts := p.groups
		if whole {
			alts = append([]query.Query{p.query}, p.groups...)
		}
		return restrict(query.NewDisjunctionQuery(alts), p.not, only)
	}
	// apart are the hits that may lack a group in their own section: all
	// of them by date, only those after the whole-section documents by
	// relevance (a whole-section document's best section holds them all).
	var apart []Hit
	if req.Sort == SortDate || req.Sort == SortDateDesc {
		if _, err := ix.collapsed(ctx, anyGroup(docs, true), p, req, out); err != nil {
			return nil, err
		}
		apart = out.Hits
	} else {
		// Documents with every group in one section, in that section's
		// order; then the rest.
		whole, err := ix.collapsed(ctx, q, p, req, out)
		if err != nil {
			return nil, err
		}
		rest := map[string]bool{}
		for d := range docs {
			if whole[d] == 0 {
				rest[d] = true
			}
		}
		if n := len(out.Hits); n < req.Size && len(rest) > 0 {
			page := req
			page.From, page.Size = max(req.From-len(whole), 0), req.Size-n
			more := &SearchResult{}
			if _, err := ix.collapsed(ctx, anyGroup(rest, false), p, page, more); err != nil {
				return nil, err
			}
			out.Hits = append(out.Hits, more.Hits...)
			apart = out.Hits[n:]
		}
	}
	out.Total = uint64(len(docs))
	if err := ix.spread(ctx, p, apart); err != nil {
		return nil, err
	}
	return perDoc, nil
}

// docMatches returns the documents that match p as a whole under req's
// filters: each group held by one of the document's sections that holds
// no excluded part.
func (ix *Index) docMatches(ctx context.Context, p *plan, req SearchRequest) (map[string]bool, error) {
	var docs map[string]bool
	// Groups as typed before read ones, whose readings hold for whole
	// bodies' or years' documents; each within the documents the ones
	// before it left, when they are few.
	order := make([]int, 0, len(p.groups))
	for gi := range p.groups {
		if !p.read[gi] {
			order = append(order, gi)
		}
	}
	for gi := range p.groups {
		if p.read[gi] {
			order = append(order, gi)
		}
	}
	for _, gi := range order {
		var within map[string]bool
		if docs != nil && len(docs) <= narrowWithin {
			within = docs
		}
		sr := bleve.NewSearchRequestOptions(withFilters(restrict(p.groups[gi], p.not, within), req), 0, 0, false)
		countDocs(sr)
		res, err := ix.bleve.SearchInContext(ctx, sr)
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", req.Query, err)
		}
		these := docCounts(res)
		next := map[string]bool{}
		for d := range these {
			if docs == nil || docs[d] {
				next[d] = true
			}
		}
		docs = next
		if len(docs) == 0 {
			break
		}
	}
	return docs, nil
}

// restrict is q without the sections not matches, within the documents
// of only (nil for all). The documents are a clause of a conjunction, not
// a filter: bleve filters by running q over the whole index and testing
// each match, where a conjunction lets the few sections of the documents
// lead and skips q to them. Their terms score next to nothing, so q's
// scores order the sections.
func restrict(q, not query.Query, only map[string]bool) query.Query {
	var mustNot []query.Query
	if not != nil {
		mustNot = []query.Query{not}
	}
	must := []query.Query{q}
	if only != nil {
		ids := make([]string, 0, len(only))
		for d := range only {
			ids = append(ids, d)
		}
		slices.Sort(ids)
		alts := make([]query.Query, len(ids))
		for i, d := range ids {
			tq := query.NewTermQuery(d)
			tq.SetField(fieldDocID)
			tq.SetBoost(boostDocRestriction)
			alts[i] = tq
		}
		must = append(must, disjunction(alts))
	}
	if mustNot == nil && len(must) == 1 {
		return q
	}
	return query.NewBooleanQuery(must, nil, mustNot)
}

// boostDocRestriction makes the doc_id terms of restrict add nothing a
// score can tell.
const boostDocRestriction = 1e-9

// narrowWithin is how many candidate documents a group's search may be
// restricted to: past it, listing their ids costs more than running the
// group over the index.
const narrowWithin = 2000

// spread tells each hit whose section lacks some of p's groups which of
// its document's sections hold them (the best section of each group), and
// counts its document's other matching sections.
func (ix *Index) spread(ctx context.Context, p *plan, hits []Hit) error {
	if len(hits) == 0 {
		return nil
	}
	page := map[string]bool{}
	for _, h := range hits {
		page[h.DocID] = true
	}
	// holds[g][doc] are the sections of doc holding group g, best first.
	holds := make([]map[string][]int, len(p.groups))
	for gi, g := range p.groups {
		sr := bleve.NewSearchRequestOptions(restrict(g, p.not, page), spreadWindow, 0, false)
		sr.SortByCustom(sortOrder(SortRelevance, false))
		res, err := ix.bleve.SearchInContext(ctx, sr)
		if err != nil {
			return fmt.Errorf("find the sections of each word: %w", err)
		}
		holds[gi] = map[string][]int{}
		for _, m := range res.Hits {
			doc, num := splitSectionID(m.ID)
			holds[gi][doc] = append(holds[gi][doc], num)
		}
	}
	// Per hit that lacks a group, the best section of each group it
	// lacks, in the order of the groups.
	type missing struct {
		hit, num int
		parts    []string
	}
	var todo []missing
	var ids []string
	for hi, h := range hits {
		others := map[int]bool{}
		first := len(todo)
		for gi := range p.groups {
			nums := holds[gi][h.DocID]
			for _, n := range nums {
				if n != h.Section {
					others[n] = true
				}
			}
			if len(nums) == 0 || slices.Contains(nums, h.Section) {
				continue
			}
			if i := slices.IndexFunc(todo[first:], func(m missing) bool { return m.num == nums[0] }); i >= 0 {
				todo[first+i].parts = append(todo[first+i].parts, p.parts[gi]...)
				continue
			}
			todo = append(todo, missing{hi, nums[0], slices.Clone(p.parts[gi])})
			ids = append(ids, sectionID(h.DocID, nums[0]))
		}
		if len(todo) > first {
			hits[hi].MoreSections = len(others)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	sr := bleve.NewSearchRequestOptions(query.NewDocIDQuery(ids), len(ids), 0, false)
	sr.Fields = []string{fieldHeading, fieldText}
	res, err := ix.bleve.SearchInContext(ctx, sr)
	if err != nil {
		return fmt.Errorf("read the sections of each word: %w", err)
	}
	byID := map[string]*search.DocumentMatch{}
	for _, m := range res.Hits {
		byID[m.ID] = m
	}
	for i, t := range todo {
		m, ok := byID[ids[i]]
		if !ok {
			continue // deleted meanwhile
		}
		heading := str(m.Fields[fieldHeading])
		h := &hits[t.hit]
		h.MatchedSections = append(h.MatchedSections, SectionMatch{
			Section: t.num, Heading: heading,
			Anchor: sectionAnchor(heading, str(m.Fields[fieldText])), Parts: t.parts,
		})
	}
	return nil
}

// splitSectionID is the doc_id and number of a section id (doc_id#n).
func splitSectionID(id string) (string, int) {
	doc := docOfSection(id)
	n, _ := strconv.Atoi(strings.TrimPrefix(id[len(doc):], "#"))
	return doc, n
}
