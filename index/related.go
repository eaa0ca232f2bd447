package index

import (
	"context"
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/govsearch/govsearch/analyzer"
)

// RelatedSize is how many related documents Related returns.
const RelatedSize = 5

// relatedKeywords is how many keywords describe a document for Related;
// relatedMinMatch how many of them another document must share.
const (
	relatedKeywords = 12
	relatedMinMatch = 3
	// relatedTextRunes bounds the text keywords are extracted from.
	relatedTextRunes = 20000
)

// Related is a document's keywords and the documents most like it.
type Related struct {
	Keywords []string
	// Hits are other documents, each as its best section, most similar
	// first.
	Hits []Hit
}

// Related finds the documents most like docID: its keywords by jieba's
// TF-IDF, then a search for other documents sharing several of them,
// ranked by BM25 — "what else did the ministry say about this".
func (ix *Index) Related(ctx context.Context, docID string) (*Related, error) {
	doc, err := ix.Document(ctx, docID)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(doc.Title)
	for _, s := range doc.Sections {
		b.WriteString("\n")
		b.WriteString(s.Heading)
		b.WriteString("\n")
		b.WriteString(s.Text)
		if b.Len() > 3*relatedTextRunes {
			break
		}
	}
	tz, err := analyzer.TokenizerOf(ix.analyzer)
	if err != nil {
		return nil, fmt.Errorf("related to %q: %w", docID, err)
	}
	out := &Related{Keywords: tz.Keywords(b.String(), relatedKeywords), Hits: []Hit{}}
	if len(out.Keywords) == 0 {
		return out, nil
	}
	alts := make([]query.Query, 0, len(out.Keywords))
	for _, k := range out.Keywords {
		alts = append(alts, anyField(k, 1))
	}
	dq := query.NewDisjunctionQuery(alts)
	dq.SetMin(float64(min(relatedMinMatch, len(alts))))
	self := query.NewTermQuery(docID)
	self.SetField(fieldDocID)
	q := query.NewBooleanQuery([]query.Query{dq}, nil, []query.Query{self})
	p := &plan{query: q, words: out.Keywords}
	res := &SearchResult{}
	if _, err := ix.collapsed(ctx, q, p, SearchRequest{Size: RelatedSize, Collapse: true}, res); err != nil {
		return nil, fmt.Errorf("related to %q: %w", docID, err)
	}
	out.Hits = append(out.Hits, res.Hits...)
	return out, nil
}
