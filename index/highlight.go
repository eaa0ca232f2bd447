package index

import (
	"strings"
)

// Highlighter marks a query's matches in whole texts, as the snippets of
// its hits are marked: the document page shows a section in full with the
// words that brought the reader there.
type Highlighter struct {
	marks, words []string
}

// Highlighter plans q as Search would and returns its marker; a query with
// nothing to mark (empty, or only excluded parts) marks nothing.
func (ix *Index) Highlighter(q string) *Highlighter {
	if strings.TrimSpace(q) == "" {
		return &Highlighter{}
	}
	p, err := ix.plan(q, nil)
	if err != nil || p == nil {
		return &Highlighter{}
	}
	return &Highlighter{marks: p.marks, words: p.words}
}

// Paragraphs splits text at blank lines and returns each paragraph as
// escaped HTML whose only tags are <mark>, around the query's matches.
func (h *Highlighter) Paragraphs(text string) []string {
	var out []string
	for para := range strings.SplitSeq(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		para = strings.Trim(para, " \t\n\u3000")
		if para == "" {
			continue
		}
		out = append(out, h.Line(para))
	}
	return out
}

// Line returns text as one line of escaped HTML with the matches marked.
func (h *Highlighter) Line(text string) string {
	if h == nil || len(h.marks)+len(h.words) == 0 {
		return escape(text)
	}
	return markAll(text, markSpans(text, h.marks, h.words))
}
