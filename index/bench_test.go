package index

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The benchmarks run on real text: the shared corpus when GOVSEARCH_CORPUS
// names it (go test -bench . with GOVSEARCH_CORPUS=../shared/corpus/zh-gov),
// else, and always with -short (as CI runs them, to keep them working),
// the bundled replies.
func benchSource() string {
	if c := os.Getenv("GOVSEARCH_CORPUS"); c != "" && !testing.Short() {
		return c
	}
	return filepath.Join("..", "testdata", "replies")
}

// benchFiles reads every source file once.
var benchFiles = sync.OnceValues(func() ([]sourceFile, error) {
	files, _, err := listSources(benchSource(), false)
	return files, err
})

// benchIndex is benchSource indexed once per process, in benchDir
// (removed by TestMain).
var (
	benchDir   string
	benchIndex = sync.OnceValues(func() (*Index, error) {
		dir, err := os.MkdirTemp("", "govsearch-bench-")
		if err != nil {
			return nil, err
		}
		benchDir = dir
		return buildBenchIndex(dir)
	})
)

func buildBenchIndex(dir string) (*Index, error) {
	if _, err := Build(context.Background(), BuildOptions{Source: benchSource(), Index: dir}); err != nil {
		return nil, err
	}
	return Open(dir)
}

func loadBenchTexts(b *testing.B) (data [][]byte, total int64) {
	b.Helper()
	files, err := benchFiles()
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range files {
		d, ferr := readSource(f)
		if ferr != nil {
			continue
		}
		data = append(data, d)
		total += int64(len(d))
	}
	return data, total
}

// BenchmarkParse is front matter, section splitting and reply data of
// every file (MB/s of source).
func BenchmarkParse(b *testing.B) {
	data, total := loadBenchTexts(b)
	b.SetBytes(total)
	for b.Loop() {
		for i, d := range data {
			ParseReply("bench.md", "bench"+string(rune('a'+i%26)), d)
		}
	}
}

// BenchmarkSplitSections is section splitting alone, on the bodies.
func BenchmarkSplitSections(b *testing.B) {
	data, _ := loadBenchTexts(b)
	var bodies []string
	var total int64
	for _, d := range data {
		body := string(d)
		if _, rest, ok := strings.Cut(strings.TrimPrefix(body, "---\n"), "\n---\n"); ok {
			body = rest
		}
		bodies = append(bodies, body)
		total += int64(len(body))
	}
	b.SetBytes(total)
	for b.Loop() {
		for _, body := range bodies {
			SplitSections(body)
		}
	}
}

// BenchmarkBuild indexes the source into a new index (docs/s and MB/s).
func BenchmarkBuild(b *testing.B) {
	dir := b.TempDir()
	var docs int
	var bytes int64
	var elapsed time.Duration
	for b.Loop() {
		sum, err := Build(context.Background(), BuildOptions{Source: benchSource(), Index: dir})
		if err != nil {
			b.Fatal(err)
		}
		docs += sum.Documents
		bytes += sum.Bytes
		elapsed += sum.Elapsed
	}
	b.ReportMetric(float64(docs)/elapsed.Seconds(), "docs/s")
	b.ReportMetric(float64(bytes)/1e6/elapsed.Seconds(), "MB/s")
}

// benchQueries is the query mix of the search benchmarks.
var benchQueries = []struct {
	name string
	req  SearchRequest
}{
	{"one-word", SearchRequest{Query: "工业互联网"}},
	{"long-phrase", SearchRequest{Query: `"关于疫情常态化防控背景下应对制造业挑战"`}},
	{"several-words", SearchRequest{Query: "集成电路 人才 培养"}},
	{"one-char", SearchRequest{Query: "网"}},
	{"filter-date-sort", SearchRequest{Query: "国务院", Since: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), Sort: SortDateDesc}},
	{"facets", SearchRequest{Query: "国务院", Facets: []string{FacetTags, FacetYear}}},
	{"collapse", SearchRequest{Query: "国务院", Collapse: true, Facets: []string{FacetTags, FacetYear}}},
}

func BenchmarkSearch(b *testing.B) {
	ix, err := benchIndex()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	// Past the result cache: what a query costs the first time.
	for _, q := range benchQueries {
		b.Run(q.name, func(b *testing.B) {
			req := q.req
			req.Size = 10
			for b.Loop() {
				if _, err := ix.search(ctx, req, nil, time.Now()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// Through it, as a repeated query is answered.
	b.Run("cached", func(b *testing.B) {
		i := 0
		for b.Loop() {
			req := benchQueries[i%len(benchQueries)].req
			req.Size = 10
			if _, err := ix.Search(ctx, req); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func BenchmarkSuggest(b *testing.B) {
	ix, err := benchIndex()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ix.Suggest(ctx, "工业", 10) // builds the candidates once
	prefixes := []string{"工业互", "集成", "国务", "弹"}
	b.ResetTimer()
	// Past the cache, as a new prefix is completed, and through it.
	b.Run("uncached", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := ix.complete(ctx, prefixes[i%len(prefixes)], 10); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("cached", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := ix.Suggest(ctx, prefixes[i%len(prefixes)], 10); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkHighlight marks a query in a whole reply, as the document page
// does (MB/s of text).
func BenchmarkHighlight(b *testing.B) {
	ix, err := benchIndex()
	if err != nil {
		b.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "replies", "reply-miit-2020-2524.md"))
	if err != nil {
		b.Fatal(err)
	}
	r, err := ParseReply("reply.md", "reply", raw)
	if err != nil {
		b.Fatal(err)
	}
	var total int64
	for _, s := range r.Sections {
		total += int64(len(s.Text))
	}
	h := ix.Highlighter("工业和信息化部 弹性产能 产业链")
	b.SetBytes(total)
	for b.Loop() {
		for _, s := range r.Sections {
			h.Paragraphs(s.Text)
		}
	}
}
