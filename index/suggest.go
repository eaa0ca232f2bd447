package index

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/govsearch/govsearch/analyzer"
)

// Limits of suggestions.
const (
	SuggestSize = 10
	// MaxSuggestLen bounds what Suggest completes, in characters.
	MaxSuggestLen = 64
	// suggestWords is how many of a suggestion list may be words; the rest
	// are titles and headings.
	suggestWords = 6
)

// Suggestion kinds.
const (
	SuggestWord    = "word"
	SuggestTitle   = "title"
	SuggestHeading = "heading"
)

// Suggestion completes what a user is typing.
type Suggestion struct {
	Text string
	// Kind is SuggestWord, SuggestTitle or SuggestHeading.
	Kind string
	// Count is how many sections hold the word, or hold the title or
	// heading.
	Count int
}

// suggestEntry is one candidate, keyed by its normalized text.
type suggestEntry struct {
	key string
	Suggestion
}

// suggestions are the candidates, read once from the index: words sorted
// by key for prefix search, titles and headings for substring search.
type suggestions struct {
	words   []suggestEntry
	phrases []suggestEntry
}

// Suggest returns up to n completions of prefix (normalized as queries
// are): indexed words that start with it, the most frequent first, then
// titles and headings that hold it, those that start with it first.
func (ix *Index) Suggest(ctx context.Context, prefix string, n int) ([]Suggestion, error) {
	q := strings.TrimSpace(analyzer.NormalizeString(prefix))
	if q == "" || n <= 0 {
		return []Suggestion{}, nil
	}
	// Callers share a cached answer and must not change it.
	key := strconv.Itoa(n) + "|" + q
	if out, ok := ix.suggested.get(key); ok {
		return out, nil
	}
	out, err := ix.complete(ctx, q, n)
	if err != nil {
		return nil, err
	}
	ix.suggested.put(key, out)
	return out, nil
}

// complete completes the normalized prefix q from the index.
func (ix *Index) complete(ctx context.Context, q string, n int) ([]Suggestion, error) {
	out := []Suggestion{}
	s, err := ix.suggestions(ctx)
	if err != nil {
		return nil, err
	}
	i := sort.Search(len(s.words), func(i int) bool { return s.words[i].key >= q })
	var words []suggestEntry
	for ; i < len(s.words) && strings.HasPrefix(s.words[i].key, q); i++ {
		if s.words[i].key != q {
			words = append(words, s.words[i])
		}
	}
	slices.SortStableFunc(words, func(a, b suggestEntry) int { return cmp.Compare(b.Count, a.Count) })
	for _, w := range words[:min(len(words), suggestWords, n)] {
		out = append(out, w.Suggestion)
	}
	var starts, holds []Suggestion
	for _, p := range s.phrases {
		if len(starts)+len(out) >= n {
			break
		}
		switch {
		case strings.HasPrefix(p.key, q):
			starts = append(starts, p.Suggestion)
		case len(holds)+len(out) < n && strings.Contains(p.key, q):
			holds = append(holds, p.Suggestion)
		}
	}
	for _, p := range append(starts, holds...) {
		if len(out) == n {
			break
		}
		out = append(out, p)
	}
	return out, nil
}

// suggestions reads the candidates once.
func (ix *Index) suggestions(ctx context.Context) (*suggestions, error) {
	ix.suggestMu.Lock()
	defer ix.suggestMu.Unlock()
	if ix.suggest != nil {
		return ix.suggest, nil
	}
	s := &suggestions{}
	seen := map[string]bool{}
	for _, field := range []string{fieldTitle, fieldText} {
		d, err := ix.bleve.FieldDict(field)
		if err != nil {
			return nil, fmt.Errorf("read words of %s: %w", field, err)
		}
		for {
			e, err := d.Next()
			if err != nil {
				d.Close()
				return nil, fmt.Errorf("read words of %s: %w", field, err)
			}
			if e == nil {
				break
			}
			if utf8.RuneCountInString(e.Term) < 2 || seen[e.Term] || strings.Trim(e.Term, "0123456789.") == "" {
				continue
			}
			seen[e.Term] = true
			s.words = append(s.words, suggestEntry{e.Term, Suggestion{e.Term, SuggestWord, int(e.Count)}})
		}
		d.Close()
	}
	slices.SortFunc(s.words, func(a, b suggestEntry) int { return strings.Compare(a.key, b.key) })

	// Titles and headings, with how many sections carry each.
	counts := map[string]int{}
	kinds := map[string]string{}
	const page = 5000
	for from := 0; ; from += page {
		sr := bleve.NewSearchRequestOptions(query.NewMatchAllQuery(), page, from, false)
		sr.Fields = []string{fieldTitle, fieldHeading}
		sr.SortBy([]string{"_id"})
		res, err := ix.bleve.SearchInContext(ctx, sr)
		if err != nil {
			return nil, fmt.Errorf("read titles: %w", err)
		}
		for _, m := range res.Hits {
			if t := strings.TrimSpace(str(m.Fields[fieldTitle])); t != "" {
				counts[t]++
				kinds[t] = SuggestTitle
			}
			if h := strings.TrimSpace(str(m.Fields[fieldHeading])); h != "" {
				counts[h]++
				if kinds[h] == "" {
					kinds[h] = SuggestHeading
				}
			}
		}
		if len(res.Hits) < page {
			break
		}
	}
	for text, c := range counts {
		s.phrases = append(s.phrases, suggestEntry{analyzer.NormalizeString(text), Suggestion{text, kinds[text], c}})
	}
	// Shorter first (a title is a better completion than a paragraph-long
	// heading), then the more frequent, then by text.
	slices.SortFunc(s.phrases, func(a, b suggestEntry) int {
		if c := cmp.Compare(utf8.RuneCountInString(a.Text), utf8.RuneCountInString(b.Text)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return strings.Compare(a.Text, b.Text)
	})
	ix.suggest = s
	return s, nil
}
