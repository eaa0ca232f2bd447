package index

import (
	"context"
	"errors"
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Put adds a document to the open index, or replaces the one with its
// doc_id (all of whose old sections go): one bleve batch, durable when Put
// returns. It reports whether the document is new. Searches in flight see
// the index before or after, never half of it. It changes this generation
// only: the write a server acknowledges, which later builds keep, is
// Live.Put.
func (ix *Index) Put(ctx context.Context, r *Reply) (created bool, err error) {
	return ix.put(ctx, r, "")
}

// put is Put recording, in the same batch, the stamp of the journal
// write it applies (none for ""), so that the write is known to be in
// this generation exactly when it is (see reflects).
func (ix *Index) put(ctx context.Context, r *Reply, stamp string) (created bool, err error) {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	m, ok := ix.bleve.Mapping().(*mapping.IndexMappingImpl)
	if !ok {
		return false, fmt.Errorf("put %q: the index mapping is a %T", r.DocID, ix.bleve.Mapping())
	}
	builder, err := newDocBuilder(m, ix.variant)
	if err != nil {
		return false, fmt.Errorf("put %q: %w", r.DocID, err)
	}
	docs, err := builder.sectionDocs(r)
	if err != nil {
		return false, fmt.Errorf("put %q: %w", r.DocID, err)
	}
	old, err := ix.sectionIDs(ctx, r.DocID)
	if err != nil {
		return false, fmt.Errorf("put %q: %w", r.DocID, err)
	}
	b := ix.bleve.NewBatch()
	setStamp(b, r.DocID, stamp)
	for _, id := range old {
		b.Delete(id)
	}
	for _, d := range docs {
		if err := b.IndexAdvanced(d.doc); err != nil {
			return false, fmt.Errorf("put %q: %w", r.DocID, err)
		}
	}
	if err := ix.commit(b); err != nil {
		return false, fmt.Errorf("put %q: %w", r.DocID, err)
	}
	return len(old) == 0, nil
}

// Delete removes a document and all its sections from the open index,
// durably; ErrNotFound when there is none. Like Put it changes this
// generation only (see Live.Delete).
func (ix *Index) Delete(ctx context.Context, docID string) error {
	return ix.delete(ctx, docID, "")
}

// delete is Delete recording the stamp of the journal write it applies.
func (ix *Index) delete(ctx context.Context, docID, stamp string) error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	ids, err := ix.sectionIDs(ctx, docID)
	if err != nil {
		return fmt.Errorf("delete %q: %w", docID, err)
	}
	if len(ids) == 0 {
		return fmt.Errorf("delete %q: %w", docID, ErrNotFound)
	}
	b := ix.bleve.NewBatch()
	setStamp(b, docID, stamp)
	for _, id := range ids {
		b.Delete(id)
	}
	if err := ix.commit(b); err != nil {
		return fmt.Errorf("delete %q: %w", docID, err)
	}
	return nil
}

// commit applies a batch (bleve returns once it is persisted: the index
// is not opened with unsafe batches) and drops the caches derived from
// the documents.
func (ix *Index) commit(b *bleve.Batch) error {
	if err := ix.bleve.Batch(b); err != nil {
		return err
	}
	ix.facetsMu.Lock()
	ix.facets = nil
	ix.knownVals = nil
	ix.facetsMu.Unlock()
	ix.suggestMu.Lock()
	ix.suggest = nil
	ix.suggestMu.Unlock()
	ix.results.clear()
	ix.suggested.clear()
	ix.budget.forget()
	ix.budget.returnMemory()
	return nil
}

// writeStampKey is where a generation keeps (bleve internal storage) the
// stamp of the last journal write applied to a document in place.
func writeStampKey(docID string) []byte { return []byte("govsearch_write\x00" + docID) }

func setStamp(b *bleve.Batch, docID, stamp string) {
	if stamp != "" {
		b.SetInternal(writeStampKey(docID), []byte(stamp))
	}
}

// reflects reports whether the index holds w: its build applied or
// retired this version of it (the manifest says so), it was applied here
// since (the stamp the batch recorded), or, for a delete, the document is
// not there anyway.
func (ix *Index) reflects(ctx context.Context, w *Write) (bool, error) {
	if ix.manifest.seen(w) {
		return true, nil
	}
	if v, err := ix.bleve.GetInternal(writeStampKey(w.DocID)); err != nil {
		return false, err
	} else if string(v) == w.stamp {
		return true, nil
	}
	if w.Kind == WriteDelete {
		ids, err := ix.sectionIDs(ctx, w.DocID)
		return len(ids) == 0, err
	}
	return false, nil
}

// apply makes w, a journal write, in this generation.
func (ix *Index) apply(ctx context.Context, w *Write) error {
	if w.Kind == WriteDelete {
		if err := ix.delete(ctx, w.DocID, w.stamp); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		return nil
	}
	r, err := ParseReply(w.file, w.DocID, []byte(w.Markdown))
	if err != nil {
		return err
	}
	_, err = ix.put(ctx, r, w.stamp)
	return err
}

// sectionIDs lists the bleve ids of a document's sections.
func (ix *Index) sectionIDs(ctx context.Context, docID string) ([]string, error) {
	return sectionIDsOf(ctx, ix.bleve, docID)
}

// sectionIDsOf lists the bleve ids of a document's sections in bi.
func sectionIDsOf(ctx context.Context, bi bleve.Index, docID string) ([]string, error) {
	tq := query.NewTermQuery(docID)
	tq.SetField(fieldDocID)
	sr := bleve.NewSearchRequestOptions(tq, MaxWindow, 0, false)
	res, err := bi.SearchInContext(ctx, sr)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids, nil
}
