package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/govsearch/govsearch/api"
	"github.com/govsearch/govsearch/index"
)

func runSearch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("search", "-index DIR [flags] QUERY", stderr)
	dir := fs.String("index", "", "index folder (required)")
	n := fs.Int("n", index.DefaultSize, fmt.Sprintf("number of results, 1 to %d", index.MaxSize))
	from := fs.Int("from", 0, "results to skip")
	asJSON := fs.Bool("json", false, "print the HTTP API's JSON")
	raw := fs.Bool("raw", false, "search every part of QUERY as words: do not read dates (2020年), issuing bodies (工信部), kinds (提案), sessions (十三届三次) or addressees (张连起委员) out of it as filters")
	synonyms := fs.String("synonyms", "", "synonyms file to add to the built-in groups: one group a line, forms separated by commas")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" || fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("%w: search needs -index and a query", errUsage)
	}
	if *n < 1 || *n > index.MaxSize {
		return fmt.Errorf("%w: -n %d: must be from 1 to %d", errUsage, *n, index.MaxSize)
	}
	if *from < 0 || *from+*n > index.MaxWindow {
		return fmt.Errorf("%w: -from %d: must be from 0 to %d", errUsage, *from, index.MaxWindow-*n)
	}
	syn, err := loadSynonyms(*synonyms)
	if err != nil {
		return err
	}
	ix, err := index.OpenWith(*dir, index.OpenOptions{Synonyms: syn, SynonymsFile: absOr(*synonyms)})
	if err != nil {
		return err
	}
	defer ix.Close()
	res, err := ix.Search(ctx, index.SearchRequest{Query: strings.Join(fs.Args(), " "), From: *from, Size: *n, Interpret: !*raw})
	if err != nil {
		return err
	}
	if *asJSON {
		return api.EncodeSearch(stdout, res)
	}
	mark := markers{"【", "】"}
	if isTerminal(stdout) {
		mark = markers{"\x1b[1;31m", "\x1b[0m"}
	}
	fmt.Fprintf(stdout, "%d sections match %q (%s)\n", res.Total, res.Query, res.Took.Round(10_000))
	if in := res.Interpreted; in != nil {
		var read []string
		for _, r := range in.Readings {
			read = append(read, fmt.Sprintf("%s → %s %s", r.Text, r.Filter, r.Value))
		}
		fmt.Fprintf(stdout, "read as: %s, ranked first; the parts also match as typed (-raw to search it as typed only)\n", strings.Join(read, ", "))
	}
	for i, h := range res.Hits {
		date := ""
		if !h.Date.IsZero() {
			date = " " + h.Date.Format("2006-01-02")
		}
		heading := h.Heading
		if heading == "" {
			heading = fmt.Sprintf("§%d", h.Section)
		}
		fmt.Fprintf(stdout, "\n%d. %s%s\n   %s  [%s, score %.3f]\n   %s\n",
			*from+i+1, h.Title, date, heading, h.ID, h.Score, mark.text(h.Snippet))
	}
	return nil
}

// markers replace <mark> tags for a terminal or a plain file.
type markers struct{ open, close string }

// text turns an HTML snippet into plain text with the matches marked.
func (m markers) text(snippet string) string {
	s := strings.ReplaceAll(snippet, "<mark>", m.open)
	s = strings.ReplaceAll(s, "</mark>", m.close)
	return html.UnescapeString(s)
}
