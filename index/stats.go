package index

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/govsearch/govsearch/analyzer"
)

// buildInfoKey is where Build records what it built (bleve internal
// storage), for Stats.
var buildInfoKey = []byte("govsearch_build")

// buildInfo is what Build records in the index.
type buildInfo struct {
	BuiltAt     time.Time `json:"built_at"`
	ElapsedMS   int64     `json:"elapsed_ms"`
	Files       int       `json:"files"`
	Documents   int       `json:"documents"`
	Sections    int       `json:"sections"`
	SourceBytes int64     `json:"source_bytes"`
	Dictionary  string    `json:"dictionary"`
}

// Stats describe an open index, for operators and monitoring.
type Stats struct {
	Documents  int
	Sections   uint64
	IndexBytes int64
	// BuiltAt and BuildTime say when and how fast the index was built;
	// zero for an index built before they were recorded.
	BuiltAt   time.Time
	BuildTime time.Duration
	// FormatVersion is the index format (mapping and analysis) version;
	// Variant the kind of index.
	FormatVersion int
	Variant       Variant
	// Dictionary identifies the jieba dictionaries the index was built
	// with (the government terms and any user dictionary); Synonyms the
	// synonym groups the searches expand with. Both are short hashes.
	Dictionary, Synonyms string
	// UserDict names the user dictionary file the index was built with
	// ("" for none); SynonymsFile where the synonyms came from ("" for
	// the built-in groups alone).
	UserDict, SynonymsFile string
	// BuildKind is "full" or "incremental", and Changes what the last
	// incremental run changed; empty for an index built before
	// manifests were kept.
	BuildKind string
	Changes   *Changes
	// Writes are the writes pending in the index folder's journal (see
	// Write), newest first, without their text; Live.Stats lists them,
	// an Index alone knows no folder.
	Writes []Write
}

// dictionaryVersion identifies the government terms and a canonical user
// dictionary.
func dictionaryVersion(userDict string) string {
	return shortHash(analyzer.GovTerms() + "\x00" + userDict)
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:6])
}

// recordBuild stores what Build made in the new index, and its variant,
// and waits until it
// is on disk: an index built with unsafe batches does not wait for them
// when it closes.
func recordBuild(bi bleve.Index, variant Variant, info buildInfo) error {
	val, err := json.Marshal(info)
	if err != nil {
		return err
	}
	b := bi.NewBatch()
	b.SetInternal(buildInfoKey, val)
	b.SetInternal(variantKey, []byte(variant))
	persisted := make(chan error, 1)
	b.SetPersistedCallback(func(err error) { persisted <- err })
	if err := bi.Batch(b); err != nil {
		return fmt.Errorf("record build: %w", err)
	}
	if err := <-persisted; err != nil {
		return fmt.Errorf("record build: %w", err)
	}
	return nil
}

// Stats reports on the index.
func (ix *Index) Stats(ctx context.Context) (*Stats, error) {
	sections, err := ix.bleve.DocCount()
	if err != nil {
		return nil, fmt.Errorf("count sections: %w", err)
	}
	docs, err := ix.docFacets(ctx)
	if err != nil {
		return nil, err
	}
	st := &Stats{
		Documents:     len(docs),
		Sections:      sections,
		IndexBytes:    dirSize(ix.path),
		FormatVersion: FormatVersion,
		Variant:       ix.variant,
		Synonyms:      ix.synonyms.Version(),
		SynonymsFile:  ix.synonymsFrom,
	}
	if m := ix.manifest; m != nil {
		st.UserDict, st.BuildKind, st.Changes = m.UserDict, m.Kind, m.Changes
	}
	if b, err := ix.bleve.GetInternal(buildInfoKey); err == nil && len(b) > 0 {
		var info buildInfo
		if err := json.Unmarshal(b, &info); err == nil {
			st.BuiltAt, st.BuildTime, st.Dictionary = info.BuiltAt, time.Duration(info.ElapsedMS)*time.Millisecond, info.Dictionary
		}
	}
	return st, nil
}

// Version identifies the synonym groups: a short hash of them in a
// canonical order.
func (s *Synonyms) Version() string {
	lines := make([]string, 0, len(s.alts))
	for k, v := range s.alts {
		alts := slices.Clone(v)
		slices.Sort(alts)
		lines = append(lines, k+"="+strings.Join(alts, ","))
	}
	slices.Sort(lines)
	return shortHash(strings.Join(lines, "\n"))
}
