package analyzer

import (
	"strings"
	"sync"

	"github.com/longbridgeapp/opencc"
)

// Traditional characters fold to simplified ones so that 工業互聯網 finds
// 工业互联网. The table comes from OpenCC's t2s conversion
// (github.com/longbridgeapp/opencc), applied character by character: a
// one-to-one mapping keeps every normalized character traceable to the
// original one, which highlight offsets need. OpenCC's phrase table, which
// only matters for the few characters whose simplification depends on the
// word (乾隆 keeps 乾), is left out for that reason.
const (
	t2sLo = 0x3400 // CJK Extension A
	t2sHi = 0x9FFF // end of the CJK Unified Ideographs
)

var (
	t2sOnce  sync.Once
	t2sDense []rune        // t2sDense[r-t2sLo] is r's simplified form, 0 when the same
	t2sRare  map[rune]rune // the supplementary planes
	t2sErr   error
)

// loadT2S builds the table by converting every ideograph once, each on its
// own line so that OpenCC's phrase matching cannot join neighbours.
func loadT2S() {
	cc, err := opencc.New("t2s")
	if err != nil {
		t2sErr = err
		return
	}
	t2sDense = make([]rune, t2sHi-t2sLo+1)
	t2sRare = map[rune]rune{}
	ranges := [][2]rune{{t2sLo, t2sHi}, {0x20000, 0x2A6DF}}
	for _, rg := range ranges {
		var in strings.Builder
		for r := rg[0]; r <= rg[1]; r++ {
			in.WriteRune(r)
			in.WriteByte('\n')
		}
		out, err := cc.Convert(in.String())
		if err != nil {
			t2sErr = err
			return
		}
		lines := strings.Split(out, "\n")
		for i, r := 0, rg[0]; r <= rg[1] && i < len(lines); i, r = i+1, r+1 {
			s := []rune(lines[i])
			if len(s) != 1 || s[0] == r {
				continue
			}
			if r <= t2sHi {
				t2sDense[r-t2sLo] = s[0]
			} else {
				t2sRare[r] = s[0]
			}
		}
	}
}

// simplified returns the simplified form of r, or r.
func simplified(r rune) rune {
	t2sOnce.Do(loadT2S)
	if t2sErr != nil {
		return r
	}
	if t2sLo <= r && r <= t2sHi {
		if s := t2sDense[r-t2sLo]; s != 0 {
			return s
		}
		return r
	}
	if r >= 0x20000 {
		if s, ok := t2sRare[r]; ok {
			return s
		}
	}
	return r
}
