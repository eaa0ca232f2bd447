package index

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

func TestPutAndDelete(t *testing.T) {
	ctx := context.Background()
	dir := buildSample(t, filepath.Join("..", "testdata", "replies"))
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	before, err := ix.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Warm the caches Put must drop.
	if _, err := ix.Search(ctx, SearchRequest{Facets: Facets}); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Suggest(ctx, "钛合", 10); err != nil {
		t.Fatal(err)
	}
	md := "---\ntitle: 关于钛合金材料的答复\ntags: [新材料]\npublisher: 工业和信息化部\ndate: 2021-03-01\n---\n\n前言。\n\n一、关于钛合金\n\n钛合金产业链。\n\n二、关于稀土\n\n稀土永磁。\n"
	r, err := ParseReply("put", "new/reply-1", []byte(md))
	if err != nil {
		t.Fatal(err)
	}
	created, err := ix.Put(ctx, r)
	if err != nil || !created {
		t.Fatalf("Put: created %v, %v", created, err)
	}
	res, err := ix.Search(ctx, SearchRequest{Query: "钛合金", Facets: []string{FacetTags}})
	if err != nil || res.Total == 0 || res.Hits[0].DocID != "new/reply-1" {
		t.Fatalf("search after Put: %v %v", res, err)
	}
	if !slices.Contains(res.Facets[FacetTags], FacetCount{"新材料", int(res.Total)}) {
		t.Errorf("facets after Put: %v", res.Facets)
	}
	if s, _ := ix.Suggest(ctx, "钛合", 10); len(s) == 0 {
		t.Error("suggestions after Put do not know the new word")
	}
	if st, _ := ix.Stats(ctx); st.Documents != before.Documents+1 {
		t.Errorf("documents %d after Put, %d before", st.Documents, before.Documents)
	}

	// Replacing drops the old sections.
	r2, _ := ParseReply("put", "new/reply-1", []byte("---\ntitle: 关于稀土的答复\n---\n\n稀土。\n"))
	created, err = ix.Put(ctx, r2)
	if err != nil || created {
		t.Fatalf("replace: created %v, %v", created, err)
	}
	doc, err := ix.Document(ctx, "new/reply-1")
	if err != nil || len(doc.Sections) != len(r2.Sections) || doc.Title != "关于稀土的答复" {
		t.Fatalf("document after replace: %+v, %v", doc, err)
	}
	if res, _ := ix.Search(ctx, SearchRequest{Query: "钛合金"}); res.Total != 0 {
		t.Errorf("old sections still found: %v", ids(res))
	}

	// Changes are on disk when Put returns.
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if doc, err := ix.Document(ctx, "new/reply-1"); err != nil || doc.Title != "关于稀土的答复" {
		t.Fatalf("after reopening: %+v, %v", doc, err)
	}
	if err := ix.Delete(ctx, "new/reply-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Document(ctx, "new/reply-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("document after Delete: %v", err)
	}
	if err := ix.Delete(ctx, "new/reply-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete: %v", err)
	}
	if st, _ := ix.Stats(ctx); st.Documents != before.Documents || st.Sections != before.Sections {
		t.Errorf("after Delete: %d documents, %d sections; want %d, %d", st.Documents, st.Sections, before.Documents, before.Sections)
	}
}

// A second opener of an index in use gets a clear error, not a hang.
func TestOpenInUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	if _, err := Build(context.Background(), BuildOptions{Source: filepath.Join("..", "testdata", "replies"), Index: dir}); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if second, err := Open(dir); !errors.Is(err, ErrInUse) {
		if second != nil {
			second.Close()
		}
		t.Errorf("second Open: %v, want ErrInUse", err)
	}
}
