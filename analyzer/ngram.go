package analyzer

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
)

// Names of the character bigram analysis in bleve's registry.
const (
	// BigramTokenizerName names NgramTokenizer.
	BigramTokenizerName = "govsearch_bigram"
	// BigramAnalyzerName names an analyzer of NgramTokenizer alone.
	BigramAnalyzerName = "govsearch_bigram"
)

// NgramTokenizer cuts normalized text into pairs of characters. Word
// search misses whatever the segmenter cut differently (产能过 crosses a word
// boundary); character bigrams do not: a string of n ≥ 2 characters occurs
// in a text exactly when its n-1 bigrams occur at consecutive positions,
// which a phrase query checks. The last character of each segment is also
// emitted alone, so that every occurrence of a single character is a term
// starting with it and a prefix query finds them all. Positions count
// characters, punctuation and white space included, so that the check is
// exact.
//
// The input may hold several segments separated by Separator (a title, a
// heading and a text): no bigram spans two, and a position is skipped
// between them, so no phrase matches across.
//
// Tokens carry no offsets (Start and End are 0): phrase checks need only
// positions, highlights are found in the stored text, and offsets would
// cost bytes in every one of the index's most numerous locations.
type NgramTokenizer struct{}

// Separator separates segments in the input of NgramTokenizer. It never
// occurs in normalized text, where control bytes become spaces.
const Separator = "\x00"

// Tokenize implements analysis.Tokenizer.
func (t *NgramTokenizer) Tokenize(input []byte) analysis.TokenStream {
	var stream analysis.TokenStream
	pos := 0
	for seg := range strings.SplitSeq(string(input), Separator) {
		stream = appendBigrams(stream, Normalize(seg).Text, &pos)
		pos++
	}
	return stream
}

// appendBigrams adds the bigrams of one normalized segment.
func appendBigrams(stream analysis.TokenStream, text string, pos *int) analysis.TokenStream {
	count := utf8.RuneCountInString(text)
	if count == 0 {
		return stream
	}
	// One allocation for the tokens and one for their terms.
	slab := make([]analysis.Token, 0, count)
	terms := make([]byte, 0, 2*len(text))
	for i := 0; i < len(text); {
		_, size := utf8.DecodeRuneInString(text[i:])
		*pos++
		end := i + size
		if end < len(text) {
			_, size2 := utf8.DecodeRuneInString(text[end:])
			end += size2
		}
		terms = append(terms, text[i:end]...)
		slab = append(slab, analysis.Token{
			Term:     terms[len(terms)-(end-i) : len(terms) : len(terms)],
			Position: *pos,
			Type:     analysis.Ideographic,
		})
		stream = append(stream, &slab[len(slab)-1])
		i += size
	}
	return stream
}

func init() {
	for _, err := range []error{
		registry.RegisterTokenizer(BigramTokenizerName, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
			return &NgramTokenizer{}, nil
		}),
		registry.RegisterAnalyzer(BigramAnalyzerName, func(_ map[string]any, cache *registry.Cache) (analysis.Analyzer, error) {
			t, err := cache.TokenizerNamed(BigramTokenizerName)
			if err != nil {
				return nil, err
			}
			return &analysis.DefaultAnalyzer{Tokenizer: t}, nil
		}),
	} {
		if err != nil {
			panic(fmt.Sprintf("register n-gram analysis: %v", err))
		}
	}
}
