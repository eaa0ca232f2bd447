package index

import (
	"html"
	"slices"
	"strings"
	"unicode/utf8"
)

// span is a matched byte range [Start, End) in a stored field.
type span struct{ Start, End int }

// mergeSpans sorts spans and merges those that overlap or touch. jieba's
// search mode yields overlapping tokens (长江大桥 and 大桥), and bleve
// reports each; a reader should see one mark over the longest span, never
// nested or broken marks.
func mergeSpans(spans []span, textLen int) []span {
	out := make([]span, 0, len(spans))
	for _, s := range spans {
		if s.Start < 0 || s.End > textLen || s.Start >= s.End {
			continue
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b span) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return b.End - a.End
	})
	merged := out[:0]
	for _, s := range out {
		if n := len(merged); n > 0 && s.Start <= merged[n-1].End {
			merged[n-1].End = max(merged[n-1].End, s.End)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// snippetRunes is the length of a snippet in characters.
const snippetRunes = 120

// snippetLead is how many characters of context come before the first
// match in a snippet.
const snippetLead = 24

// makeSnippet returns about snippetRunes characters of text around the
// densest cluster of matches, HTML-escaped, with every match in <mark>. It
// cuts only at character boundaries and widens the window rather than cut a
// match, so marks are never broken. Without matches it is the text's start.
func makeSnippet(text string, spans []span) string {
	spans = mergeSpans(spans, len(text))
	if len(spans) == 0 {
		end := advanceRunes(text, 0, snippetRunes)
		return markHTML(text, 0, end, nil)
	}
	bestCount, bestStart, bestEnd := -1, 0, 0
	for i, s := range spans {
		start := backRunes(text, s.Start, snippetLead)
		// Start after a sentence end in the lead, so the snippet reads well.
		if k := strings.LastIndexAny(text[start:s.Start], "。！？；\n"); k >= 0 {
			_, size := utf8.DecodeRuneInString(text[start+k:])
			start += k + size
		}
		end := advanceRunes(text, start, snippetRunes)
		count := 0
		for _, t := range spans[i:] {
			if t.Start >= end {
				break
			}
			count++
		}
		if count > bestCount {
			bestCount, bestStart, bestEnd = count, start, end
		}
	}
	return markHTML(text, bestStart, bestEnd, spans)
}

// markHTML escapes text[start:end] and wraps the spans that start inside it
// in <mark>, extending end past a span that crosses it. Ellipses show that
// the text goes on.
func markHTML(text string, start, end int, spans []span) string {
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	pos := start
	for _, s := range spans {
		if s.End <= start || s.Start >= end {
			continue
		}
		from := max(s.Start, pos)
		b.WriteString(escape(text[pos:from]))
		b.WriteString("<mark>")
		b.WriteString(escape(text[from:s.End]))
		b.WriteString("</mark>")
		pos = s.End
		end = max(end, s.End)
	}
	b.WriteString(escape(text[pos:end]))
	if end < len(strings.TrimRight(text, " \n\u3000")) {
		b.WriteString("…")
	}
	return strings.TrimSpace(b.String())
}

// escape HTML-escapes s and turns paragraph breaks into single spaces: a
// snippet is one line of text.
func escape(s string) string {
	s = html.EscapeString(s)
	if !strings.Contains(s, "\n") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(strings.TrimRight(s[:i], " \t\r\u3000"))
		s = strings.TrimLeft(s[i:], " \t\r\n\u3000")
		b.WriteByte(' ')
	}
	return b.String()
}

// advanceRunes returns the byte offset n runes after i, or len(s).
func advanceRunes(s string, i, n int) int {
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// backRunes returns the byte offset n runes before i, or 0.
func backRunes(s string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i
}
