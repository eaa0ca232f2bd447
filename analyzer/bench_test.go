package analyzer

import (
	"os"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	index "github.com/blevesearch/bleve_index_api"
	"github.com/yanyiwu/gojieba"
)

// benchText is a paragraph of the MIIT reply, repeated: real prose.
var benchText = strings.Repeat("工业和信息化部积极贯彻落实党中央、国务院决策部署，围绕去产能和医疗物资保障开展了一系列工作。", 50)

func BenchmarkTokenize(b *testing.B) {
	tz, err := NewTokenizer("")
	if err != nil {
		b.Fatal(err)
	}
	text := []byte(benchText)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		tz.Tokenize(text)
	}
}

// BenchmarkRawJieba is the baseline: jieba's cuts alone, without
// normalization, positions or bleve tokens.
func BenchmarkRawJieba(b *testing.B) {
	j, err := sharedJieba("")
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct {
		name string
		cut  func()
	}{
		{"search", func() { j.Tokenize(benchText, gojieba.SearchMode, true) }},
		{"precise", func() { j.Cut(benchText, true) }},
	} {
		b.Run(mode.name, func(b *testing.B) {
			b.SetBytes(int64(len(benchText)))
			for b.Loop() {
				mode.cut()
			}
		})
	}
}

// BenchmarkBigrams compares the two ways to index a section's bigrams:
// bleve's (NgramTokenizer's token stream counted by analysis.TokenFrequency)
// and BigramField's direct count, both with the positions phrases need.
func BenchmarkBigrams(b *testing.B) {
	opts := index.IndexField | index.IncludeTermVectors | index.SkipFreqNorm
	// The MIIT reply: real prose, whose bigrams mostly differ.
	raw, err := os.ReadFile("../testdata/replies/reply-miit-2020-2524.md")
	if err != nil {
		b.Fatal(err)
	}
	text := NormalizeString(string(raw))
	b.Run("tokenizer", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			analysis.TokenFrequency((&NgramTokenizer{}).Tokenize([]byte(text)), nil, opts)
		}
	})
	b.Run("field", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			NewBigramField("ng", opts, text).Analyze()
		}
	})
}
