package index

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// copySample copies the bundled replies into a folder the test may change.
func copySample(t *testing.T) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	copySampleTree(t, repliesDir, src)
	return src
}

// buildSample builds the index of src in a temporary folder and returns
// the folder.
func buildSample(t *testing.T, src string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "index")
	if _, err := Build(context.Background(), BuildOptions{Source: src, Index: dir}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func countHits(t *testing.T, ix *Index, q string) int {
	t.Helper()
	return int(runSearch(t, ix, q, 10).Total)
}

func TestIncrementalBuild(t *testing.T) {
	ctx := context.Background()
	src := copySample(t)
	dir := filepath.Join(t.TempDir(), "index")
	full, err := Build(ctx, BuildOptions{Source: src, Index: dir})
	if err != nil {
		t.Fatal(err)
	}
	if full.Kind != "full" || full.Changes != nil || full.Documents != 12 || full.PeakRSS <= 0 {
		t.Fatalf("full build: %+v", full)
	}
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Documents) != 12 || m.Documents["reply-miit-2020-2524"].Path != "reply-miit-2020-2524.md" || len(m.Documents["reply-miit-2020-2524"].SHA256) != 64 {
		t.Fatalf("manifest after a full build: %d documents, %+v", len(m.Documents), m.Documents["reply-miit-2020-2524"])
	}

	// Nothing changed: no new generation.
	same, err := Build(ctx, BuildOptions{Source: src, Index: dir, Incremental: true})
	if err != nil {
		t.Fatal(err)
	}
	if !same.Changes.Empty() || same.Changes.Unchanged != 12 || same.Path != full.Path || same.Documents != 0 {
		t.Fatalf("incremental without changes: %+v %+v", same, same.Changes)
	}

	// One changed (and cut down to fewer sections), one added, one removed.
	changed := filepath.Join(src, "reply-miit-2020-2524.md")
	b, err := os.ReadFile(changed)
	if err != nil {
		t.Fatal(err)
	}
	head, _, found := strings.Cut(string(b), "\n　　一、")
	if !found {
		t.Fatal("the reply has no heading 一、")
	}
	if err := os.WriteFile(changed, []byte(head+"\n　　一、关于量子纠缠通信\n\n我们将支持量子纠缠通信的研究。\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "guoban", "new.md"), []byte("---\ntitle: 关于钛合金材料的复函\ndate: 2021-01-02\n---\n\n钛合金产业链的答复。\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(src, "guoban", "govcn-5345440.md")); err != nil {
		t.Fatal(err)
	}
	before, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	oldSections := len(mustDocument(t, before, "reply-miit-2020-2524").Sections)
	if countHits(t, before, "弹性产能") == 0 {
		t.Fatal("the sample lacks 弹性产能")
	}
	before.Close()

	inc, err := Build(ctx, BuildOptions{Source: src, Index: dir, Incremental: true})
	if err != nil {
		t.Fatal(err)
	}
	c := inc.Changes
	if inc.Kind != "incremental" || !slices.Equal(c.Added, []string{"guoban/new"}) || !slices.Equal(c.Changed, []string{"reply-miit-2020-2524"}) ||
		!slices.Equal(c.Removed, []string{"guoban/govcn-5345440"}) || c.Unchanged != 10 || inc.Documents != 2 {
		t.Fatalf("incremental: %+v %+v", inc, c)
	}
	if inc.Path == full.Path {
		t.Fatal("incremental build did not make a new generation")
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if ix.Path() != inc.Path {
		t.Errorf("serving %s, not the incremental build's %s", ix.Path(), inc.Path)
	}
	if n := countHits(t, ix, "量子纠缠"); n != 1 {
		t.Errorf("changed text: %d hits", n)
	}
	if n := countHits(t, ix, "钛合金"); n != 1 {
		t.Errorf("added document: %d hits", n)
	}
	if n := countHits(t, ix, "弹性产能"); n != 0 {
		t.Errorf("text cut from the changed document still found: %d hits", n)
	}
	if _, err := ix.Document(ctx, "guoban/govcn-5345440"); !errors.Is(err, ErrNotFound) {
		t.Errorf("removed document: %v", err)
	}
	if got := len(mustDocument(t, ix, "reply-miit-2020-2524").Sections); got >= oldSections {
		t.Errorf("changed document has %d sections, had %d: old sections left behind", got, oldSections)
	}
	// Unchanged documents are all there, whole.
	st, err := ix.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m, err = ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	sections := 0
	for _, e := range m.Documents {
		sections += e.Sections
	}
	if st.Documents != 12 || len(m.Documents) != 12 || int(st.Sections) != sections || st.BuildKind != "incremental" || st.Changes == nil || len(st.Changes.Added) != 1 {
		t.Errorf("after the incremental build: stats %+v, manifest %d documents, %d sections", st, len(m.Documents), sections)
	}
	if _, ok := m.Documents["guoban/govcn-5345440"]; ok {
		t.Error("removed document still in the manifest")
	}

	// A full build from the same tree gives the same index.
	fullDir := filepath.Join(t.TempDir(), "full")
	if _, err := Build(ctx, BuildOptions{Source: src, Index: fullDir}); err != nil {
		t.Fatal(err)
	}
	fix, err := Open(fullDir)
	if err != nil {
		t.Fatal(err)
	}
	defer fix.Close()
	fst, err := fix.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fst.Documents != st.Documents || fst.Sections != st.Sections {
		t.Errorf("incremental index: %d documents, %d sections; full build: %d, %d", st.Documents, st.Sections, fst.Documents, fst.Sections)
	}
	for _, q := range []string{"国务院", "气象", "5G", "复函"} {
		if a, b := countHits(t, ix, q), countHits(t, fix, q); a != b {
			t.Errorf("%s: %d hits incrementally, %d after a full build", q, a, b)
		}
	}
}

func mustDocument(t *testing.T, ix *Index, id string) *Reply {
	t.Helper()
	r, err := ix.Document(context.Background(), id)
	if err != nil {
		t.Fatalf("document %s: %v", id, err)
	}
	return r
}

// A changed file that no longer parses keeps its indexed version, and is
// tried again by the next run.
func TestIncrementalKeepsDocumentWhoseNewVersionIsBad(t *testing.T) {
	ctx := context.Background()
	src := copySample(t)
	dir := buildSample(t, src)
	bad := filepath.Join(src, "reply-miit-2020-2524.md")
	if err := os.WriteFile(bad, []byte("---\ntitle: [unterminated\n---\n\ntext\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for run := range 2 {
		sum, err := Build(ctx, BuildOptions{Source: src, Index: dir, Incremental: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Skipped) != 1 || sum.Skipped[0].Path != bad || !slices.Equal(sum.Changes.Changed, []string{"reply-miit-2020-2524"}) {
			t.Fatalf("run %d: %+v %+v", run, sum, sum.Changes)
		}
		ix, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		n := countHits(t, ix, "弹性产能")
		ix.Close()
		if n == 0 {
			t.Fatalf("run %d: the indexed version of a file that no longer parses was lost", run)
		}
	}
}

func TestIncrementalRefusals(t *testing.T) {
	ctx := context.Background()
	src := copySample(t)
	dir := filepath.Join(t.TempDir(), "index")
	// Nothing to be incremental on.
	if _, err := Build(ctx, BuildOptions{Source: src, Index: dir, Incremental: true}); !errors.Is(err, ErrNeedsFullBuild) {
		t.Fatalf("incremental on an empty folder: %v", err)
	}
	if _, err := Build(ctx, BuildOptions{Source: src, Index: dir, UserDict: "量子纠缠通信 100 n\n", UserDictFile: "words.txt"}); err != nil {
		t.Fatal(err)
	}
	// Another dictionary: refused, the served index untouched.
	served, err := currentPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build(ctx, BuildOptions{Source: src, Index: dir, Incremental: true})
	if !errors.Is(err, ErrNeedsFullBuild) || !strings.Contains(err.Error(), "words.txt") {
		t.Errorf("incremental without the user dictionary: %v", err)
	}
	_, err = Build(ctx, BuildOptions{Source: src, Index: dir, Incremental: true, UserDict: "量子纠缠通信 100 n\n", UserDictFile: "words.txt", Synonyms: "量子,quantum\n", SynonymsFile: "syn.txt"})
	if !errors.Is(err, ErrNeedsFullBuild) || !strings.Contains(err.Error(), "syn.txt") {
		t.Errorf("incremental with new synonyms: %v", err)
	}
	if now, _ := currentPath(dir); now != served {
		t.Errorf("a refused run swapped %s for %s", served, now)
	}
	// The same ones: accepted.
	if _, err := Build(ctx, BuildOptions{Source: src, Index: dir, Incremental: true, UserDict: "量子纠缠通信 100 n\n", UserDictFile: "words.txt"}); err != nil {
		t.Errorf("incremental with the same dictionary: %v", err)
	}
	// An index from before manifests: refused.
	if err := os.Remove(filepath.Join(served, manifestFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(ctx, BuildOptions{Source: src, Index: dir, Incremental: true, UserDict: "量子纠缠通信 100 n\n"}); !errors.Is(err, ErrNeedsFullBuild) || !strings.Contains(err.Error(), "manifest") {
		t.Errorf("incremental without a manifest: %v", err)
	}
}

// Synonyms given to Build are recorded with the index and used by an
// opener that brings none of its own.
func TestSynonymsRecordedWithIndex(t *testing.T) {
	ctx := context.Background()
	src := copySample(t)
	if err := os.WriteFile(filepath.Join(src, "q.md"), []byte("---\ntitle: 量子\n---\n\n关于量子通信的答复。\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "index")
	if _, err := Build(ctx, BuildOptions{Source: src, Index: dir, Synonyms: "量子通信,quantumcomm\n", SynonymsFile: "/etc/govsearch/syn.txt"}); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := countHits(t, ix, "quantumcomm"); n != 1 {
		t.Errorf("recorded synonym: %d hits", n)
	}
	st, err := ix.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.SynonymsFile != "/etc/govsearch/syn.txt" || st.Synonyms != m.Synonyms || st.Synonyms == DefaultSynonyms().Version() {
		t.Errorf("stats %+v, manifest synonyms %s", st, m.Synonyms)
	}
	// An opener's own synonyms win.
	ix.Close()
	own, err := OpenWith(dir, OpenOptions{Synonyms: DefaultSynonyms()})
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	if n := countHits(t, own, "quantumcomm"); n != 0 {
		t.Errorf("the opener's synonyms did not replace the recorded ones: %d hits", n)
	}
}
