package index

import (
	"strings"
	"unicode"
)

// queryPart is one unit of a user's query: a word group that must occur, or
// a quoted phrase that must occur exactly.
type queryPart struct {
	Text   string
	Phrase bool
}

// parseQuery splits q at white space (ASCII or full-width) into parts;
// text in "straight" or “curly” quotes is one phrase part. An unclosed quote
// runs to the end of the query: a user who forgot to close it still meant a
// phrase.
func parseQuery(q string) []queryPart {
	var parts []queryPart
	var cur strings.Builder
	flush := func(phrase bool) {
		if s := strings.TrimSpace(cur.String()); s != "" {
			parts = append(parts, queryPart{Text: s, Phrase: phrase})
		}
		cur.Reset()
	}
	var closing rune
	for _, r := range q {
		switch {
		case closing != 0:
			if r == closing || (closing == '”' && r == '"') {
				flush(true)
				closing = 0
				continue
			}
			cur.WriteRune(r)
		case r == '"' || r == '“' || r == '「':
			flush(false)
			closing = map[rune]rune{'"': '"', '“': '”', '「': '」'}[r]
		case unicode.IsSpace(r):
			flush(false)
		default:
			cur.WriteRune(r)
		}
	}
	flush(closing != 0)
	return parts
}
