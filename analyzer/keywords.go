package analyzer

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// keywordTables are jieba's IDF table and stop words, loaded from the
// unpacked dictionaries the first time keywords are asked for: a server
// that never shows related documents never holds them, and none waits for
// them at start-up.
type keywordTables struct {
	idfPath, stopPath string

	once       sync.Once
	err        error
	idf        map[string]float64
	idfAverage float64
	stop       map[string]bool
}

func (k *keywordTables) load() error {
	k.once.Do(func() {
		k.idf = map[string]float64{}
		sum, lines := 0.0, 0
		k.err = readFileLines(k.idfPath, func(line string) {
			lines++
			word, v, ok := strings.Cut(line, " ")
			if !ok {
				return
			}
			idf, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return
			}
			k.idf[word] = idf
			sum += idf
		})
		if k.err == nil && lines > 0 {
			k.idfAverage = sum / float64(lines)
		}
		k.stop = map[string]bool{}
		if k.err == nil {
			k.err = readFileLines(k.stopPath, func(line string) { k.stop[line] = true })
		}
	})
	return k.err
}

// readFileLines reads one of the unpacked tables with ReadLines.
func readFileLines(path string, fn func(string)) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("keyword tables: %w", err)
	}
	defer f.Close()
	return ReadLines(path, f, errKeywordTables, func(_ int, text string) error {
		fn(text)
		return nil
	})
}

// errKeywordTables is wrapped by errors about an unreadable table.
var errKeywordTables = errors.New("invalid keyword table")

// extract is jieba's TF-IDF keyword extraction (cppjieba's
// KeywordExtractor, done in Go): the text's words by the mixed cut, single
// characters and stop words left out, weighted by their count times their
// IDF (the table's average for a word it lacks), the heaviest first, ties
// in word order.
func (t *Tokenizer) extract(text string, n int) []string {
	if t.keywords == nil || t.keywords.load() != nil {
		return nil
	}
	k := t.keywords
	weights := map[string]float64{}
	for _, w := range t.jieba.Cut(text, true) {
		if utf8.RuneCountInString(w) < 2 || k.stop[w] {
			continue
		}
		weights[w]++
	}
	type weighted struct {
		word   string
		weight float64
	}
	ws := make([]weighted, 0, len(weights))
	for w, tf := range weights {
		idf, ok := k.idf[w]
		if !ok {
			idf = k.idfAverage
		}
		ws = append(ws, weighted{w, tf * idf})
	}
	slices.SortFunc(ws, func(a, b weighted) int {
		if c := cmp.Compare(b.weight, a.weight); c != 0 {
			return c
		}
		return strings.Compare(a.word, b.word)
	})
	out := make([]string, 0, min(n, len(ws)))
	for _, w := range ws[:min(n, len(ws))] {
		out = append(out, w.word)
	}
	return out
}

// writeIDFStub writes the one-line IDF table jieba is started with.
func writeIDFStub(dir string) (string, error) {
	path := filepath.Join(dir, "idf-stub.utf8")
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return path, nil
	}
	tmp, err := os.CreateTemp(dir, "idf-stub.tmp*")
	if err != nil {
		return "", fmt.Errorf("write dictionary: %w", err)
	}
	_, werr := tmp.WriteString("的 1.0\n")
	if err := cmp.Or(werr, tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("write dictionary: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("write dictionary: %w", err)
	}
	return path, nil
}
