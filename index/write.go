package index

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Put adds a document to the open index, or replaces the one with its
// doc_id (all of whose old sections go): one bleve batch, durable when Put
// returns. It reports whether the document is new. Searches in flight see
// the index before or after, never half of it.
func (ix *Index) Put(ctx context.Context, r *Reply) (created bool, err error) {
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
// durably; ErrNotFound when there is none.
func (ix *Index) Delete(ctx context.Context, docID string) error {
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
	return nil
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
