package index

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// badDoc is one awkward input file and what govsearch must make of it:
// refuse it with a specific error that names the file and line (err set),
// or read it (err nil) into what want checks.
type badDoc struct {
	name string
	err  error
	line int    // 0: the error is about the whole file
	msg  string // in the error's text
	// want checks a file that is read; "" when all is well.
	want func(*Reply) string
	// from is the encoding a read file is transcoded from.
	from string
}

// titled checks that a file was read with its title and the reply's text.
func titled(title string) func(*Reply) string {
	return func(r *Reply) string {
		switch {
		case r.Title != title:
			return fmt.Sprintf("title %q, want %q", r.Title, title)
		case !slices.ContainsFunc(r.Sections, func(s Section) bool { return strings.Contains(s.Text, "弹性产能储备机制") }):
			return fmt.Sprintf("no section holds 弹性产能储备机制: %+v", r.Sections)
		case r.Date.Format(time.DateOnly) != "2020-11-07":
			return fmt.Sprintf("date %v, want 2020-11-07", r.Date)
		}
		return ""
	}
}

// badDocs are the files of testdata/bad (small enough to keep in the repo).
var badDocs = []badDoc{
	// Encodings.
	{name: "gbk.md", want: titled("关于推进弹性产能建设建议的答复（GBK）"), from: encodingGB18030},
	{name: "gb18030.md", want: func(r *Reply) string {
		// 𡈽 is outside GBK: four bytes in GB18030.
		if r.Title != "关于𡈽字地名用字的答复（GB18030）" || !strings.Contains(r.Sections[0].Text, "𡈽代表") {
			return fmt.Sprintf("title %q, first section %q", r.Title, r.Sections[0].Text)
		}
		return ""
	}, from: encodingGB18030},
	{name: "not-chinese.md", err: ErrEncoding, line: 2, msg: "not GBK or GB18030"},
	{name: "gbk-in-utf8.md", err: ErrEncoding, line: 9, msg: "invalid UTF-8 at byte 141"},
	{name: "utf8-bom.md", want: titled("关于弹性产能的答复（UTF-8 BOM）")},
	{name: "utf16le-bom.md", want: titled("关于弹性产能的答复（UTF-16LE）"), from: encodingUTF16},
	{name: "utf16be-bom.md", want: titled("关于弹性产能的答复（UTF-16BE）"), from: encodingUTF16},
	{name: "utf16-odd.md", err: ErrEncoding, msg: "odd number of bytes"},
	{name: "crlf.md", want: titled("关于弹性产能的答复（CRLF）")},
	{name: "cr.md", want: titled("关于弹性产能的答复（CR）")},
	{name: "cr-bad-date.md", err: ErrFrontMatter, line: 3, msg: `"yesterday" is not a date`},
	{name: "invalid-utf8.md", err: ErrEncoding, line: 14, msg: "invalid UTF-8"},
	{name: "nul-byte.md", err: ErrEncoding, line: 13, msg: "NUL"},
	// Front matter.
	{name: "unterminated.md", err: ErrFrontMatter, line: 1, msg: "never closed"},
	{name: "broken-yaml.md", err: ErrFrontMatter, line: 6},
	{name: "toml.md", want: titled("关于弹性产能的答复（TOML）")},
	{name: "toml-broken.md", err: ErrFrontMatter, line: 5},
	{name: "json.md", want: titled("关于弹性产能的答复（JSON）")},
	{name: "json-broken.md", err: ErrFrontMatter, line: 6, msg: "invalid character"},
	{name: "tags-number.md", err: ErrFrontMatter, line: 4, msg: "tags: want text, got a number"},
	{name: "tags-mapping.md", err: ErrFrontMatter, line: 4, msg: "tags: want a list"},
	{name: "bad-date.md", err: ErrFrontMatter, line: 3, msg: `"yesterday" is not a date`},
	// bleve would drop a date past 2262 without a word.
	{name: "date-out-of-range.md", err: ErrFrontMatter, line: 3, msg: `9999-12-31 is outside the dates an index can hold (1677-09-22 to 2262-04-11)`},
	{name: "chinese-date.md", want: titled("关于弹性产能的答复（中文日期）")},
	{name: "chinese-numeral-date.md", want: titled("关于弹性产能的答复（汉字日期）")},
	{name: "duplicate-keys.md", err: ErrFrontMatter, line: 7, msg: `key "title" given twice, on lines 2 and 7`},
	// Bodies.
	{name: "empty.md", err: ErrEmpty},
	{name: "headings-only.md", want: func(r *Reply) string {
		var hs []string
		for _, s := range r.Sections {
			hs = append(hs, s.Heading)
		}
		if !slices.Equal(hs, []string{"一、关于弹性产能储备", "二、关于柔性生产能力", "三、下一步工作"}) {
			return fmt.Sprintf("headings %q", hs)
		}
		return ""
	}},
	{name: "html.md", err: ErrNotMarkdown, line: 1, msg: "an HTML page"},
	{name: "html-front-matter.md", err: ErrNotMarkdown, line: 9, msg: "an HTML page"},
}

// hugeDocs are awkward files too big to keep in the repo, written by
// writeHugeDocs.
var hugeDocs = []badDoc{
	{name: "huge-front-matter.md", err: ErrFrontMatter, line: 1, msg: "more than 1024 KB"},
	{name: "big-paragraph.md", want: func(r *Reply) string {
		n := 0
		for _, s := range r.Sections {
			n += strings.Count(s.Text, "弹性产能")
			if c := len([]rune(s.Text)); c > chunkRunes {
				return fmt.Sprintf("a section of %d characters, more than %d", c, chunkRunes)
			}
		}
		if n != 5<<20/len("推进弹性产能储备。") {
			return fmt.Sprintf("弹性产能 %d times in the sections", n)
		}
		return ""
	}},
	{name: "many-sections.md", want: func(r *Reply) string {
		// Packed into sections of up to splitRunes characters, every
		// heading and paragraph kept, in order.
		var all strings.Builder
		for _, s := range r.Sections {
			if n := len([]rune(s.Heading)) + len([]rune(s.Text)); n > splitRunes {
				return fmt.Sprintf("section %d: %d characters", s.Num, n)
			}
			all.WriteString(s.Heading + "\n\n" + s.Text + "\n\n")
		}
		if len(r.Sections) > 100_000/50 || r.Sections[0].Heading != "一、第一节" || !strings.Contains(r.Sections[0].Text, "第1段。\n\n二、第二节\n\n第2段。") {
			return fmt.Sprintf("%d sections, the first %+v", len(r.Sections), r.Sections[0])
		}
		for _, want := range []string{"五〇〇〇〇、第五〇〇〇〇节\n\n第50000段。", "一〇〇〇〇〇、第一〇〇〇〇〇节\n\n第100000段。"} {
			if !strings.Contains(all.String(), want) {
				return fmt.Sprintf("%q lost", want)
			}
		}
		return ""
	}},
}

// writeHugeDocs writes hugeDocs into dir: a 10 MB front matter, one 5 MB
// paragraph, and 100,000 tiny sections.
func writeHugeDocs(t *testing.T, dir string) {
	t.Helper()
	fm := "---\ntitle: 关于弹性产能的答复\ndate: 2020-11-07\n"
	numeral := func(n int) string {
		return strings.Map(func(r rune) rune { return []rune("〇一二三四五六七八九")[r-'0'] }, strconv.Itoa(n))
	}
	var many strings.Builder
	many.WriteString(fm + "---\n\n")
	for i := 1; i <= 100_000; i++ {
		fmt.Fprintf(&many, "%s、第%s节\n\n第%d段。\n\n", numeral(i), numeral(i), i)
	}
	for name, text := range map[string]string{
		"huge-front-matter.md": fm + "notes: \"" + strings.Repeat("很长的备注", 10<<20/15) + "\"\n---\n\n正文。\n",
		"big-paragraph.md":     fm + "---\n\n" + strings.Repeat("推进弹性产能储备。", 5<<20/len("推进弹性产能储备。")) + "\n",
		"many-sections.md":     many.String(),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkBadDoc checks what ParseReply or a build made of one awkward file:
// err is the error it gave (nil if it was read) and r what it read.
func checkBadDoc(bd badDoc, path string, r *Reply, err error) string {
	if bd.err == nil {
		if err != nil {
			return fmt.Sprintf("refused with %v, want it read", err)
		}
		if r == nil {
			return ""
		}
		if r.encoding != bd.from {
			return fmt.Sprintf("read as %q, want %q", r.encoding, bd.from)
		}
		return bd.want(r)
	}
	var fe *FileError
	if !errors.As(err, &fe) {
		return fmt.Sprintf("error %v (%T), want a *FileError", err, err)
	}
	prefix := path + ": "
	if bd.line > 0 {
		prefix = path + ":" + strconv.Itoa(bd.line) + ": "
	}
	if !errors.Is(err, bd.err) || fe.Path != path || fe.Line != bd.line || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), bd.msg) {
		return fmt.Sprintf("error %q, want %q...%q (%v)", err, prefix, bd.msg, bd.err)
	}
	for _, other := range []error{ErrEncoding, ErrFrontMatter, ErrEmpty, ErrNotMarkdown, ErrTooBig, ErrDuplicateID} {
		if other != bd.err && errors.Is(err, other) {
			return fmt.Sprintf("error %q is also %q", err, other)
		}
	}
	return ""
}

func TestParseBadDocuments(t *testing.T) {
	dir := t.TempDir()
	writeHugeDocs(t, dir)
	listed, _ := filepath.Glob(filepath.Join(badSampleDir, "*.md"))
	if len(listed) != len(badDocs) {
		t.Errorf("%d files in %s, %d in badDocs: keep them in step", len(listed), badSampleDir, len(badDocs))
	}
	check := func(bd badDoc, path string) {
		t.Run(bd.name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if dir := filepath.Dir(path); dir == badSampleDir && len(data) >= 2048 {
				t.Errorf("%d bytes; keep samples small", len(data))
			}
			r, err := ParseReply(path, strings.TrimSuffix(bd.name, ".md"), data)
			if msg := checkBadDoc(bd, path, r, err); msg != "" {
				t.Error(msg)
			}
		})
	}
	for _, bd := range badDocs {
		check(bd, filepath.Join(badSampleDir, bd.name))
	}
	for _, bd := range hugeDocs {
		check(bd, filepath.Join(dir, bd.name))
	}
}

// Awkward files among good ones: a full build and an incremental one
// each index every good file and every readable awkward one, refuse the
// others with their errors, and lose nothing already indexed.
func TestBuildBadDocuments(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an index")
	}
	src := copySample(t)
	good := sampleDocIDs(t, repliesDir)
	dir := buildSample(t, src)

	bad := filepath.Join(src, "bad")
	copySampleTree(t, badSampleDir, bad)
	writeHugeDocs(t, bad)
	all := slices.Concat(badDocs, hugeDocs)

	for _, incremental := range []bool{true, false} {
		t.Run(fmt.Sprintf("incremental=%v", incremental), func(t *testing.T) {
			sum, err := Build(t.Context(), BuildOptions{Source: src, Index: dir, Incremental: incremental})
			if err != nil {
				t.Fatal(err)
			}
			skipped := map[string]*FileError{}
			for _, fe := range sum.Skipped {
				skipped[fe.Path] = fe
			}
			transcoded := map[string]string{}
			for _, tc := range sum.Transcoded {
				transcoded[tc.Path] = tc.From
			}
			ix, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			readable := 0
			for _, bd := range all {
				path := filepath.Join(bad, bd.name)
				id := "bad/" + strings.TrimSuffix(bd.name, ".md")
				doc, derr := ix.Document(t.Context(), id)
				var err error
				if fe := skipped[path]; fe != nil {
					err = fe
					delete(skipped, path)
				}
				if msg := checkBadDoc(bd, path, nil, err); msg != "" {
					t.Errorf("%s: %s", bd.name, msg)
				}
				if bd.err != nil {
					if !errors.Is(derr, ErrNotFound) {
						t.Errorf("%s: refused, yet Document(%s) = %v", bd.name, id, derr)
					}
					continue
				}
				readable++
				if derr != nil {
					t.Errorf("%s: read, yet Document(%s): %v", bd.name, id, derr)
				} else if msg := bd.want(doc); msg != "" {
					t.Errorf("%s: as indexed: %s", bd.name, msg)
				}
				if transcoded[path] != bd.from {
					t.Errorf("%s: summary says transcoded from %q, want %q", bd.name, transcoded[path], bd.from)
				}
			}
			for _, fe := range skipped {
				t.Errorf("skipped, but not an awkward file: %v", fe)
			}
			for _, id := range good {
				if _, err := ix.Document(t.Context(), id); err != nil {
					t.Errorf("good document lost: %v", err)
				}
			}
			// An incremental run's changes are the new files it found,
			// indexed or skipped; its documents those it indexed.
			if incremental && (sum.Changes == nil || len(sum.Changes.Added) != len(all) || sum.Documents != readable) {
				t.Errorf("incremental: changes %+v, %d documents, want %d added and %d documents", sum.Changes, sum.Documents, len(all), readable)
			}
			if !incremental && sum.Documents != len(good)+readable {
				t.Errorf("full build: %d documents, want %d", sum.Documents, len(good)+readable)
			}
			// The transcoded reply is found like any other.
			res, err := ix.Search(t.Context(), SearchRequest{Query: "推进弹性产能建设建议", Size: 50})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(res.Hits, func(h Hit) bool { return h.DocID == "bad/gbk" }) {
				t.Errorf("the GBK reply is not found by its title's words: %+v", res.Hits)
			}
		})
	}
}

// An awkward source tree: symbolic link loops, links to nothing and to
// folders, a pipe, a file that vanishes and one that changes while a build
// runs, and two files with one doc_id. Each problem file is named in the
// summary with what is wrong; everything else is indexed, and a file that
// changed is indexed as read and recorded with the hash of what was read.
func TestBuildOddTree(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an index")
	}
	src := copySample(t)
	good := sampleDocIDs(t, repliesDir)
	odd := filepath.Join(src, "odd")
	if err := os.MkdirAll(filepath.Join(odd, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(odd, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	reply := func(title, text string) string { return "---\ntitle: " + title + "\n---\n\n" + text + "\n" }
	write("a.md", reply("甲文", "甲文的正文。"))
	write("a.markdown", reply("甲文另一份", "甲文另一份的正文。"))
	write("vanishing.md", reply("将被删除的答复", "这份答复在建索引时被删除。"))
	write("changing.md", reply("将被修改的答复", "修改以前的正文：旧稿。"))
	links := map[string]string{
		"loop":        "..",         // a folder loop: not followed
		"sub/up":      "../..",      // another
		"loop1.md":    "loop2.md",   // a file loop
		"loop2.md":    "loop1.md",   // ...
		"dangling.md": "missing.md", // a link to nothing
		"folder.md":   "sub",        // a link to a folder
		"linked.md":   "a.md",       // a link to a good file: read
		// A file nobody can read, root included: this process's memory
		// at offset 0 answers EIO.
		"unreadable.md": "/proc/self/mem",
		"sub/outer.md":  "../../odd/a.md",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(odd, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(odd, "pipe.md"), 0o644); err != nil {
		t.Fatal(err)
	}
	unreadable := os.Geteuid() != 0 // root reads any file
	if unreadable {
		write("secret.md", reply("读不到的答复", "正文。"))
		if err := os.Chmod(filepath.Join(odd, "secret.md"), 0); err != nil {
			t.Fatal(err)
		}
	}

	// Once the tree is listed: one file goes, another changes.
	changed := reply("修改以后的答复", "修改以后的正文：新稿。")
	defer func(f func()) { afterListing = f }(afterListing)
	afterListing = func() {
		if err := os.Remove(filepath.Join(odd, "vanishing.md")); err != nil {
			t.Error(err)
		}
		write("changing.md", changed)
	}
	dir := filepath.Join(t.TempDir(), "index")
	// Links outside the tree followed, for /proc/self/mem (see
	// TestLinksOutsideSource for the default).
	sum, err := Build(t.Context(), BuildOptions{Source: src, Index: dir, LinksOutside: true})
	if err != nil {
		t.Fatal(err)
	}
	afterListing = func() {}

	skipped := map[string]string{}
	for _, fe := range sum.Skipped {
		rel, _ := filepath.Rel(odd, fe.Path)
		skipped[rel] = fe.Error()
	}
	want := map[string]string{
		// The first in path order is kept: a.markdown sorts before a.md.
		"a.md":          `duplicate doc_id "odd/a": also the id of ` + filepath.Join(odd, "a.markdown"),
		"vanishing.md":  "no such file or directory",
		"loop1.md":      "too many levels of symbolic links",
		"loop2.md":      "too many levels of symbolic links",
		"dangling.md":   "no such file or directory",
		"folder.md":     "not a regular file",
		"pipe.md":       "not a regular file",
		"unreadable.md": "input/output error",
	}
	if unreadable {
		want["secret.md"] = "permission denied"
	}
	for name, msg := range want {
		got, ok := skipped[name]
		delete(skipped, name)
		if !ok || !strings.HasPrefix(got, filepath.Join(odd, name)+": ") || !strings.Contains(got, msg) {
			t.Errorf("%s: skipped with %q, want %q", name, got, msg)
		}
	}
	for name, msg := range skipped {
		t.Errorf("%s skipped (%s), want it indexed", name, msg)
	}

	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for _, id := range append(slices.Clone(good), "odd/a", "odd/linked", "odd/sub/outer", "odd/changing") {
		if _, err := ix.Document(t.Context(), id); err != nil {
			t.Errorf("%s not indexed: %v", id, err)
		}
	}
	if doc, err := ix.Document(t.Context(), "odd/changing"); err != nil || doc.Title != "修改以后的答复" {
		t.Errorf("the changed file: %+v %v, want it as read after the change", doc, err)
	}
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if e := m.Documents["odd/changing"]; e.SHA256 != contentHash([]byte(changed)) {
		t.Errorf("manifest records %s for the changed file, want the hash of what was read", e.SHA256)
	}
	// The next incremental run finds nothing to do: what was indexed is
	// what the manifest says.
	again, err := Build(t.Context(), BuildOptions{Source: src, Index: dir, Incremental: true, LinksOutside: true})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Changes.Empty() {
		t.Errorf("incremental run after the odd build: %+v", again.Changes)
	}
}

// A link that leaves the source tree (to /etc/passwd, say) is skipped with
// the reason unless the operator allows it; a link within the tree is
// read; a file name that is not UTF-8 cannot be a doc_id and is skipped.
func TestLinksOutsideSource(t *testing.T) {
	src, outside := t.TempDir(), t.TempDir()
	reply := "---\ntitle: 站外的文件\n---\n\n不应被索引的正文。\n"
	if err := os.WriteFile(filepath.Join(outside, "passwd"), []byte(reply), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "a.md"), []byte("---\ntitle: 甲文\n---\n\n甲文的正文。\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "\xff\xfe.md"), []byte("---\ntitle: 乙文\n---\n\n乙文。\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"zz-passwd.md": filepath.Join(outside, "passwd"), "inside.md": "a.md"} {
		if err := os.Symlink(target, filepath.Join(src, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, allow := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "index")
		sum, err := Build(t.Context(), BuildOptions{Source: src, Index: dir, LinksOutside: allow})
		if err != nil {
			t.Fatal(err)
		}
		skipped := map[string]error{}
		for _, fe := range sum.Skipped {
			skipped[filepath.Base(fe.Path)] = fe
		}
		if err := skipped["\xff\xfe.md"]; !errors.Is(err, ErrFileName) || !strings.Contains(err.Error(), `"\xff\xfe.md"`) {
			t.Errorf("links outside %v: the file named \\xff\\xfe.md: %v, want ErrFileName naming it", allow, err)
		}
		err = skipped["zz-passwd.md"]
		if allow != (err == nil) || !allow && (!errors.Is(err, ErrOutsideSource) || !strings.Contains(err.Error(), filepath.Join(outside, "passwd"))) {
			t.Errorf("links outside %v: the link to %s: %v", allow, filepath.Join(outside, "passwd"), err)
		}
		ix, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]bool{"a": true, "inside": true, "zz-passwd": allow} {
			if _, err := ix.Document(t.Context(), id); (err == nil) != want {
				t.Errorf("links outside %v: document %s: %v, want indexed %v", allow, id, err, want)
			}
		}
		ix.Close()
	}
}
