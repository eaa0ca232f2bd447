package analyzer

import (
	"strings"
	"testing"

	"github.com/yanyiwu/gojieba"
)

func BenchmarkRawJieba(b *testing.B) {
	j, err := sharedJieba("")
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat("工业和信息化部积极贯彻落实党中央、国务院决策部署，围绕去产能和医疗物资保障开展了一系列工作。", 50)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		j.Tokenize(text, gojieba.SearchMode, true)
	}
}
func BenchmarkRawJiebaCut(b *testing.B) {
	j, err := sharedJieba("")
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat("工业和信息化部积极贯彻落实党中央、国务院决策部署，围绕去产能和医疗物资保障开展了一系列工作。", 50)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		j.Cut(text, true)
	}
}
