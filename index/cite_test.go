package index

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func miitReply(t *testing.T) *Reply {
	t.Helper()
	path := filepath.Join(repliesDir, "reply-miit-2020-2524.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseReply(path, "reply-miit-2020-2524", data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A section's anchor depends on its own text only: a section added before
// it, or another one edited, leaves it; editing it changes it.
func TestAnchorsStable(t *testing.T) {
	r := miitReply(t)
	before := r.Anchors()
	if len(before) != len(r.Sections) || !strings.HasPrefix(before[1], "s-") || len(before[1]) != len("s-")+8 {
		t.Fatalf("anchors %q", before)
	}
	if c := slices.Compact(slices.Sorted(slices.Values(before))); len(c) != len(before) {
		t.Errorf("anchors not unique: %q", before)
	}
	edited := *r
	edited.Sections = slices.Concat(r.Sections[:1], []Section{{Heading: "一、新加的一节", Text: "新的内容。"}}, r.Sections[1:])
	edited.Sections[3].Text += "又改了一句。" // the third of the old sections
	after := edited.Anchors()
	for i, a := range before {
		j := i
		if i >= 1 {
			j = i + 1
		}
		if moved := after[j] != a; moved != (i == 2) {
			t.Errorf("section %d (now %d): anchor %s → %s", i, j, a, after[j])
		}
		if i != 2 && edited.SectionRef(a) != j {
			t.Errorf("SectionRef(%s) = %d, want %d", a, edited.SectionRef(a), j)
		}
	}
	dup := Reply{Sections: []Section{{Text: "同"}, {Text: "同"}, {Text: "异"}}}
	if a := dup.Anchors(); a[0] == a[1] || a[1] != a[0]+"-2" {
		t.Errorf("equal sections: %q", a)
	}
	for ref, want := range map[string]int{"0": 0, "3": 3, "-1": -1, "99": -1, "03": -1, "+1": -1, "s-00000000": -1, "": -1, before[2]: 2} {
		if got := r.SectionRef(ref); got != want {
			t.Errorf("SectionRef(%q) = %d, want %d", ref, got, want)
		}
	}
}

func TestCite(t *testing.T) {
	r := miitReply(t)
	url := "https://news.example/d/reply-miit-2020-2524#" + r.Anchors()[1]
	accessed := time.Date(2026, 11, 27, 9, 0, 0, 0, shanghai)
	c, err := r.Cite(1, url, accessed)
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "工业和信息化部" || c.Date != "2020年11月7日" || c.Heading != r.Sections[1].Heading || c.Text != r.Sections[1].Text || c.Anchor != r.Anchors()[1] {
		t.Errorf("citation %+v", c)
	}
	for form, want := range map[string]string{
		c.Forms.Report:    "工业和信息化部在《" + r.Title + "》（2020年11月7日）中“" + r.Sections[1].Heading + "”部分写道：“",
		c.Forms.Reference: "工业和信息化部. " + r.Title + "[EB/OL]. (2020-11-07)[2026-11-27]. " + url + ".",
		c.Forms.Short:     "《" + r.Title + "》 （工业和信息化部，2020年11月7日） " + r.Sections[1].Heading,
	} {
		if !strings.HasPrefix(form, want) {
			t.Errorf("form\n %q\nwant it to start\n %q", form, want)
		}
	}
	if !strings.HasSuffix(c.Forms.Report, "”（"+url+"）") || !strings.Contains(c.Forms.Report, "。”") {
		t.Errorf("report form %q: want the first sentence quoted and the link", c.Forms.Report)
	}
	// An undated document from a publisher, its preamble.
	law := &Reply{DocID: "law/x", Title: "中华人民共和国测试法", Meta: map[string]any{"publisher": "全国人民代表大会常务委员会"},
		Sections: []Section{{Text: "第一条　为了测试，制定本法。"}}}
	c, err = law.Cite(0, "u", accessed)
	if err != nil {
		t.Fatal(err)
	}
	if c.Forms.Short != "《中华人民共和国测试法》 （全国人民代表大会常务委员会）" || c.Forms.Reference != "全国人民代表大会常务委员会. 中华人民共和国测试法[EB/OL]. [2026-11-27]. u." ||
		c.Forms.Report != "全国人民代表大会常务委员会在《中华人民共和国测试法》中正文写道：“第一条 为了测试，制定本法。”（u）" {
		t.Errorf("undated: %+v", c.Forms)
	}
	if _, err := r.Cite(len(r.Sections), url, accessed); err == nil {
		t.Error("a section past the end was cited")
	}
}

// A hit carries its section's anchor, the one the document's page has.
func TestHitAnchor(t *testing.T) {
	ix := openSample(t)
	res, err := ix.Search(t.Context(), SearchRequest{Query: "弹性产能"})
	if err != nil {
		t.Fatal(err)
	}
	h := res.Hits[0]
	doc, err := ix.Document(t.Context(), h.DocID)
	if err != nil {
		t.Fatal(err)
	}
	if want := doc.Anchors()[h.Section]; h.Anchor != want {
		t.Errorf("hit %s: anchor %q, the document's section has %q", h.ID, h.Anchor, want)
	}
}

// Permalinks survive a reindex: after a section is added to a reply and
// the index rebuilt, every unchanged section is still found by its old
// anchor, now under a new number.
func TestAnchorsSurviveReindex(t *testing.T) {
	src := copySample(t)
	dir := buildSample(t, src)
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	before, err := ix.Document(t.Context(), "reply-miit-2020-2524")
	ix.Close()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(src, "reply-miit-2020-2524.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A new first section, ahead of 一、.
	first := before.Sections[1].Heading
	edited := strings.Replace(string(data), first, "一、新增的一节\n\n新增一节的正文。\n\n"+first, 1)
	if edited == string(data) {
		t.Fatalf("heading %q not found in the file", first)
	}
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(t.Context(), BuildOptions{Source: src, Index: dir}); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	after, err := ix.Document(t.Context(), "reply-miit-2020-2524")
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Sections) != len(before.Sections)+1 {
		t.Fatalf("%d sections after adding one to %d", len(after.Sections), len(before.Sections))
	}
	for i, a := range before.Anchors() {
		n := after.SectionRef(a)
		if n < 0 || after.Sections[n].Text != before.Sections[i].Text || after.Sections[n].Heading != before.Sections[i].Heading {
			t.Errorf("section %d (%q): anchor %s now finds section %d", i, before.Sections[i].Heading, a, n)
		}
		if i >= 1 && n != i+1 {
			t.Errorf("section %d: now number %d, want %d", i, n, i+1)
		}
	}
}
