package analyzer

import (
	"fmt"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	index "github.com/blevesearch/bleve_index_api"
)

// Fields for a text that is indexed several ways. bleve analyzes each field
// from its own bytes, so a section indexed as jieba words (title, heading,
// text) and as character bigrams (all three again) would be normalized
// twice and its bigrams built as a token stream only to be counted into
// term frequencies; these fields take the normalized text from the caller,
// who normalizes once, and count bigrams straight into term frequencies.

// WordsField returns a text field named name that stores value and indexes
// the jieba words of n, which must be Normalize(value). options should be
// those the index mapping gives the field, so that the field reads back and
// searches as if the mapping had built it.
func (t *Tokenizer) WordsField(name, value string, n Normalized, options index.FieldIndexingOptions) document.Field {
	return document.NewTextFieldCustom(name, nil, []byte(value), options, normalizedInput{t, n})
}

// normalizedInput is an analyzer that ignores the bytes it is given (the
// original text) and cuts the normalized text it was made with.
type normalizedInput struct {
	t *Tokenizer
	n Normalized
}

func (a normalizedInput) Analyze([]byte) analysis.TokenStream { return a.t.tokenizeNormalized(a.n) }

// TokenizerOf returns the Tokenizer behind an analyzer from an index
// mapping, for WordsField.
func TokenizerOf(a analysis.Analyzer) (*Tokenizer, error) {
	if d, ok := a.(*analysis.DefaultAnalyzer); ok {
		if t, ok := d.Tokenizer.(*Tokenizer); ok {
			return t, nil
		}
	}
	return nil, fmt.Errorf("analyzer %T does not use the %s tokenizer", a, TokenizerName)
}

// BigramField is an indexed, unstored field holding NgramTokenizer's
// tokens for segments normalized beforehand: the same terms and positions
// that the tokenizer gives for the segments joined by Separator.
type BigramField struct {
	name     string
	segments []string
	options  index.FieldIndexingOptions
	length   int
	freqs    index.TokenFrequencies
}

// NewBigramField returns the bigram field of the given normalized segments
// (NormalizeString of each), with the options the index mapping gives it.
func NewBigramField(name string, options index.FieldIndexingOptions, segments ...string) *BigramField {
	return &BigramField{name: name, segments: segments, options: options}
}

// Analyze counts the bigrams into term frequencies, as bleve's
// analysis.TokenFrequency would from NgramTokenizer's stream, in three
// allocations for the locations instead of one per token and term.
func (f *BigramField) Analyze() {
	count := 0
	for _, s := range f.segments {
		count += utf8.RuneCountInString(s)
	}
	f.length = count
	f.freqs = make(index.TokenFrequencies, count)
	if count == 0 {
		return
	}
	vectors := f.options.IncludeTermVectors()
	norms := !f.options.SkipFreqNorm()
	// First pass: the distinct terms and how often each occurs (counted in
	// their frequency); tokens remembers each token's term.
	freqs := make([]index.TokenFreq, 0, count)
	// Terms are slices of one copy of the text: a bigram is two
	// neighbouring characters.
	text := make([]byte, 0, f.NumPlainTextBytes())
	tokens := make([]*index.TokenFreq, 0, count)
	positions := make([]int32, 0, count)
	pos := 0
	for _, s := range f.segments {
		base := len(text)
		text = append(text, s...)
		for i := 0; i < len(s); {
			_, size := utf8.DecodeRuneInString(s[i:])
			pos++
			end := i + size
			if end < len(s) {
				_, size2 := utf8.DecodeRuneInString(s[end:])
				end += size2
			}
			term := s[i:end]
			tf, ok := f.freqs[term]
			if !ok {
				// freqs never grows past its capacity, so tf stays valid.
				freqs = append(freqs, index.TokenFreq{Term: text[base+i : base+end : base+end]})
				tf = &freqs[len(freqs)-1]
				f.freqs[term] = tf
			}
			tf.SetFrequency(tf.Frequency() + 1)
			tokens = append(tokens, tf)
			positions = append(positions, int32(pos))
			i += size
		}
		pos++
	}
	if vectors {
		// Second pass: each term's locations, in token order, as
		// contiguous slices of one array.
		locs := make([]index.TokenLocation, count)
		ptrs := make([]*index.TokenLocation, count)
		at := 0
		for k := range freqs {
			n := freqs[k].Frequency()
			freqs[k].Locations = ptrs[at : at : at+n]
			at += n
		}
		for j, tf := range tokens {
			locs[j] = index.TokenLocation{Position: int(positions[j])}
			tf.Locations = append(tf.Locations, &locs[j])
		}
	}
	if !norms {
		for k := range freqs {
			freqs[k].SetFrequency(0)
		}
	}
}

// Name implements document.Field.
func (f *BigramField) Name() string { return f.name }

// ArrayPositions implements document.Field.
func (f *BigramField) ArrayPositions() []uint64 { return nil }

// Options implements document.Field.
func (f *BigramField) Options() index.FieldIndexingOptions { return f.options }

// Value implements document.Field; the field is not stored.
func (f *BigramField) Value() []byte { return nil }

// NumPlainTextBytes implements document.Field.
func (f *BigramField) NumPlainTextBytes() uint64 {
	n := 0
	for _, s := range f.segments {
		n += len(s)
	}
	return uint64(n)
}

// Size implements document.Field: the memory the field holds, which bleve
// counts against its batch and memory limits.
func (f *BigramField) Size() int {
	n := 64 + f.freqs.Size()
	for _, s := range f.segments {
		n += 16 + len(s)
	}
	return n
}

// EncodedFieldType implements document.Field: a text field.
func (f *BigramField) EncodedFieldType() byte { return 't' }

// AnalyzedLength implements document.Field.
func (f *BigramField) AnalyzedLength() int { return f.length }

// AnalyzedTokenFrequencies implements document.Field.
func (f *BigramField) AnalyzedTokenFrequencies() index.TokenFrequencies { return f.freqs }
