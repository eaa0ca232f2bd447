package index

import (
	"strings"
	"testing"
)

func TestMergeSpans(t *testing.T) {
	// 长江大桥 [0,12) with its sub-words 长江 [0,6) and 大桥 [6,12), and a
	// separate match further on.
	got := mergeSpans([]span{{6, 12}, {0, 6}, {0, 12}, {20, 26}, {24, 30}, {40, 99}}, 50)
	want := []span{{0, 12}, {20, 30}}
	if len(got) != len(want) {
		t.Fatalf("mergeSpans = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("mergeSpans = %v, want %v", got, want)
		}
	}
}

func TestMakeSnippet(t *testing.T) {
	text := "长江大桥建成通车。" + strings.Repeat("这是一段很长的无关文字，", 30) + "工业<互联网>&创新发展。\n\n下一段"
	i := strings.Index(text, "互联网")
	spans := []span{{0, 12}, {0, 6}, {6, 12}, {i, i + len("互联网")}}
	got := makeSnippet(text, spans)
	// The window holds one match either way; the first cluster wins ties.
	if !strings.HasPrefix(got, "<mark>长江大桥</mark>建成通车。") {
		t.Errorf("snippet = %q, want it to open on the first match", got)
	}
	if n := len([]rune(stripTags(got))); n > snippetRunes+2 {
		t.Errorf("snippet has %d characters, want about %d", n, snippetRunes)
	}

	got = makeSnippet(text, []span{{i, i + len("互联网")}})
	for _, want := range []string{"<mark>互联网</mark>&gt;&amp;创新发展。 下一段", "工业&lt;"} {
		if !strings.Contains(got, want) {
			t.Errorf("snippet %q lacks %q", got, want)
		}
	}
	if !strings.HasPrefix(got, "…") {
		t.Errorf("snippet %q should start with an ellipsis", got)
	}
	if strings.Contains(got, "\n") {
		t.Errorf("snippet %q has a line break", got)
	}

	// No matches in the text (a title-only match): the text's start.
	if got := makeSnippet("第一段。\n\n第二段。", nil); got != "第一段。 第二段。" {
		t.Errorf("snippet without matches = %q", got)
	}
}

// A span that crosses the end of the window widens it: marks are never cut.
func TestSnippetNeverCutsMark(t *testing.T) {
	text := strings.Repeat("字", snippetRunes-2) + "工业互联网平台" + strings.Repeat("字", 50)
	start := strings.Index(text, "工业互联网")
	got := makeSnippet(text, []span{{0, 3}, {start, start + len("工业互联网")}})
	if !strings.Contains(got, "<mark>工业互联网</mark>") {
		t.Errorf("snippet %q cuts the mark", got)
	}
	if strings.Count(got, "<mark>") != strings.Count(got, "</mark>") {
		t.Errorf("snippet %q has unbalanced marks", got)
	}
}

func stripTags(s string) string {
	return strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s)
}
