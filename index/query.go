package index

import (
	"strings"
	"unicode"
)

// queryPart is one unit of a user's query: a word group or a quoted phrase.
type queryPart struct {
	Text string
	// Phrase is set for "quoted text", which must occur exactly.
	Phrase bool
	// Negated is set for -part: sections holding it are left out.
	Negated bool
	// Or is set when the part was joined to the previous one by OR.
	Or bool
}

// parseQuery splits q at white space (ASCII or full-width) into parts.
// Text in "straight" or “curly” quotes is one phrase part; an unclosed
// quote runs to the end of the query (a user who forgot to close it still
// meant a phrase). A part starting with - is excluded; the word OR between
// two parts makes either one enough. An OR with nothing on one side is a
// word like any other.
func parseQuery(q string) []queryPart {
	var parts []queryPart
	var cur strings.Builder
	negated, or, phrase := false, false, false
	flush := func() {
		s := strings.TrimSpace(cur.String())
		cur.Reset()
		switch {
		case s == "" && !phrase:
			if negated { // a lone "-" is a word
				parts = append(parts, queryPart{Text: "-", Or: or})
				or = false
			}
		case s == "":
		case s == "OR" && !phrase && !negated && len(parts) > 0 && !or:
			or = true
			return
		default:
			parts = append(parts, queryPart{Text: s, Phrase: phrase, Negated: negated, Or: or})
			or = false
		}
		negated, phrase = false, false
	}
	var closing rune
	atStart := true
	for _, r := range q {
		switch {
		case closing != 0:
			if r == closing || (closing == '”' && r == '"') {
				flush()
				closing = 0
				atStart = true
				continue
			}
			cur.WriteRune(r)
		case r == '"' || r == '“' || r == '「':
			if cur.Len() > 0 {
				flush()
			}
			phrase = true
			closing = map[rune]rune{'"': '"', '“': '”', '「': '」'}[r]
		case unicode.IsSpace(r):
			flush()
			atStart = true
			continue
		case r == '-' && atStart && cur.Len() == 0:
			negated = true
		default:
			cur.WriteRune(r)
		}
		atStart = false
	}
	if closing != 0 || cur.Len() > 0 || negated {
		flush()
	}
	if or && len(parts) > 0 {
		// A trailing OR is a word.
		parts = append(parts, queryPart{Text: "OR"})
	}
	return parts
}

// String renders the part as a user would type it, so that the parts of a
// query left after Interpret read as a query again.
func (p queryPart) String() string {
	s := p.Text
	if p.Phrase {
		if strings.Contains(s, `"`) {
			s = "“" + s + "”"
		} else {
			s = `"` + s + `"`
		}
	}
	if p.Negated {
		s = "-" + s
	}
	if p.Or {
		s = "OR " + s
	}
	return s
}
