package index

import (
	"bytes"
	"fmt"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"
)

// Encodings a source file may come in besides UTF-8: older government
// sites and Windows tools save Chinese text as GBK (or its superset
// GB18030), and some editors save UTF-16 with a byte order mark.
const (
	encodingUTF8    = ""
	encodingUTF16   = "UTF-16"
	encodingGB18030 = "GB18030"
)

// decodeText returns a file's text as UTF-8 and the encoding it was
// transcoded from ("" for UTF-8). A byte order mark decides between UTF-8
// and UTF-16. Text that is not UTF-8 is taken for GB18030 (which GBK is a
// subset of) only when it decodes without a single invalid sequence into
// mostly Chinese text, and is not UTF-8 with a few broken bytes; anything
// else is refused with the line of its first invalid byte, never guessed.
func decodeText(data []byte) ([]byte, string, *lineError) {
	switch {
	case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
		data = data[3:]
	case bytes.HasPrefix(data, []byte("\xff\xfe")), bytes.HasPrefix(data, []byte("\xfe\xff")):
		return decodeUTF16(data)
	}
	if utf8.Valid(data) {
		return data, encodingUTF8, nil
	}
	line, offset := invalidUTF8(data)
	if !mostlyInvalidUTF8(data) {
		return nil, "", &lineError{line, fmt.Errorf("%w: invalid UTF-8 at byte %d", ErrEncoding, offset)}
	}
	text, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil || bytes.ContainsRune(text, utf8.RuneError) || !mostlyChinese(text) {
		return nil, "", &lineError{line, fmt.Errorf("%w: invalid UTF-8 at byte %d, and not GBK or GB18030 Chinese text either", ErrEncoding, offset)}
	}
	return text, encodingGB18030, nil
}

// decodeUTF16 decodes text that starts with a UTF-16 byte order mark.
func decodeUTF16(data []byte) ([]byte, string, *lineError) {
	if len(data)%2 != 0 {
		return nil, "", &lineError{0, fmt.Errorf("%w: UTF-16 (it starts with a byte order mark) with an odd number of bytes", ErrEncoding)}
	}
	text, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder().Bytes(data)
	if err != nil {
		return nil, "", &lineError{0, fmt.Errorf("%w: UTF-16: %v", ErrEncoding, err)}
	}
	// The decoder turns unpaired surrogates into U+FFFD: a broken file.
	if i := bytes.IndexRune(text, utf8.RuneError); i >= 0 {
		return nil, "", &lineError{lineOf(text, i), fmt.Errorf("%w: UTF-16 with an unpaired surrogate", ErrEncoding)}
	}
	return text, encodingUTF16, nil
}

// lineError is an error about one line of a file whose path the caller
// knows; line 0 is the whole file.
type lineError struct {
	line int
	err  error
}

func (e *lineError) Error() string { return e.err.Error() }
func (e *lineError) Unwrap() error { return e.err }

// invalidUTF8 returns the 1-based line and the offset of the first byte
// that is not valid UTF-8.
func invalidUTF8(data []byte) (line, offset int) {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return lineOf(data, i), i
		}
		i += size
	}
	return 0, -1
}

// mostlyInvalidUTF8 tells GBK text from UTF-8 text with a few broken bytes:
// in the first, next to no multi-byte sequence is valid UTF-8; in the
// second, nearly all are.
func mostlyInvalidUTF8(data []byte) bool {
	valid, invalid := 0, 0
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			invalid++
		case size > 1:
			valid++
		}
		i += size
	}
	return invalid > 4*valid
}

// mostlyChinese reports whether most of text's non-ASCII characters are
// Han characters or CJK punctuation: what transcoded Chinese text is, and
// what bytes of another encoding read as GB18030 seldom are.
func mostlyChinese(text []byte) bool {
	chinese, other := 0, 0
	for _, r := range string(text) {
		switch {
		case r < utf8.RuneSelf:
		case unicode.Is(unicode.Han, r), r >= 0x3000 && r <= 0x303f, r >= 0xff00 && r <= 0xffef, r == '“', r == '”', r == '‘', r == '’', r == '…', r == '—', r == '·':
			chinese++
		default:
			other++
		}
	}
	return chinese > 0 && chinese >= 9*other
}
