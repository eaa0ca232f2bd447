package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestBuildLock(t *testing.T) {
	ctx := context.Background()
	src := filepath.Join("..", "testdata", "replies")
	dir := filepath.Join(t.TempDir(), "index")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A lock file left by a killed run (no process holds it) does not
	// block.
	if err := os.WriteFile(filepath.Join(dir, lockFile), []byte("pid 999999 since 2020-01-01T00:00:00Z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(ctx, BuildOptions{Source: src, Index: dir}); err != nil {
		t.Fatalf("build after a dead run's lock: %v", err)
	}
	// A running build (here: this process holding the lock) blocks the
	// next, which says who holds it and leaves the index alone.
	lock, err := lockIndex(dir)
	if err != nil {
		t.Fatal(err)
	}
	served, _ := currentPath(dir)
	st, err := Status(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Building || !strings.Contains(st.BuildingBy, fmt.Sprintf("pid %d", os.Getpid())) {
		t.Errorf("status while locked: %+v", st)
	}
	_, err = Build(ctx, BuildOptions{Source: src, Index: dir})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) || !strings.Contains(err.Error(), dir) {
		t.Errorf("second build: %v", err)
	}
	if now, _ := currentPath(dir); now != served {
		t.Errorf("a refused build swapped the index")
	}
	lock.release()
	if st, _ := Status(dir); st.Building {
		t.Errorf("status after release: %+v", st)
	}
	if _, err := Build(ctx, BuildOptions{Source: src, Index: dir}); err != nil {
		t.Errorf("build after release: %v", err)
	}
}

func TestBuildRemovesStaleBuilds(t *testing.T) {
	ctx := context.Background()
	src := filepath.Join("..", "testdata", "replies")
	dir := buildSample(t, src)
	// What a build killed midway leaves: a half-built generation and the
	// temporary link of a swap.
	half := filepath.Join(dir, ".building-gen-20200101T000000.000000000")
	if err := os.MkdirAll(filepath.Join(half, "store"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(half, "store", "000000000001.zap"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("gen-x", filepath.Join(dir, ".current-gen-x")); err != nil {
		t.Fatal(err)
	}
	st, err := Status(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Stale) != 2 || st.Documents != 12 || st.Manifest == nil || st.Current == "" || len(st.Generations) != 1 {
		t.Errorf("status: %+v", st)
	}
	// The served index still answers.
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if countHits(t, ix, "弹性产能") == 0 {
		t.Error("served index does not answer beside a stale build")
	}
	ix.Close()
	sum, err := Build(ctx, BuildOptions{Source: src, Index: dir, Incremental: true})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(sum.Stale)
	if !slices.Equal(sum.Stale, []string{".building-gen-20200101T000000.000000000", ".current-gen-x"}) {
		t.Errorf("removed %v", sum.Stale)
	}
	if _, err := os.Stat(half); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale build still there: %v", err)
	}
}

// An incremental build copies the index a server is serving (and holds
// open) and the server takes up the result.
func TestIncrementalWhileServedAndWatched(t *testing.T) {
	ctx := context.Background()
	src := copySample(t)
	dir := buildSample(t, src)
	live, err := OpenLive(dir, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	first := live.Path()
	watchCtx, stop := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { live.Watch(watchCtx, 20*time.Millisecond, nil); close(watched) }()
	defer func() { stop(); <-watched }()

	if err := os.WriteFile(filepath.Join(src, "new.md"), []byte("---\ntitle: 关于钛合金材料的复函\n---\n\n钛合金产业链的答复。\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := Build(ctx, BuildOptions{Source: src, Index: dir, Incremental: true})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for live.Path() == first && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if live.Path() != sum.Path {
		t.Fatalf("serving %s, want %s", live.Path(), sum.Path)
	}
	res, err := live.Search(ctx, SearchRequest{Query: "钛合金"})
	if err != nil || res.Total != 1 {
		t.Fatalf("new document after the watcher's swap: %v %v", res, err)
	}
	res, err = live.Search(ctx, SearchRequest{Query: "弹性产能"})
	if err != nil || res.Total == 0 {
		t.Fatalf("old documents after the watcher's swap: %v %v", res, err)
	}
	// While a build holds the folder, a server's rebuild is refused at
	// once.
	lock, err := lockIndex(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.release()
	if err := live.StartRebuild(BuildOptions{Source: src}, nil); !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "pid") {
		t.Errorf("rebuild while a build runs: %v", err)
	}
}

// A rebuild started by a server that was given no dictionary or synonyms
// keeps those the served index was built with.
func TestServerRebuildKeepsDictionaryAndSynonyms(t *testing.T) {
	ctx := context.Background()
	src := copySample(t)
	dir := filepath.Join(t.TempDir(), "index")
	opts := BuildOptions{Source: src, Index: dir, UserDict: "量子纠缠通信 100 n\n", UserDictFile: "words.txt", Synonyms: "量子,quantum\n", SynonymsFile: "syn.txt"}
	if _, err := Build(ctx, opts); err != nil {
		t.Fatal(err)
	}
	before, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	live, err := OpenLive(dir, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if err := live.StartRebuild(BuildOptions{Source: src}, nil); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); live.Rebuild().State == "running" && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if st := live.Rebuild(); st.State != "done" {
		t.Fatalf("rebuild: %+v", st)
	}
	after, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if after.BuiltAt.Equal(before.BuiltAt) || after.Dictionary != before.Dictionary || after.Synonyms != before.Synonyms ||
		after.UserDict != "words.txt" || after.SynonymsFile != "syn.txt" {
		t.Errorf("before %+v\nafter %+v", before, after)
	}
	// So the same files are accepted by an incremental run.
	opts.Incremental = true
	if _, err := Build(ctx, opts); err != nil {
		t.Errorf("incremental after the server's rebuild: %v", err)
	}
}
