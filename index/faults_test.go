package index

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"golang.org/x/sys/unix"
)

// damagedCopy copies the index folder template, applies damage to the
// copy and returns the copy, its generation and what its files were after
// the damage.
func damagedCopy(t *testing.T, template string, damage func(t *testing.T, dir, gen string)) (dir, gen, before string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "index")
	copySampleTree(t, template, dir)
	gen, err := currentPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	damage(t, dir, gen)
	return dir, gen, folderState(t, dir)
}

// folderState describes every file under dir by content, and every link
// by target, so that a test sees whether anything changed it.
func folderState(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		switch {
		case d.IsDir():
			fmt.Fprintf(&b, "%s/\n", rel)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "%s -> %s\n", rel, link)
		default:
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "%s %x\n", rel, sha256.Sum256(data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// largestSegment is the biggest .zap file of a generation.
func largestSegment(t *testing.T, gen string) string {
	t.Helper()
	zaps, err := filepath.Glob(filepath.Join(gen, "store", "*.zap"))
	if err != nil || len(zaps) == 0 {
		t.Fatalf("no segment in %s: %v", gen, err)
	}
	return slices.MaxFunc(zaps, func(a, b string) int { return int(fileSize(t, a) - fileSize(t, b)) })
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// overwrite writes data at off into the file at path.
func overwrite(t *testing.T, path string, off int64, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(data, off); err != nil {
		t.Fatal(err)
	}
}

// flip inverts n bytes of a file from off (negative: from its end), so
// that they certainly differ.
func flip(t *testing.T, path string, off int64, n int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if off < 0 {
		off += int64(len(data))
	}
	b := slices.Clone(data[off : off+int64(n)])
	for i := range b {
		b[i] ^= 0xff
	}
	overwrite(t, path, off, b)
}

func truncate(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, path string) {
	t.Helper()
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// damages are the ways an index folder breaks on disk: a disk that lost
// or garbled blocks, a copy cut short, an operator deleting the wrong
// file. Each names the file its error must name.
var damages = []struct {
	name    string
	damage  func(t *testing.T, dir, gen string)
	want    error  // what Open says
	file    string // what the error names
	noHint  bool   // the manifest is unreadable: the hint cannot name the source
	segment bool   // the damage is in a segment: found only by the checksum
}{
	{name: "segment truncated to half", segment: true, want: ErrCorrupt, file: ".zap", damage: func(t *testing.T, _, gen string) {
		z := largestSegment(t, gen)
		truncate(t, z, fileSize(t, z)/2)
	}},
	{name: "segment cut short by 10 bytes", segment: true, want: ErrCorrupt, file: ".zap", damage: func(t *testing.T, _, gen string) {
		z := largestSegment(t, gen)
		truncate(t, z, fileSize(t, z)-10)
	}},
	{name: "segment truncated to 3 bytes", segment: true, want: ErrCorrupt, file: ".zap", damage: func(t *testing.T, _, gen string) {
		truncate(t, largestSegment(t, gen), 3)
	}},
	{name: "segment CRC flipped", segment: true, want: ErrCorrupt, file: ".zap", damage: func(t *testing.T, _, gen string) {
		flip(t, largestSegment(t, gen), -2, 2)
	}},
	{name: "segment footer offsets flipped", segment: true, want: ErrCorrupt, file: ".zap", damage: func(t *testing.T, _, gen string) {
		flip(t, largestSegment(t, gen), -30, 3)
	}},
	{name: "segment bytes flipped mid-file", segment: true, want: ErrCorrupt, file: ".zap", damage: func(t *testing.T, _, gen string) {
		z := largestSegment(t, gen)
		flip(t, z, fileSize(t, z)/2, 8)
	}},
	{name: "segment deleted", want: ErrCorrupt, file: ".zap", damage: func(t *testing.T, _, gen string) {
		remove(t, largestSegment(t, gen))
	}},
	{name: "root.bolt truncated", want: ErrCorrupt, file: "root.bolt", damage: func(t *testing.T, _, gen string) {
		truncate(t, filepath.Join(gen, rootBolt), 5000)
	}},
	{name: "root.bolt garbage", want: ErrCorrupt, file: "root.bolt", damage: func(t *testing.T, _, gen string) {
		write(t, filepath.Join(gen, rootBolt), bytes.Repeat([]byte("garbage!"), 16<<10))
	}},
	{name: "root.bolt empty", want: ErrCorrupt, file: "root.bolt", damage: func(t *testing.T, _, gen string) {
		truncate(t, filepath.Join(gen, rootBolt), 0)
	}},
	{name: "root.bolt deleted", want: ErrCorrupt, file: "root.bolt", damage: func(t *testing.T, _, gen string) {
		remove(t, filepath.Join(gen, rootBolt))
	}},
	{name: "index_meta.json garbage", want: ErrCorrupt, file: "index_meta.json", damage: func(t *testing.T, _, gen string) {
		write(t, filepath.Join(gen, "index_meta.json"), []byte("garbage\n"))
	}},
	{name: "generation folder emptied", want: ErrCorrupt, file: "index_meta.json", noHint: true, damage: func(t *testing.T, _, gen string) {
		remove(t, gen)
		if err := os.Mkdir(gen, 0o755); err != nil {
			t.Fatal(err)
		}
	}},
	{name: "manifest garbage", want: ErrCorrupt, file: manifestFile, noHint: true, damage: func(t *testing.T, _, gen string) {
		write(t, filepath.Join(gen, manifestFile), []byte("{garbage"))
	}},
	{name: "current link missing", want: ErrNoIndex, file: "", noHint: true, damage: func(t *testing.T, dir, _ string) {
		remove(t, filepath.Join(dir, currentLink))
	}},
	{name: "current link dangling", want: ErrCorrupt, file: currentLink, noHint: true, damage: func(t *testing.T, dir, _ string) {
		remove(t, filepath.Join(dir, currentLink))
		if err := os.Symlink("gen-20200101T000000.000000000", filepath.Join(dir, currentLink)); err != nil {
			t.Fatal(err)
		}
	}},
	{name: "current a plain file", want: ErrCorrupt, file: currentLink, noHint: true, damage: func(t *testing.T, dir, _ string) {
		remove(t, filepath.Join(dir, currentLink))
		write(t, filepath.Join(dir, currentLink), []byte("gen-x\n"))
	}},
}

// A damaged index folder is refused at open with ErrCorrupt (ErrNoIndex
// without a current link), naming the damaged file and the full build that
// replaces it, and the refusal changes nothing on disk; an incremental run
// refuses too (ErrNeedsFullBuild) and changes nothing; a full build
// replaces the index, which then opens and answers as the intact one did.
func TestDamagedIndexRefusedAndRebuilt(t *testing.T) {
	ctx := context.Background()
	src, err := filepath.Abs(repliesDir)
	if err != nil {
		t.Fatal(err)
	}
	template := buildSample(t, src)
	const q = "工业和信息化部"
	ix, err := Open(template)
	if err != nil {
		t.Fatal(err)
	}
	want := countHits(t, ix, q)
	ix.Close()
	if want == 0 {
		t.Fatalf("%q finds nothing in the intact index", q)
	}
	// An incremental run with something to do, which would copy the
	// damaged index and build on it.
	changed := copySample(t)
	f, err := os.OpenFile(filepath.Join(changed, "reply-miit-2020-2524.md"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, "\n附：本答复于二〇二〇年公开。")
	f.Close()
	for _, tc := range damages {
		t.Run(tc.name, func(t *testing.T) {
			dir, gen, before := damagedCopy(t, template, tc.damage)

			_, err := Open(dir)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open: %v, want %v", err, tc.want)
			}
			msg := err.Error()
			hint := "govsearch index -src " + src + " -index " + dir
			if tc.noHint {
				hint = "govsearch index -src DIR -index " + dir
			}
			if !strings.Contains(msg, tc.file) || !strings.Contains(msg, hint) {
				t.Errorf("Open: %q does not name %q and %q", msg, tc.file, hint)
			}
			if after := folderState(t, dir); after != before {
				t.Errorf("a refused open changed the folder:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			// index -status reads the folder without opening the index:
			// it reports a broken current link, and no error.
			st, err := Status(dir)
			if err != nil || (tc.file == currentLink) != (st.Damaged != "") {
				t.Errorf("Status: %+v, %v", st, err)
			}

			_, err = Build(ctx, BuildOptions{Source: changed, Index: dir, Incremental: true})
			if !errors.Is(err, ErrNeedsFullBuild) {
				t.Errorf("incremental build: %v, want %v", err, ErrNeedsFullBuild)
			}
			if tc.segment && !errors.Is(err, ErrCorrupt) {
				t.Errorf("incremental build does not say the index is damaged: %v", err)
			}
			if after := folderState(t, dir); after != before {
				t.Errorf("a refused incremental build changed the folder:\nbefore:\n%s\nafter:\n%s", before, after)
			}

			sum, err := Build(ctx, BuildOptions{Source: src, Index: dir})
			if err != nil {
				t.Fatalf("full build: %v", err)
			}
			if sum.Path == gen {
				t.Fatalf("full build reused the damaged generation")
			}
			ix, err := Open(dir)
			if err != nil {
				t.Fatalf("open after the full build: %v", err)
			}
			defer ix.Close()
			if got := countHits(t, ix, q); got != want {
				t.Errorf("%q after the rebuild: %d hits, the intact index had %d", q, got, want)
			}
		})
	}
}

// An incremental run that finds nothing changed in the source still
// refuses a damaged index rather than report it as up to date, and the
// check it makes works while a server holds the index.
func TestIncrementalUnchangedSourceChecksIndex(t *testing.T) {
	ctx := context.Background()
	template := buildSample(t, repliesDir)
	for _, tc := range damages {
		if !tc.segment {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			dir, _, before := damagedCopy(t, template, tc.damage)
			_, err := Build(ctx, BuildOptions{Source: repliesDir, Index: dir, Incremental: true})
			if !errors.Is(err, ErrNeedsFullBuild) || !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), ".zap") {
				t.Errorf("incremental build, nothing changed: %v", err)
			}
			if after := folderState(t, dir); after != before {
				t.Errorf("a refused incremental build changed the folder:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
	t.Run("served", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "index")
		copySampleTree(t, template, dir)
		ix, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		sum, err := Build(ctx, BuildOptions{Source: repliesDir, Index: dir, Incremental: true})
		if err != nil || !sum.Changes.Empty() {
			t.Fatalf("incremental build of a served intact index: %+v, %v", sum, err)
		}
	})
}

// The check accepts what a served index writes itself: segments persisted
// and merged after Put and Delete.
func TestCheckAcceptsServedWrites(t *testing.T) {
	ctx := context.Background()
	dir := buildSample(t, repliesDir)
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := mustDocument(t, ix, "reply-miit-2020-2524")
	r.DocID = "reply-miit-2020-2524-copy"
	for i := range 3 {
		r.Title = fmt.Sprintf("副本 %d", i)
		if _, err := ix.Put(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Delete(ctx, "reply-miit-2020-2524"); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	path, err := currentPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	segs, err := snapshotSegments(filepath.Join(path, rootBolt))
	if err != nil || len(segs) < 2 {
		t.Fatalf("segments after writes: %v, %v", segs, err)
	}
	ix, err = Open(dir)
	if err != nil {
		t.Fatalf("reopen after writes: %v", err)
	}
	defer ix.Close()
	if got := mustDocument(t, ix, "reply-miit-2020-2524-copy"); got.Title != "副本 2" {
		t.Errorf("title after reopen: %q", got.Title)
	}
}

// A server whose folder gets a damaged new generation keeps serving the
// one it has, and takes up the next good one.
func TestLiveKeepsServingPastDamagedGeneration(t *testing.T) {
	ctx := context.Background()
	dir := buildSample(t, repliesDir)
	live, err := OpenLive(dir, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	first := live.Path()
	sum, err := Build(ctx, BuildOptions{Source: repliesDir, Index: dir})
	if err != nil {
		t.Fatal(err)
	}
	flip(t, largestSegment(t, sum.Path), -30, 3)
	if swapped, err := live.Reload(); swapped || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("reload of a damaged generation: swapped %v, %v", swapped, err)
	}
	if live.Path() != first {
		t.Fatalf("serving %s, want %s", live.Path(), first)
	}
	res, err := live.Search(ctx, SearchRequest{Query: "工业和信息化部", Size: 1})
	if err != nil || res.Total == 0 {
		t.Fatalf("search on the old index: %v, %v", res, err)
	}
	if _, err := Build(ctx, BuildOptions{Source: repliesDir, Index: dir}); err != nil {
		t.Fatal(err)
	}
	if swapped, err := live.Reload(); !swapped || err != nil {
		t.Fatalf("reload of a good generation: swapped %v, %v", swapped, err)
	}
}

// BenchmarkOpenCheck measures what the check costs an open, against
// bleve's open alone and OpenWith (check, bleve, manifest, synonyms), on
// benchSource (the shared corpus with GOVSEARCH_CORPUS): with the index in
// the page cache (the loop reads the same files again), and cold (its
// files evicted from the page cache before each open). Each reports the
// median time of its iterations (ms/median) beside Go's mean.
func BenchmarkOpenCheck(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "index")
	if _, err := Build(context.Background(), BuildOptions{Source: benchSource(), Index: dir}); err != nil {
		b.Fatal(err)
	}
	path, err := currentPath(dir)
	if err != nil {
		b.Fatal(err)
	}
	size := dirSize(path)
	b.Logf("index %s: %.1f MB", path, float64(size)/1e6)
	opens := []struct {
		name string
		open func() error
	}{
		{"check", func() error { return checkGeneration(path) }},
		{"bleve", func() error {
			bi, err := bleve.OpenUsing(path, map[string]any{"unsafe_batch": false})
			if err == nil {
				err = bi.Close()
			}
			return err
		}},
		{"OpenWith", func() error {
			ix, err := Open(dir)
			if err == nil {
				err = ix.Close()
			}
			return err
		}},
	}
	for _, cold := range []bool{false, true} {
		for _, o := range opens {
			name := o.name
			if cold {
				name += "-cold"
			}
			b.Run(name, func(b *testing.B) {
				var took []time.Duration
				for range b.N {
					if cold {
						b.StopTimer()
						evict(b, path)
						b.StartTimer()
					}
					start := time.Now()
					if err := o.open(); err != nil {
						b.Fatal(err)
					}
					took = append(took, time.Since(start))
				}
				slices.Sort(took)
				b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms/median")
			})
		}
	}
}

// evict drops the files under dir from the page cache.
func evict(b *testing.B, dir string) {
	b.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
	})
	if err != nil {
		b.Fatal(err)
	}
}
