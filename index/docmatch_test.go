package index

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/govsearch/govsearch/analyzer"
)

// A collapsed search finds every document that holds each part of the
// query somewhere, ranks those with every part in one section first, and
// tells of a document matched across sections where its other parts are;
// pages, date order, totals and facets agree with it.
func TestDocumentsMatchAcrossSections(t *testing.T) {
	ix := openSample(t)
	ctx := context.Background()
	truth, err := loadTruthCorpus(filepath.Join("..", "testdata", "replies"))
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]truthSection{}
	for _, s := range truth {
		sections[s.id] = s
	}
	spreadDocs, bothTiers := 0, false
	for _, q := range []string{
		"弹性产能 卡脖子", "国务院 气象", "发展 建议", "工作 经费", "复函 经费", "办公厅 农业",
		"弹性产能 卡脖子 -工业互联网", "工业互联网 OR 气象 经费", `"弹性产能" 卡脖子`,
	} {
		whole, err := ix.Search(ctx, SearchRequest{Query: q, Size: MaxSize})
		if err != nil {
			t.Fatal(err)
		}
		inOne := map[string]bool{}
		for _, h := range whole.Hits {
			inOne[h.DocID] = true
			// Without collapse a hit is a section holding every part.
			for _, g := range literalGroups(q) {
				if !slices.ContainsFunc(g, sections[h.ID].has) {
					t.Errorf("%q: section %s lacks %v", q, h.ID, g)
				}
			}
		}
		res, err := ix.Search(ctx, SearchRequest{Query: q, Size: MaxSize, Collapse: true, Facets: []string{FacetYear}})
		if err != nil {
			t.Fatal(err)
		}
		var docs []string
		for _, h := range res.Hits {
			docs = append(docs, h.DocID)
		}
		if int(res.Total) != len(docs) {
			t.Errorf("%q: total %d, %d documents listed", q, res.Total, len(docs))
		}
		for d := range truth.matchesDocs(parseQuery(q)) {
			if !slices.Contains(docs, d) {
				t.Errorf("%q: %s holds every part but is not found (found %v)", q, d, docs)
			}
		}
		firstApart := len(docs)
		for i, h := range res.Hits {
			if inOne[h.DocID] {
				if i > firstApart {
					t.Errorf("%q: %s, with every part in one section, ranks after %s, matched across sections", q, h.DocID, docs[firstApart])
				}
				if len(h.MatchedSections) > 0 {
					t.Errorf("%q: %s has every part in section %d but lists %+v", q, h.DocID, h.Section, h.MatchedSections)
				}
				continue
			}
			firstApart = min(firstApart, i)
			spreadDocs++
			if len(h.MatchedSections) == 0 {
				t.Errorf("%q: %s matched across sections lists none", q, h.ID)
			}
			doc, err := ix.Document(ctx, h.DocID)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range h.MatchedSections {
				other := sections[sectionID(h.DocID, m.Section)]
				if m.Anchor != doc.Anchors()[m.Section] || m.Heading != doc.Sections[m.Section].Heading {
					t.Errorf("%q: %s: matched section %+v, document has anchor %s heading %q", q, h.DocID, m, doc.Anchors()[m.Section], doc.Sections[m.Section].Heading)
				}
				for _, part := range m.Parts {
					n := analyzer.NormalizeString(part)
					if !other.has(n) || sections[h.ID].has(n) {
						t.Errorf("%q: %s: section %d listed for %q, which it holds: %v, the hit's section %d holds: %v",
							q, h.DocID, m.Section, part, other.has(n), h.Section, sections[h.ID].has(n))
					}
				}
			}
		}
		if firstApart > 0 && firstApart < len(docs) {
			bothTiers = true
		}
		// Pages of two make up the same list; date order has the same
		// documents; each is counted once in the facets.
		var paged []string
		for from := 0; from < len(docs); from += 2 {
			page, err := ix.Search(ctx, SearchRequest{Query: q, From: from, Size: 2, Collapse: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range page.Hits {
				paged = append(paged, h.DocID)
			}
		}
		if !slices.Equal(paged, docs) {
			t.Errorf("%q: pages of two give %v, one page %v", q, paged, docs)
		}
		byDate, err := ix.Search(ctx, SearchRequest{Query: q, Size: MaxSize, Collapse: true, Sort: SortDateDesc})
		if err != nil {
			t.Fatal(err)
		}
		var dated []string
		for _, h := range byDate.Hits {
			dated = append(dated, h.DocID)
		}
		if !sameSet(dated, docs) || byDate.Total != res.Total {
			t.Errorf("%q: newest first %v (%d), by relevance %v (%d)", q, dated, byDate.Total, docs, res.Total)
		}
		counted, withDate := 0, 0
		for _, c := range res.Facets[FacetYear] {
			counted += c.Count
		}
		for _, h := range res.Hits {
			if !h.Date.IsZero() {
				withDate++
			}
		}
		if counted != withDate {
			t.Errorf("%q: the year facet counts %d documents, %d dated ones match", q, counted, withDate)
		}
	}
	if spreadDocs == 0 || !bothTiers {
		t.Errorf("the queries found %d documents matched across sections, both kinds in one answer: %v; the test checks too little", spreadDocs, bothTiers)
	}
}

// literalGroups are a query's groups of OR-ed parts, normalized, as the
// truth scan reads them.
func literalGroups(q string) [][]string {
	groups, _ := truthGroups(parseQuery(q))
	for _, g := range groups {
		for i := range g {
			g[i] = strings.TrimSpace(g[i])
		}
	}
	return groups
}
