package index

import (
	"context"
	"os"
	"testing"
)

// TestCorpusIndex indexes the whole shared corpus (3,614 documents, 64 MB)
// and checks the reference replies' top hits hold among all of it. It takes
// about a minute, so it runs only when GOVSEARCH_CORPUS names the corpus
// folder (.ci/run sets it).
func TestCorpusIndex(t *testing.T) {
	corpus := os.Getenv("GOVSEARCH_CORPUS")
	if corpus == "" {
		t.Skip("set GOVSEARCH_CORPUS to the shared corpus folder to index all of it")
	}
	dir := t.TempDir()
	sum, err := Build(context.Background(), BuildOptions{Source: corpus, Index: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d documents, %d sections, %.1f MB in %s, index %.1f MB", sum.Documents, sum.Sections,
		float64(sum.Bytes)/1e6, sum.Elapsed, float64(sum.IndexBytes)/1e6)
	if sum.Documents != sum.Files || len(sum.Skipped) > 0 {
		t.Errorf("indexed %d of %d files; skipped %v", sum.Documents, sum.Files, sum.Skipped)
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for q, want := range map[string]string{"弹性产能": "reply-miit-2020-2524#1", "工业互联网": "reply-miit-2020-2524#2", "卡脖子": "reply-miit-2020-2524#3"} {
		res, err := ix.Search(context.Background(), SearchRequest{Query: q, Size: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) == 0 || res.Hits[0].ID != want {
			t.Errorf("%s: top hits %v of %d, want %s first", q, ids(res), res.Total, want)
		}
	}
}
