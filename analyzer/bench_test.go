package analyzer

import (
	"strings"
	"testing"

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
