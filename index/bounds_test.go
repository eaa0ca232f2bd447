package index

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// Documents whose size is small but whose shape makes them expand — deep
// nesting, YAML aliases, a long title over many sections — are refused
// with the line and the limit, quickly and within a small memory budget,
// instead of being expanded (they had peaked at 3.2 to 14 GB).
func TestBoundedExpansion(t *testing.T) {
	sections := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString("\n一、第" + strconv.Itoa(i+1) + "项\n\n正文。\n")
		}
		return b.String()
	}
	aliases := func() string {
		var b strings.Builder
		b.WriteString("---\ntitle: 别名\nbig: &b \"" + strings.Repeat("大", 30000) + "\"\n")
		for i := range 100 {
			b.WriteString("r" + strings.Repeat("x", i%7+1) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ": *b\n")
		}
		b.WriteString("---\n\n正文。\n")
		return b.String()
	}
	for _, tc := range []struct {
		name, doc string
		err       error
		line      int
		msg       string
	}{
		{"nested TOML inline tables", "+++\ntitle = \"嵌套\"\na = " + strings.Repeat("{a = ", 10000) + "1" + strings.Repeat("}", 10000) + "\n+++\n\n正文。\n",
			ErrFrontMatter, 3, "nested more than 32 deep"},
		{"nested YAML flow lists", "---\ntitle: 嵌套\ntags: " + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "\n---\n\n正文。\n",
			ErrFrontMatter, 3, "nested more than 32 deep"},
		{"YAML aliases repeating a value", aliases(), ErrFrontMatter, 1, "decode to more than 1024 KB"},
		{"a long title over many sections", "---\ntitle: " + strings.Repeat("题", 30000) + "\n---\n" + sections(500),
			ErrTooBig, 2, "repeated on each of its"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := ParseReply("bad.md", "bad", []byte(tc.doc))
			runtime.ReadMemStats(&after)
			var fe *FileError
			if !errors.As(err, &fe) || !errors.Is(err, tc.err) || fe.Line != tc.line || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("%d KB document: %.300v, want %v at line %d saying %q", len(tc.doc)>>10, err, tc.err, tc.line, tc.msg)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<20 {
				t.Errorf("refusing a %d KB document allocated %d MB", len(tc.doc)>>10, alloc>>20)
			}
		})
	}
	// Real shapes pass: a long title over a law's many articles, nesting
	// a few deep, quoted brackets, an alias used once or twice.
	for name, doc := range map[string]string{
		"long title, many sections": "---\ntitle: " + strings.Repeat("题", 200) + "\n---\n" + sections(1000),
		"shallow nesting":           "---\ntitle: 浅\nreply: {who: [张三, 李四], when: {year: 2020}}\n---\n\n正文。\n",
		"brackets in strings":       "---\ntitle: \"" + strings.Repeat("[{", 50) + "\"\nnote: '" + strings.Repeat("{", 50) + "' # {{{{\n---\n\n正文。\n",
		"an alias or two":           "---\ntitle: 别名\nissuer: &who 国务院办公厅\nsigned: *who\n---\n\n正文。\n",
	} {
		if _, err := ParseReply(name+".md", "ok", []byte(doc)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
