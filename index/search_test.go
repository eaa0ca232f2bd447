package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
)

// sampleIndex builds the bundled replies (testdata/replies) once for the
// package's search tests; the build itself is tested in build_test.go.
var sampleIndex = sync.OnceValues(func() (*Index, error) {
	dir, err := os.MkdirTemp("", "govsearch-index-test-")
	if err != nil {
		return nil, err
	}
	sum, err := Build(context.Background(), BuildOptions{Source: filepath.Join("..", "testdata", "replies"), Index: dir})
	if err != nil {
		return nil, err
	}
	if len(sum.Skipped) > 0 {
		return nil, sum.Skipped[0]
	}
	return Open(dir)
})

func openSample(t *testing.T) *Index {
	t.Helper()
	ix, err := sampleIndex()
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func runSearch(t *testing.T, ix *Index, q string, size int) *SearchResult {
	t.Helper()
	res, err := ix.Search(context.Background(), SearchRequest{Query: q, Size: size})
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	return res
}

func TestTopHits(t *testing.T) {
	ix := openSample(t)
	for _, tt := range []struct{ q, id, heading string }{
		{"弹性产能", "reply-miit-2020-2524#1", "一、关于从“产能过剩”向“弹性产能”的转变"},
		{"工业互联网", "reply-miit-2020-2524#2", "二、关于从“中国制造”向“中国智造”的转变"},
		{"卡脖子", "reply-miit-2020-2524#3", "三、关于从“世界工厂”向“中国工艺”的转变"},
	} {
		res := runSearch(t, ix, tt.q, 10)
		if len(res.Hits) == 0 {
			t.Errorf("%s: no hits", tt.q)
			continue
		}
		h := res.Hits[0]
		if h.ID != tt.id || h.Heading != tt.heading || h.DocID != "reply-miit-2020-2524" {
			t.Errorf("%s: top hit %s %q, want %s %q", tt.q, h.ID, h.Heading, tt.id, tt.heading)
		}
		if h.Title != "工信部：积极考虑将5G等重点领域纳入“十四五”专项规划" || h.Date.IsZero() || len(h.Tags) != 3 {
			t.Errorf("%s: top hit lacks its document's fields: %+v", tt.q, h)
		}
	}
}

// Every hit of a multi-word query holds every word; the snippet marks them.
func TestAllWordsRequired(t *testing.T) {
	ix := openSample(t)
	res := runSearch(t, ix, "工业互联网 标识解析", 10)
	if res.Total == 0 {
		t.Fatal("no hits")
	}
	for _, h := range res.Hits {
		if !strings.Contains(h.Snippet, "<mark>工业互联网</mark>") || !strings.Contains(h.Snippet, "<mark>标识解析</mark>") {
			t.Errorf("hit %s: snippet %q lacks a marked word", h.ID, h.Snippet)
		}
	}
	if res := runSearch(t, ix, "弹性产能 卡脖子", 10); res.Total != 0 {
		t.Errorf("弹性产能 卡脖子: %d hits, want none (no section has both)", res.Total)
	}
}

func TestPhrase(t *testing.T) {
	ix := openSample(t)
	res := runSearch(t, ix, `"物联网集成创新"`, 10)
	if res.Total != 1 || res.Hits[0].ID != "reply-miit-2020-2524#2" {
		t.Fatalf("phrase: %d hits %v, want only reply-miit-2020-2524#2", res.Total, ids(res))
	}
	if !strings.Contains(res.Hits[0].Snippet, "<mark>物联网集成创新</mark>") {
		t.Errorf("phrase snippet %q", res.Hits[0].Snippet)
	}
	// The same words out of order are not the phrase.
	if res := runSearch(t, ix, `"创新集成物联网"`, 10); res.Total != 0 {
		t.Errorf("reversed phrase: %d hits %v, want none", res.Total, ids(res))
	}
	// Unquoted, the words still match where they stand apart.
	if res := runSearch(t, ix, "物联网 创新", 10); res.Total < 1 {
		t.Errorf("unquoted words: no hits")
	}
}

// The word ranks above the same characters scattered: a section holding
// 工业互联网 outranks one holding only 工业 and 互联网 apart.
func TestWordAboveScatteredSubwords(t *testing.T) {
	ix := openSample(t)
	res := runSearch(t, ix, "工业互联网", 10)
	for i, h := range res.Hits {
		whole := strings.Contains(h.Snippet, "<mark>工业互联网</mark>")
		if i == 0 && !whole {
			t.Errorf("top hit %s does not hold the word: %q", h.ID, h.Snippet)
		}
	}
}

func TestPagingIsStable(t *testing.T) {
	ix := openSample(t)
	all := runSearch(t, ix, "国务院", 100)
	if all.Total < 6 {
		t.Fatalf("国务院: only %d hits", all.Total)
	}
	var paged []string
	for from := 0; from < len(all.Hits); from += 4 {
		res, err := ix.Search(context.Background(), SearchRequest{Query: "国务院", From: from, Size: 4})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, ids(res)...)
	}
	if strings.Join(paged, " ") != strings.Join(ids(all), " ") {
		t.Errorf("pages %v\ndiffer from one page %v", paged, ids(all))
	}
	for i := 1; i < len(all.Hits); i++ {
		if all.Hits[i].Score > all.Hits[i-1].Score {
			t.Errorf("hit %d scores above hit %d", i, i-1)
		}
	}
}

func TestBadQueries(t *testing.T) {
	ix := openSample(t)
	for _, q := range []string{`""`, "-过剩", "-过剩 -产能"} {
		_, err := ix.Search(context.Background(), SearchRequest{Query: q})
		if !errors.Is(err, ErrBadQuery) {
			t.Errorf("Search(%q) error = %v, want ErrBadQuery", q, err)
		}
	}
	// Dates bleve cannot hold (the page's year=3000 had answered 503).
	for _, req := range []SearchRequest{{From: -1}, {From: MaxWindow}, {From: MaxWindow - 5, Size: 10},
		{Until: time.Date(3000, 12, 31, 0, 0, 0, 0, shanghai)}, {Since: time.Date(1600, 1, 1, 0, 0, 0, 0, shanghai)}} {
		if _, err := ix.Search(context.Background(), req); !errors.Is(err, ErrBadQuery) {
			t.Errorf("Search(%+v) error = %v, want ErrBadQuery", req, err)
		}
	}
}

// An empty query lists every section (the filters' and sort's job).
func TestEmptyQueryListsAll(t *testing.T) {
	ix := openSample(t)
	files, _, err := listSources(filepath.Join("..", "testdata", "replies"), false)
	if err != nil {
		t.Fatal(err)
	}
	sections := 0
	for _, f := range files {
		r, _, fe := readReply(filepath.Join("..", "testdata", "replies"), f)
		if fe != nil {
			t.Fatal(fe)
		}
		sections += len(r.Sections)
	}
	for _, q := range []string{"", "   "} {
		res, err := ix.Search(context.Background(), SearchRequest{Query: q})
		if err != nil || res.Total != uint64(sections) {
			t.Errorf("Search(%q): total %v, error %v; want all %d sections", q, res, err, sections)
		}
	}
}

func TestDocument(t *testing.T) {
	ix := openSample(t)
	doc, err := ix.Document(context.Background(), "reply-miit-2020-2524")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Sections) != 8 || doc.Sections[1].Heading != "一、关于从“产能过剩”向“弹性产能”的转变" {
		t.Fatalf("document has %d sections, section 1 %q", len(doc.Sections), doc.Sections[1].Heading)
	}
	for i, s := range doc.Sections {
		if s.Num != i {
			t.Errorf("section %d numbered %d", i, s.Num)
		}
	}
	if _, ok := doc.Meta["abbrlink"]; !ok {
		t.Errorf("metadata %v lacks abbrlink", doc.Meta)
	}

	// An id with a slash: the file sits in a subfolder.
	doc, err = ix.Document(context.Background(), "guoban/govcn-5351586")
	if err != nil {
		t.Fatal(err)
	}
	if doc.Meta["publisher"] != "国务院办公厅" || !strings.HasPrefix(doc.Meta["source"].(string), "http://www.gov.cn/") {
		t.Errorf("metadata = %v", doc.Meta)
	}
	if _, err := ix.Document(context.Background(), "no-such-doc"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: error %v, want ErrNotFound", err)
	}
}

func TestParseQuery(t *testing.T) {
	w := func(s string) queryPart { return queryPart{Text: s} }
	tests := []struct {
		q    string
		want []queryPart
	}{
		{"工业互联网", []queryPart{w("工业互联网")}},
		{"工业互联网　标识解析 ", []queryPart{w("工业互联网"), w("标识解析")}},
		{`"物联网 集成" 创新`, []queryPart{{Text: "物联网 集成", Phrase: true}, w("创新")}},
		{"“卡脖子”问题", []queryPart{{Text: "卡脖子", Phrase: true}, w("问题")}},
		{`"未闭合 的引号`, []queryPart{{Text: "未闭合 的引号", Phrase: true}}},
		{`""`, nil},
		{"工信部 OR 发改委 集成电路", []queryPart{w("工信部"), {Text: "发改委", Or: true}, w("集成电路")}},
		{`产能 -过剩 -"弹性 产能"`, []queryPart{w("产能"), {Text: "过剩", Negated: true}, {Text: "弹性 产能", Phrase: true, Negated: true}}},
		{"COVID-19 OR", []queryPart{w("COVID-19"), w("OR")}},
		{"OR 产能", []queryPart{w("OR"), w("产能")}},
		{"a OR OR b", []queryPart{w("a"), {Text: "OR", Or: true}, w("b")}},
		{"- 产能", []queryPart{w("-"), w("产能")}},
		{"or 产能", []queryPart{w("or"), w("产能")}},
	}
	for _, tt := range tests {
		got := parseQuery(tt.q)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("parseQuery(%q) = %+v, want %+v", tt.q, got, tt.want)
		}
	}
}

func ids(res *SearchResult) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	return out
}

// FuzzParseQuery: any input splits into non-empty trimmed parts; only
// phrases may hold white space; no part holds a quote it was split at.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{`工业互联网 "物联网 集成" -卡脖子`, "“卡脖子”问题", `"""`, "a\x00b\xff", "　"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		for _, p := range parseQuery(q) {
			if p.Text == "" || strings.TrimSpace(p.Text) != p.Text {
				t.Fatalf("part %q is empty or untrimmed", p.Text)
			}
			if !p.Phrase && strings.ContainsFunc(p.Text, unicode.IsSpace) {
				t.Fatalf("word part %q holds white space", p.Text)
			}
			if !p.Phrase && strings.ContainsAny(p.Text, `"“「`) {
				t.Fatalf("word part %q holds an opening quote", p.Text)
			}
		}
	})
}

// Operators, traditional characters and full width, with highlights on
// the original text.
func TestQuerySyntaxAndNormalization(t *testing.T) {
	ix := openSample(t)
	res := runSearch(t, ix, "工業互聯網", 10)
	if res.Total == 0 || res.Hits[0].ID != "reply-miit-2020-2524#2" || !strings.Contains(res.Hits[0].Snippet, "<mark>工业互联网</mark>") {
		t.Errorf("工業互聯網: %v, snippet %q", ids(res), res.Hits[0].Snippet)
	}
	res = runSearch(t, ix, "５Ｇ网络", 10)
	if res.Total == 0 || !strings.Contains(res.Hits[0].Snippet, "<mark>5G网络</mark>") {
		t.Errorf("５Ｇ网络: %v", res.Hits)
	}
	// 产能过 crosses jieba's cut (产能过剩), yet finds the one heading
	// that says it, ranked by the word it shares (产能).
	res = runSearch(t, ix, "产能过", 10)
	if res.Total != 1 || res.Hits[0].ID != "reply-miit-2020-2524#1" || res.Hits[0].Score <= 0 {
		t.Errorf("产能过: %v", res.Hits)
	}
	either := runSearch(t, ix, "卡脖子 OR 弹性产能", 10)
	got := strings.Join(ids(either), " ")
	if !strings.Contains(got, "reply-miit-2020-2524#1") || !strings.Contains(got, "reply-miit-2020-2524#3") {
		t.Errorf("卡脖子 OR 弹性产能: %v", got)
	}
	all := runSearch(t, ix, "工业和信息化部", 100)
	without := runSearch(t, ix, "工业和信息化部 -工业互联网", 100)
	if without.Total == 0 || without.Total >= all.Total || strings.Contains(strings.Join(ids(without), " "), "reply-miit-2020-2524#2") {
		t.Errorf("-工业互联网: %d of %d left, %v", without.Total, all.Total, ids(without))
	}
}
