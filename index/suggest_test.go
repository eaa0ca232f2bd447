package index

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/govsearch/govsearch/analyzer"
)

func TestSuggest(t *testing.T) {
	ix := openSample(t)
	ctx := context.Background()
	for _, prefix := range []string{"工业互", "运动", "国务院办公厅关于", "5g", "產能"} {
		got, err := ix.Suggest(ctx, prefix, SuggestSize)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || len(got) > SuggestSize {
			t.Errorf("%q: %d suggestions", prefix, len(got))
		}
		q := analyzer.NormalizeString(prefix)
		lastWord := -1
		for i, s := range got {
			norm := analyzer.NormalizeString(s.Text)
			switch s.Kind {
			case SuggestWord:
				if !strings.HasPrefix(norm, q) || norm == q || lastWord != i-1 {
					t.Errorf("%q: word %q out of place in %v", prefix, s.Text, got)
				}
				if i > 0 && got[i-1].Count < s.Count {
					t.Errorf("%q: words not by frequency: %v", prefix, got)
				}
				lastWord = i
			case SuggestTitle, SuggestHeading:
				if !strings.Contains(norm, q) {
					t.Errorf("%q: %s %q does not hold it", prefix, s.Kind, s.Text)
				}
			default:
				t.Errorf("%q: kind %q", prefix, s.Kind)
			}
			if s.Count < 1 {
				t.Errorf("%q: %q counted %d", prefix, s.Text, s.Count)
			}
		}
	}
	got, _ := ix.Suggest(ctx, "运动", SuggestSize)
	var titles []string
	for _, s := range got {
		if s.Kind == SuggestTitle {
			titles = append(titles, s.Text)
		}
	}
	for _, want := range []string{"国务院办公厅关于同意以深圳市名义申办2011年第26届世界大学生夏季运动会的复函", "国务院办公厅关于同意以哈尔滨市名义申办2009年第二十四届世界大学生冬季运动会的复函"} {
		if !slices.Contains(titles, want) {
			t.Errorf("运动: titles %v lack %s", titles, want)
		}
	}
	got, _ = ix.Suggest(ctx, "工业互", SuggestSize)
	if len(got) == 0 || got[0].Text != "工业互联网" {
		t.Errorf("工业互: %v, want 工业互联网 first", got)
	}
	if trad, _ := ix.Suggest(ctx, "工業互", SuggestSize); len(trad) != len(got) || trad[0] != got[0] {
		t.Errorf("工業互 suggests %v, 工业互 %v", trad, got)
	}
	for _, q := range []string{"", "  ", "zzzqqq"} {
		if got, err := ix.Suggest(ctx, q, SuggestSize); err != nil || len(got) != 0 {
			t.Errorf("%q: %v, %v", q, got, err)
		}
	}
	if got, _ := ix.Suggest(ctx, "国务院", 3); len(got) != 3 {
		t.Errorf("n=3: %d suggestions", len(got))
	}
}

func TestRelated(t *testing.T) {
	ix := openSample(t)
	ctx := context.Background()
	rel, err := ix.Related(ctx, "guoban/govcn-5351573")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rel.Keywords, "运动会") {
		t.Errorf("keywords %v lack 运动会", rel.Keywords)
	}
	if len(rel.Hits) == 0 || len(rel.Hits) > RelatedSize || rel.Hits[0].DocID != "guoban/govcn-5351624" {
		t.Fatalf("related: %v; want the other Universiade bid first", ids(&SearchResult{Hits: rel.Hits}))
	}
	seen := map[string]bool{}
	for _, h := range rel.Hits {
		if h.DocID == "guoban/govcn-5351573" || seen[h.DocID] {
			t.Errorf("related lists %s twice or itself", h.DocID)
		}
		seen[h.DocID] = true
	}
	if _, err := ix.Related(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown document: %v", err)
	}
}
