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

// resultCache is a least-recently-used cache of search results, keyed by
// the normalized request. It belongs to one open index, so a swapped-in
// index starts empty, and writes (Put, Delete) clear it.
type resultCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // of *cacheEntry, most recent first
	byKey map[string]*list.Element
}

type cacheEntry struct {
	key string
	res *SearchResult
}

func newResultCache(max int) *resultCache {
	return &resultCache{max: max, order: list.New(), byKey: map[string]*list.Element{}}
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
	return fmt.Sprintf("%q|%d|%d|%q|%q|%q|%q|%q|%q|%d|%d|%d|%d|%d|%s|%t|%q", q, req.From, req.Size,
		sorted(req.Tags), sorted(req.Categories), sorted(req.Publishers), sorted(req.Addressees),
		sorted(req.Ministries), sorted(req.Kinds), req.Term, req.Session, req.ProposalNo,
		req.Since.Unix(), req.Until.Unix(), req.Sort, req.Collapse, sorted(req.Facets))
}

func (c *resultCache) get(key string) (*SearchResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cacheEntry).res, true
}

func (c *resultCache) put(key string, res *SearchResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[key]; ok {
		e.Value.(*cacheEntry).res = res
		c.order.MoveToFront(e)
		return
	}
	c.byKey[key] = c.order.PushFront(&cacheEntry{key, res})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*cacheEntry).key)
	}
}

func (c *resultCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order.Init()
	clear(c.byKey)
}

func (c *resultCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
