// Package analyzer is govsearch's Chinese text analysis for bleve: a
// tokenizer on jieba (github.com/yanyiwu/gojieba) whose byte offsets are
// exact on the original text and whose positions make phrase queries work
// with jieba's search mode, composed with normalization into an analyzer
// registered in bleve's registry. It knows nothing about documents.
//
// Every binary that opens a govsearch index must link this package, or bleve
// cannot rebuild the analyzer named in the index mapping.
package analyzer

import (
	"github.com/blevesearch/bleve/v2/analysis"
	// An index defines its analyzer as a "custom" one over this package's
	// tokenizer; linking the type here lets any binary reopen it.
	_ "github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/registry"
)

// Name is the name of the govsearch analyzer in bleve's registry.
const Name = "govsearch"

// Constructor builds the govsearch analyzer with the default dictionaries.
// An index that uses a user dictionary defines a custom tokenizer of type
// TokenizerName with UserDictKey set and a custom analyzer on it (see
// package index); this one is for everything else.
func Constructor(config map[string]any, cache *registry.Cache) (analysis.Analyzer, error) {
	tokenizer, err := cache.TokenizerNamed(TokenizerName)
	if err != nil {
		return nil, err
	}
	return &analysis.DefaultAnalyzer{Tokenizer: tokenizer}, nil
}

func init() {
	if err := registry.RegisterAnalyzer(Name, Constructor); err != nil {
		panic(err)
	}
}
