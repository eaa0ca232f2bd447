package index

import (
	"errors"
	"os"
	"path/filepath"
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

// A document of thousands of sections is written in as many batches as
// its text needs (a 50 MB file of one line had peaked at 6.6 GB in one
// batch): every section is indexed, and a later build that drops the
// file removes them all.
func TestDocumentSpansBatches(t *testing.T) {
	src := t.TempDir()
	line := strings.Repeat("从产能过剩向弹性产能的转变，积极推动工业互联网创新发展。", 20000)
	if err := os.WriteFile(filepath.Join(src, "oneline.md"), []byte("---\ntitle: 一行的文件\n---\n\n"+line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := ParseReply("oneline.md", "oneline", []byte("---\ntitle: 一行的文件\n---\n\n"+line+"\n"))
	if err != nil || len(r.Sections) < 100 {
		t.Fatalf("the generated file: %d sections, %v", len(r.Sections), err)
	}
	dir := filepath.Join(t.TempDir(), "index")
	sum, err := Build(t.Context(), BuildOptions{Source: src, Index: dir, BatchBytes: 16 << 10})
	if err != nil || sum.Sections != len(r.Sections) {
		t.Fatalf("build: %+v %v", sum, err)
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ix.Stats(t.Context())
	ix.Close()
	if err != nil || st.Sections != uint64(len(r.Sections)) {
		t.Fatalf("index holds %v sections, the file has %d (%v)", st, len(r.Sections), err)
	}
	os.Remove(filepath.Join(src, "oneline.md"))
	os.WriteFile(filepath.Join(src, "other.md"), []byte("---\ntitle: 另一份\n---\n\n正文。\n"), 0o644)
	if _, err := Build(t.Context(), BuildOptions{Source: src, Index: dir, Incremental: true, BatchBytes: 16 << 10}); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if st, err := ix.Stats(t.Context()); err != nil || st.Sections != 1 {
		t.Errorf("after the file is gone: %v sections (%v), want the other file's one", st, err)
	}
}

// A part repeated adds nothing but cost and is searched once (的 32 times
// had run past the 10 s timeout); more than MaxSingleCharacters parts of
// one character are refused, naming the limit, before anything runs.
func TestQueryCostBoundedBeforeItRuns(t *testing.T) {
	ix := openSample(t)
	ctx := t.Context()
	once, err := ix.Search(ctx, SearchRequest{Query: "的 网", Collapse: true})
	if err != nil {
		t.Fatal(err)
	}
	many, err := ix.Search(ctx, SearchRequest{Query: strings.Repeat("的 网 ", 16), Collapse: true})
	if err != nil || many.Total != once.Total || once.Total == 0 {
		t.Errorf("的 网 sixteen times: %v (%v), once: %d", many, err, once.Total)
	}
	eight := "的 网 中 有 大 国 人 在"
	if _, err := ix.Search(ctx, SearchRequest{Query: eight}); err != nil {
		t.Errorf("%d single characters: %v", MaxSingleCharacters, err)
	}
	if _, err := ix.Search(ctx, SearchRequest{Query: eight + " 了"}); !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), "more than 8 different parts of one character") {
		t.Errorf("nine single characters: %v, want ErrBadQuery naming the limit", err)
	}
	// Quoted and excluded ones, and OR groups, are not counted as repeats.
	if res, err := ix.Search(ctx, SearchRequest{Query: `弹性产能 "弹性产能"`}); err != nil || res.Total == 0 {
		t.Errorf("a word and its quoted form: %v %v", res, err)
	}
}
