package analyzer

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/yanyiwu/gojieba"
)

// TokenizerName is the name of the jieba tokenizer in bleve's registry.
const TokenizerName = "govsearch_jieba"

// UserDictKey is the tokenizer configuration key that holds a canonical
// user dictionary (see ParseUserDict). It lives in the index mapping, so an
// index reopens with exactly the words it was built with.
const UserDictKey = "user_dict"

// PreciseKey is the tokenizer configuration key that, when true, makes the
// tokenizer emit jieba's precise cut alone, without search mode's
// sub-words: for an index whose recall comes from character n-grams and
// whose words only rank, sub-words are tokens to index for nothing.
const PreciseKey = "precise"

// Tokenizer cuts Chinese text with jieba's search mode and emits tokens
// whose offsets are exact byte offsets into the original text and whose
// positions make bleve's phrase queries work.
//
// Positions follow jieba's precise cut: each word of the precise cut gets the
// next position, and the sub-words that search mode adds (长江 and 大桥 of
// 长江大桥) get the position of the word they come from. bleve's
// MatchPhraseQuery turns tokens at one position into alternatives, so the
// phrase 大桥建成 (大桥@1 建成@2) matches 长江大桥建成 (长江大桥, 长江, 大桥@1;
// 建成@2), which a tokenizer numbering search-mode tokens one by one misses.
//
// Text is normalized (see Normalize) before it is cut, so ５Ｇ and 5G cut alike,
// and tokens without a letter or digit (punctuation, spaces) are dropped
// without taking a position.
type Tokenizer struct {
	jieba    *gojieba.Jieba
	keywords *keywordTables
	precise  bool
}

// NewTokenizer returns a tokenizer on the shared jieba instance for the
// given canonical user dictionary ("" for the government terms only).
func NewTokenizer(userDict string) (*Tokenizer, error) {
	j, err := sharedJieba(userDict)
	if err != nil {
		return nil, err
	}
	jiebaMu.Lock()
	kw := idfByJieba[j]
	jiebaMu.Unlock()
	return &Tokenizer{jieba: j, keywords: kw}, nil
}

// Tokenize implements analysis.Tokenizer.
func (t *Tokenizer) Tokenize(input []byte) analysis.TokenStream {
	return t.tokenizeNormalized(Normalize(string(input)))
}

// tokenizeNormalized cuts a text normalized beforehand; offsets are those of
// the original text n came from.
func (t *Tokenizer) tokenizeNormalized(n Normalized) analysis.TokenStream {
	mode := gojieba.SearchMode
	if t.precise {
		mode = gojieba.DefaultMode
	}
	words := t.jieba.Tokenize(n.Text, mode, true)
	if len(words) == 0 {
		return nil
	}
	// Walk backwards: search mode emits a word's sub-words right before the
	// word, so a token inside the span of the word after it is a sub-word.
	parent := make([]int, len(words))
	cur := -1
	for k := len(words) - 1; k >= 0; k-- {
		w := words[k]
		if cur >= 0 && w.Start >= words[cur].Start && w.End <= words[cur].End {
			parent[k] = cur
			continue
		}
		cur = k
		parent[k] = k
	}
	// One allocation for all tokens and one for all terms: per-token
	// allocations cost more than jieba's cut itself.
	stream := make(analysis.TokenStream, 0, len(words))
	slab := make([]analysis.Token, 0, len(words))
	terms := make([]byte, 0, len(n.Text)+len(n.Text)/2)
	pos, last := 0, -1
	for k, w := range words {
		p := parent[k]
		if !isWord(w.Str) {
			continue
		}
		if p != k && w.Start == words[p].Start && w.End == words[p].End {
			continue // search mode repeats some words verbatim
		}
		if p != last {
			pos++
			last = p
		}
		if cap(terms)-len(terms) < len(w.Str) {
			terms = make([]byte, 0, max(len(w.Str), len(n.Text)))
		}
		terms = append(terms, w.Str...)
		slab = append(slab, analysis.Token{
			Term:     terms[len(terms)-len(w.Str) : len(terms) : len(terms)],
			Start:    n.Orig(w.Start),
			End:      n.OrigEnd(w.End),
			Position: pos,
			Type:     tokenType(w.Str),
		})
		stream = append(stream, &slab[len(slab)-1])
	}
	return stream
}

// isWord reports whether s has a letter or a digit: punctuation and spaces
// are not searchable terms.
func isWord(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			return true
		}
	}
	return false
}

func tokenType(s string) analysis.TokenType {
	r, _ := utf8.DecodeRuneInString(s)
	switch {
	case unicode.Is(unicode.Han, r):
		return analysis.Ideographic
	case unicode.IsDigit(r):
		return analysis.Numeric
	}
	return analysis.AlphaNumeric
}

// TokenizerConstructor builds the tokenizer from its registry configuration.
func TokenizerConstructor(config map[string]any, _ *registry.Cache) (analysis.Tokenizer, error) {
	userDict := ""
	if v, ok := config[UserDictKey]; ok {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s: %s must be a string, got %T", TokenizerName, UserDictKey, v)
		}
		userDict = s
	}
	t, err := NewTokenizer(userDict)
	if err != nil {
		return nil, err
	}
	if v, ok := config[PreciseKey]; ok {
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("%s: %s must be true or false, got %T", TokenizerName, PreciseKey, v)
		}
		t.precise = b
	}
	return t, nil
}

func init() {
	if err := registry.RegisterTokenizer(TokenizerName, TokenizerConstructor); err != nil {
		panic(err)
	}
}

// Keywords returns up to n of text's most characteristic words by jieba's
// TF-IDF (its IDF table and stop words), best first, leaving out single
// characters and numbers: what a document is about, for finding others
// like it.
func (t *Tokenizer) Keywords(text string, n int) []string {
	var out []string
	for _, w := range t.extract(NormalizeString(text), 3*n) {
		if utf8.RuneCountInString(w) < 2 || !isWord(w) || strings.Trim(w, "0123456789.%") == "" {
			continue
		}
		out = append(out, w)
		if len(out) == n {
			break
		}
	}
	return out
}

// Cut is raw jieba: the words of text in precise mode with the HMM for
// unknown words, no normalization, offsets or filtering. It is the
// yardstick indexing throughput is measured against (govsearch index
// -compare-jieba), not a step of indexing.
func (t *Tokenizer) Cut(text string) []string {
	return t.jieba.Cut(text, true)
}
