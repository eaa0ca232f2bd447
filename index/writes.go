package index

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// writesDir is the write journal's folder inside an index folder, beside
// the generations and not inside one, so that it outlives every build:
// one file per doc_id written through the admin API (PUT or DELETE) that
// the source tree has not overtaken yet.
const writesDir = "writes"

// Kinds of Write.
const (
	WritePut    = "put"
	WriteDelete = "delete"
)

// Write is one acknowledged PUT or DELETE, kept in the index folder's
// journal so that it is not undone by the next build from the source tree:
// every build, full or incremental, applies it over the source tree (a
// put's document replaces the source file with its doc_id, or adds one; a
// delete leaves the doc_id out) until the source tree says otherwise
// (planWrites), and a server taking up a generation applies those its
// build did not see (Live).
type Write struct {
	Kind    string    `json:"kind"`
	DocID   string    `json:"doc_id"`
	Written time.Time `json:"written"`
	// SourceSHA256 is the content hash of the document's source file as
	// the served generation's manifest knew it when the write was made, ""
	// when the document came from no source file: once the file's hash is
	// another, the source changed after the write and is followed again.
	SourceSHA256 string `json:"source_sha256"`
	// Markdown is a put's document (front matter and text, decoded to
	// UTF-8), parsed again by every build with the limits of the day.
	Markdown string `json:"markdown,omitempty"`

	// stamp identifies this version of the entry (a hash of its file): a
	// generation records the stamps of the writes it applied or retired,
	// so that a server can tell the writes its build did not see.
	stamp string
	// file is the entry's path, for errors and for retiring it.
	file string
}

// ErrNoSpace means a write found no room on the index folder's disk (or
// hit a quota or a file size limit) and was refused: nothing changed,
// neither in the journal nor in what is served.
var ErrNoSpace = errors.New("no space left for the write")

// diskFull are the errors that mean a write found no room.
var diskFull = []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EFBIG}

// diskFullCause names what in err says the disk is full, "" when nothing
// does. bleve's background errors reach us only as text, so the text is
// searched too.
func diskFullCause(err error) string {
	if err == nil {
		return ""
	}
	for _, e := range diskFull {
		if errors.Is(err, e) || strings.Contains(err.Error(), e.Error()) {
			return e.Error()
		}
	}
	return ""
}

// journal is the write journal of one index folder. Its entries are read
// by builds (another process, perhaps) while a server writes them, so
// every change and every read that must be consistent with one holds the
// folder's flock (lock); an entry is renamed into place whole, so a read
// for a report needs no lock.
type journal struct{ dir string }

func journalOf(indexDir string) journal { return journal{dir: filepath.Join(indexDir, writesDir)} }

// entryPath is the file of a doc_id's entry: a hash of the doc_id, as a
// doc_id may hold slashes and be longer than a file name may.
func (j journal) entryPath(docID string) string {
	h := sha256.Sum256([]byte(docID))
	return filepath.Join(j.dir, hex.EncodeToString(h[:16])+".json")
}

// lock takes the journal's flock, for the time a server records and
// applies one write or a build reads or retires entries: never long.
func (j journal) lock() (unlock func(), err error) {
	if err := os.MkdirAll(j.dir, 0o755); err != nil {
		return nil, fmt.Errorf("write journal: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(j.dir, lockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("write journal: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock write journal %s: %w", j.dir, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// read lists the journal's entries in doc_id order; none when the folder
// has no journal. A damaged entry is an error naming its file: a takedown
// must not be dropped without a word.
func (j journal) read() ([]*Write, error) {
	entries, err := os.ReadDir(j.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read write journal: %w", err)
	}
	var ws []*Write
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue // the lock, and what an interrupted write left (see record)
		}
		path := filepath.Join(j.dir, e.Name())
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // retired meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("read write journal: %w", err)
		}
		var w Write
		if err := json.Unmarshal(b, &w); err != nil || w.DocID == "" || (w.Kind != WritePut && w.Kind != WriteDelete) {
			return nil, fmt.Errorf("write journal entry %s is damaged (%v): restore it from a backup, or remove it to give the document back to the source tree", path, cmpErr(err, "no kind or doc_id"))
		}
		w.stamp, w.file = stampOf(b), path
		ws = append(ws, &w)
	}
	slices.SortFunc(ws, func(a, b *Write) int { return strings.Compare(a.DocID, b.DocID) })
	return ws, nil
}

func cmpErr(err error, otherwise string) string {
	if err != nil {
		return err.Error()
	}
	return otherwise
}

// readLocked reads the journal holding its lock, so that no write is half
// done (recorded but not yet applied or undone) while it is read.
func (j journal) readLocked() ([]*Write, error) {
	if _, err := os.Stat(j.dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	unlock, err := j.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	return j.read()
}

// stampOf identifies one version of an entry file.
func stampOf(b []byte) string { return contentHash(b)[:32] }

// record stores w as its doc_id's entry, durably, and sets its stamp: the
// entry is written to a temporary file and synced, the entry it replaces
// is kept under a second name (a hard link: no room needed), the new one
// is renamed into place and the folder synced. undo puts back what was
// there before (the old entry, or none), durably; keep forgets the old
// one. The caller holds the lock. A write that cannot be recorded changes
// nothing: ErrNoSpace when the disk is full.
func (j journal) record(w *Write) (undo func() error, keep func(), err error) {
	fail := func(err error) (func() error, func(), error) {
		if diskFullCause(err) != "" {
			err = fmt.Errorf("%w: %w", ErrNoSpace, err)
		}
		return nil, nil, fmt.Errorf("record %s %q in the write journal: %w", w.Kind, w.DocID, err)
	}
	path := j.entryPath(w.DocID)
	tmp, prev := path+".tmp", path+".prev"
	// What a write interrupted by a crash left: the entry in place is the
	// one that counts.
	os.Remove(tmp)
	os.Remove(prev)
	b, err := json.MarshalIndent(w, "", " ")
	if err != nil {
		return fail(err)
	}
	if err := writeFileSync(tmp, b); err != nil {
		os.Remove(tmp)
		return fail(err)
	}
	hadPrev := true
	if err := os.Link(path, prev); errors.Is(err, fs.ErrNotExist) {
		hadPrev = false
	} else if err != nil {
		os.Remove(tmp)
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		os.Remove(prev)
		return fail(err)
	}
	undo = func() error {
		var err error
		if hadPrev {
			err = os.Rename(prev, path)
		} else {
			err = os.Remove(path)
		}
		return errors.Join(err, syncDir(j.dir))
	}
	if err := syncDir(j.dir); err != nil {
		return fail(errors.Join(err, undo()))
	}
	w.stamp, w.file = stampOf(b), path
	return undo, func() { os.Remove(prev) }, nil
}

// retire removes the entries a build found the source tree had overtaken,
// each only when it is still the version the build read: a server may have
// replaced it since, with a write the build did not see.
func (j journal) retire(ws []*Write) error {
	if len(ws) == 0 {
		return nil
	}
	unlock, err := j.lock()
	if err != nil {
		return err
	}
	defer unlock()
	var errs []error
	for _, w := range ws {
		b, err := os.ReadFile(w.file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil && stampOf(b) == w.stamp {
			err = os.Remove(w.file)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("retire write %q: %w", w.DocID, err))
		}
	}
	return errors.Join(append(errs, syncDir(j.dir))...)
}

// syncDir syncs a folder, so that the renames and removals in it are on
// disk.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// RetiredWrite is a journal entry a build removed, and why.
type RetiredWrite struct {
	Write
	Reason string
}

// writePlan is what a build does with the journal: the writes it applies
// over the source tree, by doc_id, and those the source tree overtook.
type writePlan struct {
	apply   map[string]*Write
	retired []RetiredWrite
}

// planWrites decides, for each journal entry, whether the source tree
// still leaves the document to it. An entry is retired when the source
// file's content is not what it was when the write was made (it changed,
// appeared or went since: the newer word is the source's), or when the
// source agrees with the write (a put's document is now the file's, a
// deleted document has no file). A file that cannot be read now leaves
// the write in force.
func planWrites(ws []*Write, files []sourceFile) writePlan {
	plan := writePlan{apply: map[string]*Write{}}
	byID := make(map[string]sourceFile, len(files))
	for _, f := range files {
		byID[f.docID] = f
	}
	for _, w := range ws {
		sum := ""
		if f, ok := byID[w.DocID]; ok {
			data, ferr := readSource(f)
			if ferr != nil {
				plan.apply[w.DocID] = w
				continue
			}
			sum = contentHash(data)
		}
		reason := ""
		switch {
		case w.Kind == WritePut && sum == contentHash([]byte(w.Markdown)):
			reason = "its source file holds the document put"
		case w.Kind == WriteDelete && sum == "":
			reason = "the source tree has no file for it"
		case sum != w.SourceSHA256 && sum == "":
			reason = "its source file was removed after the write"
		case sum != w.SourceSHA256 && w.SourceSHA256 == "":
			reason = "a source file for it appeared after the write"
		case sum != w.SourceSHA256:
			reason = "its source file changed after the write"
		}
		if reason == "" {
			plan.apply[w.DocID] = w
			continue
		}
		rw := RetiredWrite{Write: *w, Reason: reason}
		rw.Markdown = "" // decided; the entry's file and stamp are what retiring needs
		plan.retired = append(plan.retired, rw)
	}
	return plan
}

// retiredWrites are the entries of a plan's retired writes, to remove.
func (p writePlan) retiredWrites() []*Write {
	ws := make([]*Write, 0, len(p.retired))
	for i := range p.retired {
		ws = append(ws, &p.retired[i].Write)
	}
	return ws
}

// pendingOf lists the writes of a plan, by doc_id, without their text.
func pendingOf(apply map[string]*Write) []Write {
	out := make([]Write, 0, len(apply))
	for _, id := range slices.Sorted(maps.Keys(apply)) {
		out = append(out, apply[id].withoutText())
	}
	return out
}

// withoutText is w as reports show it.
func (w *Write) withoutText() Write {
	return Write{Kind: w.Kind, DocID: w.DocID, Written: w.Written, SourceSHA256: w.SourceSHA256}
}

// ManifestWrite is a journal entry as a generation's manifest records it:
// applied (Manifest.Writes) or retired (Manifest.Retired, with the
// reason).
type ManifestWrite struct {
	Kind         string    `json:"kind"`
	Written      time.Time `json:"written"`
	Stamp        string    `json:"stamp"`
	SourceSHA256 string    `json:"source_sha256"`
	// Sections counts a put's sections.
	Sections int    `json:"sections,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

func manifestWrite(w *Write) ManifestWrite {
	return ManifestWrite{Kind: w.Kind, Written: w.Written, Stamp: w.stamp, SourceSHA256: w.SourceSHA256}
}

// sourceHash is the content hash of docID's source file as m knows it: of
// the file indexed, or of the file a journal write overrides; "" for
// none.
func (m *Manifest) sourceHash(docID string) string {
	if e, ok := m.Documents[docID]; ok {
		return e.SHA256
	}
	return m.Writes[docID].SourceSHA256
}

// seen reports whether m's build applied or retired this version of w.
func (m *Manifest) seen(w *Write) bool {
	return m != nil && (m.Writes[w.DocID].Stamp == w.stamp || m.Retired[w.DocID].Stamp == w.stamp)
}

// PendingWrites lists the journal of the index folder dir, newest first,
// without the documents' text: what index -status and /v1/stats show.
func PendingWrites(dir string) ([]Write, error) {
	ws, err := journalOf(dir).read()
	if err != nil {
		return nil, err
	}
	out := make([]Write, 0, len(ws))
	for _, w := range ws {
		out = append(out, w.withoutText())
	}
	slices.SortStableFunc(out, func(a, b Write) int { return b.Written.Compare(a.Written) })
	return out, nil
}
