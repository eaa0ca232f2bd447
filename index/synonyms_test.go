package index

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	s := DefaultSynonyms()
	got := s.Expand("工信部")
	if !slices.Contains(got, "工业和信息化部") || got[0] != "工信部" {
		t.Errorf("Expand(工信部) = %v", got)
	}
	got = s.Expand("国务院办公厅复函")
	if !slices.Contains(got, "国办复函") {
		t.Errorf("Expand(国务院办公厅复函) = %v, want the abbreviation inside a longer part", got)
	}
	if got := s.Expand("5g网络"); !slices.Contains(got, "第五代移动通信网络") {
		t.Errorf("Expand(5g网络) = %v", got)
	}
	if got := s.Expand("营商环境"); len(got) != 1 {
		t.Errorf("Expand(营商环境) = %v, want itself only", got)
	}
}

func TestParseSynonyms(t *testing.T) {
	s, err := ParseSynonyms("extra.txt", strings.NewReader("# 注释\n数字人民币, ｅ-ＣＮＹ\n"), DefaultSynonyms())
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Expand("e-cny"); !slices.Contains(got, "数字人民币") {
		t.Errorf("a user group, normalized: %v", got)
	}
	if got := s.Expand("工信部"); len(got) < 2 {
		t.Errorf("the built-in groups are lost: %v", got)
	}
	for in, line := range map[string]string{"单独一个\n": "extra.txt:1:", "好, 组\n, 空\n": "extra.txt:2:"} {
		_, err := ParseSynonyms("extra.txt", strings.NewReader(in), nil)
		if !errors.Is(err, ErrSynonyms) || !strings.HasPrefix(err.Error(), line) {
			t.Errorf("ParseSynonyms(%q) = %v, want ErrSynonyms at %s", in, err, line)
		}
	}
}

// A query for the abbreviation finds a reply that only spells the name
// out, and marks what matched; quoted, it is taken literally.
func TestSynonymSearch(t *testing.T) {
	ix := openSample(t)
	res := runSearch(t, ix, "工信部 弹性产能", 10)
	if res.Total == 0 || res.Hits[0].ID != "reply-miit-2020-2524#1" {
		t.Fatalf("工信部 弹性产能: %v", ids(res))
	}
	if !strings.Contains(res.Hits[0].Snippet, "<mark>工业和信息化部</mark>") {
		t.Errorf("snippet %q does not mark the synonym", res.Hits[0].Snippet)
	}
	// The sample never spells out 第五代移动通信: unquoted it finds 5G,
	// quoted it finds nothing.
	if res := runSearch(t, ix, "第五代移动通信", 10); res.Total == 0 || res.Hits[0].DocID != "reply-miit-2020-2524" {
		t.Errorf("第五代移动通信: %v, want the 5G reply", ids(res))
	}
	if res := runSearch(t, ix, `"第五代移动通信"`, 10); res.Total != 0 {
		t.Errorf("quoted 第五代移动通信: %v, want nothing", ids(res))
	}
}
