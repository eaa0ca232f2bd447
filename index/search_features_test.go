package index

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// searchAll returns every hit of req, page by page.
func searchAll(t *testing.T, ix *Index, req SearchRequest) []Hit {
	t.Helper()
	var hits []Hit
	req.Size = MaxSize
	for req.From = 0; ; req.From += MaxSize {
		res, err := ix.Search(context.Background(), req)
		if err != nil {
			t.Fatalf("Search(%+v): %v", req, err)
		}
		hits = append(hits, res.Hits...)
		if uint64(req.From+MaxSize) >= res.Total {
			if len(hits) != int(res.Total) {
				t.Fatalf("Search(%+v): %d hits over the pages, total %d", req, len(hits), res.Total)
			}
			return hits
		}
	}
}

func hitIDs(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

// The queries the feature tests run: a common word, a phrase, and none.
var featureQueries = []string{"国务院", "\"发展\"", ""}

func TestFiltersNarrowWithoutReordering(t *testing.T) {
	ix := openSample(t)
	day := func(s string) time.Time {
		d, err := time.ParseInLocation(time.DateOnly, s, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	filters := []struct {
		name string
		set  func(*SearchRequest)
		keep func(Hit) bool
	}{
		{"tag", func(r *SearchRequest) { r.Tags = []string{"复函"} }, func(h Hit) bool { return slices.Contains(h.Tags, "复函") }},
		{"tags", func(r *SearchRequest) { r.Tags = []string{"体育", "金融"} },
			func(h Hit) bool { return slices.Contains(h.Tags, "体育") || slices.Contains(h.Tags, "金融") }},
		{"category", func(r *SearchRequest) { r.Categories = []string{"其他"} }, func(h Hit) bool { return slices.Contains(h.Categories, "其他") }},
		{"publisher", func(r *SearchRequest) { r.Publishers = []string{"国务院办公厅"} }, func(h Hit) bool { return h.Publisher == "国务院办公厅" }},
		{"tag and category", func(r *SearchRequest) { r.Tags, r.Categories = []string{"复函"}, []string{"体育"} },
			func(h Hit) bool { return slices.Contains(h.Tags, "复函") && slices.Contains(h.Categories, "体育") }},
		{"addressee", func(r *SearchRequest) { r.Addressees = []string{"张连起", "邓明义"} },
			func(h Hit) bool {
				return h.Reply != nil && (slices.Contains(h.Reply.Addressees, "张连起") || slices.Contains(h.Reply.Addressees, "邓明义"))
			}},
		{"ministry", func(r *SearchRequest) { r.Ministries = []string{"工业和信息化部"} }, func(h Hit) bool { return h.Reply != nil && h.Reply.Ministry == "工业和信息化部" }},
		{"kind", func(r *SearchRequest) { r.Kinds = []string{KindSuggestion} }, func(h Hit) bool { return h.Reply != nil && h.Reply.Kind == KindSuggestion }},
		{"term and session", func(r *SearchRequest) { r.Term, r.Session = 10, 4 },
			func(h Hit) bool { return h.Reply != nil && h.Reply.Term == 10 && h.Reply.Session == 4 }},
		{"proposal number", func(r *SearchRequest) { r.ProposalNo = 2524 }, func(h Hit) bool { return h.Reply != nil && h.Reply.ProposalNo == 2524 }},
		// 2004-11-04 and 2006-10-18 are dates of sample documents: both
		// days are included.
		{"since", func(r *SearchRequest) { r.Since = day("2004-11-04") },
			func(h Hit) bool { return !h.Date.IsZero() && !h.Date.Before(day("2004-11-04")) }},
		{"until", func(r *SearchRequest) { r.Until = day("2006-10-18") },
			func(h Hit) bool { return !h.Date.IsZero() && h.Date.Before(day("2006-10-19")) }},
		{"since and until", func(r *SearchRequest) { r.Since, r.Until = day("2004-11-04"), day("2005-07-14") },
			func(h Hit) bool {
				return !h.Date.IsZero() && !h.Date.Before(day("2004-11-04")) && h.Date.Before(day("2005-07-15"))
			}},
	}
	// Each filter must narrow some query's results to some but not all,
	// or the comparison proves nothing.
	narrowed := map[string]bool{}
	for _, q := range featureQueries {
		all := searchAll(t, ix, SearchRequest{Query: q})
		for _, f := range filters {
			req := SearchRequest{Query: q}
			f.set(&req)
			var want []string
			for _, h := range all {
				if f.keep(h) {
					want = append(want, h.ID)
				}
			}
			got := hitIDs(searchAll(t, ix, req))
			if len(want) > 0 && len(want) < len(all) {
				narrowed[f.name] = true
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%q, %s:\n got %v\nwant %v", q, f.name, got, want)
			}
		}
	}
	for _, f := range filters {
		if !narrowed[f.name] {
			t.Errorf("filter %s never narrowed a query's results: the test needs other queries", f.name)
		}
	}
}

func TestSortByDate(t *testing.T) {
	ix := openSample(t)
	for _, q := range featureQueries {
		for _, s := range []Sort{SortDate, SortDateDesc} {
			hits := searchAll(t, ix, SearchRequest{Query: q, Sort: s})
			all := searchAll(t, ix, SearchRequest{Query: q})
			if len(hits) != len(all) {
				t.Fatalf("%q sorted by %s: %d hits, %d unsorted", q, s, len(hits), len(all))
			}
			for i := 1; i < len(hits); i++ {
				a, b := hits[i-1], hits[i]
				var c int
				switch {
				case a.Date.IsZero() || b.Date.IsZero():
					// Undated documents come last.
					if a.Date.IsZero() && !b.Date.IsZero() {
						c = 1
					}
				case s == SortDate:
					c = a.Date.Compare(b.Date)
				default:
					c = b.Date.Compare(a.Date)
				}
				if c == 0 {
					if c = strings.Compare(a.DocID, b.DocID); c == 0 {
						c = a.Section - b.Section
					}
				}
				if c >= 0 && (a.Date.IsZero() == b.Date.IsZero()) {
					t.Errorf("%q sorted by %s: %s (%s) before %s (%s)", q, s, a.ID, a.Date, b.ID, b.Date)
				}
			}
		}
	}
}

func TestCollapse(t *testing.T) {
	ix := openSample(t)
	for _, q := range featureQueries {
		for _, s := range Sorts {
			all := searchAll(t, ix, SearchRequest{Query: q, Sort: s})
			// Expected: each document once, at its first section in the
			// uncollapsed order for relevance, its best-scoring for dates.
			perDoc := map[string]int{}
			best := map[string]Hit{}
			var order []string
			for _, h := range all {
				perDoc[h.DocID]++
				b, ok := best[h.DocID]
				if !ok {
					order = append(order, h.DocID)
				}
				if !ok || h.Score > b.Score || (h.Score == b.Score && h.Section < b.Section) {
					best[h.DocID] = h
				}
			}
			res, err := ix.Search(context.Background(), SearchRequest{Query: q, Sort: s, Collapse: true, Size: MaxSize})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != uint64(len(order)) {
				t.Errorf("%q by %s collapsed: total %d, want %d documents", q, s, res.Total, len(order))
			}
			var got, want []string
			for _, h := range res.Hits {
				got = append(got, fmt.Sprintf("%s+%d", h.ID, h.MoreSections))
			}
			for _, d := range order {
				want = append(want, fmt.Sprintf("%s+%d", best[d].ID, perDoc[d]-1))
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%q by %s collapsed:\n got %v\nwant %v", q, s, got, want)
			}
			// A page of the collapsed list is that slice of it.
			page, err := ix.Search(context.Background(), SearchRequest{Query: q, Sort: s, Collapse: true, From: 2, Size: 3})
			if err != nil {
				t.Fatal(err)
			}
			var gotPage []string
			for _, h := range page.Hits {
				gotPage = append(gotPage, fmt.Sprintf("%s+%d", h.ID, h.MoreSections))
			}
			if w := want[min(2, len(want)):min(5, len(want))]; fmt.Sprint(gotPage) != fmt.Sprint(w) {
				t.Errorf("%q by %s collapsed, from 2 size 3: got %v, want %v", q, s, gotPage, w)
			}
		}
	}
}

func TestFacets(t *testing.T) {
	ix := openSample(t)
	for _, q := range featureQueries {
		all := searchAll(t, ix, SearchRequest{Query: q})
		for _, collapse := range []bool{false, true} {
			want := map[string]map[string]int{}
			seen := map[string]bool{}
			for _, h := range all {
				if collapse && seen[h.DocID] {
					continue
				}
				seen[h.DocID] = true
				values := map[string][]string{FacetTags: h.Tags, FacetCategories: h.Categories}
				if h.Publisher != "" {
					values[FacetPublisher] = []string{h.Publisher}
				}
				if !h.Date.IsZero() {
					values[FacetYear] = []string{fmt.Sprint(h.Date.Year())}
				}
				if ri := h.Reply; ri != nil {
					values[FacetMinistry], values[FacetKind] = []string{ri.Ministry}, []string{ri.Kind}
					if ri.Term > 0 {
						values[FacetSession] = []string{fmt.Sprintf("%d届%d次", ri.Term, ri.Session)}
					}
				}
				for name, vs := range values {
					if want[name] == nil {
						want[name] = map[string]int{}
					}
					for _, v := range vs {
						want[name][v]++
					}
				}
			}
			res, err := ix.Search(context.Background(), SearchRequest{Query: q, Collapse: collapse, Facets: Facets})
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range Facets {
				got := res.Facets[name]
				if len(got) != min(len(want[name]), FacetSize) || len(got) == 0 {
					t.Errorf("%q collapse=%v facet %s: %d values, want %d", q, collapse, name, len(got), min(len(want[name]), FacetSize))
				}
				for i, fc := range got {
					if fc.Count != want[name][fc.Value] {
						t.Errorf("%q collapse=%v facet %s: %s counted %d, want %d", q, collapse, name, fc.Value, fc.Count, want[name][fc.Value])
					}
					if i > 0 && (got[i-1].Count < fc.Count || got[i-1].Count == fc.Count && got[i-1].Value > fc.Value) {
						t.Errorf("%q facet %s: %v out of order", q, name, got)
					}
				}
			}
		}
	}
	res, err := ix.Search(context.Background(), SearchRequest{Query: "国务院"})
	if err != nil || res.Facets != nil {
		t.Errorf("facets without asking: %v, %v", res.Facets, err)
	}
}

func TestMarkedTitleAndHeading(t *testing.T) {
	ix := openSample(t)
	res, err := ix.Search(context.Background(), SearchRequest{Query: "复函 运动会", Size: 1})
	if err != nil || len(res.Hits) == 0 {
		t.Fatal(res, err)
	}
	h := res.Hits[0]
	if !strings.Contains(h.TitleHTML, "<mark>复函</mark>") || !strings.Contains(h.TitleHTML, "<mark>运动会</mark>") {
		t.Errorf("title_html = %s", h.TitleHTML)
	}
	if strings.ReplaceAll(strings.ReplaceAll(h.TitleHTML, "<mark>", ""), "</mark>", "") != h.Title {
		t.Errorf("title_html %q is not the title %q marked", h.TitleHTML, h.Title)
	}
	res, err = ix.Search(context.Background(), SearchRequest{Query: "弹性产能", Size: 1})
	if err != nil || len(res.Hits) == 0 {
		t.Fatal(res, err)
	}
	if h := res.Hits[0]; !strings.Contains(h.HeadingHTML, "<mark>弹性产能</mark>") {
		t.Errorf("heading %q: heading_html = %s", h.Heading, h.HeadingHTML)
	}
	if got := markAll("a<b>&\"c", []span{{1, 4}}); got != "a<mark>&lt;b&gt;</mark>&amp;&#34;c" {
		t.Errorf("markAll = %s", got)
	}
}

func TestStats(t *testing.T) {
	ix := openSample(t)
	st, err := ix.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	all := searchAll(t, ix, SearchRequest{})
	docs := map[string]bool{}
	for _, h := range all {
		docs[h.DocID] = true
	}
	if st.Documents != len(docs) || st.Sections != uint64(len(all)) || st.IndexBytes <= 0 {
		t.Errorf("stats: %d documents, %d sections, %d bytes; want %d, %d, > 0", st.Documents, st.Sections, st.IndexBytes, len(docs), len(all))
	}
	if time.Since(st.BuiltAt) > time.Hour || st.BuildTime <= 0 || st.Variant != VariantGovsearch || st.FormatVersion != FormatVersion {
		t.Errorf("stats: %+v", st)
	}
	if st.Dictionary != dictionaryVersion("") || len(st.Dictionary) != 12 || st.Dictionary == dictionaryVersion("新词 5") {
		t.Errorf("dictionary version %q", st.Dictionary)
	}
	more, err := ParseSynonyms("extra", strings.NewReader("甲方,乙方\n"), DefaultSynonyms())
	if err != nil {
		t.Fatal(err)
	}
	if st.Synonyms != DefaultSynonyms().Version() || st.Synonyms == more.Version() {
		t.Errorf("synonyms version %q does not tell the groups apart", st.Synonyms)
	}
}

// The index returns each reply's data as extracted from its file.
func TestReplyInfoInIndex(t *testing.T) {
	ix := openSample(t)
	ctx := context.Background()
	files, _, err := listSources(filepath.Join("..", "testdata", "replies"), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		want := extractFile(t, f.path, f.docID)
		doc, err := ix.Document(ctx, f.docID)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := mustJSON(t, doc.Info), mustJSON(t, want); g != w {
			t.Errorf("%s: document reply data\n got %s\nwant %s", f.docID, g, w)
		}
		res, err := ix.Search(ctx, SearchRequest{Query: "", Tags: nil, Size: 1, Addressees: want.Addressees[:1]})
		if err != nil || len(res.Hits) == 0 || res.Hits[0].Reply == nil || mustJSON(t, *res.Hits[0].Reply) != mustJSON(t, want) {
			t.Errorf("%s: hit reply data %v, %v", f.docID, res, err)
		}
	}
}
