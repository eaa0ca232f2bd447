package index

import (
	"fmt"

	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
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
	// fieldIssuer indexes each body a publisher names (SplitIssuers), for
	// filters; fieldPublisher stores the publisher as written.
	fieldIssuer = "issuer"
	fieldSource = "source"
	fieldMeta   = "meta"
	// Reply data (see ReplyInfo): reply holds all of it as stored JSON,
	// the others index what searches filter and count by.
	fieldReply      = "reply"
	fieldKind       = "kind"
	fieldAddressee  = "addressee"
	fieldMinistry   = "ministry"
	fieldTerm       = "term"
	fieldSession    = "session"
	fieldProposalNo = "proposal_no"
	// fieldNgram holds the title, heading and text (joined by
	// analyzer.Separator, so phrases never cross from one into the next)
	// as character bigrams with positions, and the last character of each
	// alone: the exact substring check behind recall and quoted phrases.
	fieldNgram = "ng"
)

// Variant is the kind of index: govsearch's own, or one of the baselines
// the evaluation compares it with.
type Variant string

// The index variants.
const (
	// VariantGovsearch indexes jieba words for ranking and character
	// n-grams for recall.
	VariantGovsearch Variant = "govsearch"
	// VariantJieba indexes jieba words only, with positions, and plans
	// queries word by word: what a segmenter-based engine does.
	VariantJieba Variant = "jieba"
	// VariantCJK uses bleve's built-in "cjk" analyzer (overlapping
	// bigrams) with bleve's match and phrase queries.
	VariantCJK Variant = "cjk"
)

// Variants lists the index variants, govsearch's first.
var Variants = []Variant{VariantGovsearch, VariantJieba, VariantCJK}

// variantKey is where an index records its variant (bleve internal storage).
var variantKey = []byte("govsearch_variant")

// FormatVersion changes whenever the mapping or the analysis changes in a
// way that needs a rebuild; caches of built indexes are keyed by it.
const FormatVersion = 5

// Names of the analysis components an index defines for itself, so that the
// index carries its user dictionary and reopens with the same analysis.
const (
	indexTokenizer = "govsearch_index_tokenizer"
	indexAnalyzer  = "govsearch_index"
)

// newMapping builds the index mapping. userDict is a canonical user
// dictionary (analyzer.ParseUserDict), "" for none.
func newMapping(userDict string, variant Variant) (*mapping.IndexMappingImpl, error) {
	m := mapping.NewIndexMapping()
	m.ScoringModel = index.BM25Scoring
	if err := m.AddCustomTokenizer(indexTokenizer, map[string]any{
		"type":               analyzer.TokenizerName,
		analyzer.UserDictKey: userDict,
		// govsearch's words only rank (recall is the n-grams' job), so it
		// indexes the precise cut; the jieba-only baseline needs search
		// mode's sub-words for recall.
		analyzer.PreciseKey: variant == VariantGovsearch,
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

	text := func(analyzerName string, vectors bool) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = analyzerName
		f.Store = true
		// Term vectors hold the positions and offsets that phrase queries
		// need. govsearch's word fields only rank; phrases are checked on
		// the n-gram field and highlights found in the stored text.
		f.IncludeTermVectors = vectors
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	ngram := func(analyzerName string, vectors bool) *mapping.FieldMapping {
		f := text(analyzerName, vectors)
		f.Store = false
		// The bigrams decide whether a section matches; ranking is the
		// words' BM25. Length norms would cost bytes in every posting of
		// the largest field for a score nothing needs.
		f.SkipFreqNorm = true
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
	switch variant {
	case VariantGovsearch:
		for _, f := range []string{fieldTitle, fieldHeading, fieldText} {
			doc.AddFieldMappingsAt(f, text(indexAnalyzer, false))
		}
		doc.AddFieldMappingsAt(fieldNgram, ngram(analyzer.BigramAnalyzerName, true))
	case VariantJieba:
		for _, f := range []string{fieldTitle, fieldHeading, fieldText} {
			doc.AddFieldMappingsAt(f, text(indexAnalyzer, true))
		}
	case VariantCJK:
		for _, f := range []string{fieldTitle, fieldHeading, fieldText} {
			doc.AddFieldMappingsAt(f, text(cjk.AnalyzerName, true))
		}
	default:
		return nil, fmt.Errorf("unknown index variant %q", variant)
	}
	doc.AddFieldMappingsAt(fieldDocID, keyword())
	doc.AddFieldMappingsAt(fieldTags, keyword())
	doc.AddFieldMappingsAt(fieldCategories, keyword())
	doc.AddFieldMappingsAt(fieldPublisher, stored())
	issuer := keyword()
	issuer.Store, issuer.DocValues = false, false
	doc.AddFieldMappingsAt(fieldIssuer, issuer)
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
	doc.AddFieldMappingsAt(fieldReply, stored())
	for _, f := range []string{fieldKind, fieldAddressee, fieldMinistry} {
		doc.AddFieldMappingsAt(f, keyword())
	}
	for _, f := range []string{fieldTerm, fieldSession, fieldProposalNo} {
		n := mapping.NewNumericFieldMapping()
		n.Store = false
		n.IncludeInAll = false
		doc.AddFieldMappingsAt(f, n)
	}
	// No field goes into bleve's catch-all _all field, and building it
	// anyway costs a merge of every field's terms per document.
	doc.AddSubDocumentMapping("_all", mapping.NewDocumentDisabledMapping())
	m.DefaultMapping = doc
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m, nil
}
