package index

import (
	"container/list"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/govsearch/govsearch/analyzer"
)

// resultCacheSize bounds the searches an index remembers. A newsroom's
// traffic repeats itself — the widget asks for the same popular queries
// all day, at every keystroke — and a collapsed, faceted search over the
// whole archive takes tens of milliseconds, its cached answer
// microseconds. A result with ten hits holds a few kilobytes: 4,096 of
// them stay well under 50 MB.
const resultCacheSize = 4096

// suggestCacheSize bounds the completions an index remembers: Suggest
// scans every title and heading for the prefix (a quarter of a
// millisecond on the shared corpus), and the widget asks at every
// keystroke.
const suggestCacheSize = 4096

// lru is a least-recently-used cache. The caches of search results (keyed
// by the normalized request) and of suggestions belong to one open index,
// so a swapped-in index starts empty, and writes (Put, Delete) clear them.
type lru[V any] struct {
	mu    sync.Mutex
	max   int
	order *list.List // of *cacheEntry[V], most recent first
	byKey map[string]*list.Element
}

type cacheEntry[V any] struct {
	key string
	val V
}

func newLRU[V any](max int) *lru[V] {
	return &lru[V]{max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

// cacheKey is what decides a search's result: the query normalized
// (full-width, traditional and case folded, spaces collapsed; quotes and
// operators kept) and every other field, filter values in order.
func cacheKey(req SearchRequest) string {
	q := strings.Join(strings.Fields(analyzer.NormalizeString(req.Query)), " ")
	sorted := func(s []string) []string {
		s = slices.Clone(s)
		slices.Sort(s)
		return s
	}
	return fmt.Sprintf("%q|%d|%d|%q|%q|%q|%q|%q|%q|%q|%d|%d|%d|%d|%d|%s|%t|%q|%t", q, req.From, req.Size,
		sorted(req.Tags), sorted(req.Categories), sorted(req.Publishers), sorted(req.Addressees),
		sorted(req.Ministries), sorted(req.Kinds), sorted(req.Issuers), req.Term, req.Session, req.ProposalNo,
		req.Since.Unix(), req.Until.Unix(), req.Sort, req.Collapse, sorted(req.Facets), req.Interpret)
}

func (c *lru[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cacheEntry[V]).val, true
}

func (c *lru[V]) put(key string, val V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[key]; ok {
		e.Value.(*cacheEntry[V]).val = val
		c.order.MoveToFront(e)
		return
	}
	c.byKey[key] = c.order.PushFront(&cacheEntry[V]{key, val})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*cacheEntry[V]).key)
	}
}

func (c *lru[V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order.Init()
	clear(c.byKey)
}

func (c *lru[V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
