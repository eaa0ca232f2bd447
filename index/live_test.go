package index

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLiveRebuildSwapsWithoutFailingSearches(t *testing.T) {
	ctx := context.Background()
	src := filepath.Join("..", "testdata", "replies")
	dir := buildSample(t, src)
	live, err := OpenLive(dir, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	first := live.Path()
	if st := live.Rebuild(); st.State != "idle" {
		t.Errorf("before any rebuild: %+v", st)
	}

	// A reader holding the old index across the swap.
	held := live.acquire()

	var searches, failures atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				// A window that changes nothing of the total but makes
				// each request new, so that it reaches the index, not
				// the result cache.
				n := int(searches.Add(1))
				res, err := live.Search(ctx, SearchRequest{Query: "国务院", Collapse: true, Facets: Facets, From: n % 900, Size: 1 + n/900%10})
				if err != nil || res.Total == 0 {
					failures.Add(1)
				}
			}
		})
	}
	if err := live.StartRebuild(BuildOptions{Source: src}, nil); err != nil {
		t.Fatal(err)
	}
	if err := live.StartRebuild(BuildOptions{Source: src}, nil); !errors.Is(err, ErrBusy) {
		t.Errorf("second rebuild while one runs: %v", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for live.Rebuild().State == "running" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // searches on the new index too
	close(stop)
	wg.Wait()
	st := live.Rebuild()
	if st.State != "done" || st.Summary == nil || st.Summary.Documents != 12 || st.FilesDone != st.Files || st.Files == 0 {
		t.Fatalf("rebuild: %+v", st)
	}
	if live.Path() == first {
		t.Errorf("still serving %s after the rebuild", first)
	}
	if failures.Load() > 0 || searches.Load() == 0 {
		t.Errorf("%d of %d searches failed during the swap", failures.Load(), searches.Load())
	}
	// The old index answers its last reader, then closes.
	if _, err := held.ix.Search(ctx, SearchRequest{Query: "国务院"}); err != nil {
		t.Errorf("old index closed under a reader: %v", err)
	}
	live.release(held)
	if _, err := held.ix.Search(ctx, SearchRequest{Query: "气象"}); err == nil {
		t.Error("old index still open after its last reader")
	}
	// Nothing changed on disk: Reload has nothing to do.
	if swapped, err := live.Reload(); swapped || err != nil {
		t.Errorf("Reload with nothing new: %v, %v", swapped, err)
	}
	// A failed rebuild leaves the served index alone.
	path := live.Path()
	if err := live.StartRebuild(BuildOptions{Source: filepath.Join(t.TempDir(), "missing")}, nil); err != nil {
		t.Fatal(err)
	}
	for live.Rebuild().State == "running" {
		time.Sleep(10 * time.Millisecond)
	}
	if st := live.Rebuild(); st.State != "failed" || st.Err == "" || live.Path() != path {
		t.Errorf("failed rebuild: %+v, serving %s", st, live.Path())
	}
	if res, err := live.Search(ctx, SearchRequest{Query: "国务院"}); err != nil || res.Total == 0 {
		t.Errorf("search after a failed rebuild: %v", err)
	}
}

// Reloads at once (a SIGHUP during a rebuild's own reload) take the new
// index up once; none fails.
func TestLiveConcurrentReloads(t *testing.T) {
	ctx := context.Background()
	src := filepath.Join("..", "testdata", "replies")
	dir := buildSample(t, src)
	live, err := OpenLive(dir, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if _, err := Build(ctx, BuildOptions{Source: src, Index: dir}); err != nil {
		t.Fatal(err)
	}
	var swaps atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			swapped, err := live.Reload()
			if err != nil {
				t.Errorf("Reload: %v", err)
			}
			if swapped {
				swaps.Add(1)
			}
		})
	}
	wg.Wait()
	if swaps.Load() != 1 {
		t.Errorf("%d reloads swapped, want 1", swaps.Load())
	}
}
