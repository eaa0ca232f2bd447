package index

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/adrg/frontmatter"
)

// Sentinel errors that a caller can test with errors.Is; each is wrapped in
// a *FileError that says which file and line.
var (
	// ErrEmpty means the file has no title and no text.
	ErrEmpty = errors.New("empty document")
	// ErrEncoding means the file is not valid UTF-8 text.
	ErrEncoding = errors.New("not valid UTF-8 text")
	// ErrFrontMatter means the front matter is malformed.
	ErrFrontMatter = errors.New("invalid front matter")
	// ErrDuplicateID means two files map to one doc_id (a.md and a.markdown).
	ErrDuplicateID = errors.New("duplicate doc_id")
)

// FileError is an error about one input file; Line is 1-based, 0 when the
// problem has no line.
type FileError struct {
	Path string
	Line int
	Err  error
}

// Error formats the error as path:line: message, the way compilers do, so
// that editors and people can jump to it.
func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

// shanghai is the zone of dates written without one: the sources are
// Chinese government sites. A fixed zone needs no tzdata in the container.
var shanghai = time.FixedZone("CST", 8*3600)

// ParseReply reads one Markdown file: its front matter (YAML, or TOML/JSON
// as adrg/frontmatter detects them) and its body split into sections. path
// is only used in errors.
func ParseReply(path, docID string, data []byte) (*Reply, error) {
	fail := func(line int, err error) error { return &FileError{Path: path, Line: line, Err: err} }
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	// Line ends are normalized first so that lines count the same in files
	// from any system, old Mac ones included.
	if bytes.Contains(data, []byte("\r")) {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	}
	if line, ok := invalidUTF8Line(data); !ok {
		return nil, fail(line, ErrEncoding)
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, fail(lineOf(data, i), fmt.Errorf("%w: NUL byte (binary file?)", ErrEncoding))
	}

	var fm map[string]any
	body, err := frontmatter.Parse(bytes.NewReader(data), &fm)
	fmLine := frontMatterStart(data)
	if err != nil {
		return nil, fail(fmLine+yamlErrLine(err), fmt.Errorf("%w: %v", ErrFrontMatter, cleanYAMLErr(err)))
	}
	if fm == nil && fmLine > 0 && len(body) == len(data) {
		return nil, fail(fmLine, fmt.Errorf("%w: opened here and never closed", ErrFrontMatter))
	}

	r := &Reply{DocID: docID}
	// Keys in the order they are written, so that a file with several bad
	// keys always reports the first.
	keys := make([]string, 0, len(fm))
	for key := range fm {
		keys = append(keys, key)
	}
	lines := keyLines(data, fmLine, keys)
	slices.SortFunc(keys, func(a, b string) int {
		if c := lines[a] - lines[b]; c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	for _, key := range keys {
		v := plain(fm[key])
		var err error
		switch key {
		case "title":
			r.Title, err = scalarString(v)
		case "date":
			r.Date, err = parseDate(v)
		case "tags":
			r.Tags, err = stringList(v)
		case "categories":
			r.Categories, err = stringList(v)
		default:
			if r.Meta == nil {
				r.Meta = map[string]any{}
			}
			r.Meta[key] = v
		}
		if err != nil {
			return nil, fail(lines[key], fmt.Errorf("%w: %s: %v", ErrFrontMatter, key, err))
		}
	}
	r.Title = strings.TrimSpace(r.Title)
	text := string(body)
	if r.Title == "" {
		r.Title = firstLine(text)
	}
	r.Sections = SplitSections(text)
	if r.Title == "" && len(r.Sections) == 0 {
		return nil, fail(0, ErrEmpty)
	}
	if len(r.Sections) == 0 {
		// A title without a body is still a document: one empty section
		// carries its title into the index.
		r.Sections = []Section{{Num: 0}}
	}
	r.Info = ExtractReplyInfo(r.Title, replyLines(r), r.Meta)
	return r, nil
}

// replyLines are a reply's lines in order, headings included: what
// ExtractReplyInfo reads.
func replyLines(r *Reply) []string {
	var lines []string
	for _, s := range r.Sections {
		if s.Heading != "" {
			lines = append(lines, s.Heading)
		}
		lines = append(lines, strings.Split(s.Text, "\n")...)
	}
	return lines
}

// invalidUTF8Line returns the 1-based line of the first invalid byte.
func invalidUTF8Line(data []byte) (int, bool) {
	if utf8.Valid(data) {
		return 0, true
	}
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return lineOf(data, i), false
		}
		i += size
	}
	return 0, true
}

func lineOf(data []byte, offset int) int { return bytes.Count(data[:offset], []byte("\n")) + 1 }

// frontMatterStart returns the line of the opening delimiter, 0 if none.
func frontMatterStart(data []byte) int {
	for i, line := range strings.Split(string(data[:min(len(data), 4096)]), "\n") {
		t := strings.TrimSpace(line)
		if t == "" {
			continue
		}
		switch t {
		case "---", "+++", ";;;", "---yaml", "---toml", "---json":
			return i + 1
		}
		return 0
	}
	return 0
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// yamlParserErrRE matches the problems of yaml.v2's parser, as opposed to its
// scanner and decoder: the parser gives the 0-based line of the token it
// stopped at, the others 1-based lines.
var yamlParserErrRE = regexp.MustCompile(`^yaml: line \d+: (did not find expected (<|key|node content|'-' indicator|',' or)|found (undefined tag handle|duplicate %|incompatible YAML))`)

// yamlSyntaxErrRE matches the syntax errors of yaml.v2's scanner and parser,
// which say no line when it is the first: their line 0.
var yamlSyntaxErrRE = regexp.MustCompile(`^yaml: (found|did not find|could not find|mapping (keys|values) are not allowed|block sequence entries are not allowed)`)

// yamlErrLine extracts the line number from a YAML or TOML error, counted
// from the first line inside the front matter.
func yamlErrLine(err error) int {
	m := yamlLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		if yamlSyntaxErrRE.MatchString(err.Error()) {
			return 1
		}
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n + yamlLineFix(err)
}

// yamlLineFix is what to add to the lines err gives to count them from 1.
func yamlLineFix(err error) int {
	if yamlParserErrRE.MatchString(err.Error()) {
		return 1
	}
	return 0
}

func cleanYAMLErr(err error) string {
	s := err.Error()
	fix := yamlLineFix(err)
	s = strings.TrimPrefix(s, "yaml: ")
	return yamlLineRE.ReplaceAllStringFunc(s, func(m string) string {
		n, _ := strconv.Atoi(yamlLineRE.FindStringSubmatch(m)[1])
		return "front matter line " + strconv.Itoa(n+fix)
	})
}

// keyLines finds the line of each top-level key, for error messages and to
// check keys in written order; a key not found gets the front matter's
// first line. One pass over the lines: a front matter of thousands of keys
// must not cost a scan per key.
func keyLines(data []byte, fmLine int, keys []string) map[string]int {
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	out := make(map[string]int, len(keys))
	line := 0
	for l := range bytes.Lines(data) {
		line++
		if line <= fmLine {
			continue
		}
		if len(out) == len(keys) || line > fmLine+100000 {
			break
		}
		text := strings.TrimRight(string(l), "\r\n")
		// YAML's key: value, TOML's key = value, JSON's "key": value.
		i := strings.IndexAny(text, ":=")
		if i < 0 {
			continue
		}
		key := strings.Trim(strings.TrimRight(text[:i], " "), `"`)
		if want[key] {
			if _, seen := out[key]; !seen {
				out[key] = line
			}
		}
	}
	for _, k := range keys {
		if _, ok := out[k]; !ok {
			out[k] = fmLine
		}
	}
	return out
}

// firstLine is the title of a document without one: its first non-empty
// line, without Markdown heading marks or indentation.
func firstLine(body string) string {
	for line := range strings.SplitSeq(body, "\n") {
		t := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "#"))
		t = strings.Trim(t, " \t\u3000")
		if t != "" {
			if utf8.RuneCountInString(t) > 200 {
				t = string([]rune(t)[:200])
			}
			return t
		}
	}
	return ""
}

// plain converts YAML's map[any]any into map[string]any, recursively, so
// that metadata marshals as JSON.
func plain(v any) any {
	switch t := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, v := range t {
			m[fmt.Sprint(k)] = plain(v)
		}
		return m
	case map[string]any:
		for k, v := range t {
			t[k] = plain(v)
		}
		return t
	case []any:
		for i := range t {
			t[i] = plain(t[i])
		}
		return t
	}
	return v
}

func scalarString(v any) (string, error) {
	switch t := v.(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	case int, int64, uint64, float64, bool:
		return fmt.Sprint(t), nil
	case time.Time:
		return t.Format(time.RFC3339), nil
	}
	return "", fmt.Errorf("want text, got %s", kind(v))
}

func stringList(v any) ([]string, error) {
	if l, ok := v.([]any); ok {
		out := make([]string, 0, len(l))
		for i, e := range l {
			s, err := scalarString(e)
			if err != nil {
				return nil, fmt.Errorf("item %d: %v", i+1, err)
			}
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	}
	s, err := scalarString(v)
	if err != nil {
		return nil, fmt.Errorf("want a list or a single value, got %s", kind(v))
	}
	if s = strings.TrimSpace(s); s == "" {
		return nil, nil
	}
	return []string{s}, nil
}

func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

var chineseDateRE = regexp.MustCompile(`^(\d{4})年(\d{1,2})月(\d{1,2})日$`)

// parseDate accepts RFC 3339, 2020-11-07, 2020-11-07 13:20:52 and
// 2020年11月7日; a date without a zone is in China's.
func parseDate(v any) (time.Time, error) {
	switch t := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		// TOML hands back a date or time without a zone in the machine's
		// zone, named so: it is in China's like any other.
		switch t.Location().String() {
		case "date-local", "datetime-local":
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), shanghai), nil
		}
		return t, nil
	case string:
		s := strings.TrimSpace(t)
		if s == "" {
			return time.Time{}, nil
		}
		if d, err := time.Parse(time.RFC3339, s); err == nil {
			return d, nil
		}
		for _, layout := range []string{"2006-01-02", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006/01/02"} {
			if d, err := time.ParseInLocation(layout, s, shanghai); err == nil {
				return d, nil
			}
		}
		if m := chineseDateRE.FindStringSubmatch(s); m != nil {
			y, _ := strconv.Atoi(m[1])
			mo, _ := strconv.Atoi(m[2])
			d, _ := strconv.Atoi(m[3])
			date := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, shanghai)
			if date.Month() == time.Month(mo) && date.Day() == d {
				return date, nil
			}
		}
		return time.Time{}, fmt.Errorf("%q is not a date: want RFC 3339 (2020-11-07T13:20:52+08:00), 2020-11-07 or 2020-11-07 13:20:52", s)
	}
	return time.Time{}, fmt.Errorf("want a date, got %s", kind(v))
}
