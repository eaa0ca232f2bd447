package index

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	bolt "go.etcd.io/bbolt"
	bbolterrors "go.etcd.io/bbolt/errors"
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
// change. Every file is copied, segments too: a hard link would share the
// segment between both generations, so damage to the new one's files (or
// a later write through a link) would reach the previous generation, the
// one a server falls back to (see OpenLive). io.Copy uses
// copy_file_range, which file systems that can share blocks (XFS, btrfs)
// do without copying the data. A server may be serving src: if its root
// file changes while it is copied (a merge or a write finished
// meanwhile), the copy is taken again.
func cloneGeneration(src, dst string) error {
	var last error
	for range 5 {
		os.RemoveAll(dst)
		if last = cloneOnce(src, dst); last == nil {
			return nil
		}
		if errors.Is(last, ErrCorrupt) {
			break // damage does not go away by copying again
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
	// The copy is checked, not src, whose root file a server may hold:
	// an incremental run must not build on (and swap in) a damaged index.
	if err := checkGeneration(dst); err != nil {
		return fmt.Errorf("%w: %w: run govsearch index without -incremental", err, ErrNeedsFullBuild)
	}
	return nil
}

// checkGeneration checks that the files of the bleve index in gen are
// whole, before bleve opens it: bleve reads a segment's footer only, and
// loads what it can of a damaged index without an error (see OpenWith). It
// reads index_meta.json, the newest snapshot in scorch's root bolt file,
// and every segment file that snapshot names, whose CRC-32 (zap keeps one
// of the whole file in its last four bytes) it compares. Errors wrap
// ErrCorrupt and name the file, relative to gen; bbolt's ErrTimeout when
// another process holds the root file.
func checkGeneration(gen string) error {
	return checkGenerationWith(gen, filepath.Join(gen, rootBolt))
}

// checkServedGeneration checks a generation that a server may hold open
// and write to: bbolt would wait for the server's lock on the root file,
// so a copy of it is read, and the check is taken again (up to five
// times) when the root file changed meanwhile, as a merge finishing then
// deletes segment files the copy still lists.
func checkServedGeneration(gen string) error {
	tmp, err := os.MkdirTemp("", "govsearch-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	copied := filepath.Join(tmp, "root.bolt")
	var last error
	for range 5 {
		before, err := rootState(filepath.Join(gen, "store"))
		if err != nil {
			return err
		}
		err = copyFile(filepath.Join(gen, rootBolt), copied)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: %s: missing", ErrCorrupt, rootBolt)
		}
		if err != nil {
			return err
		}
		last = checkGenerationWith(gen, copied)
		after, err := rootState(filepath.Join(gen, "store"))
		if err != nil {
			return err
		}
		if last == nil || before == after {
			return last
		}
		time.Sleep(50 * time.Millisecond)
	}
	return last
}

// checkGenerationWith checks gen with its root file read from bolt.
func checkGenerationWith(gen, bolt string) error {
	corrupt := func(file, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrCorrupt, file, fmt.Sprintf(format, args...))
	}
	b, err := os.ReadFile(filepath.Join(gen, "index_meta.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return corrupt("index_meta.json", "missing (an empty or partly deleted generation)")
	}
	if err != nil {
		return err
	}
	var meta struct {
		IndexType string `json:"index_type"`
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		return corrupt("index_meta.json", "%v", err)
	}
	if meta.IndexType != scorch.Name {
		return corrupt("index_meta.json", "index type %q, not %s", meta.IndexType, scorch.Name)
	}
	segments, err := snapshotSegments(bolt)
	if err != nil {
		return err
	}
	for _, seg := range segments {
		if err := checkSegment(gen, seg); err != nil {
			return err
		}
	}
	return nil
}

// rootBolt is scorch's root file, inside a generation's folder.
var rootBolt = filepath.Join("store", "root.bolt")

// snapshotSegments lists the segment files (relative to the generation)
// of the newest snapshot in a scorch root file. The file is opened
// read-only: a copy, or the file of an index no process holds.
func snapshotSegments(path string) (segments []string, err error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s: missing", ErrCorrupt, rootBolt)
	}
	if err != nil {
		return nil, err
	}
	if st.Size() == 0 {
		return nil, fmt.Errorf("%w: %s: empty", ErrCorrupt, rootBolt)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: boltTimeout})
	if err != nil {
		if errors.Is(err, bbolterrors.ErrTimeout) || errors.Is(err, fs.ErrPermission) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, rootBolt, err)
	}
	defer db.Close()
	// bbolt panics on some damaged pages rather than return an error.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: %v", ErrCorrupt, rootBolt, r)
		}
	}()
	err = db.View(func(tx *bolt.Tx) error {
		snapshots := tx.Bucket([]byte{'s'})
		if snapshots == nil {
			return errors.New("no snapshot bucket")
		}
		// Snapshots are keyed by epoch, in scorch's ascending varint
		// encoding, whose first byte is 0x88 or more; the newest is the
		// last. Other keys (the vector trainer's 't') are skipped, as
		// scorch does.
		c := snapshots.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			if v != nil || k[0] < 0x88 {
				continue
			}
			snap := snapshots.Bucket(k)
			sc := snap.Cursor()
			for sk, sv := sc.First(); sk != nil; sk, sv = sc.Next() {
				// 'i' holds internal values (the mapping), 'm' the
				// segment type; every other bucket is a segment.
				if sv != nil || sk[0] == 'i' || sk[0] == 'm' {
					continue
				}
				p := snap.Bucket(sk).Get([]byte{'p'})
				if len(p) == 0 {
					return fmt.Errorf("segment %x has no path", sk)
				}
				segments = append(segments, filepath.Join("store", string(p)))
			}
			if snap.Bucket([]byte{'m'}) == nil {
				return fmt.Errorf("snapshot %x has no metadata", k)
			}
			return nil
		}
		return errors.New("no snapshot")
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, rootBolt, err)
	}
	return segments, nil
}

// checkSegment compares a zap segment file's CRC-32 with the one in its
// last four bytes (every zap version writes it there, over all that
// precedes it), reading the file through.
func checkSegment(gen, name string) error {
	f, err := os.Open(filepath.Join(gen, name))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s: missing (the root file lists it)", ErrCorrupt, name)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	const footer = 4 + 4 // version and CRC, at least
	if st.Size() < footer {
		return fmt.Errorf("%w: %s: truncated to %d bytes", ErrCorrupt, name, st.Size())
	}
	h := crc32.NewIEEE()
	if _, err := io.CopyN(h, f, st.Size()-4); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	var want [4]byte
	if _, err := io.ReadFull(f, want[:]); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	if got := h.Sum(nil); !bytes.Equal(got, want[:]) {
		return fmt.Errorf("%w: %s: checksum %08x, its footer says %08x (truncated or overwritten)",
			ErrCorrupt, name, binary.BigEndian.Uint32(got), binary.BigEndian.Uint32(want[:]))
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
	// Damaged says what is wrong with the current link ("" when it names
	// a generation): the folder serves nothing until a full build.
	Damaged string
	// Writes are the writes pending in the folder's journal, newest first
	// (see Write); JournalDamaged says why they could not be read.
	Writes         []Write
	JournalDamaged string
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
	if st.Writes, err = PendingWrites(dir); err != nil {
		st.JournalDamaged = err.Error()
	}
	if st.Building {
		st.Stale = nil // the running build's own work in progress
	}
	path, err := currentPath(dir)
	if err != nil {
		switch {
		case errors.Is(err, ErrNoIndex):
			return st, nil
		case errors.Is(err, ErrCorrupt):
			st.Damaged = err.Error()
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
		for _, w := range m.Writes {
			if w.Kind == WritePut {
				st.Documents++
				st.Sections += w.Sections
			}
		}
		m.Documents = nil
		st.Manifest = m
	}
	return st, nil
}
