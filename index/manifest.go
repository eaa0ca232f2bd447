package index

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// manifestFile is the manifest's name inside a generation's folder. It is a
// plain file beside bleve's, not bleve internal storage, so that `govsearch
// index -status` and incremental runs read it while a server holds the
// index open (bleve admits one opener per index).
const manifestFile = "govsearch-manifest.json"

// synonymsFile holds the synonym groups an index was built with, inside its
// generation's folder: a server that is not given -synonyms expands
// queries with them, so new synonyms go live with the index that brings
// them.
const synonymsFile = "govsearch-synonyms.txt"

// Manifest records what a generation of an index was built from: every
// source file's content hash, and the versions of everything that decides
// how text is analyzed. An incremental run compares the source tree with
// it to re-read only what changed, and refuses when the analysis changed,
// as unchanged documents would keep the old analysis.
type Manifest struct {
	// FormatVersion is the mapping and analysis version (FormatVersion);
	// Variant the kind of index.
	FormatVersion int     `json:"format_version"`
	Variant       Variant `json:"variant"`
	// Dictionary identifies the jieba dictionaries (the government terms
	// and the user dictionary); UserDict names the user dictionary file
	// it came from ("" for none).
	Dictionary string `json:"dictionary"`
	UserDict   string `json:"user_dict,omitempty"`
	// Synonyms identifies the synonym groups recorded with the index;
	// SynonymsFile names the file they came from ("" for the built-in
	// groups alone).
	Synonyms     string `json:"synonyms"`
	SynonymsFile string `json:"synonyms_file,omitempty"`
	// Source is the folder the documents were read from.
	Source string `json:"source"`
	// BuiltAt is when this generation was completed; Kind is "full" or
	// "incremental", and Changes what an incremental run changed.
	BuiltAt time.Time `json:"built_at"`
	Kind    string    `json:"kind"`
	Changes *Changes  `json:"changes,omitempty"`
	// Documents maps each doc_id indexed from the source tree to its
	// source file.
	Documents map[string]ManifestEntry `json:"documents"`
	// Writes are the journal's writes (PUT and DELETE through the admin
	// API, see Write) the generation applies over the source tree, by
	// doc_id: a put's document is indexed instead of its source file, a
	// deleted one is left out. Retired are the entries its build found
	// the source tree had overtaken, and removed from the journal.
	Writes  map[string]ManifestWrite `json:"writes,omitempty"`
	Retired map[string]ManifestWrite `json:"retired,omitempty"`
}

// ManifestEntry is one indexed source file.
type ManifestEntry struct {
	// Path is the file's path relative to the source folder.
	Path string `json:"path"`
	// SHA256 is the hex content hash the incremental run compares.
	SHA256   string `json:"sha256"`
	Size     int64  `json:"size"`
	Sections int    `json:"sections"`
}

// Changes is what an incremental run found: doc_ids added, changed and
// removed, each in order, and how many were unchanged.
type Changes struct {
	Added     []string `json:"added"`
	Changed   []string `json:"changed"`
	Removed   []string `json:"removed"`
	Unchanged int      `json:"unchanged"`
}

// Empty reports whether nothing changed.
func (c *Changes) Empty() bool {
	return len(c.Added) == 0 && len(c.Changed) == 0 && len(c.Removed) == 0
}

// Diff compares the manifest's documents with the source tree's current
// content hashes (doc_id → SHA-256): a doc_id in the tree and not in the
// manifest is added; in both with another hash, changed; in the manifest
// only, removed.
func (m *Manifest) Diff(current map[string]string) *Changes {
	c := &Changes{Added: []string{}, Changed: []string{}, Removed: []string{}}
	for id, sum := range current {
		old, ok := m.Documents[id]
		switch {
		case !ok:
			c.Added = append(c.Added, id)
		case old.SHA256 != sum:
			c.Changed = append(c.Changed, id)
		default:
			c.Unchanged++
		}
	}
	for id := range m.Documents {
		if _, ok := current[id]; !ok {
			c.Removed = append(c.Removed, id)
		}
	}
	slices.Sort(c.Added)
	slices.Sort(c.Changed)
	slices.Sort(c.Removed)
	return c
}

// ErrNeedsFullBuild means an incremental run cannot bring the index up to
// date: the analysis changed, or there is no manifest to compare with.
var ErrNeedsFullBuild = errors.New("a full rebuild is needed")

// checkCompatible says why documents analyzed for m cannot be mixed with
// documents analyzed for want, naming each version that differs.
func (m *Manifest) checkCompatible(want *Manifest) error {
	var diffs []string
	if m.FormatVersion != want.FormatVersion {
		diffs = append(diffs, fmt.Sprintf("index format %d, this govsearch writes %d", m.FormatVersion, want.FormatVersion))
	}
	if m.Variant != want.Variant {
		diffs = append(diffs, fmt.Sprintf("variant %s, not %s", m.Variant, want.Variant))
	}
	if m.Dictionary != want.Dictionary {
		diffs = append(diffs, fmt.Sprintf("dictionary %s (user dictionary %s), now %s (user dictionary %s)",
			m.Dictionary, cmp.Or(m.UserDict, "none"), want.Dictionary, cmp.Or(want.UserDict, "none")))
	}
	if m.Synonyms != want.Synonyms {
		diffs = append(diffs, fmt.Sprintf("synonyms %s (%s), now %s (%s)",
			m.Synonyms, cmp.Or(m.SynonymsFile, "built-in groups"), want.Synonyms, cmp.Or(want.SynonymsFile, "built-in groups")))
	}
	if len(diffs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: the index was built with %s; run govsearch index without -incremental", ErrNeedsFullBuild, strings.Join(diffs, "; "))
}

// writeManifest stores m in a generation's folder, durably.
func writeManifest(dir string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return writeFileSync(filepath.Join(dir, manifestFile), b)
}

// writeFileSync writes a file and syncs it, so that it is on disk before
// the generation holding it is swapped in.
func writeFileSync(path string, b []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readManifest reads a generation's manifest; os.ErrNotExist (wrapped)
// for a generation built before manifests were kept.
func readManifest(gen string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(gen, manifestFile))
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", filepath.Join(gen, manifestFile), err)
	}
	if m.Documents == nil {
		m.Documents = map[string]ManifestEntry{}
	}
	return &m, nil
}

// ReadManifest reads the manifest of the generation an index folder
// serves, without opening the index (a server may hold it).
func ReadManifest(dir string) (*Manifest, error) {
	path, err := currentPath(dir)
	if err != nil {
		return nil, err
	}
	return readManifest(path)
}
