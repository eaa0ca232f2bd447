package index

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/govsearch/govsearch/analyzer"
)

//go:embed synonyms.txt
var builtinSynonyms string

// ErrSynonyms is wrapped by errors about a malformed synonyms file.
var ErrSynonyms = errors.New("invalid synonyms")

// maxVariants bounds how many forms one query part expands to.
const maxVariants = 16

// Synonyms are groups of interchangeable forms — abbreviations and full
// names that government text uses side by side (工信部, 工业和信息化部). A
// query part expands to every form, so a search for the abbreviation finds
// replies that only spell the name out. Expansion happens when a query is
// planned, not when text is indexed: changing the synonyms needs no rebuild,
// and multi-word names work, which token-level synonym filters get wrong.
type Synonyms struct {
	// alts maps a normalized form to the other forms of its groups.
	alts map[string][]string
	// keys are the forms, longest first, so 国务院办公厅 is replaced
	// before anything inside it.
	keys []string
}

// DefaultSynonyms returns the synonyms shipped with govsearch.
func DefaultSynonyms() *Synonyms {
	s, err := ParseSynonyms("synonyms.txt", strings.NewReader(builtinSynonyms), nil)
	if err != nil {
		panic(err) // embedded at build time; a test parses it too
	}
	return s
}

// ParseSynonyms reads a synonyms file (one group a line, forms separated by
// commas, # for comments) on top of base (nil for none). name is used in
// errors, which give the line.
func ParseSynonyms(name string, r io.Reader, base *Synonyms) (*Synonyms, error) {
	s := &Synonyms{alts: map[string][]string{}}
	if base != nil {
		for k, v := range base.alts {
			s.alts[k] = slices.Clone(v)
		}
	}
	err := analyzer.ReadLines(name, r, ErrSynonyms, func(line int, text string) error {
		var forms []string
		for f := range strings.SplitSeq(strings.ReplaceAll(text, "，", ","), ",") {
			f = analyzer.NormalizeString(strings.TrimSpace(f))
			if f == "" {
				return fmt.Errorf("%s:%d: %w: empty form", name, line, ErrSynonyms)
			}
			if utf8.RuneCountInString(f) > 64 {
				return fmt.Errorf("%s:%d: %w: form %q is longer than 64 characters", name, line, ErrSynonyms, f)
			}
			if !slices.Contains(forms, f) {
				forms = append(forms, f)
			}
		}
		if len(forms) < 2 {
			return fmt.Errorf("%s:%d: %w: a group needs at least two forms separated by commas", name, line, ErrSynonyms)
		}
		for _, f := range forms {
			for _, g := range forms {
				if g != f && !slices.Contains(s.alts[f], g) {
					s.alts[f] = append(s.alts[f], g)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for k := range s.alts {
		s.keys = append(s.keys, k)
	}
	slices.SortFunc(s.keys, func(a, b string) int {
		if d := len(b) - len(a); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return s, nil
}

// Expand returns the normalized part and its variants: each form found in
// it replaced by each other form of its group.
func (s *Synonyms) Expand(part string) []string {
	out := []string{part}
	if s == nil {
		return out
	}
	for _, k := range s.keys {
		if !strings.Contains(part, k) {
			continue
		}
		for _, alt := range s.alts[k] {
			v := strings.ReplaceAll(part, k, alt)
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
			if len(out) >= maxVariants {
				return out
			}
		}
	}
	return out
}
