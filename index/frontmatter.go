package index

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// MaxFrontMatterSize bounds a file's front matter. Its fields are repeated
// on every section of the document in the index; a real reply's is well
// under a kilobyte, and a megabyte of it is a mistake (a body pasted into
// a field, a generated file) that would cost the index that megabyte times
// the document's sections.
const MaxFrontMatterSize = 1 << 20

// closingDelims maps each opening delimiter adrg/frontmatter knows (a
// front matter's first line; see frontMatterStart) to the one closing it.
var closingDelims = map[string]string{
	"---": "---", "---yaml": "---", "---toml": "---", "---json": "---",
	"+++": "+++", ";;;": ";;;",
}

// checkFrontMatter refuses what adrg/frontmatter and yaml.v2 would take
// without a word: a front matter over MaxFrontMatterSize, and a YAML key
// given twice (yaml.v2 keeps the last one silently, so a title written
// twice would lose one). fmLine is the line of the opening delimiter, 0
// when there is none.
func checkFrontMatter(data []byte, fmLine int) *lineError {
	if fmLine == 0 {
		return nil
	}
	var open string
	line, offset := 0, 0
	seen := map[string]int{}
	for l := range bytes.Lines(data) {
		line++
		offset += len(l)
		text := strings.TrimRight(string(l), "\n")
		switch {
		case line < fmLine:
			continue
		case line == fmLine:
			open = strings.TrimSpace(text)
			continue
		case strings.TrimSpace(text) == closingDelims[open]:
			return nil
		case offset > MaxFrontMatterSize:
			if !hasLine(data[offset:], closingDelims[open]) {
				return nil // never closed: frontmatter.Parse says so
			}
			return &lineError{fmLine, fmt.Errorf("%w: more than %d KB (a front matter holds a document's fields, not its text)", ErrFrontMatter, MaxFrontMatterSize>>10)}
		}
		if open != "---" && open != "---yaml" {
			continue // TOML refuses duplicate keys itself
		}
		if m := yamlTopKeyRE.FindStringSubmatch(text); m != nil {
			key := strings.Trim(strings.TrimSpace(m[1]), `"'`)
			if first, dup := seen[key]; dup {
				return &lineError{line, fmt.Errorf("%w: key %q given twice, on lines %d and %d", ErrFrontMatter, key, first, line)}
			}
			seen[key] = line
		}
	}
	return nil // never closed: frontmatter.Parse says so
}

// hasLine reports whether data has a line that is delim, give or take
// white space.
func hasLine(data []byte, delim string) bool {
	for l := range bytes.Lines(data) {
		if strings.TrimSpace(string(l)) == delim {
			return true
		}
	}
	return false
}

// yamlTopKeyRE matches a top-level YAML mapping key: no indentation, not a
// comment, a list item or a document marker.
var yamlTopKeyRE = regexp.MustCompile(`^([^\s#\-:][^:]*|"[^"]*"|'[^']*'):(\s|$)`)

// htmlPage reports whether a file's body is an HTML page rather than
// Markdown (Markdown may hold some HTML; it does not start with a doctype
// or an <html> element), and the line it starts on.
func htmlPage(data, body []byte) (int, bool) {
	t := bytes.TrimLeft(body, " \t\n\ufeff")
	if len(t) < 5 {
		return 0, false
	}
	head := strings.ToLower(string(t[:min(len(t), 15)]))
	if !strings.HasPrefix(head, "<!doctype html") && !strings.HasPrefix(head, "<html") {
		return 0, false
	}
	return lineOf(data, len(data)-len(t)), true
}
