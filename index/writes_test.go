package index

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// newDocMD is a document no source file has.
	newDocMD = "---\ntitle: 关于钛合金材料的答复\n---\n\n一、关于钛合金\n\n钛合金产业链。\n"
	// overridden and deleted are source documents changed through Live.
	overridden = "reply-miit-2020-2524"
	deleted    = "guoban/govcn-5345413"
)

// openLive serves the index folder dir until the test ends (or Close).
func openLive(t *testing.T, dir string) *Live {
	t.Helper()
	live, err := OpenLive(dir, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.Close() })
	return live
}

func putMD(t *testing.T, live *Live, id, md string) {
	t.Helper()
	r, err := ParseReply("put", id, []byte(md))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := live.Put(context.Background(), r); err != nil {
		t.Fatalf("put %s: %v", id, err)
	}
}

// title is a document's title as live serves it, "" when it has none.
func title(t *testing.T, live *Live, id string) string {
	t.Helper()
	d, err := live.Document(context.Background(), id)
	if errors.Is(err, ErrNotFound) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return d.Title
}

// pendingIDs lists the journal's writes as kind and doc_id, in doc_id order.
func pendingIDs(t *testing.T, dir string) []string {
	t.Helper()
	ws, err := PendingWrites(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, w := range ws {
		out = append(out, w.Kind+" "+w.DocID)
	}
	slices.Sort(out)
	return out
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// Writes through Live are journaled in the index folder and survive full
// and incremental builds from the source tree, until the source changes
// the document (or agrees with the write), when they are retired.
func TestWritesSurviveBuilds(t *testing.T) {
	ctx := context.Background()
	src := copySample(t)
	dir := buildSample(t, src)
	live := openLive(t, dir)
	sourceTitle := title(t, live, overridden)
	putMD(t, live, "new/reply-1", newDocMD)
	putMD(t, live, overridden, "---\ntitle: 改过的标题\n---\n\n稀土永磁。\n")
	if err := live.Delete(ctx, deleted); err != nil {
		t.Fatal(err)
	}
	if err := live.Delete(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete of no document: %v", err)
	}
	all := []string{"delete " + deleted, "put new/reply-1", "put " + overridden}
	if got := pendingIDs(t, dir); !slices.Equal(got, all) {
		t.Fatalf("journal: %v, want %v", got, all)
	}
	check := func(when string) {
		t.Helper()
		if got := title(t, live, "new/reply-1"); got != "关于钛合金材料的答复" {
			t.Errorf("%s: the document put is titled %q", when, got)
		}
		if got := title(t, live, overridden); got != "改过的标题" {
			t.Errorf("%s: the replaced document is titled %q", when, got)
		}
		if got := title(t, live, deleted); got != "" {
			t.Errorf("%s: the deleted document is served (%q)", when, got)
		}
		if res, err := live.Search(ctx, SearchRequest{Query: "钛合金产业链"}); err != nil || res.Total == 0 {
			t.Errorf("%s: search for the document put: %v, %v", when, res, err)
		}
	}
	check("after the writes")
	if st, err := live.Stats(ctx); err != nil || len(st.Writes) != 3 || st.Writes[0].Kind != WriteDelete {
		t.Errorf("stats: %+v, %v", st, err)
	}
	reload := func(when string) {
		t.Helper()
		if swapped, err := live.Reload(); !swapped || err != nil {
			t.Fatalf("%s: reload: %v, %v", when, swapped, err)
		}
	}

	sum, err := Build(ctx, BuildOptions{Source: src, Index: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Writes) != 3 || len(sum.Retired) != 0 || sum.Documents != 12 {
		t.Errorf("full build: writes %v, retired %v, %d documents", sum.Writes, sum.Retired, sum.Documents)
	}
	reload("full build")
	check("after a full build")
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Writes) != 3 || m.Writes["new/reply-1"].Sections == 0 || m.Writes[deleted].Kind != WriteDelete {
		t.Errorf("manifest writes: %+v", m.Writes)
	}
	if _, ok := m.Documents[overridden]; ok {
		t.Errorf("the manifest lists %s as indexed from its file", overridden)
	}

	// An incremental build with another file changed makes a generation,
	// which applies the writes again; with nothing changed, none.
	appendFile(t, filepath.Join(src, "guoban", "govcn-5351573.md"), "\n附：已公开。\n")
	if sum, err = Build(ctx, BuildOptions{Source: src, Index: dir, Incremental: true}); err != nil {
		t.Fatal(err)
	}
	if sum.Kept || len(sum.Changes.Changed) != 1 || len(sum.Writes) != 3 {
		t.Errorf("incremental build: %+v", sum)
	}
	reload("incremental build")
	check("after an incremental build")
	if sum, err = Build(ctx, BuildOptions{Source: src, Index: dir, Incremental: true}); err != nil || !sum.Kept {
		t.Errorf("incremental build with nothing changed: %+v, %v", sum, err)
	}

	// The source changes under two of them: the source has the last word.
	appendFile(t, filepath.Join(src, overridden+".md"), "\n附：本答复已更新。\n")
	appendFile(t, filepath.Join(src, deleted+".md"), "\n附：本答复已更新。\n")
	if sum, err = Build(ctx, BuildOptions{Source: src, Index: dir, Incremental: true}); err != nil {
		t.Fatal(err)
	}
	if len(sum.Retired) != 2 || sum.Retired[0].Reason != "its source file changed after the write" {
		t.Errorf("retired: %+v", sum.Retired)
	}
	reload("incremental build after the source changed")
	if got := title(t, live, overridden); got != sourceTitle {
		t.Errorf("the source changed: %s is titled %q, want the source's %q", overridden, got, sourceTitle)
	}
	if got := title(t, live, deleted); got == "" {
		t.Errorf("the source changed: %s is not served", deleted)
	}
	if got := pendingIDs(t, dir); !slices.Equal(got, []string{"put new/reply-1"}) {
		t.Errorf("journal after the source changed: %v", got)
	}

	// The source agrees with the write left: retired by a full build.
	if err := os.MkdirAll(filepath.Join(src, "new"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "new", "reply-1.md"), []byte(newDocMD), 0o644); err != nil {
		t.Fatal(err)
	}
	if sum, err = Build(ctx, BuildOptions{Source: src, Index: dir}); err != nil {
		t.Fatal(err)
	}
	if len(sum.Retired) != 1 || sum.Retired[0].Reason != "its source file holds the document put" || len(sum.Writes) != 0 {
		t.Errorf("retired when the source agrees: %+v, writes %v", sum.Retired, sum.Writes)
	}
	reload("full build after the source agrees")
	if got := title(t, live, "new/reply-1"); got != "关于钛合金材料的答复" {
		t.Errorf("the document now in the source is titled %q", got)
	}
	if got := pendingIDs(t, dir); len(got) != 0 {
		t.Errorf("journal after the source agreed: %v", got)
	}
}

// A write made while a build runs, after it read the journal, is not in
// the generation it makes: the server applies it when it takes that
// generation up, by a reload or at start.
func TestWriteDuringBuildIsKept(t *testing.T) {
	ctx := context.Background()
	src := copySample(t)
	dir := buildSample(t, src)
	live := openLive(t, dir)
	during := func(f func()) {
		t.Helper()
		defer func(old func()) { afterListing = old }(afterListing)
		afterListing = f
		if _, err := Build(ctx, BuildOptions{Source: src, Index: dir}); err != nil {
			t.Fatal(err)
		}
	}

	during(func() {
		if err := live.Delete(ctx, deleted); err != nil {
			t.Error(err)
		}
	})
	if swapped, err := live.Reload(); !swapped || err != nil {
		t.Fatalf("reload: %v, %v", swapped, err)
	}
	if got := title(t, live, deleted); got != "" {
		t.Errorf("deleted during the build, served after the reload: %q", got)
	}

	during(func() { putMD(t, live, "new/reply-1", newDocMD) })
	if err := live.Close(); err != nil {
		t.Fatal(err)
	}
	live = openLive(t, dir)
	if got := title(t, live, "new/reply-1"); got != "关于钛合金材料的答复" {
		t.Errorf("put during the build, after a restart: %q", got)
	}
	if got := title(t, live, deleted); got != "" {
		t.Errorf("deleted during the first build, after a restart: %q", got)
	}
}

// mountFull mounts a tmpfs of size bytes for the test, or skips it.
func mountFull(t *testing.T, size string) string {
	t.Helper()
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v)", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(mnt, 0); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
		}
	})
	return mnt
}

// fillTo writes a file in mnt until no more than left bytes are free
// there, and returns it.
func fillTo(t *testing.T, mnt string, left int64) string {
	t.Helper()
	var fs syscall.Statfs_t
	if err := syscall.Statfs(mnt, &fs); err != nil {
		t.Fatal(err)
	}
	free := int64(fs.Bavail) * fs.Bsize
	fill, err := os.CreateTemp(mnt, "fill-")
	if err != nil {
		t.Fatal(err)
	}
	defer fill.Close()
	if n := free - left; n > 0 {
		if _, err := fill.Write(make([]byte, n)); err != nil && left > 0 {
			t.Fatal(err)
		}
	}
	return fill.Name()
}

// randomText is n characters of Chinese text with few repeated bigrams,
// so that its index segment is several times its size.
func randomText(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteRune(rune(0x4e00 + rand.IntN(0x5000)))
		if i%60 == 59 {
			b.WriteString("。\n\n")
		}
	}
	return b.String()
}

// On a full disk a write is refused with ErrNoSpace and leaves nothing
// behind: neither when its journal entry finds no room nor when the
// entry fits and bleve's segment does not (scorch had kept and served the
// batch it could not persist, and would have persisted it once space was
// freed); not in the journal, not in what is served, and not after space
// is freed and the index opened again.
func TestWriteRefusedOnFullDisk(t *testing.T) {
	ctx := context.Background()
	mnt := mountFull(t, "4m")
	dir := filepath.Join(mnt, "index")
	if _, err := Build(ctx, BuildOptions{Source: repliesDir, Index: dir}); err != nil {
		t.Fatal(err)
	}
	live := openLive(t, dir)
	putMD(t, live, "new/kept", newDocMD)
	sections, _ := live.Stats(ctx)

	refused := func(id string, chars, left int64, inJournal bool) {
		t.Helper()
		fill := fillTo(t, mnt, left)
		defer os.Remove(fill)
		r, err := ParseReply("put", id, []byte("---\ntitle: 满盘\n---\n\n"+randomText(int(chars))))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = live.Put(ctx, r)
		if !errors.Is(err, ErrNoSpace) {
			t.Fatalf("put %s on a full disk: %v, want ErrNoSpace", id, err)
		}
		if got := strings.Contains(err.Error(), "write journal"); got != inJournal {
			t.Errorf("put %s: refused by the journal %v, want %v: %v", id, got, inJournal, err)
		}
		t.Logf("put %s refused in %s: %v", id, time.Since(start).Round(time.Millisecond), err)
		if got := title(t, live, id); got != "" {
			t.Errorf("the refused document %s is served", id)
		}
		if got := pendingIDs(t, dir); !slices.Equal(got, []string{"put new/kept"}) {
			t.Errorf("journal after a refused put: %v", got)
		}
	}
	// 30,000 characters (90 KB) leave no room for the entry; 8,000 (24
	// KB) fit in the journal, but their segment (about 200 KB) does not.
	refused("new/too-big", 30000, 64<<10, true)
	refused("new/no-segment", 8000, 64<<10, false)

	fill := fillTo(t, mnt, 0)
	if err := live.Delete(ctx, deleted); !errors.Is(err, ErrNoSpace) {
		t.Errorf("delete on a full disk: %v, want ErrNoSpace", err)
	}
	if title(t, live, deleted) == "" {
		t.Errorf("the document whose deletion was refused is not served")
	}
	// Space freed: scorch would now persist what it had kept.
	if err := os.Remove(fill); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := live.Close(); err != nil {
		t.Fatal(err)
	}
	live = openLive(t, dir)
	for _, id := range []string{"new/too-big", "new/no-segment"} {
		if title(t, live, id) != "" {
			t.Errorf("the refused document %s is served after a restart", id)
		}
	}
	if title(t, live, deleted) == "" || title(t, live, "new/kept") == "" {
		t.Errorf("after a restart: %s or new/kept not served", deleted)
	}
	if st, _ := live.Stats(ctx); st.Sections != sections.Sections || len(st.Writes) != 1 {
		t.Errorf("after a restart: %d sections (%d before the refusals), writes %v", st.Sections, sections.Sections, st.Writes)
	}
}
