package analyzer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The dictionaries travel inside the binary. gojieba looks for its own next
// to its source file at build time, which does not exist in a container or
// on a machine without the Go module cache; cppjieba reads only files, so
// the embedded copies are written once to a cache folder and handed over by
// path.
//
//go:embed dict/jieba.dict.utf8.gz dict/hmm_model.utf8.gz dict/idf.utf8.gz dict/stop_words.utf8.gz dict/gov_terms.txt
var dictFS embed.FS

// GovTerms is the text of the government-terms dictionary that every
// govsearch analyzer loads before any user dictionary.
func GovTerms() string {
	b, err := dictFS.ReadFile("dict/gov_terms.txt")
	if err != nil {
		panic(err) // embedded at build time: cannot happen
	}
	return string(b)
}

// ErrUserDict is wrapped by every error about a malformed dictionary line.
var ErrUserDict = errors.New("invalid user dictionary")

// ParseUserDict checks a user dictionary — one word a line, optionally
// followed by a frequency and a part of speech, # for comments — and returns
// it in the canonical form the tokenizer configuration stores: normalized
// words (so that they match normalized text), one "word freq tag" or "word"
// a line. cppjieba aborts the process on some malformed lines and silently
// mis-reads others, so nothing reaches it unchecked. name is used in errors.
func ParseUserDict(name string, r io.Reader) (string, error) {
	var out strings.Builder
	err := ReadLines(name, r, ErrUserDict, func(line int, text string) error {
		fields := strings.Fields(text)
		word := NormalizeString(fields[0])
		if strings.ContainsFunc(word, unicode.IsSpace) || word == "" {
			return fmt.Errorf("%s:%d: %w: word %q is empty after normalization", name, line, ErrUserDict, fields[0])
		}
		if utf8.RuneCountInString(word) > 64 {
			return fmt.Errorf("%s:%d: %w: word %q is longer than 64 characters", name, line, ErrUserDict, fields[0])
		}
		freq, tag := "", ""
		switch len(fields) {
		case 1:
		case 2:
			if _, err := strconv.Atoi(fields[1]); err == nil {
				freq = fields[1]
			} else {
				tag = fields[1]
			}
		case 3:
			freq, tag = fields[1], fields[2]
		default:
			return fmt.Errorf("%s:%d: %w: want \"word [frequency] [part of speech]\", got %d fields", name, line, ErrUserDict, len(fields))
		}
		if freq != "" {
			if n, err := strconv.Atoi(freq); err != nil || n <= 0 || n > 1_000_000_000 {
				return fmt.Errorf("%s:%d: %w: frequency %q is not a positive whole number", name, line, ErrUserDict, freq)
			}
		}
		if tag != "" && !isTag(tag) {
			return fmt.Errorf("%s:%d: %w: part of speech %q is not a short ASCII tag such as n or nz", name, line, ErrUserDict, tag)
		}
		switch {
		case freq != "":
			if tag == "" {
				tag = "n"
			}
			fmt.Fprintf(&out, "%s %s %s\n", word, freq, tag)
		case tag != "":
			fmt.Fprintf(&out, "%s %s\n", word, tag)
		default:
			fmt.Fprintf(&out, "%s\n", word)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return out.String(), nil
}

// ReadLines calls fn with each line of a word list — a user dictionary, a
// synonyms file — trimmed, without a byte order mark, skipping blank lines
// and # comments. A line that is not UTF-8 or cannot be read is an error
// wrapping invalid and naming name and the line; fn's errors are returned
// as they are.
func ReadLines(name string, r io.Reader, invalid error, fn func(line int, text string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if !utf8.ValidString(text) {
			return fmt.Errorf("%s:%d: %w: not valid UTF-8", name, line, invalid)
		}
		if err := fn(line, text); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s:%d: %w: %v", name, line+1, invalid, err)
	}
	return nil
}

func isTag(s string) bool {
	if len(s) > 8 {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			return false
		}
	}
	return true
}

// dictFiles are the paths of the five files cppjieba loads, in gojieba's
// argument order: main dictionary, HMM model, user dictionary, IDF, stop words.
type dictFiles [5]string

// writeDicts materializes the embedded dictionaries plus the given canonical
// user dictionary in dir and returns their paths. Files are written to a
// temporary name and renamed, and named by content hash, so concurrent
// processes sharing the cache never see a half-written file.
func writeDicts(dir, userDict string) (dictFiles, error) {
	var files dictFiles
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return files, fmt.Errorf("create dictionary folder: %w", err)
	}
	for i, name := range []string{"jieba.dict.utf8", "hmm_model.utf8", "", "idf.utf8", "stop_words.utf8"} {
		// A file is named by a hash of what it is made from, so that a
		// start with the files in the cache finds them without unpacking
		// and normalizing 20 MB of dictionaries first.
		var content []byte
		var gz []byte
		normalize := name == "jieba.dict.utf8" || name == "idf.utf8"
		var key [32]byte
		if name == "" {
			name = "user.dict.utf8"
			content = []byte(mustParse(GovTerms()) + userDict)
			key = sha256.Sum256(content)
		} else {
			var err error
			if gz, err = dictFS.ReadFile("dict/" + name + ".gz"); err != nil {
				return files, err
			}
			h := sha256.New()
			fmt.Fprintf(h, "%s normalized=%t v%d\n", name, normalize, normalizeVersion)
			h.Write(gz)
			h.Sum(key[:0])
		}
		path := filepath.Join(dir, hex.EncodeToString(key[:8])+"-"+name)
		files[i] = path
		if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
			continue // written whole: files appear by rename
		}
		if content == nil {
			var err error
			if content, err = gunzip(gz); err != nil {
				return files, fmt.Errorf("unpack %s: %w", name, err)
			}
			if normalize {
				content = normalizeDict(content)
			}
		}
		tmp, err := os.CreateTemp(dir, name+".tmp*")
		if err != nil {
			return files, fmt.Errorf("write dictionary: %w", err)
		}
		_, werr := tmp.Write(content)
		cerr := tmp.Close()
		if err := errors.Join(werr, cerr); err != nil {
			os.Remove(tmp.Name())
			return files, fmt.Errorf("write dictionary %s: %w", path, err)
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			os.Remove(tmp.Name())
			return files, fmt.Errorf("write dictionary %s: %w", path, err)
		}
	}
	return files, nil
}

func mustParse(text string) string {
	out, err := ParseUserDict("gov_terms.txt", strings.NewReader(text))
	if err != nil {
		panic(err) // embedded at build time; a test parses it too
	}
	return out
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// normalizeVersion names the normalization dictionaries are cached with;
// change it when Normalize changes, so that caches are written again.
const normalizeVersion = 1

// normalizeDict rewrites the first field of every line of a jieba
// dictionary to its normalized form: govsearch cuts normalized text, so a
// dictionary word with capitals or full-width letters would never match.
func normalizeDict(content []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(content))
	for line := range bytes.Lines(content) {
		line = bytes.TrimRight(line, "\r\n")
		word, rest, found := bytes.Cut(line, []byte(" "))
		n := NormalizeString(string(word))
		if n == "" || strings.ContainsFunc(n, unicode.IsSpace) {
			continue // e.g. a full-width space folded to a space: unusable
		}
		out.WriteString(n)
		if found {
			out.WriteByte(' ')
			out.Write(rest)
		}
		out.WriteByte('\n')
	}
	return out.Bytes()
}
