package index

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/govsearch/govsearch/analyzer"
)

// Field weights: a match in a title or heading says more about a section
// than one in its body.
const (
	boostTitle   = 3.0
	boostHeading = 2.0
	boostText    = 1.0
	// boostPhrase, for the jieba baseline, rewards words standing together.
	boostPhrase = 1.5
	// subWordBoost scales, for the jieba baseline, a match on a word's
	// sub-words in a row (长江 大桥 for 长江大桥) below a match on the word.
	subWordBoost = 0.5
)

var searchFields = []struct {
	name  string
	boost float64
}{{fieldTitle, boostTitle}, {fieldHeading, boostHeading}, {fieldText, boostText}}

// plan is a planned query: the bleve query and what to mark in hits.
type plan struct {
	// query matches a section that holds every group of the query and no
	// excluded part.
	query query.Query
	// groups are the query's groups (a part, or parts joined by OR), each
	// matching a section that holds it; parts are their parts as typed;
	// not matches a section that holds an excluded part (nil for none).
	// A document matches as a whole when each group matches one of its
	// sections that not does not (see Index.docMatches).
	groups []query.Query
	parts  [][]string
	// read marks the groups that hold a read part.
	read []bool
	not  query.Query
	// marks are normalized strings to highlight: the parts and their
	// synonyms as typed; words are their jieba words.
	marks, words []string
	// singles are the parts of one character, excluded ones too, each
	// once: what the query costs (see Index.admit).
	singles []string
}

// planGovsearch turns a user's query into one bleve query with two halves
// per part. The recall half is exact: the part's normalized characters in
// a row in the title, heading or text, checked on character bigrams, so no
// segmentation can lose a match. The ranking half is BM25 over the part's
// jieba words, title and heading above text. An unquoted part matches when
// either half does and scores higher when both do, so the exact passage
// ranks above the same words scattered; a quoted part must match exactly.
// Synonyms widen unquoted parts; quoted and excluded parts are literal.
func (ix *Index) planGovsearch(q string, readings []Reading) (*plan, error) {
	var marks, words []string
	p, err := planWith(q, readings, func(part queryPart) query.Query {
		text := analyzer.NormalizeString(part.Text)
		switch {
		case strings.TrimSpace(text) == "":
			return nil
		case part.Negated:
			return exactQuery(text)
		}
		variants := []string{text}
		if !part.Phrase {
			variants = ix.synonyms.Expand(text)
		}
		// Per variant: the exact occurrence, scored by whichever of its
		// words the section has (the bigrams only decide the match), and,
		// for unquoted parts, all its words anywhere. A section with both
		// scores twice what one with the words scattered does.
		var alts []query.Query
		for _, v := range variants {
			marks = append(marks, v)
			wordQs, terms := ix.wordQueries(v)
			words = append(words, terms...)
			exact := exactQuery(v)
			if len(wordQs) > 0 {
				exact = query.NewBooleanQuery([]query.Query{exact}, wordQs, nil)
			}
			alts = append(alts, exact)
			if !part.Phrase && len(wordQs) > 0 {
				alts = append(alts, query.NewConjunctionQuery(wordQs))
			}
		}
		return disjunction(alts)
	})
	if err != nil {
		return nil, err
	}
	p.marks, p.words = marks, words
	return p, nil
}

// exactQuery matches sections whose title, heading or text holds the
// normalized string s: more than one character are the bigrams at
// consecutive positions of a phrase; one character is any term starting
// with it (see analyzer.NgramTokenizer).
func exactQuery(s string) query.Query {
	runes := []rune(s)
	if len(runes) == 1 {
		pq := query.NewPrefixQuery(s)
		pq.SetField(fieldNgram)
		return pq
	}
	bigrams := make([]string, 0, len(runes)-1)
	for i := 0; i+1 < len(runes); i++ {
		bigrams = append(bigrams, string(runes[i:i+2]))
	}
	return query.NewPhraseQuery(bigrams, fieldNgram)
}

// wordQueries returns a query per jieba word of s, each matching the word
// in any of the weighted fields, and the words, for highlighting.
func (ix *Index) wordQueries(s string) ([]query.Query, []string) {
	var qs []query.Query
	var terms []string
	for _, g := range groupByPosition(ix.analyzer.Analyze([]byte(s))) {
		qs = append(qs, anyField(string(g[0].Term), 1))
		terms = append(terms, string(g[0].Term))
	}
	return qs, terms
}

func disjunction(qs []query.Query) query.Query {
	if len(qs) == 1 {
		return qs[0]
	}
	return query.NewDisjunctionQuery(qs)
}

// planJieba is the jieba-only baseline's planner (govsearch's first
// version): every word of a part must match, as itself or, where the text
// was cut differently, as its sub-words in a row; quoted parts are phrases
// of words. OR and - work as in planGovsearch; there are no synonyms.
func (ix *Index) planJieba(q string, readings []Reading) (*plan, error) {
	return planWith(q, readings, func(part queryPart) query.Query {
		tokens := ix.analyzer.Analyze([]byte(part.Text))
		if len(tokens) == 0 {
			return nil
		}
		if part.Phrase {
			return phraseQuery(part.Text, indexAnalyzer, 1)
		}
		var positions []query.Query
		for _, group := range groupByPosition(tokens) {
			word := anyField(string(group[0].Term), 1)
			tiles := tiling(group)
			if tiles == nil {
				positions = append(positions, word)
				continue
			}
			alts := []query.Query{word}
			for _, f := range searchFields {
				pq := query.NewPhraseQuery(tiles, f.name)
				pq.SetBoost(f.boost * subWordBoost)
				alts = append(alts, pq)
			}
			positions = append(positions, query.NewDisjunctionQuery(alts))
		}
		words := query.Query(query.NewConjunctionQuery(positions))
		if len(positions) > 1 {
			words = query.NewBooleanQuery([]query.Query{words}, []query.Query{phraseQuery(part.Text, indexAnalyzer, boostPhrase)}, nil)
		}
		return words
	})
}

// planCJK is the baseline of bleve's "cjk" analyzer with bleve's own
// queries: a match query (all bigrams) per part, a phrase query for quoted
// parts.
func (ix *Index) planCJK(q string, readings []Reading) (*plan, error) {
	return planWith(q, readings, func(part queryPart) query.Query {
		if part.Phrase {
			return phraseQuery(part.Text, "cjk", 1)
		}
		var alts []query.Query
		for _, f := range searchFields {
			mq := query.NewMatchQuery(part.Text)
			mq.SetField(f.name)
			mq.Analyzer = "cjk"
			mq.SetOperator(query.MatchQueryOperatorAnd)
			mq.SetBoost(f.boost)
			alts = append(alts, mq)
		}
		return query.NewDisjunctionQuery(alts)
	})
}

// planWith applies the query syntax around partQuery, which returns nil
// for a part with nothing to search: parts must all match, OR-ed parts
// either, and -parts none. A part read as a date, a body, ... (see
// Reading) matches where its reading holds too, and ranks first there.
func planWith(q string, readings []Reading, partQuery func(queryPart) query.Query) (*plan, error) {
	var must, mustNot, group []query.Query
	var parts [][]string
	var groupParts []string
	var read []bool
	groupRead := false
	flush := func() {
		if len(group) > 0 {
			must = append(must, disjunction(group))
			parts = append(parts, groupParts)
			read = append(read, groupRead)
		}
		group, groupParts, groupRead = nil, nil, false
	}
	typed := parseQuery(q)
	// A part that comes twice adds nothing but its cost (的 32 times had
	// run into the timeout): alone, or within one OR group, it is
	// searched once.
	seen, inGroup := map[queryPart]bool{}, map[queryPart]bool{}
	singles := map[string]bool{}
	var costly []string
	for i, part := range typed {
		alone := !part.Or && (i+1 == len(typed) || !typed[i+1].Or)
		key := queryPart{Text: analyzer.NormalizeString(part.Text), Phrase: part.Phrase, Negated: part.Negated}
		if !part.Or {
			clear(inGroup)
		}
		if alone && seen[key] || !alone && inGroup[key] {
			continue
		}
		seen[key], inGroup[key] = seen[key] || alone, true
		if t := strings.TrimSpace(key.Text); utf8.RuneCountInString(t) == 1 && !slices.Contains(costly, t) {
			costly = append(costly, t)
		}
		if t := strings.TrimSpace(key.Text); !part.Negated && utf8.RuneCountInString(t) == 1 {
			if singles[t] = true; len(singles) > MaxSingleCharacters {
				return nil, fmt.Errorf("%w: the query %q has more than %d different parts of one character; each matches most sections, so together they cost seconds: join them into words", ErrBadQuery, q, MaxSingleCharacters)
			}
		}
		pq := partQuery(part)
		if pq == nil {
			continue
		}
		if part.Negated {
			mustNot = append(mustNot, pq)
			continue
		}
		if !part.Or {
			flush()
		}
		for _, r := range readings {
			if r.part == i {
				pq = query.NewDisjunctionQuery([]query.Query{pq, readingQuery(r)})
				groupRead = true
			}
		}
		group = append(group, pq)
		groupParts = append(groupParts, part.Text)
	}
	flush()
	switch {
	case len(must) == 0 && len(mustNot) > 0:
		return nil, fmt.Errorf("%w: the query %q only excludes; add a word to search for", ErrBadQuery, q)
	case len(must) == 0:
		return nil, fmt.Errorf("%w: the query %q has no searchable words", ErrBadQuery, q)
	}
	p := &plan{groups: must, parts: parts, read: read, singles: costly}
	if len(mustNot) > 0 {
		p.not = disjunction(mustNot)
	}
	if len(must) == 1 && len(mustNot) == 0 {
		p.query = must[0]
	} else {
		p.query = query.NewBooleanQuery(must, nil, mustNot)
	}
	return p, nil
}

// MaxSingleCharacters bounds the parts of one character a query may
// have: each is a prefix of every bigram that starts with it (的 matches
// most sections), and sixteen of them cost 3 to 10 s.
const MaxSingleCharacters = 8

// boostReading lifts a section for which a reading holds above every
// section that only holds the part's words: the reading's filter, a term
// of a few characters, scores far below a text match without it.
const boostReading = 1000

// readingQuery matches the sections for which r holds, scored to rank
// them first.
func readingQuery(r Reading) query.Query {
	qs := filterQueries(r.filter, boostReading)
	if len(qs) == 1 {
		return qs[0]
	}
	return query.NewConjunctionQuery(qs)
}

// groupByPosition groups an analyzed query's tokens by position, the
// longest token (the word itself) first in each group.
func groupByPosition(tokens analysis.TokenStream) [][]*analysis.Token {
	var groups [][]*analysis.Token
	for i, t := range tokens {
		if i == 0 || t.Position != tokens[i-1].Position {
			groups = append(groups, nil)
		}
		g := &groups[len(groups)-1]
		*g = append(*g, t)
	}
	for _, g := range groups {
		slices.SortStableFunc(g, func(a, b *analysis.Token) int { return (b.End - b.Start) - (a.End - a.Start) })
	}
	return groups
}

// tiling returns sub-words of group[0] that cover it end to end without
// overlap, longest first, or nil when they do not cover it.
func tiling(group []*analysis.Token) []string {
	word := group[0]
	var tiles []string
	for at := word.Start; at < word.End; {
		var best *analysis.Token
		for _, t := range group[1:] {
			if t.Start == at && (best == nil || t.End > best.End) {
				best = t
			}
		}
		if best == nil {
			return nil
		}
		tiles = append(tiles, string(best.Term))
		at = best.End
	}
	if len(tiles) < 2 {
		return nil
	}
	return tiles
}

// anyField matches a term in the title, heading or text, each weighted.
func anyField(term string, boost float64) query.Query {
	alts := make([]query.Query, 0, len(searchFields))
	for _, f := range searchFields {
		tq := query.NewTermQuery(term)
		tq.SetField(f.name)
		tq.SetBoost(f.boost * boost)
		alts = append(alts, tq)
	}
	return query.NewDisjunctionQuery(alts)
}

// phraseQuery matches text as a phrase in any of the searched fields.
func phraseQuery(text, analyzerName string, boost float64) query.Query {
	var alts []query.Query
	for _, f := range searchFields {
		pq := query.NewMatchPhraseQuery(text)
		pq.SetField(f.name)
		pq.Analyzer = analyzerName
		pq.SetBoost(f.boost * boost)
		alts = append(alts, pq)
	}
	return query.NewDisjunctionQuery(alts)
}

// markSpans finds the marks and words in text after normalization and
// returns their spans on the original text. Finding them in the stored
// text, rather than taking bleve's term locations, marks a phrase matched
// on bigrams, a synonym and a word alike, with exact offsets. One-character
// words of longer parts are not marked: they would speckle the text.
func markSpans(text string, marks, words []string) []span {
	if text == "" {
		return nil
	}
	n := analyzer.Normalize(text)
	var spans []span
	find := func(m string) {
		for i := 0; i < len(n.Text); {
			j := strings.Index(n.Text[i:], m)
			if j < 0 {
				return
			}
			start := i + j
			spans = append(spans, span{n.Orig(start), n.OrigEnd(start + len(m))})
			i = start + len(m)
		}
	}
	for _, m := range marks {
		if m != "" {
			find(m)
		}
	}
	for _, w := range words {
		if utf8.RuneCountInString(w) > 1 {
			find(w)
		}
	}
	return spans
}
