package analyzer

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalized is a text in the form govsearch indexes and searches — full
// width folded to half width (NFKC), Latin in lower case, traditional
// characters simplified, control bytes and invalid UTF-8 as spaces —
// together with the way back to the original bytes.
type Normalized struct {
	// Text is the normalized text.
	Text string
	// offs[i] is the byte offset in the original of the rune that produced
	// Text[i]; offs[len(Text)] is the original's length. Nil when Text is
	// the original unchanged, which is the common case for Chinese prose.
	offs []int32
}

// Orig maps a byte offset in Text to the byte offset in the original text.
// A token that ends inside the expansion of one original rune (NFKC can turn
// one rune into several) is widened to that rune's end, so highlight offsets
// never cut an original character.
func (n Normalized) Orig(i int) int {
	if n.offs == nil {
		return i
	}
	return int(n.offs[i])
}

// OrigEnd maps an exclusive end offset in Text to the original text.
func (n Normalized) OrigEnd(i int) int {
	if n.offs == nil {
		return i
	}
	// The end lies on the start of the next normalized rune; the bytes of
	// one original rune's expansion share its start, so move past them.
	for i < len(n.offs)-1 && i > 0 && n.offs[i] == n.offs[i-1] {
		i++
	}
	return int(n.offs[i])
}

// Normalize folds s for indexing and search. It works rune by rune so that
// every normalized byte can be traced back to the original rune: bleve's
// highlighter and govsearch's snippets need offsets into the stored text.
func Normalize(s string) Normalized {
	// Fast path: most government prose is already in normal form.
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if fold(r, size) != "" {
			break
		}
		i += size
	}
	if i == len(s) {
		return Normalized{Text: s}
	}
	var b strings.Builder
	b.Grow(len(s))
	offs := make([]int32, 0, len(s)+1)
	b.WriteString(s[:i])
	for j := 0; j < i; j++ {
		offs = append(offs, int32(j))
	}
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		out := fold(r, size)
		if out == "" {
			out = s[i : i+size]
		}
		b.WriteString(out)
		for range len(out) {
			offs = append(offs, int32(i))
		}
		i += size
	}
	offs = append(offs, int32(len(s)))
	return Normalized{Text: b.String(), offs: offs}
}

// NormalizeString is Normalize without the offset map, for queries and
// dictionary words.
func NormalizeString(s string) string { return Normalize(s).Text }

// fold returns the replacement for one rune, or "" when it stays as it is.
func fold(r rune, size int) string {
	switch {
	case r == utf8.RuneError && size <= 1:
		// Invalid UTF-8 becomes one space per byte: offsets stay exact.
		return " "
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			return string(r + 'a' - 'A')
		}
		// jieba takes C strings: a NUL would end the text early.
		if r < 0x20 && r != '\n' && r != '\t' && r != '\r' || r == 0x7f {
			return " "
		}
		return ""
	case t2sLo <= r && r <= t2sHi, 0x20000 <= r && r <= 0x2A6DF:
		// Ideographs are already in NFKC; traditional ones fold to
		// simplified.
		if s := simplified(r); s != r {
			return string(s)
		}
		return ""
	case 0x3001 <= r && r <= 0x3002, r == 0x201C, r == 0x201D:
		// The commonest punctuation: nothing to do.
		return ""
	case r == 0x3000:
		return " "
	case r == 0x3007:
		// 〇 is the zero of Chinese numerals; NFKC leaves it, keep it.
		return ""
	}
	s := string(r)
	if !norm.NFKC.IsNormalString(s) {
		s = norm.NFKC.String(s)
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
			return ' '
		}
		return simplified(unicode.ToLower(r))
	}, s)
	if s == string(r) {
		return ""
	}
	return s
}
