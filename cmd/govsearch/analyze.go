package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/govsearch/govsearch/analyzer"
)

func runAnalyze(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("analyze", "[-user-dict FILE] TEXT", stderr)
	userDict := fs.String("user-dict", "", "user dictionary to add to the built-in ones")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("%w: analyze needs a text", errUsage)
	}
	dict, err := loadUserDict(*userDict)
	if err != nil {
		return err
	}
	tok, err := analyzer.NewTokenizer(dict)
	if err != nil {
		return err
	}
	text := strings.Join(fs.Args(), " ")
	fmt.Fprintf(stdout, "%-16s %6s %6s %4s\n", "term", "start", "end", "pos")
	for _, t := range tok.Tokenize([]byte(text)) {
		fmt.Fprintf(stdout, "%-16s %6d %6d %4d\n", t.Term, t.Start, t.End, t.Position)
	}
	return nil
}
