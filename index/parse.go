package index

import (
	"bytes"
	"cmp"
	"encoding/json"
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
	// ErrEncoding means the file is not text in an encoding govsearch reads
	// (UTF-8, UTF-16 with a byte order mark, GBK or GB18030).
	ErrEncoding = errors.New("unreadable text")
	// ErrFrontMatter means the front matter is malformed.
	ErrFrontMatter = errors.New("invalid front matter")
	// ErrNotMarkdown means the file is something else named .md: an HTML
	// page saved from a website, say.
	ErrNotMarkdown = errors.New("not a Markdown document")
	// ErrTooBig means the file is too big to be a reply (see MaxFileSize).
	ErrTooBig = errors.New("document too big")
	// ErrDuplicateID means two files map to one doc_id (a.md and a.markdown).
	ErrDuplicateID = errors.New("duplicate doc_id")
	// ErrFileName means a file's name cannot be a doc_id (it is not UTF-8).
	ErrFileName = errors.New("unusable file name")
	// ErrOutsideSource means a symbolic link under the source folder
	// points outside it (see BuildOptions.LinksOutside).
	ErrOutsideSource = errors.New("link leaves the source folder")
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
	data, encoding, lerr := decodeText(data)
	if lerr != nil {
		return nil, fail(lerr.line, lerr.err)
	}
	// Line ends are normalized first so that lines count the same in files
	// from any system, old Mac ones included.
	if bytes.Contains(data, []byte("\r")) {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, fail(lineOf(data, i), fmt.Errorf("%w: NUL byte (binary file?)", ErrEncoding))
	}
	fmLine := frontMatterStart(data)
	if lerr := checkFrontMatter(data, fmLine); lerr != nil {
		return nil, fail(lerr.line, lerr.err)
	}

	var fm map[string]any
	body, err := frontmatter.Parse(bytes.NewReader(data), &fm)
	if err != nil {
		return nil, fail(frontMatterErrLine(data, fmLine, err), fmt.Errorf("%w: %v", ErrFrontMatter, cleanYAMLErr(err)))
	}
	if fm == nil && fmLine > 0 && len(body) == len(data) {
		return nil, fail(fmLine, fmt.Errorf("%w: opened here and never closed", ErrFrontMatter))
	}
	fmSize := expandedSize(fm, MaxFrontMatterSize)
	if fmSize > MaxFrontMatterSize {
		return nil, fail(fmLine, fmt.Errorf("%w: its values decode to more than %d KB (YAML aliases repeating a value?)", ErrFrontMatter, MaxFrontMatterSize>>10))
	}

	if line, ok := htmlPage(data, body); ok {
		return nil, fail(line, fmt.Errorf("%w: an HTML page; convert it to Markdown (pandoc -t gfm) first", ErrNotMarkdown))
	}

	r := &Reply{DocID: docID, encoding: encoding, markdown: data}
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
	if len(r.Sections) > MaxWindow {
		// Even packed (see packSections): one search could not list them.
		return nil, fail(0, fmt.Errorf("%w: %d sections of up to %d characters, more than %d", ErrTooBig, len(r.Sections), splitRunes, MaxWindow))
	}
	if len(r.Sections) == 0 {
		// A title without a body is still a document: one empty section
		// carries its title into the index.
		r.Sections = []Section{{Num: 0}}
	}
	if each := len(r.Title) + fmSize; each*len(r.Sections) > MaxRepeatedBytes {
		return nil, fail(cmp.Or(lines["title"], fmLine), fmt.Errorf("%w: its title and front matter (%d KB) would be repeated on each of its %d sections, %d MB in all, more than the limit of %d MB; shorten the title",
			ErrTooBig, each>>10, len(r.Sections), each*len(r.Sections)>>20, MaxRepeatedBytes>>20))
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

// lineOf returns the 1-based line of data[offset], counting a lone CR (old
// Mac files) as a line end too.
func lineOf(data []byte, offset int) int {
	data = data[:offset]
	return bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) - bytes.Count(data, []byte("\r\n")) + 1
}

// frontMatterStart returns the line of the opening delimiter, 0 if none.
func frontMatterStart(data []byte) int {
	for i, line := range strings.Split(string(data[:min(len(data), 4096)]), "\n") {
		t := strings.TrimSpace(line)
		if t == "" {
			continue
		}
		if _, ok := closingDelims[t]; ok {
			return i + 1
		}
		return 0
	}
	return 0
}

// frontMatterErrLine is the line of the file a front matter error is
// about: YAML and TOML errors say which line of the front matter, JSON
// ones at which byte.
func frontMatterErrLine(data []byte, fmLine int, err error) int {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	offset := int64(-1)
	switch {
	case errors.As(err, &syn):
		offset = syn.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	}
	if offset < 0 || fmLine == 0 {
		return fmLine + yamlErrLine(err)
	}
	// The JSON starts on the line after the opening delimiter.
	start := 0
	for range fmLine {
		i := bytes.IndexByte(data[start:], '\n')
		if i < 0 {
			return fmLine
		}
		start += i + 1
	}
	return lineOf(data, min(start+int(offset), len(data)))
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

// stringList reads tags and categories: a list of text, or one text.
// Numbers and true/false are refused rather than turned into tags: YAML
// reads 2020 as a number and yes as true, and a tag list should say what
// it means in quotes.
func stringList(v any) ([]string, error) {
	text := func(v any) (string, error) {
		switch t := v.(type) {
		case nil:
			return "", nil
		case string:
			return strings.TrimSpace(t), nil
		}
		return "", fmt.Errorf("want text, got %s (put a tag in quotes: \"%v\")", kind(v), v)
	}
	if l, ok := v.([]any); ok {
		out := make([]string, 0, len(l))
		for i, e := range l {
			s, err := text(e)
			if err != nil {
				return nil, fmt.Errorf("item %d: %v", i+1, err)
			}
			if s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	}
	if _, ok := v.(map[string]any); ok {
		return nil, fmt.Errorf("want a list or a single value, got %s", kind(v))
	}
	s, err := text(v)
	if err != nil || s == "" {
		return nil, err
	}
	return []string{s}, nil
}

func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case int, int64, uint64, float64:
		return "a number"
	case bool:
		return "true/false"
	case time.Time:
		return "a date"
	}
	return fmt.Sprintf("%T", v)
}

// MinDate and MaxDate are the first and last days an index can hold, in
// China time: bleve keeps a date as nanoseconds since 1970 in 64 bits. A
// document or a search dated outside them is refused rather than dropped.
var (
	MinDate = time.Date(1677, 9, 22, 0, 0, 0, 0, shanghai)
	MaxDate = time.Date(2262, 4, 11, 0, 0, 0, 0, shanghai)
)

// DateInRange says whether t's day is one an index can hold, and if not,
// what the range is.
func DateInRange(t time.Time) error {
	if t.IsZero() || !t.Before(MinDate) && !dayStart(t).After(MaxDate) {
		return nil
	}
	return fmt.Errorf("%s is outside the dates an index can hold (%s to %s)", t.In(shanghai).Format(time.DateOnly), MinDate.Format(time.DateOnly), MaxDate.Format(time.DateOnly))
}

// parseDate accepts RFC 3339, 2020-11-07, 2020-11-07 13:20:52, 2020年11月7日
// and 二〇二〇年十一月七日; a date without a zone is in China's; a date an
// index cannot hold (see MinDate) is refused.
func parseDate(v any) (time.Time, error) {
	t, err := parseAnyDate(v)
	if err == nil {
		err = DateInRange(t)
	}
	return t, err
}

func parseAnyDate(v any) (time.Time, error) {
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
		if d, ok := parseReplyDate(s); ok {
			return d, nil
		}
		return time.Time{}, fmt.Errorf("%q is not a date: want RFC 3339 (2020-11-07T13:20:52+08:00), 2020-11-07, 2020-11-07 13:20:52, 2020年11月7日 or 二〇二〇年十一月七日", s)
	}
	return time.Time{}, fmt.Errorf("want a date, got %s", kind(v))
}
