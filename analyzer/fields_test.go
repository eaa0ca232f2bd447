package analyzer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	index "github.com/blevesearch/bleve_index_api"
)

// freqString renders term frequencies in a canonical order for comparison.
func freqString(tfs index.TokenFrequencies) string {
	terms := make([]string, 0, len(tfs))
	for term := range tfs {
		terms = append(terms, term)
	}
	slices.Sort(terms)
	var b strings.Builder
	for _, term := range terms {
		tf := tfs[term]
		fmt.Fprintf(&b, "%q term=%q freq=%d locs=[", term, tf.Term, tf.Frequency())
		for _, l := range tf.Locations {
			fmt.Fprintf(&b, " %d:%d@%d%v", l.Start, l.End, l.Position, l.ArrayPositions)
		}
		b.WriteString(" ]\n")
	}
	return b.String()
}

var bigramOptions = []index.FieldIndexingOptions{
	index.IndexField | index.IncludeTermVectors | index.SkipFreqNorm,
	index.IndexField | index.IncludeTermVectors,
	index.IndexField,
	index.IndexField | index.SkipFreqNorm,
}

// checkBigramField compares BigramField on raw segments with what bleve
// makes of NgramTokenizer's stream for them joined: the field must index
// exactly what the tokenizer would.
func checkBigramField(t *testing.T, segments ...string) {
	t.Helper()
	stream := (&NgramTokenizer{}).Tokenize([]byte(strings.Join(segments, Separator)))
	normalized := make([]string, len(segments))
	for i, s := range segments {
		normalized[i] = NormalizeString(s)
	}
	for _, opts := range bigramOptions {
		want := analysis.TokenFrequency(stream, nil, opts)
		f := NewBigramField("ng", opts, normalized...)
		f.Analyze()
		if got := freqString(f.AnalyzedTokenFrequencies()); got != freqString(want) {
			t.Fatalf("segments %q, options %b:\n got %s\nwant %s", segments, opts, got, freqString(want))
		}
		if f.AnalyzedLength() != len(stream) {
			t.Fatalf("segments %q: length %d, want %d", segments, f.AnalyzedLength(), len(stream))
		}
	}
}

func TestBigramFieldMatchesTokenizer(t *testing.T) {
	for _, segs := range [][]string{
		{""},
		{"", "", ""},
		{"产"},
		{"产能", "", "过剩产能过剩产能"},
		{"关于政协十三届全国委员会第三次会议第2524号提案答复的函", "一、关于弹性产能", "您提出的关于疫情常态化防控背景下应对制造业挑战的提案收悉。\n\n现答复如下：产能产能产能"},
		{"工業互聯網 ５Ｇ", "Ａ\x01b", "𠀀𠀁\ufffd\xff中"},
	} {
		checkBigramField(t, segs...)
	}
	// Random text over a small alphabet repeats bigrams often.
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("产能过剩工业互联网，。 \n5Gａ業")
	for range 200 {
		segs := make([]string, 1+rng.IntN(3))
		for i := range segs {
			r := make([]rune, rng.IntN(40))
			for j := range r {
				r[j] = alphabet[rng.IntN(len(alphabet))]
			}
			segs[i] = string(r)
		}
		checkBigramField(t, segs...)
	}
}

func FuzzBigramField(f *testing.F) {
	f.Add("关于弹性产能", "一、", "工業互聯網５Ｇ")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		// Joined for the tokenizer, a separator in a segment would split
		// it; normalized for the field, it is a space.
		for _, s := range []string{a, b, c} {
			if strings.Contains(s, Separator) {
				t.Skip()
			}
		}
		checkBigramField(t, a, b, c)
	})
}

func TestWordsFieldMatchesAnalyzer(t *testing.T) {
	tz, err := NewTokenizer("")
	if err != nil {
		t.Fatal(err)
	}
	a := &analysis.DefaultAnalyzer{Tokenizer: tz}
	got, err := TokenizerOf(a)
	if err != nil || got != tz {
		t.Fatalf("TokenizerOf = %v, %v", got, err)
	}
	if _, err := TokenizerOf(&analysis.DefaultAnalyzer{Tokenizer: &NgramTokenizer{}}); err == nil {
		t.Error("TokenizerOf accepted the bigram tokenizer")
	}
	for _, text := range []string{"", "工業互聯網５Ｇ发展", "关于弹性产能的答复：长江大桥建成。"} {
		for _, opts := range bigramOptions[:3] {
			opts |= index.StoreField
			want := document.NewTextFieldCustom("text", nil, []byte(text), opts, a)
			want.Analyze()
			f := tz.WordsField("text", text, Normalize(text), opts)
			f.Analyze()
			if g, w := freqString(f.AnalyzedTokenFrequencies()), freqString(want.AnalyzedTokenFrequencies()); g != w {
				t.Errorf("%q: got\n%s want\n%s", text, g, w)
			}
			if string(f.Value()) != text || f.Options() != opts || f.AnalyzedLength() != want.AnalyzedLength() {
				t.Errorf("%q: value %q, options %b, length %d", text, f.Value(), f.Options(), f.AnalyzedLength())
			}
		}
	}
}
