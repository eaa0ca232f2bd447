package index

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// lockFile is the file in an index folder that a build holds locked.
const lockFile = ".lock"

// ErrLocked means another build is writing the index folder.
var ErrLocked = errors.New("index is being built")

// buildLock is an exclusive flock(2) on an index folder's lock file. The
// kernel releases it when its process ends however it ends, so a lock left
// by a killed run never blocks the next one; the file's content (pid and
// start time) only serves the message a second run gets.
type buildLock struct{ f *os.File }

// lockIndex takes the build lock of an index folder, or says who holds it.
func lockIndex(dir string) (*buildLock, error) {
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock index %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		who := cmp.Or(lockHolder(f), "another process")
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is building %s (a second govsearch index or a rebuild by a server); wait for it to finish or stop it", ErrLocked, who, dir)
		}
		return nil, fmt.Errorf("lock index %s: %w", dir, err)
	}
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "pid %d since %s\n", os.Getpid(), time.Now().UTC().Format(time.RFC3339))
	}
	return &buildLock{f: f}, nil
}

// lockHolder is what the build holding a lock file wrote in it.
func lockHolder(f *os.File) string {
	b, _ := io.ReadAll(io.LimitReader(f, 200))
	return strings.TrimSpace(string(b))
}

// release lets the next build in.
func (l *buildLock) release() {
	l.f.Truncate(0)
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
}

// buildLocked reports whether a build holds the lock of dir now.
func buildLocked(dir string) (bool, string) {
	f, err := os.Open(filepath.Join(dir, lockFile))
	if err != nil {
		return false, ""
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		return true, lockHolder(f)
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false, ""
}

// removeStale deletes what an interrupted build left in an index folder:
// half-built generations and the temporary link of a swap. The caller
// holds the build lock, so no build is using them. It returns their names.
func removeStale(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".building-") || strings.HasPrefix(name, ".current-") {
			if os.RemoveAll(filepath.Join(dir, name)) == nil {
				removed = append(removed, name)
			}
		}
	}
	return removed
}

// cloneGeneration copies the index in src to dst for an incremental run to
// change: scorch never rewrites a segment file once written, so segments
// are hard-linked (a merge in either copy writes new files and only
// unlinks its own names); everything else — the root bolt file that lists
// the segments, the index's metadata — is copied. A server may be serving
// src: if its root file changes while the segments are linked (a merge
// or a write finished meanwhile), the copy is taken again.
func cloneGeneration(src, dst string) error {
	var last error
	for range 5 {
		os.RemoveAll(dst)
		if last = cloneOnce(src, dst); last == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	os.RemoveAll(dst)
	return fmt.Errorf("copy index %s: %w", src, last)
}

func cloneOnce(src, dst string) error {
	before, err := rootState(src)
	if err != nil {
		return err
	}
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case !d.Type().IsRegular():
			return nil
		case strings.HasSuffix(path, ".zap"):
			return os.Link(path, target)
		default:
			return copyFile(path, target)
		}
	})
	if err != nil {
		return err
	}
	after, err := rootState(src)
	if err != nil {
		return err
	}
	if before != after {
		return errors.New("the index changed while it was copied")
	}
	return nil
}

// rootState identifies the state of an index's root file.
func rootState(dir string) (string, error) {
	var state string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasSuffix(path, ".zap") {
			info, err := d.Info()
			if err != nil {
				return err
			}
			state += fmt.Sprintf("%s %d %d\n", path, info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	return state, err
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// FolderStatus describes an index folder without opening its index, so
// it can be read while a server serves it and a build writes it.
type FolderStatus struct {
	// Current is the generation being served ("" when none); Manifest
	// what it was built from (its documents counted, not listed), nil
	// for an index built before manifests were kept.
	Current   string
	Manifest  *Manifest
	Documents int
	Sections  int
	// Bytes is the served generation's size on disk.
	Bytes int64
	// Generations lists every complete generation in the folder, oldest
	// first; Stale what interrupted builds left (the next build removes
	// it).
	Generations, Stale []string
	// Building says whether a build holds the folder's lock, and
	// BuildingBy who (pid and start).
	Building   bool
	BuildingBy string
}

// Status reports on the index folder dir.
func Status(dir string) (*FolderStatus, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("index folder: %w", err)
	}
	st := &FolderStatus{}
	for _, e := range entries {
		switch name := e.Name(); {
		case strings.HasPrefix(name, "gen-") && e.IsDir():
			st.Generations = append(st.Generations, name)
		case strings.HasPrefix(name, ".building-"), strings.HasPrefix(name, ".current-"):
			st.Stale = append(st.Stale, name)
		}
	}
	st.Building, st.BuildingBy = buildLocked(dir)
	if st.Building {
		st.Stale = nil // the running build's own work in progress
	}
	path, err := currentPath(dir)
	if err != nil {
		if errors.Is(err, ErrNoIndex) {
			return st, nil
		}
		return nil, err
	}
	st.Current, st.Bytes = filepath.Base(path), dirSize(path)
	if m, err := readManifest(path); err == nil {
		for _, e := range m.Documents {
			st.Documents++
			st.Sections += e.Sections
		}
		m.Documents = nil
		st.Manifest = m
	}
	return st, nil
}
