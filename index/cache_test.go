package index

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

func TestResultCache(t *testing.T) {
	ctx := context.Background()
	dir := buildSample(t, filepath.Join("..", "testdata", "replies"))
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			ix.Close()
		}
	}()
	first, err := ix.Search(ctx, SearchRequest{Query: "弹性产能", Collapse: true, Facets: []string{FacetTags}})
	if err != nil || first.Cached || first.Total == 0 {
		t.Fatalf("first search: %+v %v", first, err)
	}
	// The same request, spelt differently (full-width, spaces, filter
	// order), is answered from the cache, with the same hits.
	again, err := ix.Search(ctx, SearchRequest{Query: "  弹性产能 ", Collapse: true, Facets: []string{FacetTags}, Size: DefaultSize})
	if err != nil || !again.Cached || again.Total != first.Total || len(again.Hits) != len(first.Hits) || again.Hits[0].ID != first.Hits[0].ID {
		t.Fatalf("repeated search: cached %v, %+v %v", again.Cached, again, err)
	}
	if again.Took > time.Millisecond {
		t.Logf("a cached search took %s", again.Took)
	}
	ab, _ := ix.Search(ctx, SearchRequest{Query: "国务院", Tags: []string{"a", "b"}})
	ba, _ := ix.Search(ctx, SearchRequest{Query: "国务院", Tags: []string{"b", "a"}})
	if ab.Cached || !ba.Cached {
		t.Errorf("filter order: first cached %v, second cached %v", ab.Cached, ba.Cached)
	}
	// Anything else that changes the answer is another entry.
	for _, req := range []SearchRequest{
		{Query: "弹性产能", Collapse: true},
		{Query: "弹性产能", Collapse: true, Facets: []string{FacetTags}, From: 1},
		{Query: "弹性产能", Collapse: true, Facets: []string{FacetTags}, Sort: SortDate},
		{Query: `"弹性产能"`, Collapse: true, Facets: []string{FacetTags}},
		{Query: "弹性产能", Collapse: true, Facets: []string{FacetTags}, Since: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		res, err := ix.Search(ctx, req)
		if err != nil || res.Cached {
			t.Errorf("%+v: answered from the cache of another request (%v)", req, err)
		}
	}
	// A write clears it: the new document is found, and suggested, at once.
	if got, _ := ix.Suggest(ctx, "钛合", 10); len(got) != 0 {
		t.Fatalf("钛合 suggested before the put: %v", got)
	}
	before, _ := ix.Search(ctx, SearchRequest{Query: "钛合金"})
	if before.Total != 0 {
		t.Fatalf("钛合金 before the put: %d", before.Total)
	}
	if _, err := ix.Search(ctx, SearchRequest{Query: "钛合金"}); err != nil {
		t.Fatal(err)
	}
	r, err := ParseReply("new.md", "new", []byte("---\ntitle: 钛合金\n---\n\n钛合金产业链。\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Put(ctx, r); err != nil {
		t.Fatal(err)
	}
	after, err := ix.Search(ctx, SearchRequest{Query: "钛合金"})
	if err != nil || after.Cached || after.Total == 0 {
		t.Errorf("after a put: cached %v, total %d, %v", after != nil && after.Cached, after.Total, err)
	}
	if got, _ := ix.Suggest(ctx, "钛合", 10); len(got) == 0 {
		t.Error("钛合 not suggested after the put: a stale cached answer")
	}
	// Readiness looks past the cache: a closed index is not ready, though
	// the cache still holds its answers.
	if err := ix.Ready(ctx); err != nil {
		t.Errorf("open index not ready: %v", err)
	}
	ix.Close()
	closed = true
	if err := ix.Ready(ctx); err == nil {
		t.Error("a closed index says it is ready")
	}

	// Bounded: the oldest entries go.
	c := newLRU[*SearchResult](3)
	for i := range 5 {
		c.put(fmt.Sprint(i), &SearchResult{Total: uint64(i)})
	}
	if _, ok := c.get("0"); ok || c.len() != 3 {
		t.Errorf("cache of 3 after 5 puts: %d entries, oldest kept %v", c.len(), ok)
	}
	if res, ok := c.get("4"); !ok || res.Total != 4 {
		t.Errorf("newest entry: %v %v", res, ok)
	}
}
