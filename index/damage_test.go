package index

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A segment truncated or overwritten under a serving index faults when
// bleve reads it through mmap; the call that meets it gets ErrDamaged,
// naming the generation, instead of the process dying of SIGBUS, and
// every later call, readiness included, is refused the same way.
func TestServedSegmentDamaged(t *testing.T) {
	for _, damage := range []string{"truncated", "emptied"} {
		t.Run(damage, func(t *testing.T) {
			ctx := context.Background()
			dir := buildSample(t, filepath.Join("..", "testdata", "replies"))
			l, err := OpenLive(dir, OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if res, err := l.Search(ctx, SearchRequest{Query: "弹性产能"}); err != nil || res.Total == 0 {
				t.Fatalf("search before the damage: %v %v", res, err)
			}
			segs, _ := filepath.Glob(filepath.Join(l.Path(), "store", "*.zap"))
			if len(segs) == 0 {
				t.Fatal("no segment in the served generation")
			}
			for _, seg := range segs {
				size := int64(0)
				if damage == "truncated" {
					st, _ := os.Stat(seg)
					size = st.Size() / 8
				}
				if err := os.Truncate(seg, size); err != nil {
					t.Fatal(err)
				}
			}
			// Words not asked before, so no cache answers for the index.
			var first error
			for _, q := range []string{"工业互联网", "卡脖子", "气象", "复函", "国务院"} {
				if _, err := l.Search(ctx, SearchRequest{Query: q, Size: 5}); err != nil {
					first = err
					break
				}
			}
			if !errors.Is(first, ErrDamaged) || !strings.Contains(first.Error(), filepath.Base(l.Path())) || strings.Contains(first.Error(), dir) {
				t.Fatalf("searches of a damaged index: %v, want ErrDamaged naming the generation and no path", first)
			}
			for name, err := range map[string]error{
				"ready":    l.Ready(ctx),
				"search":   func() error { _, err := l.Search(ctx, SearchRequest{Query: "弹性产能"}); return err }(),
				"document": func() error { _, err := l.Document(ctx, "reply-miit-2020-2524"); return err }(),
				"suggest":  func() error { _, err := l.Suggest(ctx, "弹性", 5); return err }(),
			} {
				if !errors.Is(err, ErrDamaged) {
					t.Errorf("%s after the damage: %v, want ErrDamaged", name, err)
				}
			}
		})
	}
}

// A panic that is not a fault in mapped memory is no damage: it goes on as
// a panic (the HTTP layer answers that request 500) and the index serves on.
func TestGuardPassesOtherPanics(t *testing.T) {
	ix, err := Open(buildSample(t, filepath.Join("..", "testdata", "replies")))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	r := &liveRef{ix: ix}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("a nil pointer dereference was swallowed")
			}
		}()
		guard(r, func(*Index) (int, error) {
			var p *int
			return *p, nil
		})
	}()
	if r.damaged.Load() != nil {
		t.Error("a bug marked the index damaged")
	}
	if _, err := guard(r, func(ix *Index) (*SearchResult, error) {
		return ix.Search(context.Background(), SearchRequest{Query: "弹性产能"})
	}); err != nil {
		t.Errorf("search after the panic: %v", err)
	}
}

// An incremental build copies the previous generation rather than
// hard-linking its segments: damage to the new generation's files leaves
// the previous one whole, so a server has something to fall back to.
func TestIncrementalSharesNoFileWithPrevious(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	copySampleTree(t, filepath.Join("..", "testdata", "replies"), src)
	dir := buildSample(t, src)
	previous, err := currentPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(src, "reply-miit-2020-2524.md"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("\n附：本答复已公开。\n")
	f.Close()
	if _, err := Build(ctx, BuildOptions{Source: src, Index: dir, Incremental: true}); err != nil {
		t.Fatal(err)
	}
	next, err := currentPath(dir)
	if err != nil || next == previous {
		t.Fatalf("incremental build: current %s (%v), previous %s", next, err, previous)
	}
	segs, _ := filepath.Glob(filepath.Join(next, "store", "*.zap"))
	for _, seg := range segs {
		var st syscall.Stat_t
		if err := syscall.Stat(seg, &st); err != nil {
			t.Fatal(err)
		}
		if st.Nlink != 1 {
			t.Errorf("%s has %d links: it shares its data with another generation", filepath.Base(seg), st.Nlink)
		}
		if err := os.Truncate(seg, 10); err != nil {
			t.Fatal(err)
		}
	}
	if err := checkGeneration(previous); err != nil {
		t.Errorf("the previous generation after damage to the new one: %v", err)
	}
}
