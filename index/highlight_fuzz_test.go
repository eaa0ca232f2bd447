package index

import (
	"html"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzPlanner is an Index with no bleve index behind it: enough to plan
// queries (and so to highlight them) as a real one does.
func fuzzPlanner(f *testing.F) *Index {
	m, err := newMapping("", VariantGovsearch)
	if err != nil {
		f.Fatal(err)
	}
	an := m.AnalyzerNamed(indexAnalyzer)
	if an == nil {
		f.Fatal("no analyzer")
	}
	return &Index{analyzer: an, synonyms: DefaultSynonyms(), variant: VariantGovsearch}
}

// checkMarkedHTML checks that s is escaped text whose only tags are
// <mark> and </mark>, in pairs, never nested, and returns the text without
// them, still escaped.
func checkMarkedHTML(s string) (string, string) {
	var plain strings.Builder
	open := false
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "<mark>"):
			if open {
				return "", "nested <mark>"
			}
			open = true
			i += len("<mark>")
			continue
		case strings.HasPrefix(s[i:], "</mark>"):
			if !open {
				return "", "</mark> without <mark>"
			}
			open = false
			i += len("</mark>")
			continue
		case s[i] == '<' || s[i] == '>' || s[i] == '"' || s[i] == '\'':
			return "", "unescaped " + string(s[i]) + " at byte " + itoa(i)
		case s[i] == '&':
			ok := false
			for _, e := range []string{"&amp;", "&lt;", "&gt;", "&#34;", "&#39;"} {
				if strings.HasPrefix(s[i:], e) {
					plain.WriteString(e)
					i += len(e)
					ok = true
					break
				}
			}
			if !ok {
				return "", "bare & at byte " + itoa(i)
			}
			continue
		}
		plain.WriteByte(s[i])
		i++
	}
	if open {
		return "", "<mark> never closed"
	}
	if strings.Contains(s, "<mark></mark>") {
		return "", "an empty mark"
	}
	return plain.String(), ""
}

func itoa(i int) string { return strconv.Itoa(i) }

// FuzzHighlight: whatever the text and the query, the document page's
// paragraphs, a highlighted line and a search snippet are well-formed HTML
// whose only tags are <mark>, and marking changes nothing of the text.
func FuzzHighlight(f *testing.F) {
	for _, seed := range [][2]string{
		{"一、关于弹性产能\n\n我部将推动建立弹性产能储备机制。", "弹性产能"},
		{"<script>alert(1)</script> 弹性产能 & </mark><b>", "script"},
		{"工業互聯網５Ｇ的发展", "工业互联网 5G"},
		{"“卡脖子”技术攻关", `"卡脖子" OR 攻关 -技术`},
		{"a\x00b\xff\xfe<mark>", "<mark>"},
		{"产能\n\n\n　　过剩", "产能过剩"},
	} {
		f.Add(seed[0], seed[1])
	}
	ix := fuzzPlanner(f)
	f.Fuzz(func(t *testing.T, text, q string) {
		h := ix.Highlighter(q)
		line := h.Line(text)
		plain, problem := checkMarkedHTML(line)
		if problem != "" {
			t.Fatalf("Line(%q) for %q = %q: %s", text, q, line, problem)
		}
		if want := strings.TrimSpace(escape(text)); strings.TrimSpace(plain) != want {
			t.Fatalf("Line(%q) for %q changed the text: %q, want %q", text, q, plain, want)
		}
		for _, p := range h.Paragraphs(text) {
			if _, problem := checkMarkedHTML(p); problem != "" {
				t.Fatalf("Paragraphs(%q) for %q: %q: %s", text, q, p, problem)
			}
		}
		snippet := makeSnippet(text, markSpans(text, h.marks, h.words))
		plain, problem = checkMarkedHTML(snippet)
		if problem != "" {
			t.Fatalf("snippet of %q for %q = %q: %s", text, q, snippet, problem)
		}
		// A snippet is a piece of the text (between ellipses).
		piece := strings.Trim(html.UnescapeString(plain), "…")
		if utf8.ValidString(text) && !strings.Contains(strings.Join(strings.Fields(text), " "), strings.Join(strings.Fields(piece), " ")) {
			t.Fatalf("snippet %q is not a piece of %q", snippet, text)
		}
	})
}
