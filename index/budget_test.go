package index

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A query's one-character parts are costed from the term dictionary
// before it runs: over the budget it is refused naming them, over the
// heavy mark it waits for the one lane heavy queries share, and gives up
// when its time runs out there; words are not costed. The sample's
// budget is lowered to what its characters cost.
func TestQueryBudget(t *testing.T) {
	dir := buildSample(t, filepath.Join("..", "testdata", "replies"))
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	de, err := ix.charPostings(ctx, "的")
	if err != nil {
		t.Fatal(err)
	}
	ye, err := ix.charPostings(ctx, "业")
	if err != nil {
		t.Fatal(err)
	}
	if de <= ye || ye == 0 {
		t.Fatalf("的 touches %d postings, 业 %d: 的 is the commoner", de, ye)
	}
	// Room for 的 or 业 alone, not for both; both are heavy.
	ix.budget.max, ix.budget.heavy = de+ye-1, ye-1
	for _, q := range []string{"的", "业", "工业互联网 的"} {
		if _, err := ix.Search(ctx, SearchRequest{Query: q}); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	for _, q := range []string{"的 业", "的 OR 业", "的 的 -业", "工业互联网 业 的"} {
		_, err := ix.Search(ctx, SearchRequest{Query: q})
		if !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), "「的」") || !strings.Contains(err.Error(), "「业」") {
			t.Errorf("%s: %v, want a refusal naming 的 and 业", q, err)
		}
	}
	// A word costs nothing, however common.
	if _, err := ix.Search(ctx, SearchRequest{Query: "建议 工作 推进 发展"}); err != nil {
		t.Errorf("words: %v", err)
	}

	// The lane held (results asked anew: the cache would answer): a
	// heavy query waits, and gives up at its deadline;
	// a light one passes.
	ix.budget.lane <- struct{}{}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := ix.Search(short, SearchRequest{Query: "的", Size: 3}); !errors.Is(err, ErrOverloaded) {
		t.Errorf("heavy query with the lane busy: %v, want ErrOverloaded", err)
	}
	ix.budget.heavy = de
	if _, err := ix.Search(ctx, SearchRequest{Query: "业", Size: 3}); err != nil {
		t.Errorf("light query with the lane busy: %v", err)
	}
	// Freed, the heavy query runs.
	<-ix.budget.lane
	ix.budget.heavy = ye - 1
	if _, err := ix.Search(ctx, SearchRequest{Query: "的", Size: 2}); err != nil {
		t.Errorf("heavy query, lane free: %v", err)
	}
	if n := ix.budget.waiting.Load(); n != 0 {
		t.Errorf("%d heavy queries still counted as waiting", n)
	}
}
