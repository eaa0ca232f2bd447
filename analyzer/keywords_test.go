package analyzer

import (
	"os"
	"slices"
	"testing"
)

// Keywords are extracted in Go as cppjieba's extractor does: on real
// replies the top twenty are the same words (the order of words of equal
// weight is unspecified in cppjieba, and alphabetical here).
func TestExtractMatchesCppjieba(t *testing.T) {
	tk, err := NewTokenizer("")
	if err != nil {
		t.Fatal(err)
	}
	files, err := writeDicts(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	full, err := newJieba(files) // with the whole IDF table, as cppjieba loads it
	if err != nil {
		t.Fatal(err)
	}
	defer full.Free()
	for _, f := range []string{"../testdata/replies/reply-miit-2020-2524.md", "../testdata/replies/guoban/govcn-5345413.md", "../testdata/replies/guoban/govcn-5351649.md"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := NormalizeString(string(b))
		got, want := tk.extract(text, 20), full.Extract(text, 20)
		if len(got) != 20 || got[0] != want[0] {
			t.Errorf("%s: %v, cppjieba %v", f, got, want)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: top 20 differ:\n go  %v\n cpp %v", f, got, want)
		}
	}
	if kw := tk.Keywords("", 5); len(kw) != 0 {
		t.Errorf("keywords of nothing: %v", kw)
	}
}
