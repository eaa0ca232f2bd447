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

// MaxFrontMatterDepth bounds how deeply a front matter's values nest
// ({…} and […] inside each other): a real one nests two or three deep,
// and ten thousand nested TOML inline tables in 40 KB took the TOML
// parser 3.2 GB.
const MaxFrontMatterDepth = 32

// MaxRepeatedBytes bounds what a document repeats on each of its
// sections in the index (its title and front matter, times its
// sections): a 30,000-character title over 500 sections peaked at 5.1 GB
// while indexing. The shared corpus's largest document repeats 35 KB.
const MaxRepeatedBytes = 4 << 20

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
	line, offset, depth := 0, 0, 0
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
		var deepest int
		if depth, deepest = nesting(text, depth); deepest > MaxFrontMatterDepth {
			return &lineError{line, fmt.Errorf("%w: values nested more than %d deep ({…} or […] inside each other)", ErrFrontMatter, MaxFrontMatterDepth)}
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

// nesting is the depth of {…} and […] after a line of front matter, from
// depth before it, and the deepest it reached on the line: brackets inside
// quoted strings and after a # comment do not count. It over-counts
// nothing a real front matter writes.
func nesting(line string, depth int) (after, deepest int) {
	deepest = depth
	var quote rune
	escaped := false
	for _, r := range line {
		switch {
		case quote != 0:
			if escaped {
				escaped = false
			} else if r == '\\' && quote == '"' {
				escaped = true
			} else if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
		case r == '#':
			return depth, deepest
		case r == '{' || r == '[':
			depth++
			deepest = max(deepest, depth)
		case r == '}' || r == ']':
			depth = max(depth-1, 0)
		}
	}
	return depth, deepest
}

// expandedSize is how many bytes v's strings and keys take once decoded,
// counting on past limit only as far as limit: YAML aliases repeat one
// value as often as they are written, so a small file can decode into
// gigabytes that the index would then hold.
func expandedSize(v any, limit int) int {
	n := 0
	var walk func(v any)
	walk = func(v any) {
		if n > limit {
			return
		}
		n += 8
		switch t := v.(type) {
		case string:
			n += len(t)
		case map[string]any:
			for k, e := range t {
				n += len(k)
				walk(e)
			}
		case map[any]any:
			for k, e := range t {
				walk(k)
				walk(e)
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(v)
	return n
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
