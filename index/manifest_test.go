package index

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestManifestDiff(t *testing.T) {
	m := &Manifest{Documents: map[string]ManifestEntry{
		"a":     {SHA256: "1"},
		"b":     {SHA256: "2"},
		"c/d":   {SHA256: "3"},
		"gone":  {SHA256: "4"},
		"gone2": {SHA256: "5"},
	}}
	for _, tc := range []struct {
		name                    string
		current                 map[string]string
		added, changed, removed []string
		unchanged               int
	}{
		{"same", map[string]string{"a": "1", "b": "2", "c/d": "3", "gone": "4", "gone2": "5"}, nil, nil, nil, 5},
		{"one of each", map[string]string{"a": "1", "b": "9", "c/d": "3", "gone": "4", "new": "7"}, []string{"new"}, []string{"b"}, []string{"gone2"}, 3},
		{"all gone", map[string]string{}, nil, nil, []string{"a", "b", "c/d", "gone", "gone2"}, 0},
		{"hash swap is a change", map[string]string{"a": "2", "b": "1", "c/d": "3", "gone": "4", "gone2": "5"}, nil, []string{"a", "b"}, nil, 3},
		{"added in order", map[string]string{"a": "1", "b": "2", "c/d": "3", "gone": "4", "gone2": "5", "z": "x", "m": "y", "A": "z"}, []string{"A", "m", "z"}, nil, nil, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := m.Diff(tc.current)
			eq := func(what string, got, want []string) {
				if !slices.Equal(got, want) && (len(got) > 0 || len(want) > 0) {
					t.Errorf("%s: got %v, want %v", what, got, want)
				}
			}
			eq("added", c.Added, tc.added)
			eq("changed", c.Changed, tc.changed)
			eq("removed", c.Removed, tc.removed)
			if c.Unchanged != tc.unchanged {
				t.Errorf("unchanged: got %d, want %d", c.Unchanged, tc.unchanged)
			}
			if c.Empty() != (len(tc.added)+len(tc.changed)+len(tc.removed) == 0) {
				t.Errorf("Empty() = %v for %+v", c.Empty(), c)
			}
		})
	}
	// An index with no documents yet: everything is added.
	c := (&Manifest{}).Diff(map[string]string{"x": "1", "y": "2"})
	if !slices.Equal(c.Added, []string{"x", "y"}) || len(c.Removed) > 0 || c.Unchanged != 0 {
		t.Errorf("diff against an empty manifest: %+v", c)
	}
}

func TestManifestCompatibility(t *testing.T) {
	base := Manifest{FormatVersion: FormatVersion, Variant: VariantGovsearch, Dictionary: "d1", Synonyms: "s1"}
	if err := base.checkCompatible(&base); err != nil {
		t.Fatalf("same versions: %v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(m *Manifest)
		words []string
	}{
		{"format", func(m *Manifest) { m.FormatVersion++ }, []string{"index format"}},
		{"variant", func(m *Manifest) { m.Variant = VariantJieba }, []string{"variant"}},
		{"dictionary", func(m *Manifest) { m.Dictionary, m.UserDict = "d2", "/etc/words.txt" }, []string{"dictionary d1", "now d2", "/etc/words.txt"}},
		{"synonyms", func(m *Manifest) { m.Synonyms, m.SynonymsFile = "s2", "syn.txt" }, []string{"synonyms s1 (built-in groups), now s2 (syn.txt)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := base
			tc.edit(&want)
			err := base.checkCompatible(&want)
			if !errors.Is(err, ErrNeedsFullBuild) {
				t.Fatalf("got %v, want ErrNeedsFullBuild", err)
			}
			for _, w := range append(tc.words, "without -incremental") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}
