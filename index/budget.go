package index

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// A query's cost is known before it runs. Words and phrases touch the
// postings of a few terms; a part of one character touches those of every
// bigram starting with it (的 is thousands of terms, in nearly every
// section), and such parts ANDed or ORed cost seconds and hundreds of
// megabytes. The plan counts the postings its one-character parts touch,
// from the term dictionary, before bleve builds a searcher.
const (
	// MaxQueryPostings refuses a query whose one-character parts touch
	// more postings. A posting costs about 2 µs (的 alone, 298,000 of
	// them in the shared corpus, answers in 0.3 s on a 2-core machine;
	// eight common characters, 650,000, in 1.4 s), so no query allowed
	// costs more than about a second. The bound is on the count, not on
	// the corpus: a larger archive refuses a common character sooner.
	MaxQueryPostings = 400_000
	// HeavyQueryPostings sends a query over it (some 40 ms of work) down
	// the narrow lane: one such query runs at a time, so that however
	// many clients send them, a core stays free for everyone else's.
	HeavyQueryPostings = 20_000
)

// ErrOverloaded means the query is heavy and the lane for heavy queries
// stayed busy until its time ran out; the client may try again later.
var ErrOverloaded = errors.New("too many costly queries at once")

// budget is an index's account of query costs: the postings each
// character's prefix touches, counted once per generation, and the lane
// heavy queries take one at a time.
type budget struct {
	// max and heavy are MaxQueryPostings and HeavyQueryPostings (tests
	// lower them to what the sample costs).
	max, heavy int
	mu         sync.Mutex
	chars      map[string]int
	lane       chan struct{}
	// waiting counts the heavy queries running or queued; the last to
	// leave returns the memory they took to the system (see release).
	waiting atomic.Int32
	// returning is set while a return of memory is scheduled.
	returning atomic.Bool
}

func newBudget() *budget {
	return &budget{max: MaxQueryPostings, heavy: HeavyQueryPostings, chars: map[string]int{}, lane: make(chan struct{}, 1)}
}

// forget drops the counted costs: a write changes them.
func (b *budget) forget() {
	b.mu.Lock()
	clear(b.chars)
	b.mu.Unlock()
}

// charPostings counts the postings of the bigrams a one-character part
// matches (its prefix query's terms), walking the dictionary under ctx.
func (ix *Index) charPostings(ctx context.Context, c string) (int, error) {
	b := ix.budget
	b.mu.Lock()
	n, ok := b.chars[c]
	b.mu.Unlock()
	if ok {
		return n, nil
	}
	d, err := ix.bleve.FieldDictPrefix(fieldNgram, []byte(c))
	if err != nil {
		return 0, fmt.Errorf("count postings of %q: %w", c, err)
	}
	defer d.Close()
	for i := 0; ; i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		e, err := d.Next()
		if err != nil {
			return 0, fmt.Errorf("count postings of %q: %w", c, err)
		}
		if e == nil {
			break
		}
		n += int(e.Count)
	}
	b.mu.Lock()
	if len(b.chars) < 65536 { // every character the index holds, at most
		b.chars[c] = n
	}
	b.mu.Unlock()
	return n, nil
}

// admit checks a plan's cost against the budget before it runs: refused
// over MaxQueryPostings, queued for the heavy lane over
// HeavyQueryPostings. The release it returns must be called when the
// search is done.
func (ix *Index) admit(ctx context.Context, q string, p *plan) (release func(), err error) {
	total := 0
	for _, c := range p.singles {
		n, err := ix.charPostings(ctx, c)
		if err != nil {
			return nil, err
		}
		total += n
	}
	b := ix.budget
	if total > b.max {
		return nil, fmt.Errorf("%w: the query %q has parts of one character (%s) that together match %d places in the index, more than the %d one query may search: join them into words or add a word",
			ErrBadQuery, q, quoteList(p.singles), total, b.max)
	}
	if total <= b.heavy {
		return func() {}, nil
	}
	b.waiting.Add(1)
	select {
	case b.lane <- struct{}{}:
	case <-ctx.Done():
		b.waiting.Add(-1)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w: the query %q is costly (its one-character parts match %d places) and others like it kept the server busy", ErrOverloaded, q, total)
		}
		return nil, ctx.Err()
	}
	return func() {
		<-b.lane
		if b.waiting.Add(-1) == 0 {
			b.returnMemory()
		}
	}, nil
}

// returnMemory gives the memory heavy queries and writes took back to the
// system a second after the last of a burst (the Go runtime would keep it
// for minutes: a burst had left the server at 4.5 GB). A second later
// still in a burst, it waits for the next lull.
func (b *budget) returnMemory() {
	if b.returning.Swap(true) {
		return
	}
	time.AfterFunc(time.Second, func() {
		b.returning.Store(false)
		if b.waiting.Load() == 0 {
			debug.FreeOSMemory()
		}
	})
}

// quoteList joins strings as 「a」「b」.
func quoteList(ss []string) string {
	out := ""
	for _, s := range ss {
		out += "「" + s + "」"
	}
	return out
}
