package index

import (
	"fmt"

	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/govsearch/govsearch/analyzer"
)

// Field names in the bleve index. One bleve document is one section; the
// document's fields are repeated on each so that a hit needs no second
// lookup and title matches can rank sections.
const (
	fieldDocID      = "doc_id"
	fieldSection    = "section"
	fieldTitle      = "title"
	fieldHeading    = "heading"
	fieldText       = "text"
	fieldDate       = "date"
	fieldTags       = "tags"
	fieldCategories = "categories"
	fieldPublisher  = "publisher"
	fieldSource     = "source"
	fieldMeta       = "meta"
)

// FormatVersion changes whenever the mapping or the analysis changes in a
// way that needs a rebuild; caches of built indexes are keyed by it.
const FormatVersion = 1

// Names of the analysis components an index defines for itself, so that the
// index carries its user dictionary and reopens with the same analysis.
const (
	indexTokenizer = "govsearch_index_tokenizer"
	indexAnalyzer  = "govsearch_index"
)

// newMapping builds the index mapping. userDict is a canonical user
// dictionary (analyzer.ParseUserDict), "" for none.
func newMapping(userDict string) (*mapping.IndexMappingImpl, error) {
	m := mapping.NewIndexMapping()
	m.ScoringModel = index.BM25Scoring
	if err := m.AddCustomTokenizer(indexTokenizer, map[string]any{
		"type":               analyzer.TokenizerName,
		analyzer.UserDictKey: userDict,
	}); err != nil {
		return nil, fmt.Errorf("define tokenizer: %w", err)
	}
	if err := m.AddCustomAnalyzer(indexAnalyzer, map[string]any{
		"type":      "custom",
		"tokenizer": indexTokenizer,
	}); err != nil {
		return nil, fmt.Errorf("define analyzer: %w", err)
	}
	m.DefaultAnalyzer = indexAnalyzer

	text := func(store bool) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = indexAnalyzer
		f.Store = store
		// Term vectors hold the positions and offsets that phrase queries
		// and highlighting need.
		f.IncludeTermVectors = true
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	keyword := func() *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Store = true
		f.DocValues = true
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		return f
	}
	stored := func() *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Index = false
		f.Store = true
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}

	doc := mapping.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(fieldTitle, text(true))
	doc.AddFieldMappingsAt(fieldHeading, text(true))
	doc.AddFieldMappingsAt(fieldText, text(true))
	doc.AddFieldMappingsAt(fieldDocID, keyword())
	doc.AddFieldMappingsAt(fieldTags, keyword())
	doc.AddFieldMappingsAt(fieldCategories, keyword())
	doc.AddFieldMappingsAt(fieldPublisher, keyword())
	sec := mapping.NewNumericFieldMapping()
	sec.Store = true
	sec.IncludeInAll = false
	doc.AddFieldMappingsAt(fieldSection, sec)
	date := mapping.NewDateTimeFieldMapping()
	date.Store = true
	date.IncludeInAll = false
	doc.AddFieldMappingsAt(fieldDate, date)
	doc.AddFieldMappingsAt(fieldSource, stored())
	doc.AddFieldMappingsAt(fieldMeta, stored())
	m.DefaultMapping = doc
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m, nil
}
