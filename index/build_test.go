package index

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// repliesDir is the sample of good replies.
var repliesDir = filepath.Join("..", "testdata", "replies")

// copySampleTree copies the files under src into dst, keeping the folders.
func copySampleTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		case d.Type()&fs.ModeSymlink != 0: // an index folder's current link
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, filepath.Join(dst, rel))
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// sampleDocIDs lists the doc_ids of the Markdown files under dir.
func sampleDocIDs(t *testing.T, dir string) []string {
	t.Helper()
	var ids []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".md" {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		ids = append(ids, filepath.ToSlash(strings.TrimSuffix(rel, ".md")))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 {
		t.Fatalf("no replies in %s", dir)
	}
	return ids
}

// buildingFolders lists the unfinished generations in an index folder.
func buildingFolders(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".building-") {
			names = append(names, e.Name())
		}
	}
	return names
}

// checkMIITFirst opens the index in dir and checks that 弹性产能 finds the
// MIIT reply's section about it first.
func checkMIITFirst(t *testing.T, dir string) *Index {
	t.Helper()
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	res, err := ix.Search(t.Context(), SearchRequest{Query: "弹性产能"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 {
		t.Fatal("弹性产能: no hits")
	}
	if h := res.Hits[0]; h.DocID != "reply-miit-2020-2524" || h.Section != 1 {
		t.Errorf("弹性产能: first hit %s section %d (%q), want reply-miit-2020-2524 section 1", h.DocID, h.Section, h.Heading)
	}
	return ix
}

func TestBuildKeepsOldIndexOnFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an index")
	}
	src := t.TempDir()
	copySampleTree(t, repliesDir, src)
	dir := filepath.Join(t.TempDir(), "ix")
	first, err := Build(t.Context(), BuildOptions{Source: src, Index: dir})
	if err != nil {
		t.Fatal(err)
	}

	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		opts BuildOptions
		err  error
	}{
		{"cancelled", cancelled, BuildOptions{Source: src, Index: dir}, context.Canceled},
		{"cancelled one worker", cancelled, BuildOptions{Source: src, Index: dir, Workers: 1}, context.Canceled},
		{"no source", t.Context(), BuildOptions{Source: filepath.Join(src, "missing"), Index: dir}, fs.ErrNotExist},
		{"source a file", t.Context(), BuildOptions{Source: filepath.Join(src, "reply-miit-2020-2524.md"), Index: dir}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sum, err := Build(tc.ctx, tc.opts)
			if err == nil {
				t.Fatalf("Build = %+v, want an error", sum)
			}
			if tc.err != nil && !errors.Is(err, tc.err) {
				t.Errorf("Build: %v, want %v", err, tc.err)
			}
			ix := checkMIITFirst(t, dir)
			if ix.Path() != first.Path {
				t.Errorf("Open serves %s, want the old generation %s", ix.Path(), first.Path)
			}
			if b := buildingFolders(t, dir); len(b) > 0 {
				t.Errorf("left behind: %v", b)
			}
		})
	}
}

func TestDuplicateDocID(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an index")
	}
	src := t.TempDir()
	files := map[string]string{
		"a.md":       "---\ntitle: 国务院办公厅关于同意建立数字经济发展部际联席会议制度的函\n---\n\n　　国务院同意建立数字经济发展部际联席会议制度。\n",
		"a.markdown": "---\ntitle: 国务院办公厅关于同意建立节能减排工作部际联席会议制度的函\n---\n\n　　国务院同意建立节能减排工作部际联席会议制度。\n",
		"b.md":       "---\ntitle: 国务院办公厅关于同意建立生活垃圾分类工作部际联席会议制度的函\n---\n\n　　国务院同意建立生活垃圾分类工作部际联席会议制度。\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The first of the two in path order is kept, however many workers
	// race to read them.
	for _, workers := range []int{1, 0} {
		t.Run("workers="+strconv.Itoa(workers), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "ix")
			sum, err := Build(t.Context(), BuildOptions{Source: src, Index: dir, Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Documents != 2 || len(sum.Skipped) != 1 {
				t.Fatalf("%d documents, skipped %v; want 2 documents, one skipped", sum.Documents, sum.Skipped)
			}
			fe := sum.Skipped[0]
			if !errors.Is(fe, ErrDuplicateID) {
				t.Errorf("skipped with %v, want ErrDuplicateID", fe)
			}
			skipped := filepath.Base(fe.Path)
			if skipped != "a.md" && skipped != "a.markdown" {
				t.Fatalf("skipped %s, want a.md or a.markdown", fe.Path)
			}
			if skipped != max("a.md", "a.markdown") {
				t.Errorf("skipped %s, want %s, the second in path order", skipped, max("a.md", "a.markdown"))
			}
			kept := map[string]string{"a.md": "a.markdown", "a.markdown": "a.md"}[skipped]
			if !strings.HasPrefix(fe.Error(), fe.Path+": ") || !strings.Contains(fe.Error(), kept) {
				t.Errorf("error %q does not name both files", fe)
			}

			ix, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			r, err := ix.Document(t.Context(), "a")
			if err != nil {
				t.Fatal(err)
			}
			if want := mustParseReply(t, []byte(files[kept])).Title; r.Title != want {
				t.Errorf("doc a has the title %q, want %q from %s", r.Title, want, kept)
			}
		})
	}
}
